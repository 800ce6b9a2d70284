// Random problems with their trajectories from the Python generators the models are trained on
// (scripts/train/tasks/dump.py), for the tests that compare each task's C++ twin with them.
#pragma once

#include <cstdio>
#include <memory>
#include <string>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "tasks/trajectory.hpp"

namespace recur::tasks {

// [{"a", "b", "tokens", "roles"}, ...] of `n` training problems of task `task` with operands of at
// most `max_digits` digits; not an array if the script failed.
inline nlohmann::json python_problems(const std::string& task, int n, int max_digits, int seed) {
  const std::string command = std::string("/usr/bin/python3 ") + RECUR_SOURCE_DIR +
                              "/scripts/train/tasks/dump.py --task " + task + " --n " +
                              std::to_string(n) + " --max-digits " + std::to_string(max_digits) +
                              " --seed " + std::to_string(seed);
  std::unique_ptr<FILE, int (*)(FILE*)> pipe(popen(command.c_str(), "r"), pclose);
  std::string out;
  char buf[65536];
  while (pipe && !feof(pipe.get())) out.append(buf, fread(buf, 1, sizeof buf, pipe.get()));
  return nlohmann::json::parse(out, nullptr, false);
}

// For seeds 1, 2 and 3: 300 problems of task `task` from the Python generator, each of whose
// trajectory(a, b) must be the Python one token for token and role for role, and whose output,
// joined, must be answer(a, b).
template <class TrajectoryOf, class AnswerOf>
void expect_python_trajectories(const std::string& task, int max_digits, TrajectoryOf trajectory,
                                AnswerOf answer) {
  for (int seed : {1, 2, 3}) {
    const auto problems = python_problems(task, 300, max_digits, seed);
    ASSERT_TRUE(problems.is_array() && problems.size() == 300u) << problems.dump().substr(0, 200);
    for (const auto& p : problems) {
      const std::string a = p["a"], b = p["b"];
      const Trajectory t = trajectory(a, b);
      ASSERT_EQ(t.tokens, p["tokens"].get<std::vector<std::string>>()) << a << " | " << b;
      std::vector<std::string> roles;
      for (auto r : t.roles) roles.emplace_back(role_name(r));
      ASSERT_EQ(roles, p["roles"].get<std::vector<std::string>>()) << a << " | " << b;
      std::string out;
      for (const auto& w : t.output()) out += w;
      ASSERT_EQ(out, answer(a, b)) << a << " | " << b;
    }
  }
}

}  // namespace recur::tasks
