-- leaky_bucket_meter.lua - mirror of algorithms/leaky_bucket_meter.c (a meter, starts empty).
-- State: s0 latest admitted time (us), s1 level in units of 1/P. It matters until
-- the bucket has drained.

local function decide(c, s, now_us, cost)
  local L, P = rate_of(c)
  local latest_us = s[0]
  local at_us = math.max(now_us, latest_us)
  local level = bucket_drain(s[1], at_us - latest_us, L)
  if cost > c.burst then
    return false, math.max(1, ceil_div(level, L)), at_us
  end
  local room = (c.burst - cost) * P -- the level this cost may pour onto
  if level > room then
    return false, ceil_div(level - room, L), at_us
  end
  s[0] = at_us
  s[1] = level + cost * P
  return true, 0, at_us, 2, ceil_div(s[1], L)
end

return rate_math_run(decide)
