-- discovery.lua: finds the law that ties one measured quantity to another, on real data.
--
-- Shipped with the planets' semi-major axes and orbital periods from NASA's Planetary Fact Sheet
-- (data/planets.csv, source in data/README.md), on which it finds Kepler's third law,
-- T = A*a^(3/2).
--
-- Round by round it proposes candidate laws from a small grammar, fits each on the training rows
-- with the `stats` tool (least squares, in log space for multiplicative laws), and scores each on
-- the held-out rows with a generated Python program run by the `code` tool: the program evaluates
-- the law on every row and prints, as JSON, the root mean square of the relative errors
-- (predicted - observed) / observed on the training rows and on the held-out rows.
--   round 1:   simple forms: straight line, parabola, exponential, logarithm, T = A*a, T = A*a^2;
--   round 2..: refinements of the `beam` best laws so far: a polynomial grows a degree or frees
--              its exponent (T = A*a^k, k fitted in log-log space); a fitted exponent k gives the
--              `neighbours` rationals p/q nearest to it (q <= max_denominator) as exact exponents,
--              only the prefactor fitted, and a bent power law (log T quadratic in log a).
-- A law is accepted when its held-out residual is under `tolerance`. The best law is the accepted
-- one with the fewest fitted parameters (then the lowest held-out residual); while none is
-- accepted, the one with the lowest held-out residual. The loop stops when the best law is
-- accepted and a round finds nothing better or nothing is left to refine, or after max_rounds.
--
--   recur run pipelines/discovery.lua --store /tmp/disc --seed 1 [--param tolerance=0.005]
--
-- Parameters: data (CSV file under data/, "planets.csv"), label (the column naming a row, "body"),
-- x and y (the columns: "semi_major_axis_1e6_km", "orbital_period_days"), x_symbol and y_symbol
-- (their names in the laws, "a" and "T"), holdout (labels of the held-out rows, comma-separated,
-- "Earth,Saturn,Pluto"; or "random:N" for N rows drawn with the job's seed), tolerance (largest
-- accepted held-out residual, 0.01), max_rounds (6), beam (laws refined per round, 2),
-- max_denominator (4), neighbours (3).
-- Memory of the job: every hypothesis under "hypothesis/<round>/<i>" (law, parameters, scores, the
-- hypothesis it refines), a line per hypothesis in the log (memory.find), the result under "law".
-- The report has a row per hypothesis, a row for the law found, and path.svg: the held-out
-- residual of each hypothesis in the order tried.

local data_file = param("data", "planets.csv")
local label = param("label", "body")
local x_column = param("x", "semi_major_axis_1e6_km")
local y_column = param("y", "orbital_period_days")
local xs = param("x_symbol", "a")
local ys = param("y_symbol", "T")
local holdout = param("holdout", "Earth,Saturn,Pluto")
local tolerance = param("tolerance", 0.01)
local max_rounds = param("max_rounds", 6)
local beam = param("beam", 2)
local max_denominator = param("max_denominator", 4)
local neighbours = param("neighbours", 3)

-- The rows, split into training and held-out rows.
local rows, err = data.csv(data_file)
if rows == nil then error(err) end
for i, r in ipairs(rows) do
  for _, column in ipairs({label, x_column, y_column}) do
    if r[column] == nil then
      error(string.format("%s: row %d has no column %s", data_file, i, column))
    end
  end
  if type(r[x_column]) ~= "number" or type(r[y_column]) ~= "number" or r[x_column] <= 0 or
      r[y_column] <= 0 then
    error(string.format("%s: row %d (%s): %s and %s must be positive numbers", data_file, i,
      r[label], x_column, y_column))
  end
end

local held = {}
local count = holdout:match("^random:(%d+)$")
if count then
  count = math.tointeger(tonumber(count))
  if count < 1 or count > #rows then error("holdout: random:N needs 1 <= N <= rows") end
  local order = {}
  for i = 1, #rows do order[i] = i end
  for i = #rows, 2, -1 do
    local j = math.random(1, i)
    order[i], order[j] = order[j], order[i]
  end
  for i = 1, count do held[tostring(rows[order[i]][label])] = true end
else
  local known = {}
  for _, r in ipairs(rows) do known[tostring(r[label])] = true end
  for name in holdout:gmatch("[^,]+") do
    name = name:match("^%s*(.-)%s*$")
    if not known[name] then error("holdout: no row is labelled '" .. name .. "'") end
    held[name] = true
  end
end
local train, test = {}, {}
for _, r in ipairs(rows) do
  local point = {name = tostring(r[label]), x = r[x_column] + 0.0, y = r[y_column] + 0.0}
  if held[point.name] then test[#test + 1] = point else train[#train + 1] = point end
end
if #test == 0 or #train < 5 then
  error("holdout: needs at least one held-out row and five rows to fit")
end

local function column(points, f)
  local out = {}
  for i, p in ipairs(points) do out[i] = f(p) end
  return out
end
local function names(points)
  return table.concat(column(points, function(p) return p.name end), ", ")
end

-- The grammar. A law is a family and, for a fixed exponent, p/q. make_law gives its form, how the
-- stats tool fits it (fit: the arguments of op "fit"), how Python evaluates it from the fitted
-- coefficients C, its parameters for a reader, and the laws that refine it.
local function gcd(a, b)
  a, b = math.abs(a), math.abs(b)
  while b ~= 0 do a, b = b, a % b end
  return a
end

-- x^(p/q) as a law writes it: "a", "a^2", "a^(3/2)".
local function power_text(p, q)
  if p == 1 and q == 1 then return xs end
  if q == 1 then return string.format("%s^%d", xs, p) end
  return string.format("%s^(%d/%d)", xs, p, q)
end

-- The `neighbours` reduced fractions p/q (q <= max_denominator) nearest to k.
local function rationals_near(k)
  local seen, out = {}, {}
  for q = 1, max_denominator do
    local center = math.floor(k * q + 0.5)
    for p = center - 1, center + 1 do
      local g = gcd(p, q)
      local rp, rq = p // g, q // g
      local key = rp .. "/" .. rq
      if p ~= 0 and not seen[key] then
        seen[key] = true
        out[#out + 1] = {p = rp, q = rq, distance = math.abs(rp / rq - k)}
      end
    end
  end
  table.sort(out, function(u, v)
    if u.distance ~= v.distance then return u.distance < v.distance end
    if u.q ~= v.q then return u.q < v.q end
    return u.p < v.p
  end)
  local nearest = {}
  for i = 1, math.min(neighbours, #out) do
    nearest[i] = {family = "fixed", p = out[i].p, q = out[i].q}
  end
  return nearest
end

local ln = math.log

local function make_law(spec)
  local X = column(train, function(p) return p.x end)
  local Y = column(train, function(p) return p.y end)
  local logX = column(train, function(p) return ln(p.x) end)
  local logY = column(train, function(p) return ln(p.y) end)
  local f = spec.family
  if f == "linear" then
    return {key = f, form = string.format("%s = c0 + c1*%s", ys, xs), n = 2,
      fit = {y = Y, x = X}, python = "C[0] + C[1] * x",
      parameters = function(c) return {c0 = c[1], c1 = c[2]} end,
      refine = function() return {{family = "quadratic"}, {family = "power"}} end}
  elseif f == "quadratic" or f == "cubic" then
    local degree = f == "quadratic" and 2 or 3
    local cols, terms, python = {}, {"c0"}, {"C[0]"}
    for d = 1, degree do
      cols[d] = column(train, function(p) return p.x ^ d end)
      terms[#terms + 1] = string.format("c%d*%s%s", d, xs, d > 1 and "^" .. d or "")
      python[#python + 1] = string.format("C[%d] * x**%d", d, d)
    end
    return {key = f, form = ys .. " = " .. table.concat(terms, " + "), n = degree + 1,
      fit = {y = Y, x = cols}, python = table.concat(python, " + "),
      parameters = function(c)
        local out = {}
        for d = 0, degree do out["c" .. d] = c[d + 1] end
        return out
      end,
      refine = function()
        if degree == 2 then return {{family = "cubic"}, {family = "power"}} end
        return {{family = "power"}}
      end}
  elseif f == "exponential" then
    return {key = f, form = string.format("%s = A*exp(b*%s)", ys, xs), n = 2,
      fit = {y = logY, x = X}, python = "math.exp(C[0] + C[1] * x)",
      parameters = function(c) return {A = math.exp(c[1]), b = c[2]} end,
      refine = function() return {{family = "power"}} end}
  elseif f == "logarithmic" then
    return {key = f, form = string.format("%s = c0 + c1*log(%s)", ys, xs), n = 2,
      fit = {y = Y, x = logX}, python = "C[0] + C[1] * math.log(x)",
      parameters = function(c) return {c0 = c[1], c1 = c[2]} end,
      refine = function() return {{family = "power"}} end}
  elseif f == "power" then
    return {key = f, form = string.format("%s = A*%s^k", ys, xs), n = 2,
      fit = {y = logY, x = logX}, python = "math.exp(C[0]) * x ** C[1]",
      parameters = function(c) return {A = math.exp(c[1]), k = c[2]} end,
      exponent = function(c) return c[2] end,
      refine = function(c)
        local out = rationals_near(c[2])
        out[#out + 1] = {family = "bent"}
        return out
      end}
  elseif f == "fixed" then
    -- log T - (p/q) log a = log A: the prefactor is the one coefficient, fitted on a constant.
    local k = spec.p / spec.q
    local ones = column(train, function() return 1.0 end)
    local shifted = column(train, function(p) return ln(p.y) - k * ln(p.x) end)
    return {key = string.format("fixed %d/%d", spec.p, spec.q),
      form = string.format("%s = A*%s", ys, power_text(spec.p, spec.q)), n = 1,
      fit = {y = shifted, x = ones, intercept = false},
      python = string.format("math.exp(C[0]) * x ** (%d / %d)", spec.p, spec.q),
      parameters = function(c) return {A = math.exp(c[1])} end,
      exponent = function() return k end,
      refine = function() return {{family = "power"}} end}
  elseif f == "bent" then
    local squares = column(train, function(p) return ln(p.x) ^ 2 end)
    return {key = f, form = string.format("%s = A*%s^(k + m*log(%s))", ys, xs, xs), n = 3,
      fit = {y = logY, x = {logX, squares}},
      python = "math.exp(C[0] + C[1] * math.log(x) + C[2] * math.log(x) ** 2)",
      parameters = function(c) return {A = math.exp(c[1]), k = c[2], m = c[3]} end,
      refine = function() return {} end}
  end
  error("unknown law family " .. tostring(f))
end

-- The scoring program: the law with its fitted coefficients, evaluated on every row.
local function python_string(s)
  return '"' .. s:gsub("\\", "\\\\"):gsub('"', '\\"'):gsub("\n", "\\n") .. '"'
end
local function python_rows(points)
  local out = {}
  for i, p in ipairs(points) do
    out[i] = string.format("    (%s, %.17g, %.17g),", python_string(p.name), p.x, p.y)
  end
  return "[\n" .. table.concat(out, "\n") .. "\n]"
end
local function python_list(values)
  local out = {}
  for i, v in ipairs(values) do out[i] = string.format("%.17g", v) end
  return "[" .. table.concat(out, ", ") .. "]"
end

local SCORER = [[
import json
import math

C = %s
TRAIN = %s
HELDOUT = %s


def law(x):
    return %s


def score(rows):
    """Root mean square of the relative errors, and the prediction for every row."""
    out, squares = [], 0.0
    for name, x, observed in rows:
        try:
            predicted = float(law(x))
        except (ArithmeticError, ValueError):
            predicted = math.inf
        error = (predicted - observed) / observed if math.isfinite(predicted) else math.inf
        squares += error * error
        out.append({"name": name, "predicted": predicted if math.isfinite(predicted) else None,
                    "relative_error": error if math.isfinite(error) else None})
    residual = math.sqrt(squares / len(rows))
    return (residual if math.isfinite(residual) else None), out


train_residual, train_rows = score(TRAIN)
heldout_residual, heldout_rows = score(HELDOUT)
print(json.dumps({"train_residual": train_residual, "heldout_residual": heldout_residual,
                  "train": train_rows, "heldout": heldout_rows}, allow_nan=False))
]]

local function score_in_python(law, coefficients)
  local source = string.format(SCORER, python_list(coefficients), python_rows(train),
    python_rows(test), law.python)
  local result, message = tool.call("code", {language = "python", source = source})
  if result == nil then return nil, "code: " .. message end
  local scores = json.decode(result.stdout)
  if scores == nil then return nil, "the scoring program printed no JSON: " .. result.stdout end
  return scores
end

-- Memory writes whose failure is logged, not fatal: the report still carries every result.
local function keep(key, value)
  local ok, message = memory.put(key, value)
  if not ok then log("memory: could not keep " .. key .. ": " .. tostring(message)) end
end
local function note(line)
  log(line)
  local ok, message = memory.append(line)
  if not ok then log("memory: could not append to the log: " .. tostring(message)) end
end

-- Fits, scores and keeps one hypothesis; returns it (with .error when it could not be scored).
local hypotheses = {}
local function percent(v) return v and string.format("%.3g%%", 100 * v) or "n/a" end
local function parameters_text(params)
  local keys = {}
  for k in pairs(params) do keys[#keys + 1] = k end
  table.sort(keys)
  local out = {}
  for i, k in ipairs(keys) do out[i] = string.format("%s=%.6g", k, params[k]) end
  return table.concat(out, ", ")
end

local function try(round, index, spec, parent)
  local law = make_law(spec)
  local h = {round = round, index = index, id = round .. "/" .. index, key = law.key,
    law = law.form, n = law.n, parent = parent and parent.id or nil, spec = spec, law_def = law}
  h.number = #hypotheses + 1
  hypotheses[h.number] = h
  local arguments = {op = "fit", y = law.fit.y, x = law.fit.x, intercept = law.fit.intercept}
  local fit, message = tool.call("stats", arguments)
  local scored
  if fit == nil then
    h.error = "stats: " .. message
  else
    h.coefficients = fit.coefficients
    h.parameters = law.parameters(fit.coefficients)
    h.exponent = law.exponent and law.exponent(fit.coefficients) or nil
    scored, message = score_in_python(law, fit.coefficients)
    if scored == nil then h.error = message end
  end
  if scored then
    h.train_residual = scored.train_residual
    h.heldout_residual = scored.heldout_residual
    h.predictions = {train = scored.train, heldout = scored.heldout}
  end
  h.accepted = h.heldout_residual ~= nil and h.heldout_residual <= tolerance

  local line
  if h.error then
    line = string.format("hypothesis %s %s: skipped: %s", h.id, h.law, h.error)
  else
    line = string.format("hypothesis %s %s: %s; train %s, held-out %s%s", h.id, h.law,
      parameters_text(h.parameters), percent(h.train_residual), percent(h.heldout_residual),
      h.accepted and " (accepted)" or "")
  end
  note(line)
  keep("hypothesis/" .. h.id, {law = h.law, key = h.key, parameters = h.parameters,
    coefficients = h.coefficients, exponent = h.exponent, fitted_parameters = h.n,
    train_residual = h.train_residual, heldout_residual = h.heldout_residual,
    accepted = h.accepted, refines = h.parent, error = h.error})
  report.row{step = "hypothesis", round = round, id = h.id, law = h.law,
    parameters = h.parameters and parameters_text(h.parameters) or nil, exponent = h.exponent,
    fitted_parameters = h.n, train_residual = h.train_residual,
    heldout_residual = h.heldout_residual, accepted = h.accepted, refines = h.parent,
    note = h.error, hypothesis = h.number,
    log10_heldout_residual = h.heldout_residual and h.heldout_residual > 0 and
      math.log(h.heldout_residual, 10) or nil}
  return h
end

-- a before b: accepted laws first, the fewest fitted parameters first among them; otherwise the
-- lower held-out residual; then the earlier hypothesis.
local function before(a, b)
  if a.accepted ~= b.accepted then return a.accepted end
  if a.accepted and a.n ~= b.n then return a.n < b.n end
  local ra, rb = a.heldout_residual or math.huge, b.heldout_residual or math.huge
  if ra ~= rb then return ra < rb end
  return a.number < b.number
end
local function ranked()
  local out = {}
  for _, h in ipairs(hypotheses) do
    if not h.error then out[#out + 1] = h end
  end
  table.sort(out, before)
  return out
end

report.columns{"step", "round", "id", "law", "parameters", "exponent", "fitted_parameters",
  "train_residual", "heldout_residual", "accepted", "refines", "hypothesis",
  "log10_heldout_residual", "path", "note"}
log(string.format("%s: %d rows; training on %s; holding out %s; tolerance %s", data_file, #rows,
  names(train), names(test), percent(tolerance)))

-- Round 1: the simple forms.
local SIMPLE = {{family = "linear"}, {family = "quadratic"}, {family = "exponential"},
  {family = "logarithmic"}, {family = "fixed", p = 1, q = 1}, {family = "fixed", p = 2, q = 1}}
local tried = {}  -- law key -> true, for every law proposed
local candidates = {}
for _, spec in ipairs(SIMPLE) do
  tried[make_law(spec).key] = true
  candidates[#candidates + 1] = {spec = spec}
end

local best, stop = nil, nil
for round = 1, max_rounds do
  progress(round - 1, max_rounds, string.format("round %d: %d candidates", round, #candidates))
  for i, c in ipairs(candidates) do try(round, i, c.spec, c.parent) end
  local order = ranked()
  local previous = best
  best = order[1]
  if best then
    note(string.format("round %d: best %s %s (held-out %s%s)", round, best.id, best.law,
      percent(best.heldout_residual), best.accepted and ", accepted" or ""))
  end
  if best and best.accepted and best == previous then
    stop = "converged: the best law is under tolerance and this round found none better"
    break
  end
  -- The next round: untried refinements of the `beam` best laws.
  candidates = {}
  for i = 1, math.min(beam, #order) do
    for _, spec in ipairs(order[i].law_def.refine(order[i].coefficients)) do
      local key = make_law(spec).key
      if not tried[key] then
        tried[key] = true
        candidates[#candidates + 1] = {spec = spec, parent = order[i]}
      end
    end
  end
  if #candidates == 0 then
    stop = best and best.accepted and
      "converged: the best law is under tolerance and nothing is left to refine" or
      "nothing is left to refine and no law is under tolerance"
    break
  end
  if round == max_rounds then stop = "max_rounds reached" end
end
progress(max_rounds, max_rounds, "done")
if best == nil then error("no hypothesis could be scored") end

-- The path: the chain of refinements that led to the best law.
local by_id, path = {}, {}
for _, h in ipairs(hypotheses) do by_id[h.id] = h end
local step = best
while step do
  table.insert(path, 1, step.id .. " " .. step.law)
  step = step.parent and by_id[step.parent] or nil
end
local path_text = table.concat(path, " -> ")

note(string.format("%s after %d hypotheses", stop, #hypotheses))
note(string.format("law found: %s with %s; held-out residual %s (tolerance %s)%s", best.law,
  parameters_text(best.parameters), percent(best.heldout_residual), percent(tolerance),
  best.accepted and "" or " -- NOT under tolerance"))
note("path: " .. path_text)
for _, set in ipairs({"train", "heldout"}) do
  for _, p in ipairs(best.predictions[set]) do
    log(string.format("  %-8s %-8s predicted %s, relative error %s", set, p.name,
      p.predicted and string.format("%.6g", p.predicted) or "n/a", percent(p.relative_error)))
  end
end
keep("law", {id = best.id, law = best.law, parameters = best.parameters,
  exponent = best.exponent, train_residual = best.train_residual,
  heldout_residual = best.heldout_residual, accepted = best.accepted, tolerance = tolerance,
  path = path, stop = stop, hypotheses = #hypotheses, predictions = best.predictions})
local kept = memory.scan("hypothesis/")
log(string.format("memory holds %d hypotheses under hypothesis/", kept and #kept or 0))
report.row{step = "law found", round = best.round, id = best.id, law = best.law,
  parameters = parameters_text(best.parameters), exponent = best.exponent,
  fitted_parameters = best.n, train_residual = best.train_residual,
  heldout_residual = best.heldout_residual, accepted = best.accepted, refines = best.parent,
  path = path_text, note = stop}
report.plot{x = "hypothesis", y = "log10_heldout_residual",
  title = "log10 of the held-out residual of each law, in the order tried", file = "path.svg"}
