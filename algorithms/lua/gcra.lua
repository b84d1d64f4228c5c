-- gcra.lua - mirror of algorithms/gcra.c (GCRA, limit mode: admit or refuse).
-- State: s0, s1 TAT (whole us, fraction in 1/L us), s2 latest admitted time (us). It matters
-- until the TAT.

local function decide(c, s, now_us, cost)
  local L, P = rate_of(c)
  local at_us = math.max(now_us, s[2])
  local tat_us, tat_frac = instant_norm(s[0], s[1], L)
  if cost > c.burst then
    return false, math.max(1, instant_ceil_after(tat_us, tat_frac, at_us)), at_us
  end
  local start_us, start_frac = instant_max(at_us, 0, tat_us, tat_frac)
  -- C: allowed iff start + cost x T - at <= burst x T. Here: start - at <= (burst - cost) x T,
  -- the same condition, because start + cost x T can pass 2^53 on a refusal.
  local spare = c.burst - cost
  if not instant_within(start_us, start_frac, at_us, spare, L, P) then
    local ok_us, ok_frac = instant_add(start_us, start_frac, -spare, L, P)
    return false, instant_ceil_after(ok_us, ok_frac, at_us), at_us
  end
  local new_us, new_frac = instant_add(start_us, start_frac, cost, L, P)
  s[0], s[1], s[2] = new_us, new_frac, at_us
  return true, 0, at_us, 3, instant_ceil_after(new_us, new_frac, at_us)
end

return rate_math_run(decide)
