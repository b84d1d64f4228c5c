-- sre_throttle.lua - mirror of algorithms/sre_throttle.c (SRE client-side adaptive throttling).
-- State: s0 requests, s1 accepts (halved per window), s2 current window index, s3 accumulator
-- (ppm). Exact while the counts stay below 2^33 (their products with 10^6 below 2^53).

local function age(c, s, now_us)
  local window = divmod(now_us, c.window)
  local passed = window - s[2]
  if passed <= 0 then
    return
  end
  if passed > 53 then
    s[0], s[1] = 0, 0
  else
    s[0] = divmod(s[0], P2[passed])
    s[1] = divmod(s[1], P2[passed])
  end
  s[2] = window
end

local function refuse_ppm(c, s)
  local excess = s[0] * 1000 - c.k_milli * s[1]
  if excess <= 0 then
    return 0
  end
  return (divmod(excess * 1000, s[0] + 1))
end

local function decide(c, s, now_us, cost)
  age(c, s, now_us)
  local acc = s[3] + refuse_ppm(c, s)
  s[0] = s[0] + cost
  if acc >= 1000000 then
    s[3] = acc - 1000000
    return false, math.max(1, (divmod(c.window, math.max(1, s[1])))), now_us
  end
  s[3] = acc
  return true, 0, now_us
end

local function observe(c, s, now_us, o)
  age(c, s, now_us)
  if o.kind == 0 then
    s[1] = s[1] + o.cost
  end
end

return adaptive_run(decide, observe)
