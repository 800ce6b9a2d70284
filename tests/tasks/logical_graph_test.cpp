// The logical graph task: its C++ twin agrees with the Python generator the models are trained on,
// its references evaluate the circuit, and recur's search protocol answers each of a reference's
// finds with exactly the reference's observation (in both formats, logical_graph and
// logical_graph_eval).
#include <gtest/gtest.h>

#include <algorithm>
#include <set>
#include <sstream>

#include "agent/protocol.hpp"
#include "python_problems.hpp"
#include "support/scripted_bundle.hpp"
#include "tasks/logical_graph.hpp"

namespace recur::tasks {
namespace {

const std::string kExample =
    "v3898 = False\nv9709 = True\nv8916 = True\nv2136 = v9709 or not v3898\n"
    "v6061 = v2136 and not v8916";

std::string joined(const std::vector<std::string>& words) {
  std::string s;
  for (const auto& w : words) s += (s.empty() ? "" : " ") + w;
  return s;
}

TEST(LogicalGraphTask, TheWorkedExampleOfTheDocs) {
  const auto t = logical_graph_trajectory(kExample, "v6061");
  // 69 prompt tokens, 289 after them: 130 the model writes and 159 observations.
  EXPECT_EQ(t.tokens.size(), 358u);
  EXPECT_EQ(t.written().size(), 130u);
  EXPECT_EQ(t.output(), (std::vector<std::string>{"False"}));
  EXPECT_EQ(logical_graph_answer(kExample, "v6061"), "False");
  EXPECT_EQ(logical_graph_answer(kExample, "v2136"), "True");
  const auto p = logical_graph_prompt(kExample, "v6061");
  EXPECT_EQ(joined({p.begin(), p.begin() + 7}), "v 3 8 9 8 = False");
  EXPECT_EQ(joined({p.end() - 7, p.end()}), "? v 6 0 6 1 [NL]");
  // The way down to v2136 is written before it is looked up, and read back after its value.
  const std::string all = joined(t.tokens);
  EXPECT_NE(all.find("v 2 1 3 6 < v 6 0 6 1 [NL]"), std::string::npos);
  EXPECT_NE(all.find("v 2 1 3 6 = True [NL]"), std::string::npos);
  EXPECT_NE(all.find("v 6 0 6 1 = False [NL] [COMMAND] find [VALUE] v 6 0 6 1 < [END] "
                     "[OBSERVATION] [END] False <eos>"),
            std::string::npos);
}

TEST(LogicalGraphTask, TheEvaluatedFormatWritesEachGateBeforeItsValue) {
  const auto t = logical_graph_eval_trajectory(kExample, "v6061");
  // The search of logical_graph, and per node evaluated one line of its evaluation and [NL]: here
  // two lines of six words ("True or not False = True").
  EXPECT_EQ(t.tokens.size(), 358u + 7 + 7);
  EXPECT_EQ(t.written().size(), 130u + 7 + 7);
  EXPECT_EQ(t.output(), (std::vector<std::string>{"False"}));
  const std::string all = joined(t.tokens);
  EXPECT_NE(all.find("[OBSERVATION] v 3 8 9 8 = False [NL] [END] True or not False = True [NL] "
                     "v 2 1 3 6 = True [NL]"),
            std::string::npos);
  EXPECT_NE(all.find("[OBSERVATION] v 8 9 1 6 = True [NL] [END] True and not True = False [NL] "
                     "v 6 0 6 1 = False [NL]"),
            std::string::npos);
  // A node over one operand: "not False = True".
  const auto one = logical_graph_eval_trajectory(
      "v0001 = False\nv0002 = True\nv0003 = True\n"
      "v0004 = not v0001",
      "v0004");
  EXPECT_NE(joined(one.tokens).find("[END] not False = True [NL] v 0 0 0 4 = True [NL]"),
            std::string::npos);
}

TEST(LogicalGraphTask, GraphsHaveTheirSizeDistinctLabelsAndEarlierOperands) {
  std::mt19937_64 rng(5);
  for (std::size_t nodes : {4u, 10u, 1000u}) {
    const auto [program, output] = draw_logical_graph(rng, nodes);
    std::set<std::string> defined;
    std::size_t lines = 0;
    std::istringstream in(program);
    for (std::string line; std::getline(in, line); ++lines) {
      std::istringstream words(line);
      std::string name, eq, w;
      words >> name >> eq;
      ASSERT_EQ(eq, "=") << line;
      ASSERT_EQ(name.size(), 5u) << line;
      while (words >> w)
        if (w[0] == 'v') {
          EXPECT_TRUE(defined.count(w)) << line;  // defined before its use
        }
      EXPECT_TRUE(defined.insert(name).second) << line;
      if (lines < 3) {
        EXPECT_TRUE(line.ends_with("True") || line.ends_with("False")) << line;
      }
    }
    EXPECT_EQ(lines, nodes);
    EXPECT_EQ(program.substr(program.rfind('\n') + 1, 8), output + " = ");  // the last node
    const auto t = logical_graph_trajectory(program, output);
    EXPECT_EQ(t.output(), std::vector<std::string>{logical_graph_answer(program, output)});
  }
  // Labels are four digits: a larger graph is drawn with every label.
  const auto big = draw_logical_graph(rng, 20000).first;
  EXPECT_EQ(std::count(big.begin(), big.end(), '\n') + 1, 10000);
}

TEST(LogicalGraphTask, TrajectoriesEqualThePythonGeneratorsOnRandomProblems) {
  expect_python_trajectories("logical_graph", 40, logical_graph_trajectory, logical_graph_answer);
  expect_python_trajectories("logical_graph_eval", 40, logical_graph_eval_trajectory,
                             logical_graph_answer);
}

TEST(LogicalGraphTask, TheSearchProtocolAnswersEveryFindOfTheReference) {
  std::vector<std::string> vocab = {
      "[UNK]", "v",    "=",         "and",  "or",      "not",   "True",          "False",  "<",
      "?",     "[NL]", "[COMMAND]", "find", "[VALUE]", "[END]", "[OBSERVATION]", "[MORE]", "<eos>"};
  for (char d = '0'; d <= '9'; ++d) vocab.emplace_back(1, d);
  const auto tokenizer = *Tokenizer::parse(testing::word_level_tokenizer(vocab), "tokenizer.json");
  const Json recur = {{"protocol",
                       {{"type", "search"},
                        {"command", "[COMMAND]"},
                        {"find", "find"},
                        {"value", "[VALUE]"},
                        {"end", "[END]"},
                        {"observation", "[OBSERVATION]"},
                        {"line", "[NL]"},
                        {"stop", "<eos>"},
                        {"max_lines", 8},
                        {"truncated", "[MORE]"}}}};
  std::mt19937_64 rng(11);
  for (std::size_t nodes : {4u, 7u, 10u, 60u, 300u, 5u, 40u}) {
    const auto [program, output] = draw_logical_graph(rng, nodes);
    const auto t = nodes % 5 == 0 ? logical_graph_eval_trajectory(program, output)
                                  : logical_graph_trajectory(program, output);
    auto protocol = agent::make_protocol(recur, tokenizer, -1, "graph");
    ASSERT_TRUE(protocol.ok()) << protocol.error().message;
    std::vector<TokenId> prompt;
    std::size_t i = 0;
    for (; t.roles[i] == Role::prompt; ++i) prompt.push_back(*tokenizer.token_to_id(t.tokens[i]));
    (*protocol)->begin(prompt);
    bool stopped = false;
    while (i < t.tokens.size()) {
      ASSERT_NE(t.roles[i], Role::observation) << "token " << i;
      const auto effect = (*protocol)->on_token(*tokenizer.token_to_id(t.tokens[i++]));
      stopped = effect.stop;
      for (TokenId forced : effect.forced) {
        ASSERT_LT(i, t.tokens.size());
        ASSERT_EQ(t.roles[i], Role::observation) << "token " << i;
        ASSERT_EQ(*tokenizer.id_to_token(forced), t.tokens[i]) << "token " << i;
        ++i;
      }
    }
    EXPECT_TRUE(stopped);
    const auto out = (*protocol)->final_output();
    ASSERT_TRUE(out.has_value());
    ASSERT_EQ(out->size(), 1u);
    EXPECT_EQ(*tokenizer.id_to_token(out->front()), logical_graph_answer(program, output));
  }
}

}  // namespace
}  // namespace recur::tasks
