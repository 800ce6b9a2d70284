// What runs pipeline scripts: their agent calls become sessions on model workers, their tool calls
// go to the tools. The job runner (jobs/job_runner.hpp) prepares scripts and hands them to an
// executor; the actor runtime (actors/runtime.hpp) is the executor recur uses.
#pragma once

#include <chrono>
#include <functional>
#include <memory>
#include <string>

#include "jobs/job_status.hpp"
#include "jobs/pipeline_script.hpp"

namespace recur::jobs {

// One run of a prepared script.
struct PipelineRun {
  std::string id;  // names the run for cancel(): the job id
  std::shared_ptr<PipelineScript> script;
  std::string model;             // the bundle of agent calls that name none ("": the executor's)
  std::string scope;             // the scope of the script's tool calls (its memory)
  std::string session_prefix;    // agent sessions are named session_prefix + call number
  std::size_t concurrency = 64;  // agents of the script running at once
  std::chrono::milliseconds max_wall{0};  // the run's time budget; 0: none
};

class PipelineExecutor {
 public:
  virtual ~PipelineExecutor() = default;
  // Starts `run` and returns at once; `done` is called once, on a thread of the executor, with
  // the outcome when the script has ended (its agents cancelled if any still ran).
  virtual void start(PipelineRun run, std::function<void(PipelineOutcome)> done) = 0;
  // Ends the run `id` as cancelled, whatever it is doing (waiting for calls or computing), from
  // any thread; nothing when no such run is going.
  virtual void cancel(const std::string& id) = 0;
};

}  // namespace recur::jobs
