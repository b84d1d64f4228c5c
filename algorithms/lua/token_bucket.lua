-- token_bucket.lua - mirror of algorithms/token_bucket.c (continuous refill, starts full).
-- State: s0 latest admitted time (us), s1 deficit in units of 1/P token. It matters
-- until the deficit has drained.

local function decide(c, s, now_us, cost)
  local L, P = rate_of(c)
  local latest_us = s[0]
  local at_us = math.max(now_us, latest_us)
  local deficit = bucket_drain(s[1], at_us - latest_us, L)
  if cost > c.burst then
    return false, math.max(1, ceil_div(deficit, L)), at_us
  end
  local room = (c.burst - cost) * P -- deficit may grow to room before this cost no longer fits
  if deficit > room then
    return false, ceil_div(deficit - room, L), at_us
  end
  s[0] = at_us
  s[1] = deficit + cost * P
  return true, 0, at_us, 2, ceil_div(s[1], L)
end

return rate_math_run(decide)
