-- bigint: exact integer arithmetic on decimal strings of any sign, up to 100,000 digits.
-- Numbers are little-endian arrays of base-10^7 limbs with a sign; products of two limbs and their
-- column sums stay below 2^63, so Lua's 64-bit integers hold them exactly. Multiplication is
-- schoolbook with deferred carries, division is Knuth's algorithm D. Division rounds toward minus
-- infinity: the remainder takes the divisor's sign (as Python's divmod).

local BASE = 10000000
local LIMB_DIGITS = 7
local MAX_DIGITS = 100000

local function fail(message) error(message, 0) end

-- Magnitudes: limb arrays without high zero limbs ({} is zero).

local function trim(d)
  local n = #d
  while n > 0 and d[n] == 0 do d[n] = nil; n = n - 1 end
  return d
end

local function compare_mag(a, b)
  if #a ~= #b then return #a < #b and -1 or 1 end
  for i = #a, 1, -1 do
    if a[i] ~= b[i] then return a[i] < b[i] and -1 or 1 end
  end
  return 0
end

local function add_mag(a, b)
  if #a < #b then a, b = b, a end
  local r, carry, nb = {}, 0, #b
  for i = 1, #a do
    local s = a[i] + (i <= nb and b[i] or 0) + carry
    if s >= BASE then r[i] = s - BASE; carry = 1 else r[i] = s; carry = 0 end
  end
  if carry > 0 then r[#a + 1] = carry end
  return r
end

-- a - b for a >= b.
local function sub_mag(a, b)
  local r, borrow, nb = {}, 0, #b
  for i = 1, #a do
    local s = a[i] - (i <= nb and b[i] or 0) - borrow
    if s < 0 then r[i] = s + BASE; borrow = 1 else r[i] = s; borrow = 0 end
  end
  return trim(r)
end

local function mul_mag(a, b)
  local na, nb = #a, #b
  if na == 0 or nb == 0 then return {} end
  if na < nb then a, b, na, nb = b, a, nb, na end
  local r = {}
  for i = 1, na + nb do r[i] = 0 end
  -- Column sums reach nb * (BASE-1)^2 < 2^63 for nb below 92,000 limbs.
  for j = 1, nb do
    local bj = b[j]
    if bj ~= 0 then
      local k = j - 1
      for i = 1, na do
        r[k + i] = r[k + i] + a[i] * bj
      end
    end
  end
  local carry = 0
  for i = 1, na + nb do
    local s = r[i] + carry
    carry = s // BASE
    r[i] = s - carry * BASE
  end
  return trim(r)
end

-- a divided by a one-limb divisor: quotient magnitude and remainder limb.
local function divmod_small(a, v)
  local q, rem = {}, 0
  for i = #a, 1, -1 do
    local cur = rem * BASE + a[i]
    local qi = cur // v
    q[i] = qi
    rem = cur - qi * v
  end
  return trim(q), rem
end

local function mul_small(a, f)
  local r, carry = {}, 0
  for i = 1, #a do
    local s = a[i] * f + carry
    carry = s // BASE
    r[i] = s - carry * BASE
  end
  if carry > 0 then r[#a + 1] = carry end
  return r
end

-- Truncating division of magnitudes (Knuth, TAOCP vol. 2, 4.3.1, algorithm D).
local function divmod_mag(a, b)
  local n = #b
  if compare_mag(a, b) < 0 then return {}, a end
  if n == 1 then
    local q, rem = divmod_small(a, b[1])
    return q, rem == 0 and {} or {rem}
  end
  local f = BASE // (b[n] + 1)
  local u, v = mul_small(a, f), mul_small(b, f)
  local m = #a - n
  for i = #u + 1, #a + 1 do u[i] = 0 end
  local vtop, vnext = v[n], v[n - 1]
  local q = {}
  for j = m, 0, -1 do
    local top = u[j + n + 1] * BASE + u[j + n]
    local qhat = top // vtop
    local rhat = top - qhat * vtop
    while qhat >= BASE or qhat * vnext > rhat * BASE + u[j + n - 1] do
      qhat = qhat - 1
      rhat = rhat + vtop
      if rhat >= BASE then break end
    end
    -- u[j+1 .. j+n+1] -= qhat * v
    local borrow, carry = 0, 0
    for i = 1, n do
      local p = qhat * v[i] + carry
      carry = p // BASE
      local t = u[i + j] - (p - carry * BASE) - borrow
      if t < 0 then u[i + j] = t + BASE; borrow = 1 else u[i + j] = t; borrow = 0 end
    end
    local t = u[j + n + 1] - carry - borrow
    if t < 0 then
      -- qhat was one too large: add v back.
      u[j + n + 1] = t + BASE
      qhat = qhat - 1
      local c = 0
      for i = 1, n do
        local s = u[i + j] + v[i] + c
        if s >= BASE then u[i + j] = s - BASE; c = 1 else u[i + j] = s; c = 0 end
      end
      u[j + n + 1] = (u[j + n + 1] + c) % BASE
    else
      u[j + n + 1] = t
    end
    q[j + 1] = qhat
  end
  local rem = {}
  for i = 1, n do rem[i] = u[i] end
  return trim(q), (divmod_small(trim(rem), f))
end

-- Signed numbers: {neg = boolean, d = magnitude}; zero is never negative.

local function make(neg, d)
  return {neg = neg and #d > 0, d = d}
end

local function parse(s, field)
  if type(s) ~= "string" then fail(field .. ": must be a string of decimal digits") end
  local first = 1
  local sign = s:sub(1, 1)
  if sign == "-" or sign == "+" then first = 2 end
  if #s < first then fail(field .. ": has no digits") end
  local bad = s:find("[^0-9]", first)
  if bad then
    fail(string.format("%s: bad digit %q at position %d", field, s:sub(bad, bad), bad))
  end
  if #s - first + 1 > MAX_DIGITS then
    fail(string.format("%s: more than %d digits", field, MAX_DIGITS))
  end
  local d, j = {}, #s
  while j >= first do
    local lo = math.max(first, j - LIMB_DIGITS + 1)
    d[#d + 1] = tonumber(s:sub(lo, j))
    j = lo - 1
  end
  return make(sign == "-", trim(d))
end

local function format(x)
  local d = x.d
  if #d == 0 then return "0" end
  local parts = {x.neg and "-" or "", tostring(d[#d])}
  for i = #d - 1, 1, -1 do parts[#parts + 1] = string.format("%07d", d[i]) end
  return table.concat(parts)
end

local function add(a, b)
  if a.neg == b.neg then return make(a.neg, add_mag(a.d, b.d)) end
  local c = compare_mag(a.d, b.d)
  if c == 0 then return make(false, {}) end
  if c > 0 then return make(a.neg, sub_mag(a.d, b.d)) end
  return make(b.neg, sub_mag(b.d, a.d))
end

local function negate(a) return make(not a.neg, a.d) end

local function mul(a, b) return make(a.neg ~= b.neg, mul_mag(a.d, b.d)) end

local ONE = {neg = false, d = {1}}

-- Floor division: a = q*b + r with r of b's sign and |r| < |b|.
local function divmod(a, b)
  if #b.d == 0 then fail("division by zero") end
  local qd, rd = divmod_mag(a.d, b.d)
  local q, r = make(a.neg ~= b.neg, qd), make(a.neg, rd)
  if #r.d > 0 and r.neg ~= b.neg then
    q = add(q, negate(ONE))
    r = add(r, b)
  end
  return q, r
end

local function mod(a, m)
  local _, r = divmod(a, m)
  return r
end

-- a^e mod m for e >= 0 and m > 0, reading e's decimal digits from the most significant.
local function powmod(a, e, m)
  if e.neg then fail("b: negative exponents are not supported") end
  if #m.d == 0 then fail("division by zero") end
  if m.neg then fail("m: modulus must be positive") end
  local base = mod(a, m)
  local powers = {[0] = mod(ONE, m)}
  for k = 1, 9 do powers[k] = mod(mul(powers[k - 1], base), m) end
  local result = powers[0]
  local digits = format(e)
  for i = 1, #digits do
    local r2 = mod(mul(result, result), m)
    local r4 = mod(mul(r2, r2), m)
    local r8 = mod(mul(r4, r4), m)
    result = mod(mul(r8, r2), m)
    local digit = digits:byte(i) - 48
    if digit > 0 then result = mod(mul(result, powers[digit]), m) end
  end
  return result
end

local function operand(args, key)
  return parse(args[key], key)
end

local operations = {
  add = function(args) return {result = format(add(operand(args, "a"), operand(args, "b")))} end,
  sub = function(args)
    return {result = format(add(operand(args, "a"), negate(operand(args, "b"))))}
  end,
  mul = function(args) return {result = format(mul(operand(args, "a"), operand(args, "b")))} end,
  divmod = function(args)
    local q, r = divmod(operand(args, "a"), operand(args, "b"))
    return {quotient = format(q), remainder = format(r)}
  end,
  powmod = function(args)
    return {result = format(powmod(operand(args, "a"), operand(args, "b"), operand(args, "m")))}
  end,
  cmp = function(args)
    local a, b = operand(args, "a"), operand(args, "b")
    local c
    if a.neg ~= b.neg then
      c = a.neg and -1 or 1
    else
      c = compare_mag(a.d, b.d)
      if a.neg then c = -c end
    end
    return {result = c}
  end,
}

return {
  name = "bigint",
  description = "Exact integer arithmetic on decimal strings (negative allowed, up to 100,000 " ..
    "digits). op: add, sub, mul (a*b), divmod (floor division: quotient and remainder with the " ..
    "sign of b), powmod (a^b mod m, b >= 0, m > 0), cmp (-1, 0 or 1).",
  inputSchema = {
    type = "object",
    properties = {
      op = {type = "string", enum = {"add", "sub", "mul", "divmod", "powmod", "cmp"}},
      a = {type = "string", description = "decimal integer, e.g. \"-12345\""},
      b = {type = "string", description = "decimal integer (the exponent for powmod)"},
      m = {type = "string", description = "modulus for powmod"},
    },
    required = {"op", "a", "b"},
    additionalProperties = false,
  },
  handler = function(args)
    if type(args) ~= "table" then return nil, "arguments must be an object" end
    local operation = operations[args.op]
    if type(args.op) ~= "string" or not operation then
      return nil, "op: must be one of add, sub, mul, divmod, powmod, cmp"
    end
    return operation(args)
  end,
}
