-- expr: evaluates a floating-point formula with a recursive-descent parser (the expression is never
-- compiled as Lua). Grammar, loosest binding first:
--   sum     = product {("+" | "-") product}
--   product = unary {("*" | "/" | "%") unary}
--   unary   = ("-" | "+") unary | power
--   power   = primary ["^" unary]                  (right-associative: 2^3^2 = 2^9; -2^2 = -4)
--   primary = number | name | name "(" sum {"," sum} ")" | "(" sum ")"
-- x % y is x - floor(x/y)*y. Positions in messages count characters from 1.

local MAX_LENGTH = 10000
local MAX_DEPTH = 200

local constants = {pi = math.pi, e = math.exp(1)}

local function log10(x) return math.log(x, 10) end

-- name = {function, least arguments, most arguments}
local functions = {
  sin = {math.sin, 1, 1}, cos = {math.cos, 1, 1}, tan = {math.tan, 1, 1},
  asin = {math.asin, 1, 1}, acos = {math.acos, 1, 1}, atan = {math.atan, 1, 2},
  exp = {math.exp, 1, 1}, log = {math.log, 1, 1}, log10 = {log10, 1, 1},
  sqrt = {math.sqrt, 1, 1}, abs = {math.abs, 1, 1},
  floor = {function(x) return math.floor(x) + 0.0 end, 1, 1},
  ceil = {function(x) return math.ceil(x) + 0.0 end, 1, 1},
  min = {math.min, 1, math.huge}, max = {math.max, 1, math.huge},
  pow = {function(x, y) return x ^ y end, 2, 2},
}

local function fail(position, message)
  error(string.format("%s at position %d", message, position), 0)
end

local function finite(x) return x == x and x ~= math.huge and x ~= -math.huge end

local function checked(value, position, what)
  if not finite(value) then fail(position, what .. " is not a finite number") end
  return value
end

local Parser = {}
Parser.__index = Parser

local function new_parser(text, variables)
  return setmetatable({text = text, pos = 1, depth = 0, variables = variables}, Parser)
end

function Parser:skip_space()
  self.pos = self.text:find("[^ \t\r\n]", self.pos) or (#self.text + 1)
end

function Parser:peek()
  self:skip_space()
  return self.text:sub(self.pos, self.pos)
end

function Parser:expect(char)
  if self:peek() ~= char then
    local found = self:peek()
    fail(self.pos, string.format("expected '%s' but found %s", char,
      found == "" and "the end" or "'" .. found .. "'"))
  end
  self.pos = self.pos + 1
end

function Parser:enter()
  self.depth = self.depth + 1
  if self.depth > MAX_DEPTH then fail(self.pos, "expression nested too deeply") end
end

function Parser:sum()
  self:enter()
  local value = self:product()
  while true do
    local op, at = self:peek(), self.pos
    if op ~= "+" and op ~= "-" then break end
    self.pos = self.pos + 1
    local rhs = self:product()
    value = checked(op == "+" and value + rhs or value - rhs, at, "result of '" .. op .. "'")
  end
  self.depth = self.depth - 1
  return value
end

function Parser:product()
  local value = self:unary()
  while true do
    local op, at = self:peek(), self.pos
    if op ~= "*" and op ~= "/" and op ~= "%" then break end
    self.pos = self.pos + 1
    local rhs = self:unary()
    if op == "*" then
      value = value * rhs
    elseif rhs == 0 then
      fail(at, op == "/" and "division by zero" or "modulo by zero")
    elseif op == "/" then
      value = value / rhs
    else
      value = value - math.floor(value / rhs) * rhs
    end
    value = checked(value, at, "result of '" .. op .. "'")
  end
  return value
end

function Parser:unary()
  local op = self:peek()
  if op == "-" or op == "+" then
    self:enter()
    self.pos = self.pos + 1
    local value = self:unary()
    self.depth = self.depth - 1
    return op == "-" and -value or value
  end
  return self:power()
end

function Parser:power()
  local base = self:primary()
  if self:peek() ~= "^" then return base end
  local at = self.pos
  self.pos = self.pos + 1
  self:enter()
  local exponent = self:unary()
  self.depth = self.depth - 1
  if base == 0 and exponent < 0 then fail(at, "division by zero") end
  return checked(base ^ exponent, at, "result of '^'")
end

function Parser:number()
  local start = self.pos
  local text = self.text:match("^%d*%.?%d*", start)
  if text == "" or text == "." then fail(start, "expected a number") end
  local stop = start + #text
  local exponent = self.text:match("^[eE][+-]?%d+", stop)
  if exponent then stop = stop + #exponent end
  self.pos = stop
  return checked(tonumber(self.text:sub(start, stop - 1)) + 0.0, start, "number")
end

function Parser:call(name, start)
  local entry = functions[name]
  if not entry then fail(start, "unknown function '" .. name .. "'") end
  self.pos = self.pos + 1
  local args = {}
  if self:peek() ~= ")" then
    args[1] = self:sum()
    while self:peek() == "," do
      self.pos = self.pos + 1
      args[#args + 1] = self:sum()
    end
  end
  self:expect(")")
  if #args < entry[2] or #args > entry[3] then
    local arity = entry[2] == entry[3] and tostring(entry[2])
      or (entry[3] == math.huge and "at least " .. entry[2] or entry[2] .. " or " .. entry[3])
    fail(start, string.format("function '%s' takes %s argument%s, not %d", name, arity,
      arity:match("(%d+)$") == "1" and "" or "s", #args))
  end
  local value = entry[1](table.unpack(args))
  if value ~= value then fail(start, "argument of '" .. name .. "' is out of its domain") end
  return checked(value, start, "result of '" .. name .. "'")
end

function Parser:primary()
  local c, start = self:peek(), self.pos
  if c == "(" then
    self.pos = self.pos + 1
    local value = self:sum()
    self:expect(")")
    return value
  end
  if c:match("[%d.]") then return self:number() end
  local name = self.text:match("^[%a_][%w_]*", start)
  if name then
    self.pos = start + #name
    if self:peek() == "(" then return self:call(name, start) end
    local value = self.variables[name] or constants[name]
    if value == nil then fail(start, "unknown variable '" .. name .. "'") end
    return value
  end
  if c == "" then fail(start, "unexpected end of expression") end
  fail(start, "unexpected character '" .. c .. "'")
end

local function read_variables(given)
  local variables = {}
  if given == nil or given == json.null then return variables end
  if type(given) ~= "table" then error("variables: must be an object of numbers", 0) end
  for name, value in pairs(given) do
    if type(name) ~= "string" or not name:match("^[%a_][%w_]*$") then
      error("variables: '" .. tostring(name) .. "' is not a name", 0)
    end
    if math.type(value) == nil or not finite(value) then
      error("variables: '" .. name .. "' must be a finite number", 0)
    end
    variables[name] = value + 0.0
  end
  return variables
end

return {
  name = "expr",
  description = "Evaluates a floating-point formula: + - * / % ^, unary minus, parentheses, " ..
    "functions sin cos tan asin acos atan exp log (natural) log10 sqrt abs floor ceil min max " ..
    "pow, constants pi and e, and named variables. Example: {\"expression\": \"2*pi*r^2\", " ..
    "\"variables\": {\"r\": 1.5}}.",
  inputSchema = {
    type = "object",
    properties = {
      expression = {type = "string", maxLength = MAX_LENGTH},
      variables = {type = "object", additionalProperties = {type = "number"}},
    },
    required = {"expression"},
    additionalProperties = false,
  },
  handler = function(args)
    if type(args) ~= "table" then return nil, "arguments must be an object" end
    local text = args.expression
    if type(text) ~= "string" then return nil, "expression: must be a string" end
    if #text > MAX_LENGTH then return nil, "expression: longer than " .. MAX_LENGTH .. " bytes" end
    local parser = new_parser(text, read_variables(args.variables))
    local value = parser:sum()
    if parser:peek() ~= "" then fail(parser.pos, "unexpected '" .. parser:peek() .. "'") end
    return {value = value}
  end,
}
