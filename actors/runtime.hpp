// The runtime as a library: one object that owns the actor system, a supervisor for pipelines'
// tool calls, and a supervisor per model (its model workers and tool hosts, started at the model's
// first use), and runs agent sessions and pipelines on them. The command line and the service
// stand on it; nothing of the actors shows through this header.
//
//   RuntimeOptions options;                       // devices, tools, store, checkpoints
//   auto runtime = Runtime::open(options);
//   auto outcome = (*runtime)->run_session("models/addition-pointer", spec);
//   JobRunner runner(store, **runtime);           // a Runtime runs pipelines for the job runner
//   (*runtime)->close();                          // also done by the destructor
#pragma once

#include <chrono>
#include <filesystem>
#include <functional>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "actors/cluster_tls.hpp"
#include "actors/runtime_status.hpp"
#include "actors/worker_pool.hpp"
#include "agent/continuous_batcher.hpp"
#include "jobs/pipeline_executor.hpp"
#include "store/store.hpp"
#include "tools/registry/registry.hpp"

namespace recur::actors {

// The tools a runtime offers: a configuration file and how it is read.
struct ToolSetup {
  std::filesystem::path config;     // empty: tools::default_config_path()
  tools::RegistryOptions registry;  // the memory tool's store, the tool types to build
};

// A runtime that coordinates a cluster (cluster.hpp): it publishes itself on `host`:`port` (0: any
// free port) over mutual TLS, and places sessions on the nodes that join.
struct ClusterOptions {
  std::string host = "127.0.0.1";
  std::uint16_t port = 0;
  ClusterTls tls;
  bool local_workers = false;  // model workers in this process too (else only the nodes')
};

struct RuntimeOptions {
  DeviceOptions devices;                 // where each model's workers run (one per GPU with a list)
  std::optional<ToolSetup> tools;        // none: no tools (an evaluation of pointer models)
  std::optional<Store> store;            // checkpoints of sessions; none: no checkpoints, no resume
  std::uint64_t checkpoint_every = 256;  // generated tokens between checkpoints
  std::chrono::milliseconds tool_deadline{30000};  // of each tool call
  unsigned scheduler_threads = 0;                  // the actor system's (0: one per core)
  std::string default_model;              // the bundle of sessions and agent calls that name none
  std::optional<ClusterOptions> cluster;  // coordinate a cluster
};

// A model bundle as the runtime holds it.
struct LoadedModel {
  std::shared_ptr<const Model> model;
  std::shared_ptr<const Tokenizer> tokenizer;
};

// Called with a session's output tokens in order, each once, on a thread of the runtime.
using OutputHandler = std::function<void(std::span<const TokenId>)>;

class Runtime final : public jobs::PipelineExecutor {
 public:
  // Loads the tools (an error names the configuration and the entry); starts no model yet.
  static Result<std::unique_ptr<Runtime>> open(RuntimeOptions options);
  ~Runtime() override;
  Runtime(const Runtime&) = delete;
  Runtime& operator=(const Runtime&) = delete;

  // The configured tools (empty without tools).
  const tools::Registry& tools() const;

  // The bundle in `dir` ("": the default model), loaded and its workers started at the first use.
  // An error names the bundle's file or the device that failed.
  Result<LoadedModel> model(const std::string& dir);

  // Runs one session of `model` to its end and returns its outcome; with `on_output`, its output
  // tokens are handed over as they come, all of them before this returns. A session that fails is
  // an outcome (status failed); an error means the runtime could not run it at all.
  Result<agent::SessionOutcome> run_session(const std::string& model, agent::SessionSpec spec,
                                            agent::Admission admission = agent::Admission::fresh,
                                            OutputHandler on_output = {});
  // Runs many sessions of `model` at once (they share forward passes) and returns their outcomes
  // in the order of `specs`.
  Result<std::vector<agent::SessionOutcome>> run_sessions(const std::string& model,
                                                          std::vector<agent::SessionSpec> specs);

  // Starts one session of `model` and returns at once: `on_output` gets its output tokens as they
  // come (all of them before `on_end`), `on_end` its outcome, or an error when the runtime could
  // not run it (both on threads of the runtime). An error now: no such model, the runtime closed.
  Status start_session(const std::string& model, agent::SessionSpec spec, OutputHandler on_output,
                       std::function<void(Result<agent::SessionOutcome>)> on_end);
  // Ends a running session of `model` as cancelled; nothing when there is none.
  void cancel_session(const std::string& model, const std::string& id);

  // jobs::PipelineExecutor: pipelines whose agents share the models' workers.
  void start(jobs::PipelineRun run, std::function<void(jobs::PipelineOutcome)> done) override;
  void cancel(const std::string& id) override;

  // What every supervisor and its children are doing now (runtime_status.hpp). The supervisors
  // are asked at once and each is waited for at most `wait` (its children half of that), so a
  // stuck actor never holds the caller longer: a supervisor that has not answered is listed
  // unanswered, a child that has not is `silent` with what it last reported. Empty once closed.
  RuntimeStatus status(std::chrono::milliseconds wait = std::chrono::milliseconds(1000));

  // The port the cluster listens on (0 without a cluster).
  std::uint16_t cluster_port() const;

  // Cancels every running pipeline, stops every supervisor and waits for the actors to end.
  void close();

 private:
  struct Impl;
  explicit Runtime(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace recur::actors
