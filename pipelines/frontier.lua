-- frontier.lua: how far does a tool-using model generalize?
--
-- For a model and a task, runs n random problems at a length, doubling the length while the
-- exact-match accuracy stays at or above the threshold; once it falls below, bisects between the
-- last length that held and the first that fell, down to a resolution. Reports every length tried
-- (accuracy with its 95% Wilson interval) and the frontier: the longest length that held.
--
--   recur run pipelines/frontier.lua --model models/addition-pointer \
--     --param n=50 --param start=5 --param max_length=1000
--
-- The n problems of a length run together: with n above 64, raise --concurrency and --slots to n
-- (on a GPU: --device cuda --concurrency 200 --slots 200 --param n=200).
--
-- Parameters: n (problems per length, 200), start (first length, 5), threshold (0.95),
-- max_length (stop doubling past it, 1000), resolution (bisect until the bracket is narrower than
-- this fraction of its low end, 0.1), task ("addition"), model (bundle; default: --model),
-- tokens_per_digit (each agent's token budget per digit of the problem, plus 64; 80).
-- Every result is kept in the pipeline's memory under "length/<L>" and the frontier under
-- "frontier". Killed, it goes on with `recur run --resume JOB`.

local n = param("n", 200)
local start = param("start", 5)
local threshold = param("threshold", 0.95)
local max_length = param("max_length", 1000)
local resolution = param("resolution", 0.1)
local task_name = param("task", "addition")
local model = param("model", "")
local tokens_per_digit = param("tokens_per_digit", 80)

-- Tasks: each makes a random problem of a length: the prompt the model reads, the exact answer,
-- and a token budget.
local tasks = {}

function tasks.addition(length)
  local function operand()
    local digits = {}
    for i = 1, length do
      digits[i] = (i == 1 and length > 1) and math.random(1, 9) or math.random(0, 9)
    end
    return digits
  end
  local a, b = operand(), operand()
  local sum, carry = {}, 0
  for i = length, 1, -1 do
    local d = a[i] + b[i] + carry
    table.insert(sum, 1, d % 10)
    carry = d // 10
  end
  if carry > 0 then table.insert(sum, 1, carry) end
  return {
    prompt = table.concat(a, " ") .. " + " .. table.concat(b, " ") .. " =",
    answer = table.concat(sum),
    max_tokens = tokens_per_digit * length + 64,
  }
end

local make = tasks[task_name]
if make == nil then error("task '" .. task_name .. "' is not known (known: addition)") end

-- The 95% Wilson score interval of k successes in m trials.
local function wilson(k, m)
  local z = 1.959963984540054
  local p = k / m
  local denom = 1 + z * z / m
  local center = (p + z * z / (2 * m)) / denom
  local half = z * math.sqrt(p * (1 - p) / m + z * z / (4 * m * m)) / denom
  local low, high = center - half, center + half
  if low < 1e-12 then low = 0 end
  if high > 1 - 1e-12 then high = 1 end
  return low, high
end

local tried = {}

-- Runs n problems of `length` at once and scores them; returns the accuracy.
local function score(length, phase)
  if tried[length] then return tried[length] end
  local problems, handles = {}, {}
  for i = 1, n do
    problems[i] = make(length)
    local spec = {prompt = problems[i].prompt, max_tokens = problems[i].max_tokens}
    if model ~= "" then spec.model = model end
    handles[i] = agent.start(spec)
  end
  local correct, failed, tokens, first_error = 0, 0, 0, nil
  for i, result in ipairs(agent.await_all(handles)) do
    if result.status == "failed" then
      failed = failed + 1
      first_error = first_error or result.error
    else
      tokens = tokens + result.tokens
      if result.status == "finished" and result.output:gsub(" ", "") == problems[i].answer then
        correct = correct + 1
      end
    end
  end
  if failed == n then error("every agent at length " .. length .. " failed: " .. first_error) end
  local accuracy = correct / n
  local low, high = wilson(correct, n)
  report.row{length = length, n = n, correct = correct, accuracy = accuracy, low = low,
             high = high, failed = failed, tokens_per_problem = tokens / n, phase = phase}
  memory.put("length/" .. length, {accuracy = accuracy, low = low, high = high, n = n})
  log(string.format("length %d: %d/%d exact (%.3f, 95%% interval [%.3f, %.3f])", length, correct,
    n, accuracy, low, high))
  tried[length] = accuracy
  return accuracy
end

report.columns{"phase", "length", "n", "correct", "accuracy", "low", "high", "failed",
               "tokens_per_problem"}

-- Double while the accuracy holds.
local good, bad = nil, nil
local length = start
while true do
  progress(length, max_length, "doubling")
  if score(length, "double") >= threshold then
    good = length
    if length >= max_length then break end
    length = math.min(length * 2, max_length)
  else
    bad = length
    break
  end
end

-- Bisect between the last length that held and the first that fell.
if good and bad then
  while bad - good > math.max(1, math.floor(good * resolution)) do
    local mid = (good + bad) // 2
    progress(mid, bad, "bisecting")
    if score(mid, "bisect") >= threshold then good = mid else bad = mid end
  end
end

local frontier = {length = good or 0, first_below = bad, threshold = threshold, n = n,
                  reached_max = bad == nil}
memory.put("frontier", frontier)
report.row{phase = "frontier", length = good or 0, n = n}
report.plot{x = "length", y = "accuracy", low = "low", high = "high", xlog = true,
            title = "exact answers against problem length (95% Wilson interval)",
            file = "frontier.svg"}
if bad == nil then
  log(string.format("frontier: accuracy >= %.2f at every length up to %d", threshold, good))
else
  log(string.format("frontier: %d (accuracy >= %.2f); %d falls below", good or 0, threshold, bad))
end
