// Random problems with their trajectories from the Python generators the models are trained on
// (scripts/train/tasks/dump.py), for the tests that compare each task's C++ twin with them.
#pragma once

#include <cstdio>
#include <memory>
#include <string>

#include <nlohmann/json.hpp>

namespace recur::tools::tasks {

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

}  // namespace recur::tools::tasks
