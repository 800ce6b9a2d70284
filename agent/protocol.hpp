// Token protocols: how a model writes tool calls and reads their results, one token at a time.
//
// A bundle names its protocol in config.json under "recur": {"protocol": {...}}:
//   pointer  the paper's pointer memory. Single command tokens move or read named pointers over the
//            tape (the prompt, then every thought and output); a read is answered by exactly one
//            forced token, the token under the pointer (or a boundary token). Tokens after the
//            answer marker are outputs. Commands and observations never reach the tape.
//              {"type": "pointer", "pointers": {"p1": {"left": "L1", "right": "R1", "read": "D1"},
//              ...},
//               "before_start": "^", "past_end": "$", "answer": "[ANS]", "stop": "<eos>"}
//   search   the paper's search memory: "[COMMAND] find [VALUE] x [END]" finds every line of the
//            memory (the prompt's lines, then every line the model writes; commands and
//            observations excluded) that contains the token sequence x, in order; the answer,
//            forced like a pointer read, is "[OBSERVATION] line [line] line [line] ... [END]", at
//            most max_lines lines and then the truncation marker. The output is the last line the
//            model wrote.
//              {"type": "search", "command": "[COMMAND]", "find": "find", "value": "[VALUE]",
//               "end": "[END]", "observation": "[OBSERVATION]", "line": "[NL]", "stop": "<eos>",
//               "max_lines": 100, "truncated": "[MORE]"}
//   json     Hermes-style calls of any configured tool: <tool_call>{"name": ..., "arguments": ...}
//            </tool_call>, answered by <tool_response>result</tool_response>.
//              {"type": "json", "call_open": "<tool_call>", "call_close": "</tool_call>",
//               "response_open": "<tool_response>", "response_close": "</tool_response>",
//               "stop": "<|endoftext|>"}
//   calculator  one calculator tool, called with digit tokens: "[CALL] 1 2 + 3 4 [END]" calls the
//            tool named "tool" (default bigint) with {"op": "add", "a": "12", "b": "34"} (the
//            operator token's op); its "result", forced like a pointer read, comes back one token
//            per character: "[OBSERVATION] 4 6 [END]". A call that is not digits, an operator and
//            digits, a tool error and a character outside the vocabulary all come back as
//            "[OBSERVATION] [ERROR] [END]". Tokens after the answer marker are outputs.
//              {"type": "calculator", "call": "[CALL]", "end": "[END]",
//               "observation": "[OBSERVATION]", "error": "[ERROR]", "answer": "[ANS]",
//               "stop": "<eos>", "tool": "bigint", "operators": {"+": "add"}}
//   plain    no tools (the default without a "recur" section): every token is output until the
//            config's eos token.
// Every marker must be a single token of the bundle's tokenizer; make_protocol names a missing one.
// A malformed call is not an error of the session: the protocol answers it with an error
// observation and the session goes on.
#pragma once

#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "agent/tape.hpp"
#include "base/result.hpp"
#include "model/tokenizer/token.hpp"
#include "model/tokenizer/tokenizer.hpp"
#include "tools/tool.hpp"

namespace recur::agent {

// A call the protocol wants made. With wait, the session pauses until the result has been observed;
// without, the call is a write whose answer nobody reads (a line stored for later searches).
struct ProtocolCall {
  tools::ToolCall call;
  bool wait = true;
};

// What follows one generated token.
struct TokenEffect {
  bool output = false;          // the token belongs to the output stream
  std::vector<TokenId> forced;  // tokens the model takes right after it (a pointer read's answer)
  std::vector<ProtocolCall> calls;  // calls to make now; at most one waits
  bool stop = false;                // the stop token: the session is finished
};

class Protocol {
 public:
  virtual ~Protocol() = default;
  virtual std::string_view name() const = 0;

  // Once, before any generated token. Returns calls that prepare the tools (search: the prompt's
  // lines are stored), and, through forced, nothing.
  virtual std::vector<ProtocolCall> begin(std::span<const TokenId> prompt) = 0;
  virtual TokenEffect on_token(TokenId token) = 0;
  // The tokens that show the model the result of the call it waited for (errors included).
  virtual std::vector<TokenId> observe(const tools::ToolCall& call,
                                       const tools::ToolResult& result) = 0;

  // The protocol's state for a checkpoint, and its restore. The pointer protocol's tape is saved
  // apart (agent/tape.hpp) and handed back through tape().
  virtual Json save() const = 0;
  virtual Status restore(const Json& saved) = 0;
  virtual Tape* tape() { return nullptr; }

  // When the protocol defines the session's output as something other than the tokens it marked as
  // output (search: the last line written), that output.
  virtual std::optional<std::vector<TokenId>> final_output() const { return std::nullopt; }
};

// The protocol of a bundle: `recur_section` is config.json's "recur" object (empty: plain),
// `eos_token_id` the config's eos for the plain protocol. `call_ids` prefixes the ids of the calls
// the protocol makes (the session id), so that they are unique across sessions.
Result<std::unique_ptr<Protocol>> make_protocol(const Json& recur_section,
                                                const Tokenizer& tokenizer, int eos_token_id,
                                                std::string call_ids);

}  // namespace recur::agent
