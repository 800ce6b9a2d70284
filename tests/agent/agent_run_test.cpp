// AgentRun driven by a plain loop over a CPU backend and the tool registry: scripted models walk
// the pointer tape, call a Lua tool, search their memory; budgets stop runaways; a checkpoint
// resumes into another backend and ends exactly as the uninterrupted run.
#include <gtest/gtest.h>

#include "agent/agent_run.hpp"
#include "model/snapshot.hpp"
#include "support/scripted_bundle.hpp"
#include "support/temp_dir.hpp"
#include "tools/registry/registry.hpp"

namespace recur::agent {
namespace {

using recur::testing::TempDir;

struct Bundle {
  std::shared_ptr<const Model> model;
  std::unique_ptr<Tokenizer> tokenizer;
};

Bundle load(const std::filesystem::path& dir) {
  auto model = Model::load(dir);
  EXPECT_TRUE(model.ok()) << (model.ok() ? "" : model.error().message);
  auto tok = Tokenizer::load(dir / "tokenizer.json");
  EXPECT_TRUE(tok.ok()) << (tok.ok() ? "" : tok.error().message);
  return {*model, std::make_unique<Tokenizer>(std::move(*tok))};
}

// Runs a session to its end: one forward per step, calls answered by the registry in order.
SessionResult drive(AgentRun& run, Backend& backend, const tools::Registry* registry,
                    std::size_t stop_after_steps = SIZE_MAX) {
  std::vector<ProtocolCall> calls = run.begin();
  std::size_t steps = 0;
  while (!run.done() && steps++ < stop_after_steps) {
    for (const auto& c : calls) {
      if (!c.wait) continue;
      auto result = registry ? registry->call(c.call, {.scope = run.spec().id})
                             : Result<tools::ToolResult>(fail(ErrorCode::not_found, "no registry"));
      run.complete_call(c.call.id,
                        result ? *result : tools::ToolResult::error(result.error().message), 0.1);
    }
    calls.clear();
    if (!run.ready()) break;
    const std::vector<TokenId> input(run.input().begin(), run.input().end());
    const SequenceChunk chunk{run.slot(), input};
    std::vector<float> logits;
    EXPECT_TRUE(backend.forward({&chunk, 1}, LogitsFor::last, logits).ok());
    calls = run.advance(logits);
  }
  return run.result();
}

// The copy program: read each input digit with pointer p1 and write it as an output word.
Status write_copy_bundle(const std::filesystem::path& dir) {
  std::vector<std::string> words = {"[UNK]", "=",     "go", "^",  "$",
                                    "[ANS]", "<eos>", "R1", "L1", "D1"};
  std::map<std::string, std::string> next = {
      {"go", "[ANS]"}, {"[ANS]", "D1"}, {"R1", "D1"}, {"=", "<eos>"}};
  for (int d = 0; d < 10; ++d) {
    const std::string digit = std::to_string(d);
    const std::string word = std::string("o").append(digit);
    words.push_back(digit);
    words.push_back(word);
    next[digit] = word;
    next[word] = "R1";
  }
  const Json recur = {{"protocol",
                       {{"type", "pointer"},
                        {"pointers", {{"p1", {{"left", "L1"}, {"right", "R1"}, {"read", "D1"}}}}},
                        {"before_start", "^"},
                        {"past_end", "$"},
                        {"answer", "[ANS]"},
                        {"stop", "<eos>"}}},
                      {"task", "copy"}};
  return recur::testing::write_scripted_bundle(dir, words, next, recur, "<eos>");
}

SessionSpec spec(std::string id, std::string prompt, std::uint64_t max_tokens = 4096) {
  SessionSpec s;
  s.id = std::move(id);
  s.prompt = std::move(prompt);
  s.budgets.max_tokens = max_tokens;
  return s;
}

TEST(AgentRun, APointerProgramCopiesItsInputAtAnyLength) {
  TempDir dir;
  ASSERT_TRUE(write_copy_bundle(dir.path()).ok());
  auto b = load(dir.path());
  auto backend = make_cpu_backend(b.model, 2);
  for (int digits : {3, 40}) {
    std::string prompt, expected;
    for (int i = 0; i < digits; ++i) {
      const int d = (i * 7 + 3) % 10;
      prompt += std::to_string(d) + " ";
      expected += (i ? " o" : "o") + std::to_string(d);
    }
    prompt += "= go";
    auto run = AgentRun::start(spec("copy" + std::to_string(digits), prompt), *b.model,
                               *b.tokenizer, *backend->allocate());
    ASSERT_TRUE(run.ok()) << run.error().message;
    const auto r = drive(**run, *backend, nullptr);
    EXPECT_EQ(r.status, SessionStatus::finished);
    EXPECT_EQ(r.output, expected);
    // [ANS], then per digit: D1 (read) and the output word and R1; the last read finds "=", then
    // eos.
    EXPECT_EQ(r.generated.size(), 1u + 3u * digits + 2u);
    EXPECT_EQ(r.forced_tokens, static_cast<std::uint64_t>(digits + 1));
    EXPECT_TRUE(r.calls.empty());
  }
}

TEST(AgentRun, AJsonProgramCallsALuaToolAndAnswersAfterTheResponse) {
  TempDir dir;
  const std::string call = R"({"name":"bigint","arguments":{"op":"add","a":"2","b":"3"}})";
  const std::string broken = R"({"name":)";
  const std::vector<std::string> words = {"[UNK]",
                                          "go",
                                          "again",
                                          "done",
                                          "<eos>",
                                          "<tool_call>",
                                          "</tool_call>",
                                          "<tool_response>",
                                          "</tool_response>",
                                          call,
                                          broken};
  // go -> a call; its response -> a malformed call; its error response -> done.
  const std::map<std::string, std::string> next = {
      {"go", "<tool_call>"},  {"<tool_call>", call},
      {call, "</tool_call>"}, {"</tool_response>", "again"},
      {"again", broken},      {broken, "</tool_call>"},
      {"done", "<eos>"}};
  ASSERT_TRUE(
      recur::testing::write_scripted_bundle(
          dir.path(), words, next, {{"protocol", {{"type", "json"}, {"stop", "<eos>"}}}}, "<eos>")
          .ok());
  auto b = load(dir.path());
  auto backend = make_cpu_backend(b.model, 1);
  auto registry =
      tools::Registry::load(std::filesystem::path(RECUR_SOURCE_DIR) / "configs" / "tools.json");
  ASSERT_TRUE(registry.ok()) << registry.error().message;
  auto run = AgentRun::start(spec("json", "go", 12), *b.model, *b.tokenizer, *backend->allocate());
  ASSERT_TRUE(run.ok());
  const auto r = drive(**run, *backend, &*registry);
  // The script loops (again -> a broken call -> again ...) until the token budget ends it.
  EXPECT_EQ(r.status, SessionStatus::max_tokens);
  ASSERT_EQ(r.calls.size(), 1u);
  EXPECT_EQ(r.calls[0].name, "bigint");
  EXPECT_FALSE(r.calls[0].is_error);
  EXPECT_NE(r.calls[0].result.dump().find("\\\"result\\\":\\\"5\\\""), std::string::npos)
      << r.calls[0].result.dump();
  EXPECT_EQ(r.calls[0].id, "json/1");
}

TEST(AgentRun, ACalculatorProgramCallsTheLuaBigintToolOnceAndReadsItsDigits) {
  TempDir dir;
  std::vector<std::string> words = {"[UNK]",         "=",       "+",     "[CALL]", "[END]",
                                    "[OBSERVATION]", "[ERROR]", "[ANS]", "<eos>"};
  for (int d = 0; d < 10; ++d) words.push_back(std::to_string(d));
  // "=" -> the call 4 + 8; after its observation, the answer 1 2.
  const std::map<std::string, std::string> next = {
      {"=", "[CALL]"},    {"[CALL]", "4"}, {"4", "+"}, {"+", "8"},    {"8", "[END]"},
      {"[END]", "[ANS]"}, {"[ANS]", "1"},  {"1", "2"}, {"2", "<eos>"}};
  const Json recur = {{"protocol", recur::testing::calculator_protocol()}};
  ASSERT_TRUE(recur::testing::write_scripted_bundle(dir.path(), words, next, recur, "<eos>").ok());
  auto b = load(dir.path());
  auto backend = make_cpu_backend(b.model, 1);
  auto registry =
      tools::Registry::load(std::filesystem::path(RECUR_SOURCE_DIR) / "configs" / "tools.json");
  ASSERT_TRUE(registry.ok()) << registry.error().message;
  auto run =
      AgentRun::start(spec("calc", "4 + 8 =", 32), *b.model, *b.tokenizer, *backend->allocate());
  ASSERT_TRUE(run.ok());
  const auto r = drive(**run, *backend, &*registry);
  EXPECT_EQ(r.status, SessionStatus::finished);
  EXPECT_EQ(r.output, "1 2");
  ASSERT_EQ(r.calls.size(), 1u);
  EXPECT_EQ(r.calls[0].name, "bigint");
  EXPECT_FALSE(r.calls[0].is_error);
  EXPECT_NE(r.calls[0].result.dump().find("12"), std::string::npos) << r.calls[0].result.dump();
  EXPECT_EQ(r.forced_tokens, 4u);  // [OBSERVATION] 1 2 [END]
  // Written: [CALL] 4 + 8 [END] [ANS] 1 2 <eos>.
  EXPECT_EQ(r.generated.size(), 9u);
}

TEST(AgentRun, ASearchProgramFindsLinesOfItsMemoryAndOutputsItsLastLine) {
  TempDir dir;
  const std::vector<std::string> words = {"[UNK]",
                                          "a",
                                          "b",
                                          "c",
                                          "d",
                                          "x",
                                          "go",
                                          "<eos>",
                                          "[COMMAND]",
                                          "find",
                                          "[VALUE]",
                                          "[END]",
                                          "[OBSERVATION]",
                                          "[NL]"};
  const std::map<std::string, std::string> next = {
      {"go", "[COMMAND]"}, {"[COMMAND]", "find"}, {"find", "[VALUE]"}, {"[VALUE]", "c"},
      {"c", "[END]"},      {"[END]", "x"},        {"x", "[NL]"},       {"[NL]", "<eos>"}};
  ASSERT_TRUE(recur::testing::write_scripted_bundle(
                  dir.path(), words, next,
                  {{"protocol", {{"type", "search"}, {"line", "[NL]"}, {"stop", "<eos>"}}}},
                  "<eos>")
                  .ok());
  auto b = load(dir.path());
  auto backend = make_cpu_backend(b.model, 1);
  auto run = AgentRun::start(spec("search", "a b [NL] c d [NL] go"), *b.model, *b.tokenizer,
                             *backend->allocate());
  ASSERT_TRUE(run.ok());
  const auto r = drive(**run, *backend, nullptr);
  EXPECT_EQ(r.status, SessionStatus::finished);
  EXPECT_EQ(r.output, "x");
  // The observation: [OBSERVATION] c d [NL] [END].
  EXPECT_EQ(r.forced_tokens, 5u);
}

TEST(AgentRun, BudgetsEndRunawaySessionsWithTheirStatus) {
  TempDir dir;
  ASSERT_TRUE(write_copy_bundle(dir.path()).ok());
  auto b = load(dir.path());
  auto backend = make_cpu_backend(b.model, 1);
  auto run = AgentRun::start(spec("short", "1 2 3 4 5 6 7 8 9 = go", 10), *b.model, *b.tokenizer,
                             *backend->allocate());
  const auto r = drive(**run, *backend, nullptr);
  EXPECT_EQ(r.status, SessionStatus::max_tokens);
  EXPECT_EQ(r.generated.size(), 10u);
  auto cancelled =
      AgentRun::start(spec("c", "1 = go"), *b.model, *b.tokenizer, *backend->allocate());
  (*cancelled)->cancel();
  EXPECT_EQ((*cancelled)->result().status, SessionStatus::cancelled);
  EXPECT_FALSE((*cancelled)->ready());
}

TEST(AgentRun, ACheckpointResumedElsewhereEndsExactlyAsTheUninterruptedRun) {
  TempDir dir, store_dir;
  ASSERT_TRUE(write_copy_bundle(dir.path()).ok());
  auto b = load(dir.path());
  const std::string prompt = "3 1 4 1 5 9 2 6 5 3 5 8 9 7 9 = go";
  auto backend = make_cpu_backend(b.model, 2);
  auto whole = AgentRun::start(spec("whole", prompt), *b.model, *b.tokenizer, *backend->allocate());
  const auto expected = drive(**whole, *backend, nullptr);
  ASSERT_EQ(expected.status, SessionStatus::finished);

  auto store = Store::open(store_dir.path());
  ASSERT_TRUE(store.ok()) << store.error().message;
  for (std::size_t cut : {1u, 7u, 20u, 33u}) {
    const std::string id = "cut" + std::to_string(cut);
    auto first = make_cpu_backend(b.model, 1);
    auto run = AgentRun::start(spec(id, prompt), *b.model, *b.tokenizer, *first->allocate());
    drive(**run, *first, nullptr, cut);
    auto snap = snapshot_session(*first, (*run)->slot(), (*run)->sampler());
    ASSERT_TRUE(snap.ok());
    ASSERT_TRUE(write_checkpoint(*store, **run, *snap).ok());
    run->reset();
    first.reset();

    auto stored = read_checkpoint(*store, id);
    ASSERT_TRUE(stored.ok()) << stored.error().message;
    auto second = make_cpu_backend(b.model, 2);
    const SlotId slot = *second->allocate();
    auto resumed =
        AgentRun::resume(stored->checkpoint, *b.model, *b.tokenizer, slot, std::move(stored->tape));
    ASSERT_TRUE(resumed.ok()) << resumed.error().message;
    ASSERT_TRUE(
        restore_session(*second, slot, (*resumed)->sampler(), stored->checkpoint.snapshot).ok());
    const auto r = drive(**resumed, *second, nullptr);
    EXPECT_EQ(r.status, SessionStatus::finished) << cut;
    EXPECT_EQ(r.output, expected.output) << cut;
    EXPECT_EQ(r.generated, expected.generated) << cut;
    EXPECT_EQ(r.forced_tokens, expected.forced_tokens) << cut;
  }
  EXPECT_FALSE(read_checkpoint(*store, "never").ok());
}

}  // namespace
}  // namespace recur::agent
