-- leaky_bucket_queue.lua - mirror of algorithms/leaky_bucket_queue.c (a bounded FIFO drained one
-- request every T). State: s0, s1 next free departure (whole us, fraction in 1/L us), s2 latest
-- admitted time (us). It matters until the next free departure.

local function decide(c, s, now_us, cost)
  local L, P = rate_of(c)
  local at_us = math.max(now_us, s[2])
  local next_us, next_frac = instant_norm(s[0], s[1], L)
  local span = c.queue_max + 1
  if cost > span then
    return false, math.max(1, instant_ceil_after(next_us, next_frac, at_us)), at_us
  end
  local dep_us, dep_frac = instant_max(at_us, 0, next_us, next_frac)
  -- C: joins iff departure + cost x T - at <= span x T. Here: departure - at <= (span - cost)
  -- x T, the same condition, because departure + cost x T can pass 2^53 on a refusal.
  local spare = span - cost
  if not instant_within(dep_us, dep_frac, at_us, spare, L, P) then
    local fit_us, fit_frac = instant_add(dep_us, dep_frac, -spare, L, P)
    return false, instant_ceil_after(fit_us, fit_frac, at_us), at_us
  end
  local new_us, new_frac = instant_add(dep_us, dep_frac, cost, L, P)
  s[0], s[1], s[2] = new_us, new_frac, at_us
  return true, instant_ceil_after(dep_us, dep_frac, at_us), at_us, 3,
    instant_ceil_after(new_us, new_frac, at_us)
end

return rate_math_run(decide)
