#include "status_sample.hpp"

namespace recur::server::testing {

actors::RuntimeStatus sample_status() {
  actors::WorkerSnapshot w;
  w.index = 0;
  w.device = "cpu";
  w.slots = 8;
  w.slots_used = 3;
  w.sessions = 3;
  w.waiting = 1;
  w.restarts = 2;
  w.ticks = 10;
  w.sequences = 14;
  w.tokens_fed = 50;
  w.tokens_generated = 40;
  w.checkpoints = 4;
  w.checkpoint_bytes = 4096;
  w.forward_seconds = 0.75;
  w.checkpoint_seconds = 0.5;
  w.busy_seconds = 2.25;
  w.step_seconds = {{0.01, 0.1}, {3, 5, 2}, 0.875};
  w.batch_size = {{1, 4}, {6, 4, 0}, 14};
  w.state_bytes = 1000;
  w.state_pool_bytes = 8000;

  actors::WorkerSnapshot second = w;
  second.index = 1;
  second.device = "cuda:0";
  second.state = actors::ChildState::silent;
  second.slots_used = 8;
  second.sessions = 8;
  second.tokens_generated = 7;

  actors::ToolHostSnapshot tool;
  tool.tool = "bigint";
  tool.calls = 5;
  tool.errors = 1;
  tool.timeouts = 1;
  tool.running = 1;
  tool.queued = 2;
  tool.call_seconds = {{0.1, 1}, {4, 1, 0}, 0.25};

  actors::SupervisorSnapshot model;
  model.model = "models/bigint";
  model.answered = true;
  model.running = 11;
  model.queued = 2;
  model.recovered = 1;
  model.workers = {w, second};
  model.tools = {tool};

  actors::SupervisorSnapshot pipelines;
  pipelines.answered = true;
  tool.calls = 2;
  tool.errors = 0;
  tool.timeouts = 0;
  tool.running = 0;
  tool.queued = 1;
  tool.call_seconds = {{0.1, 1}, {0, 1, 1}, 3.5};
  pipelines.tools = {tool};

  actors::SupervisorSnapshot other;
  other.model = "models/other/";

  return {{model, pipelines, other}, {}};
}

}  // namespace recur::server::testing
