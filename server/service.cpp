#include "server/service.hpp"

#include <algorithm>
#include <fstream>
#include <random>
#include <sstream>

#include "jobs/cancel_requests.hpp"

namespace recur::server {
namespace {

Result<std::string> read_text(const std::filesystem::path& path) {
  std::ifstream f(path, std::ios::binary);
  if (!f) return fail(ErrorCode::not_found, path.filename().string() + ": no such file");
  std::ostringstream text;
  text << f.rdbuf();
  return text.str();
}

std::uint64_t random_seed() {
  std::random_device rd;
  return static_cast<std::uint64_t>(rd()) << 32 | rd();
}

Json status_data(const jobs::Job& job) {
  Json data = {{"status", jobs::job_status_name(job.status)}, {"runs", job.runs}};
  if (!job.error.empty()) data["error"] = job.error;
  return data;
}

}  // namespace

Json api_job(const jobs::Job& job) {
  Json j = job.to_json();
  j["script"] = std::filesystem::path(job.script).filename().string();
  auto& options = j["options"];
  options.erase("data_dir");
  if (!job.options.model.empty())
    options["model"] = std::filesystem::path(job.options.model).filename().string();
  Json files = Json::array();
  for (const auto& f : job.summary.files)
    files.push_back(std::filesystem::path(f).filename().string());
  j["summary"]["files"] = files;
  return j;
}

Service::Service(ServiceOptions options, Store store, std::unique_ptr<actors::Runtime> runtime)
    : options_(std::move(options)),
      store_(std::move(store)),
      runtime_(std::move(runtime)),
      events_(store_),
      sessions_(std::make_unique<SessionRegistry>(*runtime_, options_.models_dir)) {}

Result<std::unique_ptr<Service>> Service::open(ServiceOptions options) {
  auto store = jobs::open_job_store(options.store_dir, jobs::JobStoreAccess::write);
  if (!store) return store.error();
  actors::RuntimeOptions runtime_options = options.runtime;
  if (!runtime_options.tools) runtime_options.tools = actors::ToolSetup{};
  runtime_options.tools->registry.store_dir = store->dir();
  auto runtime = actors::Runtime::open(std::move(runtime_options));
  if (!runtime) return runtime.error();
  auto all = jobs::JobStore(*store).list();
  if (!all) return all.error();
  std::vector<jobs::Job> resume;
  for (auto& job : *all)
    if (job.status == jobs::JobStatus::running) resume.push_back(std::move(job));

  std::unique_ptr<Service> service(
      new Service(std::move(options), std::move(*store), std::move(*runtime)));
  Service* s = service.get();
  s->serving_ = std::thread([s, resume = std::move(resume)]() mutable {
    jobs::JobRunnerOptions runner_options;
    runner_options.events = [s](const jobs::Job& job) { return s->events_of(job); };
    runner_options.on_change = [s](const jobs::Job& job) { s->on_change(job); };
    jobs::JobRunner runner(s->store_, *s->runtime_, runner_options);
    (void)runner.serve(s->options_.parallel, std::move(resume), s->stop_);
  });
  return service;
}

Service::~Service() {
  drain();
}

void Service::drain() {
  if (stop_.exchange(true)) return;
  if (serving_.joinable()) serving_.join();
  sessions_->wake_all();
  runtime_->close();
  events_.wake_all();
}

Json Service::view(const jobs::Job& job) const {
  Json j = api_job(job);
  if (job.status != jobs::JobStatus::running) return j;
  std::lock_guard lock(live_mutex_);
  if (auto it = progress_.find(job.id); it != progress_.end()) j["progress"] = it->second;
  if (cancel_requested_.contains(job.id)) j["cancel_requested"] = true;
  return j;
}

void Service::on_change(const jobs::Job& job) {
  (void)events_.add(job.id, "status", status_data(job));
  if (jobs::job_ended(job.status)) {
    {
      std::lock_guard lock(live_mutex_);
      progress_.erase(job.id);
      cancel_requested_.erase(job.id);
    }
    Json end = status_data(job);
    end["summary"] = api_job(job)["summary"];
    (void)events_.add(job.id, "end", std::move(end));
  }
}

jobs::PipelineEvents Service::events_of(const jobs::Job& job) {
  jobs::PipelineEvents e;
  const std::string id = job.id;
  e.log = [this, id](const std::string& line) { (void)events_.add(id, "log", {{"line", line}}); };
  e.progress = [this, id](double done, double total, const std::string& message) {
    Json progress = {{"done", done}, {"total", total}, {"message", message}};
    {
      std::lock_guard lock(live_mutex_);
      progress_[id] = progress;
    }
    (void)events_.add(id, "progress", std::move(progress));
  };
  e.row = [this, id](const Json& row) { (void)events_.add(id, "row", row); };
  return e;
}

Result<jobs::Job> Service::submit(const JobRequest& request) {
  if (stop_) return fail(ErrorCode::unavailable, "the service is stopping");
  jobs::Job job;
  if (!request.pipeline.empty()) {
    if (options_.pipelines_dir.empty())
      return fail(ErrorCode::not_found, "pipeline '" + request.pipeline +
                                            "': this server names no pipelines (send a source)");
    std::string file = request.pipeline;
    if (!file.ends_with(".lua")) file += ".lua";
    auto source = read_text(options_.pipelines_dir / file);
    if (!source)
      return fail(ErrorCode::not_found, "pipeline '" + request.pipeline + "': no such pipeline");
    job.script = file;
    job.source = std::move(*source);
    job.options.data_dir = (options_.pipelines_dir / "data").string();
  } else {
    job.script = "source.lua";
    job.source = request.source;
  }
  if (!request.model.empty()) {
    const auto dir = options_.models_dir / request.model;
    std::error_code ec;
    if (options_.models_dir.empty() || !std::filesystem::exists(dir / "config.json", ec))
      return fail(ErrorCode::not_found, "model '" + request.model + "': no such model");
    job.options.model = std::filesystem::absolute(dir, ec).string();
  }
  job.params = request.params;
  job.seed = request.seed ? *request.seed : random_seed();
  job.priority = request.priority;
  job.options.max_wall_ms = request.max_wall_ms;
  job.options.max_calls = request.max_calls;
  job.options.max_tokens = request.max_tokens;
  job.options.max_instructions = request.max_instructions;
  job.options.max_memory_mb = request.max_memory_mb;
  auto id = jobs::JobStore(store_).create(std::move(job));
  if (!id) return id.error();
  auto created = jobs::JobStore(store_).get(*id);
  if (!created) return created.error();
  (void)events_.add(*id, "status", status_data(*created));
  return created;
}

Result<jobs::Job> Service::job(const std::string& id) const {
  return jobs::JobStore(store_).get(id);
}

Result<JobPage> Service::jobs(std::optional<jobs::JobStatus> status, std::size_t limit,
                              const std::string& after, bool newest_first) const {
  auto all = jobs::JobStore(store_).list();
  if (!all) return all.error();
  if (newest_first) std::reverse(all->begin(), all->end());
  JobPage page;
  for (auto& job : *all) {
    if (!after.empty() && (newest_first ? job.id >= after : job.id <= after)) continue;
    if (status && job.status != *status) continue;
    if (page.jobs.size() == limit) {
      page.next = page.jobs.back().id;
      break;
    }
    page.jobs.push_back(std::move(job));
  }
  return page;
}

Result<jobs::Job> Service::cancel(const std::string& id) {
  jobs::JobStore queue(store_);
  auto job = queue.get(id);
  if (!job) return job.error();
  if (jobs::job_ended(job->status))
    return fail(ErrorCode::failed_precondition,
                id + " has ended (" + jobs::job_status_name(job->status) + ")");
  if (job->status == jobs::JobStatus::running) {
    if (auto s = jobs::request_cancel(store_.dir(), id); !s) return s.error();
    std::lock_guard lock(live_mutex_);
    cancel_requested_.insert(id);
    return job;
  }
  job->status = jobs::JobStatus::cancelled;
  job->error = "cancelled";
  if (auto s = queue.update(*job); !s) return s.error();
  on_change(*job);
  return job;
}

Result<std::filesystem::path> Service::report_dir(const std::string& id) const {
  auto job = this->job(id);
  if (!job) return job.error();
  const auto dir = store_.dir() / "reports" / id;
  std::error_code ec;
  if (!std::filesystem::exists(dir / "report.json", ec))
    return fail(ErrorCode::failed_precondition,
                id + " has no report yet (" + jobs::job_status_name(job->status) + ")");
  return dir;
}

Result<Json> Service::report(const std::string& id) const {
  auto dir = report_dir(id);
  if (!dir) return dir.error();
  auto text = read_text(*dir / "report.json");
  if (!text) return text.error();
  Json j = Json::parse(*text, nullptr, false);
  if (j.is_discarded()) return fail(ErrorCode::data_loss, id + ": its report.json is damaged");
  return j;
}

Result<std::string> Service::report_csv(const std::string& id) const {
  auto dir = report_dir(id);
  if (!dir) return dir.error();
  return read_text(*dir / "report.csv");
}

Result<std::string> Service::plot_svg(const std::string& id, const std::string& name) const {
  if (!is_plain_name(name))
    return fail(ErrorCode::invalid_argument, "'" + name + "' is not a plot");
  auto report = this->report(id);
  if (!report) return report.error();
  for (const auto& plot : report->value("plots", Json::array()))
    if (plot.value("file", "") == name + ".svg")
      return read_text(store_.dir() / "reports" / id / (name + ".svg"));
  return fail(ErrorCode::not_found, id + " has no plot '" + name + "'");
}

std::vector<std::string> Service::models() const {
  std::vector<std::string> names;
  std::error_code ec;
  if (options_.models_dir.empty()) return names;
  for (const auto& e : std::filesystem::directory_iterator(options_.models_dir, ec))
    if (std::filesystem::exists(e.path() / "config.json", ec) &&
        is_plain_name(e.path().filename().string()))
      names.push_back(e.path().filename().string());
  std::sort(names.begin(), names.end());
  return names;
}

std::vector<std::string> Service::pipelines() const {
  std::vector<std::string> names;
  std::error_code ec;
  if (options_.pipelines_dir.empty()) return names;
  for (const auto& e : std::filesystem::directory_iterator(options_.pipelines_dir, ec))
    if (e.path().extension() == ".lua" && is_plain_name(e.path().stem().string()))
      names.push_back(e.path().stem().string());
  std::sort(names.begin(), names.end());
  return names;
}

}  // namespace recur::server
