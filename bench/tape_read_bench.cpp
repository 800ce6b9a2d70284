// The tape's in-process speed for the model worker: nanoseconds per pointer read, and per move
// followed by a read, against the goal of 1 us per read. A read-only loop over a plain vector of
// the same tokens, measured in the same run, is the floor the tape is compared with.
//
// Run: build/bench/tape_read_bench [--tokens 1000000] [--ops 50000000]
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <random>
#include <string>
#include <vector>

#include "agent/tape.hpp"

namespace {

using recur::TokenId;
using recur::agent::Tape;
using clock_type = std::chrono::steady_clock;

double seconds_since(clock_type::time_point t) {
  return std::chrono::duration<double>(clock_type::now() - t).count();
}

// Keeps a value alive so the loop that made it is not optimized away.
template <class T>
void keep(const T& value) {
  asm volatile("" : : "g"(&value) : "memory");
}

}  // namespace

int main(int argc, char** argv) {
  std::size_t tokens = 1000000, ops = 50000000;
  for (int i = 1; i + 1 < argc; i += 2) {
    std::string flag = argv[i];
    std::size_t v = std::strtoull(argv[i + 1], nullptr, 10);
    if (flag == "--tokens")
      tokens = v;
    else if (flag == "--ops")
      ops = v;
    else {
      std::fprintf(stderr, "usage: %s [--tokens N] [--ops N]\n", argv[0]);
      return 2;
    }
  }
  std::mt19937 rng(5);
  std::vector<TokenId> ids(tokens);
  for (auto& id : ids) id = static_cast<TokenId>(rng() % 50000);
  auto tape = Tape::with_input(std::vector<TokenId>(ids.begin(), ids.begin() + tokens / 2));
  if (!tape || !tape->append(std::vector<TokenId>(ids.begin() + tokens / 2, ids.end()))) return 1;

  // Four pointers spread over the tape; each op picks one and a direction from a precomputed
  // stream.
  std::vector<Tape::Pointer> pointers;
  for (int p = 0; p < 4; ++p) {
    pointers.push_back(tape->create_pointer(std::string("p").append(std::to_string(p))));
    for (std::size_t i = 0; i < tokens / 4 * p; ++i) tape->move_right(pointers.back());
  }
  std::vector<std::uint8_t> stream(1 << 16);
  for (auto& b : stream) b = static_cast<std::uint8_t>(rng());

  std::int64_t sum = 0;
  auto t = clock_type::now();
  for (std::size_t i = 0; i < ops; ++i) sum += tape->read(pointers[stream[i & 0xffff] & 3]);
  double read_ns = 1e9 * seconds_since(t) / static_cast<double>(ops);
  keep(sum);

  t = clock_type::now();
  for (std::size_t i = 0; i < ops; ++i) {
    std::uint8_t b = stream[i & 0xffff];
    Tape::Pointer p = pointers[b & 3];
    if (b & 4)
      tape->move_right(p);
    else
      tape->move_left(p);
    sum += tape->read(p);
  }
  double move_read_ns = 1e9 * seconds_since(t) / static_cast<double>(ops);
  keep(sum);

  std::vector<std::size_t> positions = {0, tokens / 4, tokens / 2, 3 * tokens / 4};
  t = clock_type::now();
  for (std::size_t i = 0; i < ops; ++i) sum += ids[positions[stream[i & 0xffff] & 3]];
  double vector_ns = 1e9 * seconds_since(t) / static_cast<double>(ops);
  keep(sum);

  const double goal_ns = 1000;
  std::printf("tape of %zu tokens, 4 pointers, %zu ops per loop\n", tokens, ops);
  std::printf("read             %7.2f ns/op  (%.0fx under the 1 us goal)\n", read_ns,
              goal_ns / read_ns);
  std::printf("move + read      %7.2f ns/op  (%.0fx under the 1 us goal)\n", move_read_ns,
              goal_ns / move_read_ns);
  std::printf("plain vector[i]  %7.2f ns/op  (tape read / vector read = %.2f)\n", vector_ns,
              read_ns / vector_ns);
  std::printf("checksum %lld\n", static_cast<long long>(sum));
  return 0;
}
