#include "tasks/pointer_tape.hpp"

namespace recur::tasks {

std::vector<std::string> operation_prompt(const std::string& a, const std::string& op,
                                          const std::string& b) {
  std::vector<std::string> p;
  for (char c : a) p.emplace_back(1, c);
  p.push_back(op);
  for (char c : b) p.emplace_back(1, c);
  p.emplace_back("=");
  return p;
}

bool is_digit(const std::string& token) {
  return token.size() == 1 && token[0] >= '0' && token[0] <= '9';
}

std::string word(char letter, int digit) {
  std::string w(1, letter);
  w.push_back(static_cast<char>('0' + digit));
  return w;
}

std::string PointerTape::read(int k) const {
  const long p = pos_.at(k);
  if (p < 0) return "^";
  if (p >= static_cast<long>(cells_.size())) return "$";
  return cells_[static_cast<std::size_t>(p)];
}

void PointerTape::left(int k) {
  if (pos_[k] >= 0) --pos_[k];
}

void PointerTape::right(int k) {
  ++pos_[k];
}

PointerRecorder::PointerRecorder(const std::vector<std::string>& prompt) : tape_(prompt) {
  for (const auto& w : prompt) trajectory_.add(Role::prompt, w);
}

void PointerRecorder::move(int k, int direction) {
  trajectory_.add(Role::command, word(direction > 0 ? 'R' : 'L', k));
  if (direction > 0)
    tape_.right(k);
  else
    tape_.left(k);
}

std::string PointerRecorder::read(int k) {
  trajectory_.add(Role::command, word('D', k));
  std::string v = tape_.read(k);
  trajectory_.add(Role::observation, v);
  return v;
}

void PointerRecorder::write(Role role, const std::string& token) {
  trajectory_.add(role, token);
  tape_.write(token);
}

void PointerRecorder::walk_right_to(int k, const std::string& token) {
  do move(k, +1);
  while (read(k) != token);
}

void PointerRecorder::walk_right_before(int k, const std::string& token) {
  walk_right_to(k, token);
  move(k, -1);
}

void PointerRecorder::write_answer(int k, const std::string& stop) {
  walk_right_to(k, "[ANS]");
  for (;;) {
    move(k, -1);
    const std::string v = read(k);
    if (v == stop) break;
    if (is_digit(v)) write(Role::output, v);
  }
  add(Role::stop, "<eos>");
}

}  // namespace recur::tasks
