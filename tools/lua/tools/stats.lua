-- stats: summary statistics and least-squares fits.
--   summary: count, mean, min, max, and both variances: "sample" divides by n-1, "population" by n
--            (two-pass: mean first, then the corrected sum of squared deviations).
--   fit:     y on one regressor (x: array of numbers) or several (x: array of columns), with an
--            intercept unless intercept = false. Solved by Householder QR of the design matrix,
--            never by forming the normal equations, so ill-conditioned data (Longley) keeps its
--            digits; a column whose diagonal of R falls below 1e-10 of its norm is reported as
--            (nearly) collinear.

local MAX_VALUES = 100000
local MAX_COLUMNS = 50
local COLLINEAR = 1e-10

local function fail(message) error(message, 0) end

local function finite(x) return x == x and x ~= math.huge and x ~= -math.huge end

local function numbers(list, field, least)
  if type(list) ~= "table" then fail(field .. ": must be an array of numbers") end
  local n = #list
  if n < least then
    fail(string.format("%s: needs at least %d value%s, has %d", field, least,
      least == 1 and "" or "s", n))
  end
  if n > MAX_VALUES then fail(string.format("%s: more than %d values", field, MAX_VALUES)) end
  local out = {}
  for i = 1, n do
    local v = list[i]
    if math.type(v) == nil or not finite(v) then
      fail(string.format("%s[%d]: must be a finite number", field, i - 1))
    end
    out[i] = v + 0.0
  end
  return out
end

local function sum(values)
  local s, c = 0.0, 0.0  -- Neumaier's compensated sum
  for i = 1, #values do
    local v = values[i]
    local t = s + v
    if math.abs(s) >= math.abs(v) then c = c + ((s - t) + v) else c = c + ((v - t) + s) end
    s = t
  end
  return s + c
end

local function summary(args)
  local x = numbers(args.values, "values", 1)
  local n = #x
  local mean = sum(x) / n
  local deviations, squares = {}, {}
  local lo, hi = x[1], x[1]
  for i = 1, n do
    local d = x[i] - mean
    deviations[i], squares[i] = d, d * d
    if x[i] < lo then lo = x[i] end
    if x[i] > hi then hi = x[i] end
  end
  local dsum = sum(deviations)
  local ss = sum(squares) - dsum * dsum / n
  local result = {count = n, mean = mean, min = lo, max = hi, population_variance = ss / n,
    population_stddev = math.sqrt(ss / n), sample_variance = json.null, sample_stddev = json.null}
  if n > 1 then
    result.sample_variance = ss / (n - 1)
    result.sample_stddev = math.sqrt(ss / (n - 1))
  end
  return result
end

-- The regressors as columns, and their names.
local function columns(x, n)
  if type(x) ~= "table" or #x == 0 then fail("x: must be an array of numbers or of columns") end
  local cols, names = {}, {}
  if type(x[1]) ~= "table" then
    cols[1], names[1] = numbers(x, "x", 1), "x"
  else
    if #x > MAX_COLUMNS then fail(string.format("x: more than %d columns", MAX_COLUMNS)) end
    for k = 1, #x do
      names[k] = string.format("x[%d]", k - 1)
      cols[k] = numbers(x[k], names[k], 1)
    end
  end
  for k = 1, #cols do
    if #cols[k] ~= n then
      fail(string.format("%s: has %d values but y has %d", names[k], #cols[k], n))
    end
  end
  return cols, names
end

-- Householder QR of the n-by-p matrix a (columns); returns R's diagonal and the reflected y, with
-- a overwritten by the reflectors and R's upper triangle.
local function householder(a, y, n, p, names)
  local diagonal = {}
  for k = 1, p do
    local col = a[k]
    local norm_full = 0.0
    for i = 1, n do norm_full = norm_full + col[i] * col[i] end
    local norm = 0.0
    for i = k, n do norm = norm + col[i] * col[i] end
    norm = math.sqrt(norm)
    if norm <= COLLINEAR * math.sqrt(norm_full) or norm == 0 then
      fail(string.format("singular system: %s is (nearly) a linear combination of the columns " ..
        "before it", names[k]))
    end
    local alpha = col[k] > 0 and -norm or norm
    local v = {}
    for i = k, n do v[i] = col[i] end
    v[k] = v[k] - alpha
    local vv = 0.0
    for i = k, n do vv = vv + v[i] * v[i] end
    for j = k, p do
      local cj, dot = a[j], 0.0
      for i = k, n do dot = dot + v[i] * cj[i] end
      local f = 2 * dot / vv
      for i = k, n do cj[i] = cj[i] - f * v[i] end
    end
    local dot = 0.0
    for i = k, n do dot = dot + v[i] * y[i] end
    local f = 2 * dot / vv
    for i = k, n do y[i] = y[i] - f * v[i] end
    diagonal[k] = a[k][k]
  end
  return diagonal
end

local function fit(args)
  local y = numbers(args.y, "y", 1)
  local n = #y
  local cols, names = columns(args.x, n)
  local intercept = args.intercept ~= false
  local design, terms = {}, {}
  if intercept then
    local ones = {}
    for i = 1, n do ones[i] = 1.0 end
    design[1], terms[1] = ones, "intercept"
  end
  for k = 1, #cols do
    design[#design + 1] = cols[k]
    terms[#terms + 1] = names[k]
  end
  local p = #design
  if n < p then fail(string.format("needs at least %d observations for %d parameters, has %d", p, p, n)) end
  local a, qy = {}, {}
  for k = 1, p do
    a[k] = {}
    for i = 1, n do a[k][i] = design[k][i] end
  end
  for i = 1, n do qy[i] = y[i] end
  householder(a, qy, n, p, terms)
  local beta = {}
  for k = p, 1, -1 do
    local s = qy[k]
    for j = k + 1, p do s = s - a[j][k] * beta[j] end
    beta[k] = s / a[k][k]
  end
  local residuals, squares = {}, {}
  for i = 1, n do
    local predicted = 0.0
    for k = 1, p do predicted = predicted + design[k][i] * beta[k] end
    residuals[i] = y[i] - predicted
    squares[i] = residuals[i] * residuals[i]
  end
  local ss_res = sum(squares)
  local mean = intercept and sum(y) / n or 0.0
  local totals = {}
  for i = 1, n do totals[i] = (y[i] - mean) * (y[i] - mean) end
  local ss_tot = sum(totals)
  for k = 1, p do
    if not finite(beta[k]) then fail("coefficient of " .. terms[k] .. " is not finite") end
  end
  return {coefficients = beta, terms = terms, intercept = intercept, n = n, parameters = p,
    r_squared = ss_tot > 0 and 1 - ss_res / ss_tot or json.null,
    residuals = json.array(residuals), residual_sum_of_squares = ss_res}
end

return {
  name = "stats",
  description = "Statistics on arrays of numbers. op \"summary\" {values}: count, mean, min, max, " ..
    "sample_variance (divides by n-1), population_variance (divides by n) and their stddevs. " ..
    "op \"fit\" {y, x, intercept?}: least squares of y on x, where x is one regressor (array of " ..
    "numbers) or several (array of columns, each as long as y); returns coefficients in the " ..
    "order of terms (intercept first unless intercept is false), r_squared (uncentered without " ..
    "intercept) and residuals.",
  inputSchema = {
    type = "object",
    properties = {
      op = {type = "string", enum = {"summary", "fit"}},
      values = {type = "array", items = {type = "number"}},
      y = {type = "array", items = {type = "number"}},
      x = {type = "array"},
      intercept = {type = "boolean"},
    },
    required = {"op"},
    additionalProperties = false,
  },
  handler = function(args)
    if type(args) ~= "table" then return nil, "arguments must be an object" end
    if args.op == "summary" then return summary(args) end
    if args.op == "fit" then return fit(args) end
    return nil, "op: must be summary or fit"
  end,
}
