// What a Runtime is doing, as a snapshot in plain C++ for operators' views (the service's metrics
// and its list of nodes): per model, its supervisor's queue, its model workers (device, slots,
// sessions, tokens, forward-pass histograms) and its tool hosts (calls, errors, latency). Counters
// count since the actor that keeps them started: a restarted worker or host counts from zero
// again, as Prometheus expects of a counter that resets.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace recur::actors {

// Observations in fixed buckets with their bounds.
struct Histogram {
  std::vector<double> bounds;         // increasing upper bounds
  std::vector<std::uint64_t> counts;  // per bucket: bounds.size() + 1, the last above every bound
  double sum = 0;                     // of every value observed
};

// How a supervisor's child stood when the snapshot was taken. A child that is not up shows the
// counters it last reported.
enum class ChildState : std::uint8_t {
  up,       // answered
  down,     // died; restarting after its backoff
  retired,  // died too often; not restarted
  silent,   // did not answer within the wait
};
std::string_view child_state_name(ChildState state);

struct WorkerSnapshot {
  std::size_t index = 0;  // in its supervisor
  std::string node;       // the cluster node that runs it; empty: this process
  std::string device;     // "cpu", "cuda:0", ...
  ChildState state = ChildState::up;
  std::uint64_t slots = 0;       // sessions its supervisor places on it at once
  std::uint64_t slots_used = 0;  // sessions its supervisor has placed on it now
  std::uint64_t sessions = 0;    // sessions resident in its state pool
  std::uint64_t waiting = 0;     // of those, sessions waiting for a tool's answer
  std::uint32_t restarts = 0;
  std::uint64_t ticks = 0;             // forward passes
  std::uint64_t sequences = 0;         // session steps over all passes
  std::uint64_t tokens_fed = 0;        // prompts, observations and generated tokens fed
  std::uint64_t tokens_generated = 0;  // tokens sampled by the model
  std::uint64_t checkpoints = 0;       // sessions checkpointed
  std::uint64_t checkpoint_bytes = 0;  // state snapshot bytes written to checkpoints
  double forward_seconds = 0;          // in forward passes
  double checkpoint_seconds = 0;       // writing checkpoints
  double busy_seconds = 0;             // in ticks: passes, checkpoints and their bookkeeping
  Histogram step_seconds;              // time of each forward pass
  Histogram batch_size;                // sessions in each forward pass
  std::uint64_t state_bytes = 0;       // one session's recurrent state
  std::uint64_t state_pool_bytes = 0;  // its state pool: capacity times state_bytes
};

struct ToolHostSnapshot {
  std::string tool;
  ChildState state = ChildState::up;
  std::uint64_t calls = 0;     // answered, errors included
  std::uint64_t errors = 0;    // answered with an error result
  std::uint64_t timeouts = 0;  // of those, answered by the host when the deadline passed
  std::uint64_t running = 0;   // calls running now
  std::uint64_t queued = 0;    // calls waiting for a runner or for their scope's earlier calls
  Histogram call_seconds;      // from a call's arrival to its answer
};

struct SupervisorSnapshot {
  // The model bundle's directory as the runtime was given it; empty for the supervisor of
  // pipelines' tool calls (tool hosts, no workers).
  std::string model;
  bool answered = false;        // false: no answer within the wait, and nothing but `model` is set
  std::uint64_t running = 0;    // sessions placed on workers
  std::uint64_t queued = 0;     // sessions waiting for a free slot
  std::uint64_t recovered = 0;  // sessions placed again after their worker died
  std::uint32_t tool_host_restarts = 0;
  std::vector<WorkerSnapshot> workers;
  std::vector<ToolHostSnapshot> tools;
};

// A node of the cluster this runtime coordinates (cluster.hpp), as the coordinator sees it.
struct ClusterNodeSnapshot {
  std::string name;
  std::uint64_t epoch = 0;  // its join; a node that joins again gets a new one
  bool up = false;
  std::string lost;  // why it went, once it has
  std::vector<std::string> devices;
  std::uint64_t slots = 0;         // per worker
  std::uint64_t joined_ms = 0;     // Unix ms
  std::uint64_t heartbeat_ms = 0;  // Unix ms of its last heartbeat
  std::vector<std::string> models;
};

struct RuntimeStatus {
  std::vector<SupervisorSnapshot> supervisors;  // the models' in the order of their directories,
                                                // then the pipelines' tool supervisor if started
  std::vector<ClusterNodeSnapshot> nodes;       // with a cluster: its nodes, by name
};

}  // namespace recur::actors
