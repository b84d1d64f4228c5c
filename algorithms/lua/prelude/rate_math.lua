-- rate_math.lua - exact integer arithmetic on Lua 5.1 numbers (doubles), and the frame every
-- limiter script runs in. Prepended to each algorithms/lua/<name>.lua at build time, so each
-- script is one self-contained chunk for SCRIPT LOAD / EVALSHA.
--
-- Every number here is an integer below 2^53, where doubles are exact. The C algorithms form
-- products above 2^53 in 128-bit integers; these helpers never form them: they divide with
-- math.fmod (exact in IEEE arithmetic), compare through quotient and remainder, and multiply
-- then divide bit by bit (muldiv). The differential test (tests/unit/test_lua_differential.c)
-- checks every script against its C function, decisions and stored state, bit for bit.
--
-- Call: KEYS[1] = the state hash (fields s0..s3; an absent field is 0).
--   ARGV[1] limit, ARGV[2] period_us, ARGV[3] burst, ARGV[4] max_wait_us, ARGV[5] queue_max,
--   ARGV[6] cost, ARGV[7] now_us (run-relative) or "time": read the server's clock (TIME),
--   ARGV[8] the run's epoch in server microseconds (used with "time").
-- Reply: {allowed (1 or 0), wait_us, decided_at_us}, decided_at_us being the effective time the
-- limiter decided at (now_us, or the latest admitted time when the clock went backwards).
-- Expiry: each write sets the hash to expire STATE_TTL_SLACK_MS after the moment its state
-- stops mattering (an absent hash then decides the same), so a killed run leaves no key behind.

local STATE_TTL_SLACK_MS = 60000 -- as LUA_STATE_TTL_SLACK_MS (harness/live/lua_scripts.h)

local P2 = {}
for i = 0, 53 do
  P2[i] = 2 ^ i
end

-- floor(a / b) and a - floor(a / b) * b, exactly, for 0 <= a < 2^53 and 0 < b < 2^53.
local function divmod(a, b)
  local r = math.fmod(a, b)
  return (a - r) / b, r
end

-- ceil(a / b) for 0 <= a < 2^53 and 0 < b < 2^53.
local function ceil_div(a, b)
  local q, r = divmod(a, b)
  if r > 0 then
    q = q + 1
  end
  return q
end

-- floor(a * b / c) and its remainder, for 0 <= a < c < 2^53 and 0 <= b < 2^53: the quotient is
-- then below b. Doubles the partial product bit by bit, keeping remainder below c.
local function muldiv(a, b, c)
  local q, r, rest = 0, 0, b
  for i = 52, 0, -1 do
    q = q * 2
    if r >= c - r then
      r = r - (c - r)
      q = q + 1
    else
      r = r + r
    end
    if rest >= P2[i] then
      rest = rest - P2[i]
      if r >= c - a then
        r = r - (c - a)
        q = q + 1
      else
        r = r + a
      end
    end
  end
  return q, r
end

local function gcd(a, b)
  while b ~= 0 do
    a, b = b, math.fmod(a, b)
  end
  return a
end

-- The rate limit per period_us reduced by their gcd: one unit every P / L microseconds.
local function rate_of(c)
  local g = gcd(c.limit, c.period)
  return c.limit / g, c.period / g
end

-- The instant us + frac / L with frac brought into [0, L).
local function instant_norm(us, frac, L)
  local q, r = divmod(frac, L)
  return us + q, r
end

-- The instant (us, frac) plus units x P / L (units may be negative; |units| x P < 2^53).
local function instant_add(us, frac, units, L, P)
  local q, r = divmod(math.abs(units) * P, L)
  if units >= 0 then
    if frac >= L - r then
      return us + q + 1, frac - (L - r)
    end
    return us + q, frac + r
  end
  if frac >= r then
    return us - q, frac - r
  end
  return us - q - 1, frac + (L - r)
end

-- The later of two instants.
local function instant_max(au, af, bu, bf)
  if au ~= bu then
    if au > bu then
      return au, af
    end
    return bu, bf
  end
  if af >= bf then
    return au, af
  end
  return bu, bf
end

-- True when (us, frac) - at <= units x P / L, exactly (units x P < 2^53).
local function instant_within(us, frac, at, units, L, P)
  local d = us - at
  if d < 0 then
    return true
  end
  local q, r = divmod(units * P, L)
  return d < q or (d == q and frac <= r)
end

-- ceil((us, frac) - at): whole microseconds from at until the instant.
local function instant_ceil_after(us, frac, at)
  if frac > 0 then
    return us - at + 1
  end
  return us - at
end

-- A bucket level (units of 1/P) after draining L per microsecond for elapsed_us, never below 0.
local function bucket_drain(level, elapsed_us, L)
  if elapsed_us >= ceil_div(level, L) then
    return 0
  end
  return level - elapsed_us * L
end

-- Parses the call, loads the state, runs decide, stores the state when decide changed it and
-- returns the reply. decide(c, s, now_us, cost) returns allowed, wait_us, at_us and, when
-- allowed, the count of slots it used and live_us: how long after at_us the new state still
-- decides differently from no state (the window, the bucket's drain, the time to the TAT).
local function rate_math_run(decide)
  local c = {
    limit = tonumber(ARGV[1]),
    period = tonumber(ARGV[2]),
    burst = tonumber(ARGV[3]),
    max_wait = tonumber(ARGV[4]),
    queue_max = tonumber(ARGV[5]),
  }
  local cost = tonumber(ARGV[6])
  local now_us
  if ARGV[7] == 'time' then
    local t = redis.call('TIME')
    now_us = tonumber(t[1]) * 1000000 + tonumber(t[2]) - tonumber(ARGV[8])
    if now_us < 0 then
      now_us = 0
    end
  else
    now_us = tonumber(ARGV[7])
  end
  local raw = redis.call('HMGET', KEYS[1], 's0', 's1', 's2', 's3')
  local s = {}
  for i = 0, 3 do
    s[i] = tonumber(raw[i + 1]) or 0
  end
  local allowed, wait_us, at_us, used, live_us = decide(c, s, now_us, cost)
  if allowed then
    local fields = {}
    for i = 0, used - 1 do
      fields[#fields + 1] = 's' .. i
      fields[#fields + 1] = string.format('%.0f', s[i])
    end
    redis.call('HSET', KEYS[1], unpack(fields))
    local ttl_ms = ceil_div(live_us, 1000) + STATE_TTL_SLACK_MS
    redis.call('PEXPIRE', KEYS[1], string.format('%.0f', ttl_ms))
    return {1, wait_us, at_us}
  end
  return {0, wait_us, at_us}
end

-- The frame of the adaptive limiters (aimd, sre_throttle, gradient, selector), which learn from
-- outcomes. ARGV[1..8] as above (ARGV[7] "time" reads the server's clock), then ARGV[9] k_milli, ARGV[10] window_us, ARGV[11] "decide" or
-- "observe", and for observe ARGV[12] the outcome (0 accepted, 1 refused, 2 dropped), ARGV[13]
-- its Retry-After (us, 0 for none), ARGV[14] its latency (us); cost and now_us are the request's
-- and the answer's. decide(c, s, now_us, cost) returns allowed, wait_us, at_us;
-- observe(c, s, now_us, o) changes s. Every slot is stored after each call (decide may change
-- the state on a refusal too, as sre_throttle counts refused requests). A decide call may stop
-- at ARGV[8] (the limiter call format above) for every script but sre_throttle, which reads
-- ARGV[9] and ARGV[10].
local function adaptive_run(decide, observe)
  local c = {
    limit = tonumber(ARGV[1]),
    period = tonumber(ARGV[2]),
    burst = tonumber(ARGV[3]),
    max_wait = tonumber(ARGV[4]),
    queue_max = tonumber(ARGV[5]),
    k_milli = tonumber(ARGV[9]),
    window = tonumber(ARGV[10]),
  }
  local cost = tonumber(ARGV[6])
  local now_us
  if ARGV[7] == 'time' then
    local t = redis.call('TIME')
    now_us = math.max(0, tonumber(t[1]) * 1000000 + tonumber(t[2]) - tonumber(ARGV[8]))
  else
    now_us = tonumber(ARGV[7])
  end
  local raw = redis.call('HMGET', KEYS[1], 's0', 's1', 's2', 's3')
  local s = {}
  for i = 0, 3 do
    s[i] = tonumber(raw[i + 1]) or 0
  end
  local reply
  if ARGV[11] == 'observe' then
    local o = {kind = tonumber(ARGV[12]), retry_after = tonumber(ARGV[13]),
               latency = tonumber(ARGV[14]), cost = cost}
    observe(c, s, now_us, o)
    reply = {1, 0, now_us}
  else
    local allowed, wait_us, at_us = decide(c, s, now_us, cost)
    reply = {allowed and 1 or 0, wait_us, at_us}
  end
  local fields = {}
  for i = 0, 3 do
    fields[#fields + 1] = 's' .. i
    fields[#fields + 1] = string.format('%.0f', s[i])
  end
  redis.call('HSET', KEYS[1], unpack(fields))
  return reply
end
