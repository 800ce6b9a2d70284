#include "actors/runtime.hpp"

#include <map>
#include <mutex>

#include <caf/openssl/publish.hpp>

#include "actors/agent_session.hpp"
#include "actors/cluster.hpp"
#include "actors/pipeline_host.hpp"

namespace recur::actors {

struct Runtime::Impl {
  RuntimeOptions options;
  std::shared_ptr<const tools::Registry> registry;  // null without tools
  tools::Registry no_tools;
  std::unique_ptr<RuntimeConfig> config;
  caf::actor_system system;
  cluster_actor cluster;  // with a cluster
  std::uint16_t cluster_port = 0;

  struct ModelEntry {
    LoadedModel loaded;
    supervisor_actor supervisor;
  };
  struct PipelineEntry {
    pipeline_host_actor host;
    std::shared_ptr<jobs::PipelineScript> script;
  };
  std::mutex mutex;
  std::map<std::string, ModelEntry> models;
  std::map<std::string, PipelineEntry> pipelines;  // by run id
  supervisor_actor tool_supervisor;                // pipelines' tool calls; started at first use
  bool closed = false;

  explicit Impl(RuntimeOptions o)
      : options(std::move(o)),
        config(options.cluster ? std::make_unique<ClusterConfig>(options.scheduler_threads,
                                                                 options.cluster->tls)
                               : std::make_unique<RuntimeConfig>(options.scheduler_threads)),
        system(*config) {}

  Result<ModelEntry> entry(const std::string& requested);
  supervisor_actor tools_supervisor();
};

Result<Runtime::Impl::ModelEntry> Runtime::Impl::entry(const std::string& requested) {
  const std::string dir = requested.empty() ? options.default_model : requested;
  if (dir.empty()) return fail(ErrorCode::invalid_argument, "no model: none was named or set");
  std::lock_guard lock(mutex);
  if (closed) return fail(ErrorCode::unavailable, "the runtime is closed");
  if (auto it = models.find(dir); it != models.end()) return it->second;
  auto tokenizer = Tokenizer::load(std::filesystem::path(dir) / "tokenizer.json");
  if (!tokenizer) return tokenizer.error();
  auto model = Model::load(dir);
  if (!model) return model.error();
  LoadedModel loaded{*model, std::make_shared<const Tokenizer>(std::move(*tokenizer))};
  WorkerSetup base;
  base.batcher.checkpoint_every = options.checkpoint_every;
  base.batcher.store = options.store;
  base.tool_deadline = options.tool_deadline;
  Result<SupervisorSetup> setup = SupervisorSetup{};
  if (!options.cluster || options.cluster->local_workers)
    setup = make_worker_pool(loaded.model, loaded.tokenizer, options.devices, base);
  if (!setup) return setup.error();
  setup->registry = registry;
  setup->tool_hosts.deadline = options.tool_deadline;
  ModelEntry e{loaded, spawn_supervisor(system, std::move(*setup))};
  models[dir] = e;
  if (cluster) {
    // The nodes load the bundle from the same path: absolute, on a filesystem they share.
    std::error_code ec;
    caf::anon_send(cluster, model_atom::value, std::filesystem::absolute(dir, ec).string(),
                   e.supervisor);
  }
  return e;
}

supervisor_actor Runtime::Impl::tools_supervisor() {
  std::lock_guard lock(mutex);
  if (!tool_supervisor) {
    SupervisorSetup setup;
    setup.registry = registry;
    setup.tool_hosts.deadline = options.tool_deadline;
    tool_supervisor = spawn_supervisor(system, std::move(setup));
  }
  return tool_supervisor;
}

Result<std::unique_ptr<Runtime>> Runtime::open(RuntimeOptions options) {
  std::shared_ptr<const tools::Registry> registry;
  if (options.tools) {
    const auto& t = *options.tools;
    auto loaded = tools::Registry::load(t.config.empty() ? tools::default_config_path() : t.config,
                                        t.registry);
    if (!loaded) return loaded.error();
    registry = std::make_shared<const tools::Registry>(std::move(*loaded));
  }
  auto impl = std::make_unique<Impl>(std::move(options));
  impl->registry = std::move(registry);
  if (const auto& c = impl->options.cluster) {
    impl->cluster = spawn_cluster(impl->system);
    auto port = caf::openssl::publish(impl->cluster, c->port, c->host.c_str(), true);
    if (!port) {
      caf::anon_send_exit(impl->cluster, caf::exit_reason::user_shutdown);
      return fail(ErrorCode::unavailable, "cluster: cannot listen on " + c->host + ":" +
                                              std::to_string(c->port) + ": " +
                                              error_text(port.error()));
    }
    impl->cluster_port = *port;
  }
  return std::unique_ptr<Runtime>(new Runtime(std::move(impl)));
}

Runtime::Runtime(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}

Runtime::~Runtime() {
  close();
}

std::uint16_t Runtime::cluster_port() const {
  return impl_->cluster_port;
}

const tools::Registry& Runtime::tools() const {
  return impl_->registry ? *impl_->registry : impl_->no_tools;
}

Result<LoadedModel> Runtime::model(const std::string& dir) {
  auto e = impl_->entry(dir);
  if (!e) return e.error();
  return e->loaded;
}

Result<agent::SessionOutcome> Runtime::run_session(const std::string& model,
                                                   agent::SessionSpec spec,
                                                   agent::Admission admission,
                                                   OutputHandler on_output) {
  auto e = impl_->entry(model);
  if (!e) return e.error();
  return actors::run_session(impl_->system, e->supervisor, std::move(spec), admission,
                             std::move(on_output));
}

Result<std::vector<agent::SessionOutcome>> Runtime::run_sessions(
    const std::string& model, std::vector<agent::SessionSpec> specs) {
  auto e = impl_->entry(model);
  if (!e) return e.error();
  // Every session is sent at once; the workers batch them; replies come back in any order and are
  // collected in the order of the specs.
  caf::scoped_actor self{impl_->system};
  using Handle = decltype(self->request(e->supervisor, caf::infinite, run_atom::value,
                                        std::declval<SessionOrder>()));
  std::vector<Handle> pending;
  pending.reserve(specs.size());
  for (auto& spec : specs)
    pending.push_back(self->request(e->supervisor, caf::infinite, run_atom::value,
                                    SessionOrder{std::move(spec), agent::Admission::fresh, {}}));
  std::vector<agent::SessionOutcome> outcomes(pending.size());
  std::optional<Error> failure;
  for (std::size_t i = 0; i < pending.size(); ++i)
    pending[i].receive([&](agent::SessionOutcome& out) { outcomes[i] = std::move(out); },
                       [&](caf::error& err) {
                         if (!failure)
                           failure = fail(ErrorCode::unavailable,
                                          "the runtime stopped: " + impl_->system.render(err));
                       });
  if (failure) return *failure;
  return outcomes;
}

Status Runtime::start_session(const std::string& model, agent::SessionSpec spec,
                              OutputHandler on_output,
                              std::function<void(Result<agent::SessionOutcome>)> on_end) {
  auto e = impl_->entry(model);
  if (!e) return e.error();
  caf::actor_system& system = impl_->system;
  output_listener listener;
  if (on_output) listener = spawn_output_listener(system, std::move(on_output));
  SessionOrder order{std::move(spec), agent::Admission::fresh, listener};
  system.spawn([supervisor = e->supervisor, order = std::move(order), listener,
                on_end = std::move(on_end)](caf::event_based_actor* self) mutable {
    auto finish = [self, listener, on_end](Result<agent::SessionOutcome> outcome) {
      if (!listener) return on_end(std::move(outcome));
      // The worker sent every chunk before the outcome; once the listener answers, all are handed
      // on.
      self->request(caf::actor_cast<caf::actor>(listener), caf::infinite, flush_atom::value)
          .then(
              [=](bool) {
                self->send_exit(listener, caf::exit_reason::user_shutdown);
                on_end(outcome);
              },
              [=](caf::error&) { on_end(outcome); });
    };
    self->request(supervisor, caf::infinite, run_atom::value, std::move(order))
        .then([finish](agent::SessionOutcome& outcome) { finish(std::move(outcome)); },
              [finish](caf::error& err) {
                finish(fail(ErrorCode::unavailable, "the session stopped: " + error_text(err)));
              });
  });
  return {};
}

void Runtime::cancel_session(const std::string& model, const std::string& id) {
  auto e = impl_->entry(model);
  if (e) caf::anon_send(e->supervisor, cancel_atom::value, id);
}

void Runtime::start(jobs::PipelineRun run, std::function<void(jobs::PipelineOutcome)> done) {
  Impl& impl = *impl_;
  PipelineHostSetup setup;
  setup.script = run.script;
  setup.agents = [&impl, model = run.model](const std::string& m) -> Result<supervisor_actor> {
    auto e = impl.entry(m.empty() ? model : m);
    if (!e) return e.error().context("agent.start");
    return e->supervisor;
  };
  setup.tools = impl.tools_supervisor();
  setup.scope = run.scope;
  setup.session_prefix = run.session_prefix;
  setup.concurrency = run.concurrency;
  setup.max_wall = run.max_wall;
  setup.tool_deadline = impl.options.tool_deadline;
  auto host = spawn_pipeline_host(impl.system, std::move(setup));
  {
    std::lock_guard lock(impl.mutex);
    impl.pipelines[run.id] = {host, run.script};
  }
  // A small actor waits for the outcome, forgets the run and hands the outcome over.
  impl.system.spawn(
      [&impl, host, id = run.id, done = std::move(done)](caf::event_based_actor* self) {
        auto finish = [&impl, id, done](jobs::PipelineOutcome outcome) {
          {
            std::lock_guard lock(impl.mutex);
            impl.pipelines.erase(id);
          }
          done(std::move(outcome));
        };
        self->request(host, caf::infinite, run_atom::value)
            .then([finish](jobs::PipelineOutcome& outcome) { finish(std::move(outcome)); },
                  [finish, &impl](caf::error& err) {
                    jobs::PipelineOutcome outcome;
                    outcome.status = jobs::JobStatus::failed;
                    outcome.error = "the pipeline host stopped: " + impl.system.render(err);
                    finish(std::move(outcome));
                  });
      });
}

void Runtime::cancel(const std::string& id) {
  Impl& impl = *impl_;
  std::lock_guard lock(impl.mutex);
  auto it = impl.pipelines.find(id);
  if (it == impl.pipelines.end()) return;
  // The interrupt stops a script that computes; the message ends one that waits for calls.
  it->second.script->interrupt(jobs::JobStatus::cancelled, "cancelled");
  caf::anon_send(it->second.host, cancel_atom::value);
}

RuntimeStatus Runtime::status(std::chrono::milliseconds wait) {
  Impl& impl = *impl_;
  std::vector<std::pair<std::string, supervisor_actor>> supervisors;
  {
    std::lock_guard lock(impl.mutex);
    if (impl.closed) return {};
    for (const auto& [dir, m] : impl.models) supervisors.emplace_back(dir, m.supervisor);
    if (impl.tool_supervisor) supervisors.emplace_back("", impl.tool_supervisor);
  }
  caf::scoped_actor self{impl.system};
  const auto children_wait = static_cast<std::uint32_t>(wait.count() / 2);
  using Handle =
      decltype(self->request(supervisors.front().second, wait, survey_atom::value, children_wait));
  std::vector<Handle> pending;
  for (const auto& [model, supervisor] : supervisors)
    pending.push_back(self->request(supervisor, wait, survey_atom::value, children_wait));
  RuntimeStatus status;
  for (std::size_t i = 0; i < pending.size(); ++i) {
    SupervisorSnapshot unanswered;
    unanswered.model = supervisors[i].first;
    status.supervisors.push_back(std::move(unanswered));
    pending[i].receive(
        [&](SupervisorSurvey& survey) {
          status.supervisors.back() = snapshot_of(supervisors[i].first, survey);
        },
        [](caf::error&) {});
  }
  if (impl.cluster)
    self->request(impl.cluster, wait, nodes_atom::value)
        .receive(
            [&](std::vector<NodeView>& nodes) {
              for (auto& n : nodes)
                status.nodes.push_back({std::move(n.name), n.epoch, n.up, std::move(n.lost),
                                        std::move(n.devices), n.slots, n.joined_ms, n.heartbeat_ms,
                                        std::move(n.models)});
            },
            [](caf::error&) {});
  return status;
}

void Runtime::close() {
  Impl& impl = *impl_;
  std::vector<pipeline_host_actor> hosts;
  std::vector<supervisor_actor> supervisors;
  {
    std::lock_guard lock(impl.mutex);
    if (impl.closed) return;
    impl.closed = true;
    for (auto& [id, p] : impl.pipelines) {
      p.script->interrupt(jobs::JobStatus::cancelled, "cancelled: the runtime closed");
      hosts.push_back(p.host);
    }
    for (auto& [dir, m] : impl.models) supervisors.push_back(m.supervisor);
    if (impl.tool_supervisor) supervisors.push_back(impl.tool_supervisor);
  }
  for (auto& h : hosts) caf::anon_send(h, cancel_atom::value);
  for (auto& s : supervisors) caf::anon_send_exit(s, caf::exit_reason::user_shutdown);
  // The cluster's port closes with the actor system (CAF 0.17's openssl::unpublish does not
  // compile for typed handles).
  if (impl.cluster) caf::anon_send_exit(impl.cluster, caf::exit_reason::user_shutdown);
  impl.system.await_all_actors_done();
}

}  // namespace recur::actors
