-- gradient.lua - mirror of algorithms/gradient.c (a concurrency limit moved by the latency
-- gradient). State: s0 limit in thousandths (0: the initial limit), s1 requests in flight,
-- s2 fastest latency seen (us), s3 unused.

local function limit_milli(c, s)
  if s[0] == 0 then
    return math.min(c.burst, 10) * 1000
  end
  return s[0]
end

local function set_limit_milli(c, s, limit)
  local ceiling = c.burst * 1000
  if limit < 1000 then
    limit = 1000
  elseif limit > ceiling then
    limit = ceiling
  end
  s[0] = limit
end

-- floor(sqrt(n)), exactly, for 0 <= n < 2^53.
local function isqrt(n)
  local r = math.floor(math.sqrt(n))
  while r * r > n do
    r = r - 1
  end
  while (r + 1) * (r + 1) <= n do
    r = r + 1
  end
  return r
end

local function decide(c, s, now_us, cost)
  local limit = divmod(limit_milli(c, s), 1000)
  if s[1] + cost > limit then
    local wait = s[2]
    if wait <= 0 then
      wait = 1000
    end
    return false, wait, now_us
  end
  s[1] = s[1] + cost
  return true, 0, now_us
end

local function observe(c, s, now_us, o)
  s[1] = math.max(0, s[1] - o.cost)
  local latency = math.max(1, o.latency)
  if s[2] == 0 or latency < s[2] then
    s[2] = latency
  end
  local limit = limit_milli(c, s)
  if o.kind ~= 0 then
    set_limit_milli(c, s, (divmod(limit * 9, 10)))
    return
  end
  local gradient = divmod(s[2] * 1000, latency)
  gradient = math.max(500, math.min(1000, gradient))
  -- floor(limit x gradient / 1000) without a product above 2^53
  local q, r = divmod(limit, 1000)
  local target = q * gradient + divmod(r * gradient, 1000) + 1000 * isqrt(q)
  set_limit_milli(c, s, (divmod(4 * limit + target, 5)))
end

return adaptive_run(decide, observe)
