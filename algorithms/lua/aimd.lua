-- aimd.lua - mirror of algorithms/aimd.c (a GCRA whose rate learns: AIMD on the rate).
-- State: s0 TAT (us), s1 1000 C - rate (milli-requests per period), s2 latest decrease (us),
-- s3 latest admitted time (us). Every product stays below 2^53 under aimd.c's bounds.

local function rate_milli(c, s)
  return c.limit * 1000 - s[1]
end

local function set_rate_milli(c, s, rate)
  local ceiling = c.limit * 1000
  if rate < 1 then
    rate = 1
  elseif rate > ceiling then
    rate = ceiling
  end
  s[1] = ceiling - rate
end

local function interval_us(c, s)
  return ceil_div(c.period * 1000, rate_milli(c, s))
end

local function decide(c, s, now_us, cost)
  local at_us = math.max(now_us, s[3])
  local t = interval_us(c, s)
  if cost > c.burst then
    return false, math.max(1, s[0] - at_us), at_us
  end
  local new_tat = math.max(at_us, s[0]) + cost * t
  local allowed_at = new_tat - c.burst * t
  if allowed_at > at_us then
    return false, allowed_at - at_us, at_us
  end
  s[0], s[3] = new_tat, at_us
  return true, 0, at_us
end

local function observe(c, s, now_us, o)
  local rate = rate_milli(c, s)
  if o.kind == 0 then
    local step = divmod(o.cost * 1000000, rate)
    set_rate_milli(c, s, rate + math.max(1, step))
    return
  end
  if now_us - o.latency < s[2] then
    return
  end
  rate = divmod(rate, 2)
  local retry_after = 0
  if o.kind == 1 then
    retry_after = o.retry_after
  end
  if retry_after > 0 then
    local implied = divmod(c.period * 1000, retry_after)
    if implied < rate then
      rate = implied
    end
  end
  set_rate_milli(c, s, rate)
  s[2] = now_us
  if retry_after > 0 then
    s[0] = math.max(s[0], now_us + retry_after + (c.burst - 1) * interval_us(c, s))
  end
end

return adaptive_run(decide, observe)
