// What a model worker hands back for a session: the run's SessionResult with the time it spent in
// the model, in tools and in checkpoints, and the pieces of output it streams while it runs.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "agent/agent_run.hpp"

namespace recur::agent {

// Where a session's time went on its worker. A forward pass serves every session of its tick, and
// each of them is charged its whole duration: prefill when the session fed several tokens (prompt,
// observation), decode when it fed one.
struct SessionTimings {
  double prefill_ms = 0;
  double decode_ms = 0;
  double tool_ms = 0;        // from a call's dispatch to its answer, summed over the calls
  double checkpoint_ms = 0;  // the session's share of its ticks' checkpoint writes
  std::uint64_t forward_passes = 0;
};

struct SessionOutcome {
  SessionResult result;
  SessionTimings timings;

  // SessionResult::to_json() with the timings added under "timings" (next to "wall_ms").
  Json to_json() const;
};

// A piece of a session's output stream: `tokens` are the output tokens from position `offset` on.
// A session continued from a checkpoint sends again what followed the checkpoint; a listener keeps
// the tokens past what it has already seen.
struct OutputChunk {
  std::string session;
  std::uint64_t offset = 0;
  std::vector<TokenId> tokens;
};

// A failed session that never ran (bad spec, no checkpoint to resume, no free slot).
SessionOutcome failed_outcome(const std::string& session, std::string error);

}  // namespace recur::agent
