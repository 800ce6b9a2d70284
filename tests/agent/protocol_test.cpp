// Token protocols on their own: tokens in, calls and forced observations out.
#include <gtest/gtest.h>

#include "agent/protocol.hpp"
#include "agent/search_protocol.hpp"
#include "support/scripted_bundle.hpp"
#include "tools/tool.hpp"

namespace recur::agent {
namespace {

using recur::testing::word_level_tokenizer;

const std::vector<std::string> kWords = {
    "[UNK]",
    "0",
    "1",
    "2",
    "3",
    "+",
    "=",
    "^",
    "$",
    "[ANS]",
    "<eos>",
    "R1",
    "L1",
    "D1",
    "R2",
    "L2",
    "D2",
    "[COMMAND]",
    "find",
    "[VALUE]",
    "[END]",
    "[OBSERVATION]",
    "[NL]",
    "[MORE]",
    "<tool_call>",
    "</tool_call>",
    "<tool_response>",
    "</tool_response>",
    "x",
    "y",
    "[CALL]",
    "[ERROR]",
    R"({"name":"bigint","arguments":{"op":"add","a":"2","b":"3"}})",
    R"({"name":)",
    R"({"arguments":{}})"};

struct Fixture {
  Tokenizer tokenizer = *Tokenizer::parse(word_level_tokenizer(kWords), "tokenizer.json");
  TokenId id(const std::string& w) const { return *tokenizer.token_to_id(w); }
  std::vector<TokenId> ids(const std::string& text) const { return *tokenizer.encode(text); }
};

Json pointer_config() {
  return {{"protocol",
           {{"type", "pointer"},
            {"pointers",
             {{"p1", {{"left", "L1"}, {"right", "R1"}, {"read", "D1"}}},
              {"p2", {{"left", "L2"}, {"right", "R2"}, {"read", "D2"}}}}},
            {"before_start", "^"},
            {"past_end", "$"},
            {"answer", "[ANS]"},
            {"stop", "<eos>"}}}};
}

TEST(PointerProtocol, ReadsAnswerWithTheTokenUnderThePointerOrABoundary) {
  Fixture f;
  auto p = *make_protocol(pointer_config(), f.tokenizer, -1, "s");
  EXPECT_TRUE(p->begin(f.ids("2 + 3 =")).empty());
  EXPECT_EQ(p->on_token(f.id("D1")).forced, std::vector<TokenId>{f.id("2")});
  EXPECT_EQ(p->on_token(f.id("L1")).forced.size(), 0u);
  EXPECT_EQ(p->on_token(f.id("D1")).forced, std::vector<TokenId>{f.id("^")});
  p->on_token(f.id("L1"));  // already at the boundary: stays
  p->on_token(f.id("R1"));
  EXPECT_EQ(p->on_token(f.id("D1")).forced, std::vector<TokenId>{f.id("2")});
  for (int i = 0; i < 4; ++i) p->on_token(f.id("R2"));
  EXPECT_EQ(p->on_token(f.id("D2")).forced, std::vector<TokenId>{f.id("$")});
  // A thought extends the tape under the pointer parked past the end.
  EXPECT_FALSE(p->on_token(f.id("1")).output);
  EXPECT_EQ(p->on_token(f.id("D2")).forced, std::vector<TokenId>{f.id("1")});
  EXPECT_FALSE(p->on_token(f.id("[ANS]")).output);
  EXPECT_TRUE(p->on_token(f.id("3")).output);
  EXPECT_TRUE(p->on_token(f.id("<eos>")).stop);
  // Commands and observations never reached the tape.
  const std::vector<TokenId> expected = f.ids("2 + 3 = 1 [ANS] 3 <eos>");
  EXPECT_EQ(std::vector<TokenId>(p->tape()->tokens().begin(), p->tape()->tokens().end()), expected);
}

TEST(PointerProtocol, SaveAndRestoreContinueTheSameWay) {
  Fixture f;
  auto a = *make_protocol(pointer_config(), f.tokenizer, -1, "s");
  a->begin(f.ids("1 2 3"));
  for (auto w : {"R1", "R1", "[ANS]", "2"}) a->on_token(f.id(w));
  auto b = *make_protocol(pointer_config(), f.tokenizer, -1, "s");
  *b->tape() = *a->tape();
  ASSERT_TRUE(b->restore(a->save()).ok());
  for (auto w : {"D1", "3", "L1", "D1"})
    EXPECT_EQ(a->on_token(f.id(w)).forced, b->on_token(f.id(w)).forced) << w;
  EXPECT_TRUE(b->on_token(f.id("1")).output);
}

TEST(PointerProtocol, AConfigNamingAMissingTokenIsRefused) {
  Fixture f;
  auto config = pointer_config();
  config["protocol"]["pointers"]["p3"] = {{"left", "L3"}, {"right", "R3"}, {"read", "D3"}};
  auto p = make_protocol(config, f.tokenizer, -1, "s");
  ASSERT_FALSE(p.ok());
  EXPECT_NE(p.error().message.find("'L3'"), std::string::npos) << p.error().message;
  auto bad = make_protocol({{"protocol", {{"type", "telepathy"}}}}, f.tokenizer, -1, "s");
  ASSERT_FALSE(bad.ok());
  EXPECT_NE(bad.error().message.find("telepathy"), std::string::npos);
}

Json search_config() {
  return {{"protocol",
           {{"type", "search"},
            {"line", "[NL]"},
            {"stop", "<eos>"},
            {"max_lines", 2},
            {"truncated", "[MORE]"}}}};
}

TEST(SearchProtocol, FindAnswersEveryLineContainingTheValueInOrder) {
  Fixture f;
  auto p = *make_protocol(search_config(), f.tokenizer, -1, "s");
  p->begin(f.ids("x = 1 [NL] y = 2 [NL] x + y"));
  for (auto w : {"[COMMAND]", "find", "[VALUE]", "y"})
    EXPECT_TRUE(p->on_token(f.id(w)).forced.empty()) << w;
  EXPECT_EQ(p->on_token(f.id("[END]")).forced, f.ids("[OBSERVATION] y = 2 [NL] x + y [NL] [END]"));
  // Lines the model writes join the memory; past max_lines the answer is cut with the marker.
  for (auto w : {"y", "3", "[NL]"}) p->on_token(f.id(w));
  for (auto w : {"[COMMAND]", "find", "[VALUE]", "y"}) p->on_token(f.id(w));
  EXPECT_EQ(p->on_token(f.id("[END]")).forced,
            f.ids("[OBSERVATION] y = 2 [NL] x + y [NL] [MORE] [END]"));
  // A value spanning tokens matches them contiguously.
  for (auto w : {"[COMMAND]", "find", "[VALUE]", "=", "1"}) p->on_token(f.id(w));
  EXPECT_EQ(p->on_token(f.id("[END]")).forced, f.ids("[OBSERVATION] x = 1 [NL] [END]"));
  // A malformed command is answered with an empty observation.
  p->on_token(f.id("[COMMAND]"));
  EXPECT_EQ(p->on_token(f.id("x")).forced, f.ids("[OBSERVATION] [END]"));
  for (auto w : {"2", "[NL]", "3"}) p->on_token(f.id(w));
  EXPECT_TRUE(p->on_token(f.id("<eos>")).stop);
  EXPECT_EQ(*p->final_output(), f.ids("3"));
}

Json json_config() {
  return {{"protocol", {{"type", "json"}, {"stop", "<eos>"}}}};
}

TEST(JsonProtocol, AWellFormedCallBecomesAToolCallAndItsResultAResponse) {
  Fixture f;
  auto p = *make_protocol(json_config(), f.tokenizer, -1, "sess");
  EXPECT_TRUE(p->on_token(f.id("x")).output);
  EXPECT_FALSE(p->on_token(f.id("<tool_call>")).output);
  EXPECT_TRUE(p->on_token(f.id(R"({"name":"bigint","arguments":{"op":"add","a":"2","b":"3"}})"))
                  .calls.empty());
  auto effect = p->on_token(f.id("</tool_call>"));
  ASSERT_EQ(effect.calls.size(), 1u);
  const tools::ToolCall& call = effect.calls[0].call;
  EXPECT_TRUE(effect.calls[0].wait);
  EXPECT_EQ(call.id, "sess/1");
  EXPECT_EQ(call.name, "bigint");
  EXPECT_EQ(call.arguments.at("b"), "3");
  EXPECT_EQ(p->observe(call, tools::ToolResult::text("5")),
            f.ids("<tool_response> [UNK] </tool_response>"));
  EXPECT_EQ(p->observe(call, tools::ToolResult::text("y")),
            f.ids("<tool_response> y </tool_response>"));
}

TEST(JsonProtocol, AMalformedCallIsAnsweredWithAnErrorAndNoToolRuns) {
  Fixture f;
  auto p = *make_protocol(json_config(), f.tokenizer, -1, "s");
  for (const char* body : {R"({"name":)", R"({"arguments":{}})"}) {
    p->on_token(f.id("<tool_call>"));
    p->on_token(f.id(body));
    auto effect = p->on_token(f.id("</tool_call>"));
    EXPECT_TRUE(effect.calls.empty()) << body;
    ASSERT_GE(effect.forced.size(), 2u);
    EXPECT_EQ(effect.forced.front(), f.id("<tool_response>"));
    EXPECT_EQ(effect.forced.back(), f.id("</tool_response>"));
  }
  EXPECT_TRUE(p->on_token(f.id("<eos>")).stop);
}

Json calculator_config() {
  return {{"protocol", recur::testing::calculator_protocol()}};
}

TEST(CalculatorProtocol, DigitsAroundAnOperatorBecomeOneCallAndItsResultComesBackAsDigits) {
  Fixture f;
  auto p = *make_protocol(calculator_config(), f.tokenizer, -1, "s");
  EXPECT_TRUE(p->begin(f.ids("1 2 + 2 1 =")).empty());
  for (const char* w : {"[CALL]", "1", "2", "+", "2"}) {
    const auto e = p->on_token(f.id(w));
    EXPECT_TRUE(e.calls.empty() && e.forced.empty() && !e.output && !e.stop) << w;
  }
  // Saved in the middle of the call, restored into another protocol, it goes on the same way.
  auto q = *make_protocol(calculator_config(), f.tokenizer, -1, "s");
  ASSERT_TRUE(q->restore(p->save()).ok());
  q->on_token(f.id("1"));
  const auto e = q->on_token(f.id("[END]"));
  ASSERT_EQ(e.calls.size(), 1u);
  EXPECT_TRUE(e.calls[0].wait);
  EXPECT_TRUE(e.forced.empty());
  const tools::ToolCall& call = e.calls[0].call;
  EXPECT_EQ(call.name, "bigint");
  EXPECT_EQ(call.id, "s/1");
  EXPECT_EQ(call.arguments, (Json{{"op", "add"}, {"a", "12"}, {"b", "21"}}));
  EXPECT_EQ(q->observe(call, tools::ToolResult::json({{"result", "33"}})),
            f.ids("[OBSERVATION] 3 3 [END]"));
  // A character the vocabulary lacks, a tool error, a result without "result": the error marker.
  const auto error = f.ids("[OBSERVATION] [ERROR] [END]");
  EXPECT_EQ(q->observe(call, tools::ToolResult::json({{"result", "-9"}})), error);
  EXPECT_EQ(q->observe(call, tools::ToolResult::error("op: must be one of add")), error);
  EXPECT_EQ(q->observe(call, tools::ToolResult::json({{"quotient", "1"}})), error);
  // Thoughts are not output; what follows the answer marker is, until the stop token.
  EXPECT_FALSE(q->on_token(f.id("3")).output);
  EXPECT_FALSE(q->on_token(f.id("[ANS]")).output);
  EXPECT_TRUE(q->on_token(f.id("3")).output);
  EXPECT_TRUE(q->on_token(f.id("<eos>")).stop);
  // The next call has the next id.
  q->on_token(f.id("[CALL]"));
  for (const char* w : {"1", "+", "1"}) q->on_token(f.id(w));
  EXPECT_EQ(q->on_token(f.id("[END]")).calls.at(0).call.id, "s/2");
}

TEST(CalculatorProtocol, AMalformedCallIsAnsweredWithTheErrorMarkerAndNoToolRuns) {
  Fixture f;
  for (const std::string call : {"", "1 2", "+ 1", "1 +", "1 + + 2", "1 + 2 +", "1 x 2"}) {
    auto p = *make_protocol(calculator_config(), f.tokenizer, -1, "s");
    p->begin(f.ids("1 + 2 ="));
    p->on_token(f.id("[CALL]"));
    if (!call.empty())
      for (TokenId t : f.ids(call)) p->on_token(t);
    const auto e = p->on_token(f.id("[END]"));
    EXPECT_TRUE(e.calls.empty()) << call;
    EXPECT_EQ(e.forced, f.ids("[OBSERVATION] [ERROR] [END]")) << call;
  }
  Json no_operators = calculator_config();
  no_operators["protocol"].erase("operators");
  auto refused = make_protocol(no_operators, f.tokenizer, -1, "s");
  ASSERT_FALSE(refused.ok());
  EXPECT_NE(refused.error().message.find("'operators'"), std::string::npos);
  Json unknown = calculator_config();
  unknown["protocol"]["operators"] = {{"*", "mul"}};
  refused = make_protocol(unknown, f.tokenizer, -1, "s");
  ASSERT_FALSE(refused.ok());
  EXPECT_NE(refused.error().message.find("'*'"), std::string::npos) << refused.error().message;
}

TEST(PlainProtocol, EverythingIsOutputUntilEos) {
  Fixture f;
  auto p = *make_protocol(Json::object(), f.tokenizer, f.id("<eos>"), "s");
  EXPECT_EQ(p->name(), "plain");
  EXPECT_TRUE(p->on_token(f.id("D1")).output);
  EXPECT_TRUE(p->on_token(f.id("<eos>")).stop);
}

}  // namespace
}  // namespace recur::agent
