#include "tasks/scoring.hpp"

#include <algorithm>
#include <cmath>
#include <random>

#include "base/text.hpp"

namespace recur::tasks {
namespace {

// A decimal operand of exactly `digits` digits (no leading zero unless it is one digit).
std::string draw_operand(std::mt19937_64& rng, std::size_t digits) {
  std::string s;
  for (std::size_t i = 0; i < digits; ++i)
    s.push_back(static_cast<char>('0' + (i == 0 && digits > 1 ? 1 + rng() % 9 : rng() % 10)));
  return s;
}

double per(std::size_t count, std::size_t n) {
  return n == 0 ? 0.0 : static_cast<double>(count) / static_cast<double>(n);
}

}  // namespace

std::pair<double, double> wilson_interval(std::size_t k, std::size_t n) {
  if (n == 0) return {0, 0};
  const double z = 1.959963984540054, p = static_cast<double>(k) / n, nn = static_cast<double>(n);
  const double denom = 1 + z * z / nn;
  const double center = (p + z * z / (2 * nn)) / denom;
  const double half = z * std::sqrt(p * (1 - p) / nn + z * z / (4 * nn * nn)) / denom;
  return {std::max(0.0, center - half), std::min(1.0, center + half)};
}

std::vector<Problem> draw_problems(const Task& task, std::size_t length, std::size_t n,
                                   std::uint64_t seed) {
  std::mt19937_64 rng(seed * 1000003 + length);
  std::vector<Problem> problems;
  problems.reserve(n);
  for (std::size_t i = 0; i < n; ++i) {
    auto [a, b] = task.draw(rng, length, draw_operand);
    Problem p;
    p.prompt = joined(task.prompt(a, b), " ");
    p.reference = task.trajectory(a, b).written();
    p.answer = task.answer(a, b);
    p.a = std::move(a);
    p.b = std::move(b);
    problems.push_back(std::move(p));
  }
  return problems;
}

Json Divergence::to_json() const {
  return {{"problem", problem},     {"at", at},        {"of", of}, {"expected", expected},
          {"generated", generated}, {"before", before}};
}

std::string Divergence::describe() const {
  return "problem " + std::to_string(problem) + ": written token " + std::to_string(at) + " of " +
         std::to_string(of) + " is '" + generated + "', the reference has '" + expected +
         "' after: " + joined(before, " ");
}

Divergence divergence(const std::vector<std::string>& written,
                      const std::vector<std::string>& reference, std::size_t problem,
                      std::size_t context) {
  Divergence d;
  std::size_t at = 0;
  while (at < written.size() && at < reference.size() && written[at] == reference[at]) ++at;
  d.problem = problem;
  d.at = at;
  d.of = reference.size();
  d.expected = at < reference.size() ? reference[at] : "";
  d.generated = at < written.size() ? written[at] : "";
  d.before.assign(reference.begin() + static_cast<long>(at - std::min(at, context)),
                  reference.begin() + static_cast<long>(at));
  return d;
}

ProblemScore score_problem(const Problem& problem, std::size_t index, bool finished,
                           const std::string& output, const std::vector<std::string>& written) {
  ProblemScore s;
  std::string answer;
  for (char c : output)
    if (c != ' ') answer.push_back(c);
  s.exact_answer = finished && answer == problem.answer;
  s.exact_trajectory = written == problem.reference;
  if (!s.exact_trajectory) s.divergence = divergence(written, problem.reference, index, 12);
  return s;
}

LengthScore::LengthScore(std::size_t length, std::size_t failures_kept)
    : length_(length), keep_(std::max<std::size_t>(3, failures_kept)) {}

void LengthScore::add(const ProblemScore& score, std::size_t tokens, std::size_t calls) {
  ++n_;
  exact_ += score.exact_answer;
  exact_trajectory_ += score.exact_trajectory;
  tokens_ += tokens;
  calls_ += calls;
  if (!score.exact_trajectory && failures_.size() < keep_) failures_.push_back(score.divergence);
}

double LengthScore::accuracy() const {
  return per(exact_, n_);
}
double LengthScore::trajectory_accuracy() const {
  return per(exact_trajectory_, n_);
}
double LengthScore::tokens_per_problem() const {
  return per(tokens_, n_);
}
double LengthScore::calls_per_problem() const {
  return per(calls_, n_);
}

Json LengthScore::to_json() const {
  const auto [low, high] = interval();
  Json failures = Json::array();
  for (const auto& f : failures_) failures.push_back(f.to_json());
  return {{"length", length_},
          {"n", n_},
          {"accuracy", accuracy()},
          {"wilson_low", low},
          {"wilson_high", high},
          {"trajectory_accuracy", trajectory_accuracy()},
          {"tokens_per_problem", tokens_per_problem()},
          {"tool_calls_per_problem", calls_per_problem()},
          {"wall_s", wall_s},
          {"failures", failures}};
}

}  // namespace recur::tasks
