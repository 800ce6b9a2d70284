// Writing the reference trajectory of a task with the pointer tool: three pointers on a tape that
// holds the prompt and then every token written to it. Each move and read is recorded as the
// commands the model writes ("R1", "L2", "D3") and the tool's observation, as the Python generators
// in scripts/train/tasks do.
#pragma once

#include <map>
#include <string>
#include <vector>

#include "tasks/trajectory.hpp"

namespace recur::tasks {

// The prompt of an arithmetic task: the digits of a, the operator, the digits of b, "=".
std::vector<std::string> operation_prompt(const std::string& a, const std::string& op,
                                          const std::string& b);
// A single decimal digit "0".."9".
bool is_digit(const std::string& token);
// "R1", "D3", "C0": a letter and a digit.
std::string word(char letter, int digit);

// The pointer memory: the cells and where pointers 1, 2 and 3 stand; "^" left of the first cell,
// "$" past the last.
class PointerTape {
 public:
  explicit PointerTape(std::vector<std::string> cells) : cells_(std::move(cells)) {}
  std::string read(int k) const;
  // A pointer left of the tape stays there.
  void left(int k);
  void right(int k);
  void write(const std::string& token) { cells_.push_back(token); }

 private:
  std::vector<std::string> cells_;
  std::map<int, long> pos_ = {{1, 0}, {2, 0}, {3, 0}};
};

// Builds a trajectory: starts with the prompt on the tape, every pointer on its first cell.
class PointerRecorder {
 public:
  explicit PointerRecorder(const std::vector<std::string>& prompt);

  // Pointer k one cell right (direction > 0) or left: the command "Rk" or "Lk".
  void move(int k, int direction);
  // The command "Dk" and the observation, the token under pointer k, which it returns.
  std::string read(int k);
  // A token the model writes to the tape (a thought or an output).
  void write(Role role, const std::string& token);
  // A token of the trajectory that does not go on the tape (the stop token).
  void add(Role role, const std::string& token) { trajectory_.add(role, token); }

  // Moves pointer k right and reads until it reads `token`.
  void walk_right_to(int k, const std::string& token);
  // The same, then pointer k steps back onto the cell before `token`.
  void walk_right_before(int k, const std::string& token);
  // The ending the arithmetic tasks share: pointer k walks right to "[ANS]", then back left
  // writing each digit as an output (skipping the carry thoughts) until it reads `stop`; then the
  // stop token "<eos>".
  void write_answer(int k = 3, const std::string& stop = "=");

  const Trajectory& trajectory() const { return trajectory_; }

 private:
  Trajectory trajectory_;
  PointerTape tape_;
};

}  // namespace recur::tasks
