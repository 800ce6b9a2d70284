// The routes of jobs: submit, list, show, cancel, report, CSV, plots, events.
#include "server/http_route.hpp"

namespace recur::server {
namespace {

// The query's `limit`: 100 when absent, else a number from 1 to 1000.
Status parse_limit(const Request& req, std::size_t& limit) {
  limit = 100;
  if (!req.has_param("limit")) return {};
  const std::string text = req.get_param_value("limit");
  std::size_t n = 0;
  bool digits = !text.empty() && text.size() <= 4;
  for (char c : text) digits = digits && c >= '0' && c <= '9';
  if (digits) n = static_cast<std::size_t>(std::stoul(text));
  if (!digits || n == 0 || n > 1000)
    return fail(ErrorCode::invalid_argument,
                "query 'limit': '" + text + "' is not a number from 1 to 1000");
  limit = n;
  return {};
}

}  // namespace

void add_job_routes(HttpServer::Impl& impl, Router& http) {
  Service& service = impl.service;
  http.Post("/v1/jobs", route(impl, Role::submit, [&](const Request& req, Response& res) -> Status {
              auto body = parse_body(req);
              if (!body) return body.error();
              auto request = JobRequest::from_json(*body);
              if (!request) return request.error();
              auto job = service.submit(*request);
              if (!job) return job.error();
              res.set_header("Location", "/v1/jobs/" + job->id);
              send_json(res, 201, service.view(*job));
              return {};
            }));
  http.Get("/v1/jobs", route(impl, Role::read, [&](const Request& req, Response& res) -> Status {
             std::optional<jobs::JobStatus> status;
             if (req.has_param("status")) {
               status = jobs::parse_job_status(req.get_param_value("status"));
               if (!status)
                 return fail(
                     ErrorCode::invalid_argument,
                     "query 'status': '" + req.get_param_value("status") + "' is not a job status");
             }
             std::size_t limit = 0;
             if (auto s = parse_limit(req, limit); !s) return s;
             const std::string order =
                 req.has_param("order") ? req.get_param_value("order") : "asc";
             if (order != "asc" && order != "desc")
               return fail(ErrorCode::invalid_argument,
                           "query 'order': '" + order + "' is not asc or desc");
             auto page = service.jobs(status, limit, req.get_param_value("after"), order == "desc");
             if (!page) return page.error();
             Json jobs = Json::array();
             for (const auto& j : page->jobs) jobs.push_back(service.view(j));
             Json body = {{"jobs", jobs}, {"next", nullptr}};
             if (page->next) body["next"] = *page->next;
             send_json(res, 200, body);
             return {};
           }));
  http.Get(R"(/v1/jobs/([^/]+))",
           route(impl, Role::read, [&](const Request& req, Response& res) -> Status {
             auto job = service.job(req.matches[1]);
             if (!job) return job.error();
             send_json(res, 200, service.view(*job));
             return {};
           }));
  http.Post(R"(/v1/jobs/([^/]+)/cancel)",
            route(impl, Role::submit, [&](const Request& req, Response& res) -> Status {
              auto job = service.cancel(req.matches[1]);
              if (!job) return job.error();
              send_json(res, 200, service.view(*job));
              return {};
            }));
  http.Get(R"(/v1/jobs/([^/]+)/report)",
           route(impl, Role::read, [&](const Request& req, Response& res) -> Status {
             auto report = service.report(req.matches[1]);
             if (!report) return report.error();
             send_json(res, 200, *report);
             return {};
           }));
  http.Get(R"(/v1/jobs/([^/]+)/report\.csv)",
           route(impl, Role::read, [&](const Request& req, Response& res) -> Status {
             auto csv = service.report_csv(req.matches[1]);
             if (!csv) return csv.error();
             res.set_content(*csv, "text/csv");
             return {};
           }));
  http.Get(R"(/v1/jobs/([^/]+)/plots/([^/]+)\.svg)",
           route(impl, Role::read, [&](const Request& req, Response& res) -> Status {
             auto svg = service.plot_svg(req.matches[1], req.matches[2]);
             if (!svg) return svg.error();
             res.set_content(*svg, "image/svg+xml");
             return {};
           }));
  http.Get(R"(/v1/jobs/([^/]+)/events)",
           route(impl, Role::read, [&](const Request& req, Response& res) -> Status {
             const std::string id = req.matches[1];
             if (auto job = service.job(id); !job) return job.error();
             auto after = last_event_id(req);
             if (!after) return after.error();
             if (auto s = open_stream(impl, res); !s) return s;
             jobs::JobEventLog& events = service.events();
             stream_events(
                 impl, [&events, id](std::uint64_t from) { return events.read(id, from, 256); },
                 [&events, id](std::uint64_t from, std::chrono::milliseconds timeout) {
                   return events.wait(id, from, timeout);
                 },
                 *after, res);
             return {};
           }));
}

}  // namespace recur::server
