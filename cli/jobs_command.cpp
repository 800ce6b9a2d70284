// recur jobs list | show JOB | cancel JOB: the pipeline jobs of a store, or of a running service
// with --server URL. list and show read a store that a running job holds (they see it as of their
// start); cancel ends a queued job, or asks a running one to stop (it stops within a fraction of a
// second, as cancelled, keeping its record).
#include <cstdlib>
#include <iomanip>
#include <iostream>

#include "cli/commands.hpp"
#include "cli/common.hpp"
#include "cli/job_store_dir.hpp"
#include "jobs/cancel_requests.hpp"
#include "jobs/job_store.hpp"
#include "server/api_client.hpp"

namespace recur::cli {
namespace {

struct JobsOptions {
  std::string store;
  std::string server;  // a service's URL instead of a store
  std::string token;   // its bearer token (default: $RECUR_TOKEN)
  std::string job;
  bool json = false;
  bool source = false;
};

// The client of the service the options name.
Result<server::ApiClient> client_of(const JobsOptions& o) {
  std::string token = o.token;
  if (token.empty())
    if (const char* env = std::getenv("RECUR_TOKEN"); env) token = env;
  auto client = server::ApiClient::connect(o.server, token);
  if (!client) return client.error().context("--server");
  return client;
}

// The jobs a service lists, every page of them.
Result<std::vector<jobs::Job>> remote_jobs(const JobsOptions& o) {
  auto client = client_of(o);
  if (!client) return client.error();
  std::vector<jobs::Job> all;
  std::string after;
  for (;;) {
    auto page = client->get("/v1/jobs?limit=1000" + (after.empty() ? "" : "&after=" + after));
    if (!page) return page.error();
    for (const auto& j : page->value("jobs", Json::array())) {
      auto job = jobs::Job::from_json(j);
      if (!job) return job.error();
      all.push_back(std::move(*job));
    }
    if (!page->contains("next") || !(*page)["next"].is_string()) return all;
    after = (*page)["next"].get<std::string>();
  }
}

// One job of the service, as its API shows it.
Result<Json> remote_job(const JobsOptions& o, const std::string& action) {
  auto client = client_of(o);
  if (!client) return client.error();
  if (action == "cancel") return client->post("/v1/jobs/" + o.job + "/cancel", Json::object());
  return client->get("/v1/jobs/" + o.job);
}

Result<std::vector<jobs::Job>> local_jobs(const JobsOptions& o) {
  auto store = jobs::open_job_store(job_store_dir(o.store), jobs::JobStoreAccess::read_when_held);
  if (!store) return store.error();
  return jobs::JobStore(*store).list();
}

int list_jobs(const JobsOptions& o) {
  auto all = o.server.empty() ? local_jobs(o) : remote_jobs(o);
  if (!all) return report_error("jobs list", all.error().message);
  if (o.json) {
    Json out = Json::array();
    for (const auto& j : *all) out.push_back(j.to_json());
    print_json({{"jobs", out}});
    return 0;
  }
  std::cout << std::left << std::setw(12) << "job" << std::setw(13) << "status" << std::setw(10)
            << "priority" << std::setw(6) << "runs" << std::setw(8) << "calls"
            << "script" << std::endl;
  for (const auto& j : *all)
    std::cout << std::setw(12) << j.id << std::setw(13) << jobs::job_status_name(j.status)
              << std::setw(10) << j.priority << std::setw(6) << j.runs << std::setw(8)
              << j.summary.calls << j.script << std::endl;
  return 0;
}

int show_job(const JobsOptions& o) {
  if (!o.server.empty()) {
    auto job = remote_job(o, "show");
    if (!job) return report_error("jobs show", job.error().message);
    if (o.json)
      print_json(*job);
    else
      std::cout << job->dump(1, ' ', false, Json::error_handler_t::replace) << std::endl;
    return 0;
  }
  auto store = jobs::open_job_store(job_store_dir(o.store), jobs::JobStoreAccess::read_when_held);
  if (!store) return report_error("jobs show", store.error().message);
  auto job = jobs::JobStore(*store).get(o.job);
  if (!job) return report_error("jobs show", job.error().message);
  if (o.json)
    print_json(job->to_json(o.source));
  else
    std::cout << job->to_json(o.source).dump(1, ' ', false, Json::error_handler_t::replace)
              << std::endl;
  return 0;
}

int cancel_job(const JobsOptions& o) {
  const std::string cmd = "jobs cancel";
  if (!o.server.empty()) {
    auto job = remote_job(o, "cancel");
    if (!job) return report_error(cmd, job.error().message);
    if (o.json)
      print_json(*job);
    else
      std::cout << o.job << ": "
                << ((*job)["status"] == "cancelled" ? "cancelled"
                                                    : "cancel requested; the running job stops")
                << std::endl;
    return 0;
  }
  auto store = jobs::open_job_store(job_store_dir(o.store), jobs::JobStoreAccess::read_when_held);
  if (!store) return report_error(cmd, store.error().message);
  jobs::JobStore queue(*store);
  auto job = queue.get(o.job);
  if (!job) return report_error(cmd, job.error().message);
  if (jobs::job_ended(job->status))
    return report_error(cmd, job->id + " has ended (" + jobs::job_status_name(job->status) + ")");
  if (store->options().read_only) {  // another process holds the store: the job runs there
    if (auto s = jobs::request_cancel(store->dir(), job->id); !s)
      return report_error(cmd, s.error().message);
    if (o.json)
      print_json({{"id", job->id}, {"cancel", "requested"}});
    else
      std::cout << job->id << ": cancel requested; the running job stops" << std::endl;
    return 0;
  }
  job->status = jobs::JobStatus::cancelled;
  job->error = "cancelled";
  if (auto s = queue.update(*job); !s) return report_error(cmd, s.error().message);
  if (o.json)
    print_json(job->to_json());
  else
    std::cout << job->id << ": cancelled" << std::endl;
  return 0;
}

}  // namespace

void add_jobs_command(CLI::App& app, int& exit_code) {
  auto o = std::make_shared<JobsOptions>();
  auto* c = app.add_subcommand("jobs", "The pipeline jobs of a store: list, show, cancel");
  c->require_subcommand(1);
  auto store_option = [o](CLI::App* sub) {
    auto* store = sub->add_option("--store", o->store,
                                  "Job store directory (default: $RECUR_STORE, else var/store)");
    sub->add_option("--server", o->server, "A running service's URL, instead of a store")
        ->excludes(store);
    sub->add_option("--token", o->token, "The service's bearer token (default: $RECUR_TOKEN)");
    sub->add_flag("--json", o->json, "JSON output");
  };
  auto* list = c->add_subcommand("list", "Every job with its status");
  store_option(list);
  list->callback([o, &exit_code] { exit_code = list_jobs(*o); });
  auto* show = c->add_subcommand("show", "One job: options, parameters, status, summary");
  show->add_option("job", o->job, "Job id")->required();
  show->add_flag("--source", o->source, "Include the script's text");
  store_option(show);
  show->callback([o, &exit_code] { exit_code = show_job(*o); });
  auto* cancel = c->add_subcommand("cancel", "Cancel a queued or running job");
  cancel->add_option("job", o->job, "Job id")->required();
  store_option(cancel);
  cancel->callback([o, &exit_code] { exit_code = cancel_job(*o); });
}

}  // namespace recur::cli
