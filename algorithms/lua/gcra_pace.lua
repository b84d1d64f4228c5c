-- gcra_pace.lua - mirror of algorithms/gcra_pace.c (GCRA, pace mode: reserve a slot).
-- State: s0, s1 TAT (whole us, fraction in 1/L us), s2 latest admitted time (us). It matters
-- until the TAT.

local WAIT_MAX_US = 2 ^ 50 -- as GCRA_PACE_WAIT_MAX_US

local function decide(c, s, now_us, cost)
  local L, P = rate_of(c)
  local at_us = math.max(now_us, s[2])
  local tat_us, tat_frac = instant_norm(s[0], s[1], L)
  if cost > c.burst then
    return false, math.max(1, instant_ceil_after(tat_us, tat_frac, at_us)), at_us
  end
  local early_us, early_frac = instant_add(tat_us, tat_frac, -(c.burst - 1), L, P)
  local fire_us, fire_frac = instant_max(at_us, 0, early_us, early_frac)
  local wait = instant_ceil_after(fire_us, fire_frac, at_us)
  local wait_max = WAIT_MAX_US
  if c.max_wait > 0 then
    wait_max = c.max_wait
  end
  if wait > wait_max then
    return false, wait - wait_max, at_us
  end
  local from_us, from_frac = instant_max(fire_us, fire_frac, tat_us, tat_frac)
  s[0], s[1] = instant_add(from_us, from_frac, cost, L, P)
  s[2] = at_us
  return true, wait, at_us, 3, instant_ceil_after(s[0], s[1], at_us)
end

return rate_math_run(decide)
