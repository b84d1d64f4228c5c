-- sliding_window.lua - mirror of algorithms/sliding_window.c (two-window weighted estimate).
-- State: s0 latest admitted time (us), s1 cost admitted in its window, s2 in the one before.
-- It matters until the window after the next begins.
-- The C code compares prev x (P - e) with room x P in 128 bits; here: room >= prev settles it,
-- else P - e <= floor(room x P / prev), found exactly by muldiv. Waits reach 2 x period_us, so
-- period_us must stay below 2^52 (lua_scripts_config_check).

local function first_fit_us(c, prev, cur, cost)
  if cur + cost > c.limit then
    return c.period
  end
  local room = c.limit - cur - cost
  if prev == 0 or room >= prev then
    return 0
  end
  local remaining_max = muldiv(room, c.period, prev) -- largest allowed period - e (< period)
  return c.period - remaining_max
end

local function fits(c, prev, cur, elapsed_us, cost)
  return first_fit_us(c, prev, cur, cost) <= elapsed_us
end

local function wait_us(c, prev, cur, elapsed_us, cost)
  local to_next_us = c.period - elapsed_us
  local fit_us = first_fit_us(c, prev, cur, cost)
  if fit_us < c.period then
    return fit_us - elapsed_us
  end
  fit_us = first_fit_us(c, cur, 0, cost)
  if fit_us < c.period then
    return to_next_us + fit_us
  end
  return to_next_us + c.period
end

local function decide(c, s, now_us, cost)
  local latest_us = s[0]
  local at_us = math.max(now_us, latest_us)
  local window, elapsed_us = divmod(at_us, c.period)
  local latest_window = divmod(latest_us, c.period)
  local cur, prev = s[1], s[2]
  if window == latest_window + 1 then
    prev, cur = cur, 0
  elseif window ~= latest_window then
    prev, cur = 0, 0
  end
  if cost > c.limit then
    return false, c.period - elapsed_us, at_us
  end
  if not fits(c, prev, cur, elapsed_us, cost) then
    return false, wait_us(c, prev, cur, elapsed_us, cost), at_us
  end
  s[0] = at_us
  s[1] = cur + cost
  s[2] = prev
  return true, 0, at_us, 3, 2 * c.period - elapsed_us
end

return rate_math_run(decide)
