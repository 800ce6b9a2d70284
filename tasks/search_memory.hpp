// Writing the reference trajectory of a task with the search tool: a line memory (the prompt's
// lines, then every line the model writes) and each find recorded as the command the model writes
// ("[COMMAND] find [VALUE] ... [END]") and the observation the search protocol answers
// (agent/search_protocol.hpp), as scripts/train/tasks/search.py does.
#pragma once

#include <string>
#include <vector>

#include "tasks/trajectory.hpp"

namespace recur::tasks {

using Line = std::vector<std::string>;

// Lines an observation lists at most; more are cut and marked "[MORE]".
inline constexpr std::size_t kSearchMaxLines = 8;

class SearchRecorder {
 public:
  // The prompt's lines, each ended by "[NL]", are the memory's first lines.
  explicit SearchRecorder(const std::vector<std::string>& prompt);

  // The find command for `value` and its observation: "[OBSERVATION]", each line containing the
  // token sequence `value` followed by "[NL]", "[END]". Returns the lines found.
  std::vector<Line> find(const Line& value);
  // A line the model writes to the memory, ended by "[NL]".
  void write_line(const Line& line);
  // A token of the trajectory that does not go into the memory (the answer, the stop token).
  void add(Role role, const std::string& token) { trajectory_.add(role, token); }

  const Trajectory& trajectory() const { return trajectory_; }

 private:
  Trajectory trajectory_;
  std::vector<Line> lines_;
};

}  // namespace recur::tasks
