-- selector.lua - mirror of algorithms/selector.c: gcra_pace (as gcra_pace.lua) with burst = the
-- setting's when bursting, 1 when pacing; observe moves the score. State: s0, s1 TAT (whole us,
-- fraction in 1/L us), s2 latest admitted time (us), s3 2 x score + mode (1 pacing).

local WAIT_MAX_US = 2 ^ 50 -- as GCRA_PACE_WAIT_MAX_US

local function decide(c, s, now_us, cost)
  local burst = c.burst
  if s[3] % 2 == 1 then
    burst = 1
  end
  local L, P = rate_of(c)
  local at_us = math.max(now_us, s[2])
  local tat_us, tat_frac = instant_norm(s[0], s[1], L)
  if cost > burst then
    return false, math.max(1, instant_ceil_after(tat_us, tat_frac, at_us)), at_us
  end
  local early_us, early_frac = instant_add(tat_us, tat_frac, -(burst - 1), L, P)
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
  return true, wait, at_us
end

local function observe(c, s, now_us, o)
  if o.kind == 0 then
    return
  end
  local mode = s[3] % 2
  local score = (s[3] - mode) / 2
  if o.kind == 1 and o.retry_after > 1000000 then -- SELECTOR_SHORT_RETRY_AFTER_US
    score = score - 1
  else
    score = score + 1
  end
  score = math.max(-30, math.min(30, score)) -- SELECTOR_SCORE_MAX
  if score >= 3 then -- SELECTOR_SWITCH_AT
    mode = 1
  elseif score <= -3 then
    mode = 0
  end
  s[3] = 2 * score + mode
end

return adaptive_run(decide, observe)
