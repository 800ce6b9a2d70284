#include "cli/run_remote.hpp"

#include <cstdlib>
#include <fstream>
#include <iostream>
#include <sstream>

#include "cli/common.hpp"
#include "jobs/report.hpp"
#include "server/api_client.hpp"

namespace recur::cli {
namespace {

Result<Json> request_of(const RemoteRun& r) {
  Json body = Json::object();
  if (!r.pipeline.empty()) {
    body["pipeline"] = r.pipeline;
  } else {
    std::ifstream f(r.script, std::ios::binary);
    if (!f) return fail(ErrorCode::not_found, r.script + ": cannot read the script");
    std::ostringstream text;
    text << f.rdbuf();
    body["source"] = text.str();
  }
  body["params"] = r.params;
  if (r.seed) body["seed"] = *r.seed;
  body["priority"] = r.priority;
  if (!r.model.empty()) body["model"] = r.model;
  Json budgets = Json::object();
  const jobs::JobOptions& b = r.budgets;
  for (const auto& [name, value] :
       {std::pair<const char*, std::uint64_t>{"max_wall_ms", b.max_wall_ms},
        {"max_calls", b.max_calls},
        {"max_tokens", b.max_tokens},
        {"max_instructions", b.max_instructions},
        {"max_memory_mb", b.max_memory_mb}})
    if (value > 0) budgets[name] = value;
  body["budgets"] = budgets;
  return body;
}

// A report of the API ({"columns", "rows"}) as recur prints a local one.
std::string table_of(const Json& report) {
  jobs::Report table;
  for (const auto& row : report.value("rows", Json::array())) (void)table.add_row(row);
  if (report.contains("columns") && report["columns"].is_array())
    table.set_columns(report["columns"].get<std::vector<std::string>>());
  return table.empty() ? "" : table.table();
}

}  // namespace

int run_on_server(const RemoteRun& r) {
  const std::string cmd = "run";
  std::string token = r.token;
  if (token.empty())
    if (const char* env = std::getenv("RECUR_TOKEN"); env) token = env;
  auto client = server::ApiClient::connect(r.server, token);
  if (!client) return report_error(cmd, "--server: " + client.error().message);
  auto body = request_of(r);
  if (!body) return report_error(cmd, body.error().message);
  auto created = client->post("/v1/jobs", *body);
  if (!created) return report_error(cmd, created.error().message);
  const std::string id = created->value("id", "");
  if (r.enqueue) {
    if (r.json)
      print_json(*created);
    else
      std::cout << id << std::endl;
    return 0;
  }
  const std::string prefix = "[" + id + "] ";
  Json end;
  auto followed = client->follow_events(id, 0, [&](const jobs::JobEvent& e) {
    if (e.type == "end") end = e.data;
    if (r.quiet) return true;
    if (e.type == "log") {
      std::cerr << prefix << e.data.value("line", "") << "\n";
    } else if (e.type == "progress") {
      const std::string message = e.data.value("message", "");
      std::cerr << prefix << "progress " << e.data.value("done", 0.0) << "/"
                << e.data.value("total", 0.0) << (message.empty() ? "" : " ") << message << "\n";
    }
    return true;
  });
  if (!followed) return report_error(cmd, followed.error().message);
  auto job = client->get("/v1/jobs/" + id);
  if (!job) return report_error(cmd, job.error().message);
  auto report = client->get("/v1/jobs/" + id + "/report");
  if (r.json) {
    Json out = *job;
    if (report) out["report"] = *report;
    print_json(out);
  } else if (report) {
    std::cout << table_of(*report) << std::flush;
  }
  const std::string status = job->value("status", "failed");
  if (!r.quiet) {
    const Json& summary = (*job)["summary"];
    std::cerr << prefix << status << ": " << summary.value("calls", 0) << " calls ("
              << summary.value("replayed", 0) << " from the record), " << summary.value("tokens", 0)
              << " agent tokens" << std::endl;
  }
  if (status != "finished")
    return report_error(cmd, id + " " + status + ": " + job->value("error", ""));
  return 0;
}

}  // namespace recur::cli
