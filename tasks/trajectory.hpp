// A trajectory of a tool-use task: the tokens of one solved problem, each with its role (the same
// as scripts/train/tasks/trajectory.py). The model writes the commands, thoughts, outputs and the
// stop token; the prompt and the tool's observations are given to it.
#pragma once

#include <string>
#include <vector>

namespace recur::tasks {

enum class Role { prompt, command, observation, thought, output, stop };
// "prompt", "command", ...: the role's name in the Python generator.
const char* role_name(Role r);

struct Trajectory {
  std::vector<std::string> tokens;
  std::vector<Role> roles;

  void add(Role role, const std::string& token);
  // One token per character of `text` (a number's digits), all with `role`.
  void add_chars(Role role, const std::string& text);
  // The tokens the model writes (commands, thoughts, outputs, the stop token), in order.
  std::vector<std::string> written() const;
  // The answer's tokens (role output), in order.
  std::vector<std::string> output() const;
};

}  // namespace recur::tasks
