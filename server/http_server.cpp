#include "server/http_server.hpp"

#include <httplib.h>

#include <atomic>
#include <mutex>
#include <thread>

#include "server/api_error.hpp"
#include "server/auth.hpp"
#include "server/live_authenticator.hpp"
#include "server/mcp.hpp"
#include "server/mcp_http.hpp"
#include "server/rate_limiter.hpp"

namespace recur::server {

struct HttpServer::Impl {
  Service& service;
  HttpOptions options;
  std::unique_ptr<httplib::Server> http;
  std::unique_ptr<LiveAuthenticator> auth;  // null without a token file
  RateLimiter limiter;
  std::unique_ptr<McpServer> mcp;
  std::unique_ptr<McpHttpEndpoint> mcp_http;
  std::atomic<std::size_t> streams{0};
  std::atomic<bool> stopping{false};
  int port = 0;
  std::thread thread;

  Impl(Service& s, HttpOptions o)
      : service(s),
        options(std::move(o)),
        limiter(RateLimit{options.requests_per_second, options.request_burst}) {}
};

namespace {

using Request = httplib::Request;
using Response = httplib::Response;

void send_json(Response& res, int status, const Json& body) {
  res.status = status;
  res.set_content(body.dump(-1, ' ', false, Json::error_handler_t::replace), "application/json");
}

void send_error(Response& res, const Error& error) {
  send_json(res, http_status(error.code), error_body(error));
}

// Who may call a route: every request is authenticated when the server has a token file, and its
// role checked against the route's; every client is held to the request rate.
Status admit(HttpServer::Impl& impl, const Request& req, Response& res, Role needed) {
  std::string client = req.remote_addr;
  if (impl.auth) {
    // A token removed from the file stops working at once; a broken file keeps the tokens last
    // loaded.
    (void)impl.auth->reload_if_changed();
    auto principal = impl.auth->authenticate(req.get_header_value("Authorization"));
    if (!principal) return principal.error();
    if (auto s = authorize(*principal, needed); !s) return s;
    client = "token:" + principal->name;
  }
  const RateDecision decision = impl.limiter.admit(client);
  if (!decision.allowed) {
    res.set_header("Retry-After", std::to_string(decision.retry_after_s));
    return fail(ErrorCode::resource_exhausted, "too many requests from " + client +
                                                   "; retry after " +
                                                   std::to_string(decision.retry_after_s) + " s");
  }
  return {};
}

// A handler behind authentication: `body` runs only when the request is admitted; an Error it
// returns becomes the API's error response.
template <class F>
httplib::Server::Handler route(HttpServer::Impl& impl, Role needed, F body) {
  return [&impl, needed, body](const Request& req, Response& res) {
    if (auto s = admit(impl, req, res, needed); !s) return send_error(res, s.error());
    Status s = body(req, res);
    if (!s) send_error(res, s.error());
  };
}

Result<Json> parse_body(const Request& req) {
  if (req.body.empty()) return fail(ErrorCode::invalid_argument, "the request has no body");
  Json j = Json::parse(req.body, nullptr, false);
  if (j.is_discarded()) return fail(ErrorCode::invalid_argument, "the body is not valid JSON");
  return j;
}

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

// The events of a job as Server-Sent Events from the one after `after`, until its end event (or
// the client goes, or the server stops); a comment line keeps an idle stream alive.
void stream_events(HttpServer::Impl& impl, const std::string& job, std::uint64_t after,
                   Response& res) {
  res.set_header("Cache-Control", "no-cache");
  res.set_header("X-Accel-Buffering", "no");
  auto last = std::make_shared<std::uint64_t>(after);
  auto ended = std::make_shared<bool>(false);
  res.set_chunked_content_provider(
      "text/event-stream",
      [&impl, job, last, ended](std::size_t, httplib::DataSink& sink) {
        if (*ended || impl.stopping) {
          sink.done();
          return true;
        }
        auto events = impl.service.events().read(job, *last, 256);
        if (!events) return false;
        for (const auto& e : *events) {
          std::string frame = "id: " + std::to_string(e.id) + "\nevent: " + e.type + "\ndata: " +
                              e.data.dump(-1, ' ', false, Json::error_handler_t::replace) + "\n\n";
          if (!sink.write(frame.data(), frame.size())) return false;
          *last = e.id;
          if (e.type == "end") *ended = true;
        }
        if (*ended) {
          sink.done();
          return true;
        }
        if (events->empty() && !impl.service.events().wait(
                                   job, *last, std::chrono::milliseconds(impl.options.heartbeat))) {
          static const std::string beat = ": keep-alive\n\n";
          if (!sink.is_writable() || !sink.write(beat.data(), beat.size())) return false;
        }
        return true;
      },
      [&impl](bool) { --impl.streams; });
}

void add_job_routes(HttpServer::Impl& impl, httplib::Server& http) {
  Service& service = impl.service;
  http.Post("/v1/jobs", route(impl, Role::submit, [&](const Request& req, Response& res) -> Status {
              auto body = parse_body(req);
              if (!body) return body.error();
              auto request = JobRequest::from_json(*body);
              if (!request) return request.error();
              auto job = service.submit(*request);
              if (!job) return job.error();
              res.set_header("Location", "/v1/jobs/" + job->id);
              send_json(res, 201, api_job(*job));
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
             auto page = service.jobs(status, limit, req.get_param_value("after"));
             if (!page) return page.error();
             Json jobs = Json::array();
             for (const auto& j : page->jobs) jobs.push_back(api_job(j));
             Json body = {{"jobs", jobs}, {"next", nullptr}};
             if (page->next) body["next"] = *page->next;
             send_json(res, 200, body);
             return {};
           }));
  http.Get(R"(/v1/jobs/([^/]+))",
           route(impl, Role::read, [&](const Request& req, Response& res) -> Status {
             auto job = service.job(req.matches[1]);
             if (!job) return job.error();
             send_json(res, 200, api_job(*job));
             return {};
           }));
  http.Post(R"(/v1/jobs/([^/]+)/cancel)",
            route(impl, Role::submit, [&](const Request& req, Response& res) -> Status {
              auto job = service.cancel(req.matches[1]);
              if (!job) return job.error();
              send_json(res, 200, api_job(*job));
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
             std::uint64_t after = 0;
             const std::string last = req.get_header_value("Last-Event-ID");
             if (!last.empty()) {
               try {
                 std::size_t used = 0;
                 after = std::stoull(last, &used);
                 if (used != last.size()) throw std::invalid_argument(last);
               } catch (const std::exception&) {
                 return fail(ErrorCode::invalid_argument,
                             "header 'Last-Event-ID': '" + last + "' is not an event id");
               }
             }
             if (++impl.streams > impl.options.max_event_streams) {
               --impl.streams;
               res.set_header("Retry-After", "5");
               return fail(ErrorCode::unavailable,
                           "too many open event streams (" +
                               std::to_string(impl.options.max_event_streams) + ")");
             }
             stream_events(impl, id, after, res);
             return {};
           }));
}

void add_catalogue_routes(HttpServer::Impl& impl, httplib::Server& http) {
  Service& service = impl.service;
  http.Get("/healthz", [](const Request&, Response& res) {
    send_json(res, 200, {{"status", "ok"}});
  });
  http.Get("/readyz", [&service](const Request&, Response& res) {
    if (service.draining())
      return send_error(res, fail(ErrorCode::unavailable, "the service is stopping"));
    send_json(res, 200, {{"status", "ready"}});
  });
  http.Get("/v1/models", route(impl, Role::read, [&](const Request&, Response& res) -> Status {
             Json data = Json::array();
             for (const auto& name : service.models())
               data.push_back({{"id", name}, {"object", "model"}, {"owned_by", "recur"}});
             send_json(res, 200, {{"object", "list"}, {"data", data}});
             return {};
           }));
  http.Get("/v1/pipelines", route(impl, Role::read, [&](const Request&, Response& res) -> Status {
             send_json(res, 200, {{"pipelines", service.pipelines()}});
             return {};
           }));
  http.Get("/v1/tools", route(impl, Role::read, [&](const Request&, Response& res) -> Status {
             Json tools = Json::array();
             for (const auto& d : service.runtime().tools().list()) tools.push_back(d.to_json());
             send_json(res, 200, {{"tools", tools}});
             return {};
           }));
  http.Post(R"(/v1/tools/([^/]+)/call)",
            route(impl, Role::submit, [&](const Request& req, Response& res) -> Status {
              auto body = parse_body(req);
              if (!body) return body.error();
              if (!body->is_object())
                return fail(ErrorCode::invalid_argument, "the body must be the tool's arguments");
              tools::CallContext context;
              context.scope = "http";
              context.deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
              auto result = service.runtime().tools().call(
                  tools::ToolCall{"http", req.matches[1], *body}, context);
              if (!result) return result.error();
              send_json(res, 200, result->to_json());
              return {};
            }));
}

// Reads the token file. Apart from start() (and not inlined there), where GCC 12 takes the
// destruction of the Result for a free of memory that was never allocated.
[[gnu::noinline]] Status load_tokens(HttpServer::Impl& impl, const std::filesystem::path& file) {
  auto auth = LiveAuthenticator::open(file);
  if (!auth) return auth.error();
  impl.auth = std::move(*auth);
  return {};
}

// MCP over Streamable HTTP (`POST /mcp`, `DELETE /mcp`): recur's tools for MCP clients. A request
// whose Origin is not the server it came to is refused, so a web page cannot reach the tools
// through a browser on this machine.
void add_mcp_routes(HttpServer::Impl& impl, httplib::Server& http) {
  impl.mcp = std::make_unique<McpServer>(impl.service.runtime().tools());
  impl.mcp_http = std::make_unique<McpHttpEndpoint>(*impl.mcp);
  auto handler = route(impl, Role::submit, [&impl](const Request& req, Response& res) -> Status {
    const std::string origin = req.get_header_value("Origin");
    if (!origin.empty()) {
      const std::string host = req.get_header_value("Host");
      if (origin != "http://" + host && origin != "https://" + host)
        return fail(ErrorCode::permission_denied,
                    "MCP: requests from the origin '" + origin + "' are refused");
    }
    McpHttpRequest in{req.method,
                      req.get_header_value("Accept"),
                      req.get_header_value("Content-Type"),
                      req.get_header_value("Mcp-Session-Id"),
                      req.get_header_value("MCP-Protocol-Version"),
                      req.body};
    McpHttpResponse out = impl.mcp_http->handle(in);
    res.status = out.status;
    std::string type;
    for (const auto& [name, value] : out.headers) {
      if (name == "Content-Type")
        type = value;
      else
        res.set_header(name, value);
    }
    if (!out.body.empty() || !type.empty())
      res.set_content(out.body, type.empty() ? "text/plain" : type);
    return {};
  });
  http.Post("/mcp", handler);
  http.Delete("/mcp", handler);
  http.Get("/mcp", handler);
}

}  // namespace

bool is_loopback(const std::string& host) {
  return host == "localhost" || host == "::1" || host.rfind("127.", 0) == 0;
}

Result<std::unique_ptr<HttpServer>> HttpServer::start(Service& service, HttpOptions options) {
  if (!options.auth && !is_loopback(options.host))
    return fail(ErrorCode::failed_precondition,
                "serving " + options.host +
                    " without a token file would let anyone who reaches it run jobs: give one, "
                    "or listen on 127.0.0.1");
  auto impl = std::make_unique<Impl>(service, std::move(options));
  HttpOptions& o = impl->options;
  if (o.auth)
    if (auto s = load_tokens(*impl, *o.auth); !s) return s.error();
  if (o.tls_cert.empty() != o.tls_key.empty())
    return fail(ErrorCode::invalid_argument, "TLS needs both a certificate and a key");
  if (!o.tls_cert.empty()) {
    impl->http = std::make_unique<httplib::SSLServer>(o.tls_cert.c_str(), o.tls_key.c_str());
    if (!impl->http->is_valid())
      return fail(ErrorCode::invalid_argument, "TLS: cannot use the certificate " +
                                                   o.tls_cert.string() + " with the key " +
                                                   o.tls_key.string());
  } else {
    impl->http = std::make_unique<httplib::Server>();
  }
  httplib::Server& http = *impl->http;
  const std::size_t threads = o.threads ? o.threads : o.max_event_streams + 16;
  http.new_task_queue = [threads] { return new httplib::ThreadPool(threads); };
  http.set_payload_max_length(o.max_body_bytes);
  http.set_read_timeout(o.read_timeout);
  http.set_write_timeout(o.write_timeout);
  http.set_keep_alive_timeout(o.keep_alive.count());
  http.set_error_handler([](const Request& req, Response& res) {
    if (!res.body.empty()) return;
    const ErrorCode code = res.status == 404   ? ErrorCode::not_found
                           : res.status == 413 ? ErrorCode::invalid_argument
                           : res.status < 500  ? ErrorCode::invalid_argument
                                               : ErrorCode::internal;
    const std::string message =
        res.status == 404   ? "no route " + req.method + " " + req.path
        : res.status == 413 ? "the request body is longer than the server accepts"
                            : "the request was refused (HTTP " + std::to_string(res.status) + ")";
    const int status = res.status;
    send_error(res, fail(code, message));
    res.status = status;
  });
  http.set_exception_handler([](const Request&, Response& res, std::exception_ptr) {
    send_error(res, fail(ErrorCode::internal, "the request failed inside the server"));
  });
  add_job_routes(*impl, http);
  add_catalogue_routes(*impl, http);
  add_mcp_routes(*impl, http);

  const int port = o.port == 0 ? http.bind_to_any_port(o.host)
                               : (http.bind_to_port(o.host, o.port) ? o.port : -1);
  if (port < 0)
    return fail(ErrorCode::unavailable,
                "cannot listen on " + o.host + ":" + std::to_string(o.port));
  impl->port = port;
  impl->thread = std::thread([&http] { http.listen_after_bind(); });
  return std::unique_ptr<HttpServer>(new HttpServer(std::move(impl)));
}

HttpServer::HttpServer(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}

HttpServer::~HttpServer() {
  stop();
}

int HttpServer::port() const {
  return impl_->port;
}

void HttpServer::stop() {
  if (impl_->stopping.exchange(true)) return;
  impl_->service.events().wake_all();
  impl_->http->stop();
  if (impl_->thread.joinable()) impl_->thread.join();
}

}  // namespace recur::server
