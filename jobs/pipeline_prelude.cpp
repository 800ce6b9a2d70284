// The part of the pipeline API written in Lua, on top of the functions in C (pipeline_api.cpp).
#include "jobs/pipeline_api.hpp"

namespace recur::jobs {

const char* const kPipelinePrelude = R"lua(
-- agent.run(spec): start an agent and wait for it.
function agent.run(spec)
  return agent.await(agent.start(spec))
end

-- agent.await_all(handles): every result, in the order of the handles; a failed agent's entry is
-- {status = "failed", error = message}.
function agent.await_all(handles)
  local out = {}
  for i, h in ipairs(handles) do
    local result, err = agent.await(h)
    out[i] = result or {status = "failed", error = err}
  end
  return out
end

-- param(name, default): params[name] converted to the type of default.
function param(name, default)
  local value = params[name]
  if value == nil then return default end
  local kind = math.type(default) or type(default)
  if kind == "integer" then
    local n = math.tointeger(tonumber(value))
    if n == nil then error("param " .. name .. ": '" .. value .. "' is not an integer", 2) end
    return n
  elseif kind == "float" then
    local n = tonumber(value)
    if n == nil then error("param " .. name .. ": '" .. value .. "' is not a number", 2) end
    return n + 0.0
  elseif kind == "boolean" then
    if value == "true" then return true elseif value == "false" then return false end
    error("param " .. name .. ": '" .. value .. "' is not true or false", 2)
  end
  return value
end

-- memory: the pipeline's own memory (the memory tool, scoped to this job).
memory = {}
local function mem(op, args)
  args.op = op
  return tool.call("memory", args)
end
function memory.put(key, value)
  local r, err = mem("put", {key = key, value = value})
  if r == nil then return nil, err end
  return true
end
function memory.get(key)
  local r, err = mem("get", {key = key})
  if r == nil then return nil, err end
  if r.found then return r.value end
  return nil
end
function memory.delete(key)
  local r, err = mem("delete", {key = key})
  if r == nil then return nil, err end
  return r.existed
end
function memory.scan(prefix, limit)
  local out, cursor = {}, nil
  repeat
    local r, err = mem("scan", {prefix = prefix, cursor = cursor, limit = limit})
    if r == nil then return nil, err end
    for _, e in ipairs(r.entries) do out[#out + 1] = e end
    cursor = r.cursor
    if cursor == json.null then cursor = nil end
  until cursor == nil or (limit ~= nil and #out >= limit)
  return out
end
function memory.append(text)
  local r, err = mem("append_line", {text = text})
  if r == nil then return nil, err end
  return r.line, r.count
end
function memory.find(substring, limit)
  local r, err = mem("find", {substring = substring, limit = limit})
  if r == nil then return nil, err end
  return r.lines, r.truncated
end
function memory.vec_add(id, vector)
  local r, err = mem("vec_add", {id = id, vector = json.array(vector)})
  if r == nil then return nil, err end
  return r.count
end
function memory.vec_search(vector, k)
  local r, err = mem("vec_search", {vector = json.array(vector), k = k})
  if r == nil then return nil, err end
  return r.matches
end

-- data.csv(path): the rows of a CSV file under the data directory, as tables keyed by the header;
-- fields that read as numbers are numbers. Lines starting with '#' are comments.
local function split_csv(line)
  local fields, field, i, quoted = {}, {}, 1, false
  while i <= #line do
    local c = line:sub(i, i)
    if quoted then
      if c == '"' and line:sub(i + 1, i + 1) == '"' then field[#field + 1] = '"'; i = i + 1
      elseif c == '"' then quoted = false
      else field[#field + 1] = c end
    elseif c == '"' then quoted = true
    elseif c == ',' then fields[#fields + 1] = table.concat(field); field = {}
    else field[#field + 1] = c end
    i = i + 1
  end
  fields[#fields + 1] = table.concat(field)
  return fields
end
function data.csv(path)
  local text, err = data.read(path)
  if text == nil then return nil, err end
  local header, rows = nil, {}
  for line in (text .. "\n"):gmatch("([^\n]*)\n") do
    line = line:gsub("\r$", "")
    if line ~= "" and line:sub(1, 1) ~= "#" then
      local fields = split_csv(line)
      if header == nil then
        header = fields
      else
        if #fields ~= #header then
          return nil, string.format("data.csv: %s: a row has %d fields, the header %d", path,
            #fields, #header)
        end
        local row = {}
        for j, name in ipairs(header) do row[name] = tonumber(fields[j]) or fields[j] end
        rows[#rows + 1] = row
      end
    end
  end
  return rows
end
)lua";

}  // namespace recur::jobs
