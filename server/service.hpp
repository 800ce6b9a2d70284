// The service behind `recur serve`: it owns the job store and a Runtime, runs queued jobs N at a
// time (their agents share the model workers), keeps every job's events, and answers what the
// HTTP API asks. Started again after the process was killed, it resumes every job that was running
// and keeps the queue: nothing acknowledged is lost.
//
//   auto service = Service::open(options);          // resumes running jobs, starts the queue
//   auto job = (*service)->submit(request);         // queued; a queue slot runs it
//   (*service)->drain();                            // stop: running jobs stay running for later
#pragma once

#include <atomic>
#include <filesystem>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "actors/runtime.hpp"
#include "jobs/job_events.hpp"
#include "jobs/job_runner.hpp"
#include "jobs/job_store.hpp"
#include "server/job_request.hpp"
#include "server/sessions.hpp"

namespace recur::server {

struct ServiceOptions {
  std::filesystem::path store_dir;
  std::size_t parallel = 2;             // jobs running at once
  actors::RuntimeOptions runtime;       // devices and tools (the memory tool keeps its data here)
  std::filesystem::path models_dir;     // named models: models_dir/NAME ("": none)
  std::filesystem::path pipelines_dir;  // named pipelines: pipelines_dir/NAME.lua ("": none)
};

// One page of `GET /v1/jobs`.
struct JobPage {
  std::vector<jobs::Job> jobs;
  std::optional<std::string> next;  // the cursor of the next page
};

// A job as the API shows it: the record of `recur jobs show --json`, less what names the
// server's files (the script and the model are their names, the report files their names, the
// data folder absent).
Json api_job(const jobs::Job& job);

class Service {
 public:
  // The job as the API shows it (api_job) with, while it runs, its last progress
  // ({"done", "total", "message"}) and, once a cancel was asked for, "cancel_requested": true.
  Json view(const jobs::Job& job) const;

  // Opens the store (held by this process from now on), the runtime, and starts serving: jobs that
  // were running when the last process died resume first, then the queue.
  static Result<std::unique_ptr<Service>> open(ServiceOptions options);
  ~Service();  // drain()
  Service(const Service&) = delete;
  Service& operator=(const Service&) = delete;

  // Adds a job to the queue; an error names what is wrong with the request (an unknown pipeline or
  // model is not_found; a service that drains is unavailable).
  Result<jobs::Job> submit(const JobRequest& request);
  Result<jobs::Job> job(const std::string& id) const;
  // Jobs in creation order (newest first with `newest_first`), optionally of one status, at most
  // `limit` of them past the cursor `after` (a job id) in that order.
  Result<JobPage> jobs(std::optional<jobs::JobStatus> status, std::size_t limit,
                       const std::string& after, bool newest_first = false) const;
  // Ends a queued job as cancelled, or asks a running one to stop; a job that has ended is
  // failed_precondition.
  Result<jobs::Job> cancel(const std::string& id);
  // The report of a job that has written one: {"columns", "rows", "plots"}; report.csv's text; a
  // plot's SVG by name.
  Result<Json> report(const std::string& id) const;
  Result<std::string> report_csv(const std::string& id) const;
  Result<std::string> plot_svg(const std::string& id, const std::string& name) const;

  // Names of the models and pipelines clients may use.
  std::vector<std::string> models() const;
  std::vector<std::string> pipelines() const;

  jobs::JobEventLog& events() { return events_; }
  SessionRegistry& sessions() { return *sessions_; }
  actors::Runtime& runtime() { return *runtime_; }
  const Store& store() const { return store_; }
  bool draining() const { return stop_; }

  // Stops taking jobs, stops the running ones where they are (they stay running, and resume at
  // the next open) and waits for the runtime to end. Idempotent.
  void drain();

 private:
  Service(ServiceOptions options, Store store, std::unique_ptr<actors::Runtime> runtime);
  Result<std::filesystem::path> report_dir(const std::string& id) const;
  void on_change(const jobs::Job& job);
  jobs::PipelineEvents events_of(const jobs::Job& job);

  ServiceOptions options_;
  mutable std::mutex live_mutex_;
  std::map<std::string, Json> progress_;    // running job -> its last progress
  std::set<std::string> cancel_requested_;  // running jobs asked to stop
  Store store_;
  std::unique_ptr<actors::Runtime> runtime_;
  jobs::JobEventLog events_;
  std::unique_ptr<SessionRegistry> sessions_;
  std::atomic<bool> stop_{false};
  std::thread serving_;
};

}  // namespace recur::server
