#include "tasks/search_memory.hpp"

#include <algorithm>

namespace recur::tasks {

SearchRecorder::SearchRecorder(const std::vector<std::string>& prompt) {
  Line line;
  for (const auto& w : prompt) {
    trajectory_.add(Role::prompt, w);
    if (w == "[NL]") {
      lines_.push_back(std::move(line));
      line.clear();
    } else {
      line.push_back(w);
    }
  }
  if (!line.empty()) lines_.push_back(std::move(line));
}

std::vector<Line> SearchRecorder::find(const Line& value) {
  for (const char* t : {"[COMMAND]", "find", "[VALUE]"}) trajectory_.add(Role::command, t);
  for (const auto& w : value) trajectory_.add(Role::command, w);
  trajectory_.add(Role::command, "[END]");
  std::vector<Line> hits;
  for (const auto& line : lines_)
    if (std::search(line.begin(), line.end(), value.begin(), value.end()) != line.end())
      hits.push_back(line);
  trajectory_.add(Role::observation, "[OBSERVATION]");
  for (std::size_t i = 0; i < hits.size() && i < kSearchMaxLines; ++i) {
    for (const auto& w : hits[i]) trajectory_.add(Role::observation, w);
    trajectory_.add(Role::observation, "[NL]");
  }
  if (hits.size() > kSearchMaxLines) trajectory_.add(Role::observation, "[MORE]");
  trajectory_.add(Role::observation, "[END]");
  return hits;
}

void SearchRecorder::write_line(const Line& line) {
  for (const auto& w : line) trajectory_.add(Role::thought, w);
  trajectory_.add(Role::thought, "[NL]");
  lines_.push_back(line);
}

}  // namespace recur::tasks
