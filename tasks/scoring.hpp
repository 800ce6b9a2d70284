// Evaluating a model on a task: the problems of one length (drawn as scripts/train draws them),
// and the score of what the model wrote against each problem's reference — the exact answer, the
// exact trajectory, where a wrong trajectory first leaves the reference — summed per length with
// a 95% Wilson interval.
//
//   auto problems = draw_problems(*task, 100, 20, seed);
//   LengthScore row(100);
//   for (i ...) row.add(score_problem(*task, problems[i], i, finished, output, written), tokens,
//                       calls);
//   row.wall_s = ...; row.to_json();
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "base/json.hpp"
#include "tasks/task.hpp"

namespace recur::tasks {

// The 95% Wilson score interval of k successes in n trials; (0, 0) when n is 0.
std::pair<double, double> wilson_interval(std::size_t k, std::size_t n);

// One evaluation problem.
struct Problem {
  std::string a, b;                    // the operands (the program and its output node for graphs)
  std::string prompt;                  // the prompt's words joined by spaces
  std::vector<std::string> reference;  // the tokens the model should write
  std::string answer;                  // the exact answer
};

// `n` problems of `length`, the same for the same seed: a random generator seeded with
// seed * 1000003 + length draws them one after another.
std::vector<Problem> draw_problems(const Task& task, std::size_t length, std::size_t n,
                                   std::uint64_t seed);

// Where a written trajectory first leaves the reference: the index among the written tokens, the
// expected and the written token ("" past an end), and the reference's tokens before it.
struct Divergence {
  std::size_t problem = 0;
  std::size_t at = 0;
  std::size_t of = 0;  // the reference's length
  std::string expected, generated;
  std::vector<std::string> before;

  // {"problem", "at", "of", "expected", "generated", "before"}
  Json to_json() const;
  // "problem 3: written token 17 of 40 is '5', the reference has '6' after: R1 D1 ..."
  std::string describe() const;
};
Divergence divergence(const std::vector<std::string>& written,
                      const std::vector<std::string>& reference, std::size_t problem,
                      std::size_t context);

struct ProblemScore {
  bool exact_answer = false;  // the session finished and its output, spaces removed, is the answer
  bool exact_trajectory = false;  // every written token is the reference's
  Divergence divergence;          // when the trajectory is not exact
};

// Scores problem `index`: `finished` says the session ended by itself (not by a budget or a
// failure), `output` is its output text, `written` the tokens it wrote.
ProblemScore score_problem(const Problem& problem, std::size_t index, bool finished,
                           const std::string& output, const std::vector<std::string>& written);

// The scores of one length.
class LengthScore {
 public:
  // Keeps the first max(3, failures_kept) divergences.
  LengthScore(std::size_t length, std::size_t failures_kept);
  // Adds a problem's score with the tokens it fed and the calls it made.
  void add(const ProblemScore& score, std::size_t tokens, std::size_t calls);

  std::size_t length() const { return length_; }
  std::size_t n() const { return n_; }
  double accuracy() const;
  double trajectory_accuracy() const;
  std::pair<double, double> interval() const { return wilson_interval(exact_, n_); }
  double tokens_per_problem() const;
  double calls_per_problem() const;
  const std::vector<Divergence>& failures() const { return failures_; }

  double wall_s = 0;  // the wall time of the length's sessions, set by the caller

  // {"length", "n", "accuracy", "wilson_low", "wilson_high", "trajectory_accuracy",
  //  "tokens_per_problem", "tool_calls_per_problem", "wall_s", "failures": [...]}
  Json to_json() const;

 private:
  std::size_t length_, keep_;
  std::size_t n_ = 0, exact_ = 0, exact_trajectory_ = 0, tokens_ = 0, calls_ = 0;
  std::vector<Divergence> failures_;
};

}  // namespace recur::tasks
