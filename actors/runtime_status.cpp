// The plain snapshot of runtime_status.hpp, made from a supervisor's survey.
#include "actors/runtime_status.hpp"

#include "actors/supervisor.hpp"

namespace recur::actors {
namespace {

template <std::size_t N>
Histogram histogram(const BucketCounts& counts, const std::array<double, N>& bounds) {
  Histogram h;
  h.bounds.assign(bounds.begin(), bounds.end());
  h.counts = counts.counts;
  h.counts.resize(bounds.size() + 1, 0);  // empty before the first observation
  h.sum = counts.sum;
  return h;
}

template <class T>
T at_or(const std::vector<T>& values, std::size_t i, T otherwise) {
  return i < values.size() ? values[i] : otherwise;
}

}  // namespace

std::string_view child_state_name(ChildState state) {
  switch (state) {
    case ChildState::up:
      return "up";
    case ChildState::down:
      return "down";
    case ChildState::retired:
      return "retired";
    case ChildState::silent:
      return "silent";
  }
  return "unknown";
}

SupervisorSnapshot snapshot_of(std::string model, const SupervisorSurvey& survey) {
  const SupervisorStatus& sup = survey.supervisor;
  SupervisorSnapshot out;
  out.model = std::move(model);
  out.answered = true;
  out.running = sup.running;
  out.queued = sup.queued;
  out.recovered = sup.recovered;
  out.tool_host_restarts = sup.tool_host_restarts;
  for (std::size_t i = 0; i < survey.workers.size(); ++i) {
    const WorkerSurvey& w = survey.workers[i];
    const WorkerStatus& st = w.status;
    WorkerSnapshot ws;
    ws.index = i;
    ws.node = w.node;
    ws.device = st.device;
    ws.state = w.state;
    ws.slots = w.slots;
    ws.slots_used = at_or(sup.worker_sessions, i, std::uint64_t{0});
    ws.sessions = st.sessions;
    ws.waiting = st.waiting;
    ws.restarts = at_or(sup.worker_restarts, i, std::uint32_t{0});
    ws.ticks = st.ticks;
    ws.sequences = st.sequences;
    ws.tokens_fed = st.tokens;
    ws.tokens_generated = st.generated;
    ws.checkpoints = st.checkpoints;
    ws.checkpoint_bytes = st.checkpoint_bytes;
    ws.state_bytes = st.state_bytes;
    ws.state_pool_bytes = st.state_bytes * st.capacity;
    ws.forward_seconds = st.forward_ms / 1000;
    ws.checkpoint_seconds = st.checkpoint_ms / 1000;
    ws.busy_seconds = st.busy_ms / 1000;
    ws.step_seconds = histogram(st.step_seconds, kStepSecondsBounds);
    ws.batch_size = histogram(st.batch_size, kBatchSizeBounds);
    out.workers.push_back(std::move(ws));
  }
  for (const ToolHostSurvey& h : survey.tools) {
    const ToolHostStatus& st = h.status;
    ToolHostSnapshot hs;
    hs.tool = st.tool;
    hs.state = h.state;
    hs.calls = st.calls;
    hs.errors = st.errors;
    hs.timeouts = st.timeouts;
    hs.running = st.running;
    hs.queued = st.queued;
    hs.call_seconds = histogram(st.call_seconds, kToolCallSecondsBounds);
    out.tools.push_back(std::move(hs));
  }
  return out;
}

}  // namespace recur::actors
