#include "tasks/trajectory.hpp"

namespace recur::tasks {

const char* role_name(Role r) {
  switch (r) {
    case Role::prompt:
      return "prompt";
    case Role::command:
      return "command";
    case Role::observation:
      return "observation";
    case Role::thought:
      return "thought";
    case Role::output:
      return "output";
    case Role::stop:
      return "stop";
  }
  return "?";
}

void Trajectory::add(Role role, const std::string& token) {
  tokens.push_back(token);
  roles.push_back(role);
}

void Trajectory::add_chars(Role role, const std::string& text) {
  for (char c : text) add(role, std::string(1, c));
}

std::vector<std::string> Trajectory::written() const {
  std::vector<std::string> out;
  for (std::size_t i = 0; i < tokens.size(); ++i)
    if (roles[i] != Role::prompt && roles[i] != Role::observation) out.push_back(tokens[i]);
  return out;
}

std::vector<std::string> Trajectory::output() const {
  std::vector<std::string> out;
  for (std::size_t i = 0; i < tokens.size(); ++i)
    if (roles[i] == Role::output) out.push_back(tokens[i]);
  return out;
}

}  // namespace recur::tasks
