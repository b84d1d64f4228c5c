-- token_bucket_interval.lua - mirror of algorithms/token_bucket_interval.c (refilled to limit
-- every period_us; the same arithmetic as fixed_window).
-- State: s0 latest admitted time (us), s1 tokens taken in its window. It matters until that
-- window ends.

local function decide(c, s, now_us, cost)
  local latest_us = s[0]
  local at_us = math.max(now_us, latest_us)
  local window, into_us = divmod(at_us, c.period)
  local latest_window = divmod(latest_us, c.period)
  local count = s[1]
  if window ~= latest_window then
    count = 0
  end
  if cost > c.limit - count then
    return false, c.period - into_us, at_us
  end
  s[0] = at_us
  s[1] = count + cost
  return true, 0, at_us, 2, c.period - into_us
end

return rate_math_run(decide)
