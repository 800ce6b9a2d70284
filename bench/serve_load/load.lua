-- The job of bench/serve_load: `agents` agents of the addition model at once, each adding two
-- numbers of `digits` digits drawn from the job's seed (the model calls its pointer tool as it
-- goes), then one call of the expr tool. One report row.
local agents, digits = param("agents", 2), param("digits", 5)

local function number()
  local d = {tostring(math.random(1, 9))}
  for i = 2, digits do d[i] = tostring(math.random(0, 9)) end
  return table.concat(d, " ")
end

local hs = {}
for i = 1, agents do
  hs[i] = agent.start{prompt = number() .. " + " .. number() .. " =", max_tokens = 400}
end
local tokens = 0
for _, r in ipairs(agent.await_all(hs)) do tokens = tokens + (r.tokens or 0) end
local product = assert(tool.call("expr", {expression = "6 * 7"}))
report.row{agents = agents, tokens = tokens, product = product.value}
