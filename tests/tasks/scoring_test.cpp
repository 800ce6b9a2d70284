// Scoring an evaluation: problems drawn as before, answers and trajectories compared with the
// reference, rows summed with Wilson intervals.
#include "tasks/scoring.hpp"

#include <gtest/gtest.h>

#include "tasks/addition.hpp"

namespace recur::tasks {
namespace {

TEST(Scoring, WilsonIntervalsMatchTheirClosedForm) {
  // 20 of 20 and 8 of 8: the intervals the README's demo table prints.
  auto [low20, high20] = wilson_interval(20, 20);
  EXPECT_NEAR(low20, 0.8389, 1e-4);
  EXPECT_DOUBLE_EQ(high20, 1.0);
  auto [low8, high8] = wilson_interval(8, 8);
  EXPECT_NEAR(low8, 0.6756, 1e-4);
  EXPECT_DOUBLE_EQ(high8, 1.0);
  // 50 of 100: symmetric around 0.5, half-width 0.0962.
  auto [low, high] = wilson_interval(50, 100);
  EXPECT_NEAR(low, 0.4038, 1e-4);
  EXPECT_NEAR(high, 0.5962, 1e-4);
  EXPECT_EQ(wilson_interval(0, 0), std::make_pair(0.0, 0.0));
}

TEST(Scoring, ProblemsAreTheSameForTheSameSeedAndLength) {
  const Task* addition = find_task("addition");
  ASSERT_NE(addition, nullptr);
  const auto a = draw_problems(*addition, 12, 5, 3);
  const auto b = draw_problems(*addition, 12, 5, 3);
  ASSERT_EQ(a.size(), 5u);
  for (std::size_t i = 0; i < a.size(); ++i) {
    EXPECT_EQ(a[i].a, b[i].a);
    EXPECT_EQ(a[i].a.size(), 12u);
    EXPECT_NE(a[i].a[0], '0');
    EXPECT_EQ(a[i].answer, add_decimal(a[i].a, a[i].b));
    EXPECT_EQ(a[i].reference, addition->trajectory(a[i].a, a[i].b).written());
  }
  EXPECT_NE(draw_problems(*addition, 12, 1, 4)[0].a, a[0].a);
}

TEST(Scoring, AProblemIsExactOnlyWhenFinishedWithTheAnswer) {
  Problem p;
  p.answer = "579";
  p.reference = {"R1", "D1", "9", "<eos>"};
  auto exact = score_problem(p, 0, true, "5 7 9", p.reference);
  EXPECT_TRUE(exact.exact_answer);
  EXPECT_TRUE(exact.exact_trajectory);
  EXPECT_FALSE(score_problem(p, 0, false, "579", p.reference).exact_answer);
  auto wrong = score_problem(p, 4, true, "578", {"R1", "D1", "8", "<eos>"});
  EXPECT_FALSE(wrong.exact_answer);
  EXPECT_FALSE(wrong.exact_trajectory);
  EXPECT_EQ(wrong.divergence.problem, 4u);
  EXPECT_EQ(wrong.divergence.at, 2u);
  EXPECT_EQ(wrong.divergence.of, 4u);
  EXPECT_EQ(wrong.divergence.expected, "9");
  EXPECT_EQ(wrong.divergence.generated, "8");
  EXPECT_EQ(wrong.divergence.before, (std::vector<std::string>{"R1", "D1"}));
  EXPECT_EQ(wrong.divergence.describe(),
            "problem 4: written token 2 of 4 is '8', the reference has '9' after: R1 D1");
  auto short_one = divergence({"R1"}, p.reference, 0, 12);
  EXPECT_EQ(short_one.at, 1u);
  EXPECT_EQ(short_one.generated, "");
}

TEST(Scoring, ALengthRowSumsItsProblems) {
  LengthScore row(100, 0);
  Problem p;
  p.answer = "1";
  p.reference = {"1", "<eos>"};
  for (int i = 0; i < 4; ++i)
    row.add(score_problem(p, i, true, i < 3 ? "1" : "2",
                          i < 3 ? p.reference : std::vector<std::string>{"2", "<eos>"}),
            10 + i, 2);
  row.wall_s = 1.5;
  const Json j = row.to_json();
  EXPECT_EQ(j["length"], 100);
  EXPECT_EQ(j["n"], 4);
  EXPECT_DOUBLE_EQ(j["accuracy"].get<double>(), 0.75);
  EXPECT_DOUBLE_EQ(j["trajectory_accuracy"].get<double>(), 0.75);
  EXPECT_DOUBLE_EQ(j["tokens_per_problem"].get<double>(), 11.5);
  EXPECT_DOUBLE_EQ(j["tool_calls_per_problem"].get<double>(), 2.0);
  EXPECT_DOUBLE_EQ(j["wall_s"].get<double>(), 1.5);
  EXPECT_EQ(j["failures"].size(), 1u);
  EXPECT_EQ(j["failures"][0]["problem"], 3);
  const auto [low, high] = wilson_interval(3, 4);
  EXPECT_DOUBLE_EQ(j["wilson_low"].get<double>(), low);
  EXPECT_DOUBLE_EQ(j["wilson_high"].get<double>(), high);
}

}  // namespace
}  // namespace recur::tasks
