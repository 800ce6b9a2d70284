// Inside the HTTP server: its state, and the helpers every group of routes uses to admit a request
// (token, role, rate) and answer it (JSON, the API's errors). Included only by server/*_routes.cpp
// and server/http_server.cpp.
#pragma once

#include <atomic>
#include <thread>

#include "server/api_error.hpp"
#include "server/auth.hpp"
#include "server/http_listener.hpp"
#include "server/http_router.hpp"
#include "server/http_server.hpp"
#include "server/live_authenticator.hpp"
#include "server/mcp.hpp"
#include "server/mcp_http.hpp"
#include "server/metrics.hpp"
#include "server/rate_limiter.hpp"

namespace recur::server {

struct HttpServer::Impl {
  Service& service;
  HttpOptions options;
  Router router;
  std::unique_ptr<HttpListener> listener;
  std::unique_ptr<LiveAuthenticator> auth;  // null without a token file
  RateLimiter limiter;
  std::unique_ptr<McpServer> mcp;
  std::unique_ptr<McpHttpEndpoint> mcp_http;
  Metrics metrics;  // the exposition of GET /metrics; counts every request answered
  TokenRate rates;  // the workers' tokens per second, over the readings of the runtime's status
  std::atomic<std::size_t> streams{0};
  std::atomic<bool> stopping{false};

  Impl(Service& s, HttpOptions o)
      : service(s),
        options(std::move(o)),
        limiter(RateLimit{options.requests_per_second, options.request_burst}) {}
};

void send_json(Response& res, int status, const Json& body);
void send_error(Response& res, const Error& error);

// Who may call a route: every request is authenticated when the server has a token file, and its
// role checked against the route's; every client is held to the request rate.
Status admit(HttpServer::Impl& impl, const Request& req, Response& res, Role needed);

// A handler behind authentication: `body` runs only when the request is admitted; an Error it
// returns becomes the API's error response.
template <class F>
Handler route(HttpServer::Impl& impl, Role needed, F body) {
  return [&impl, needed, body](const Request& req, Response& res) {
    if (auto s = admit(impl, req, res, needed); !s) return send_error(res, s.error());
    Status s = body(req, res);
    if (!s) send_error(res, s.error());
  };
}

// The request's body as JSON; invalid_argument when it is empty or not JSON.
Result<Json> parse_body(const Request& req);

// A stream of events (Server-Sent Events) from `read` after `after`, until an event of type `end`
// (or the client goes, or the server stops); `wait` blocks until there may be more; a comment
// line keeps an idle stream alive. Counts against the server's open streams (the caller counted
// this one in).
using EventReader = std::function<Result<std::vector<jobs::JobEvent>>(std::uint64_t after)>;
using EventWaiter = std::function<bool(std::uint64_t after, std::chrono::milliseconds timeout)>;
void stream_events(HttpServer::Impl& impl, EventReader read, EventWaiter wait, std::uint64_t after,
                   Response& res);

// Counts a new event stream in; unavailable when the server already has its most.
Status open_stream(HttpServer::Impl& impl, Response& res);

// The Last-Event-ID header's id (0 when absent); invalid_argument when it is not a number.
Result<std::uint64_t> last_event_id(const Request& req);

// The groups of routes.
void add_job_routes(HttpServer::Impl& impl, Router& http);
void add_catalogue_routes(HttpServer::Impl& impl, Router& http);
void add_mcp_routes(HttpServer::Impl& impl, Router& http);
void add_session_routes(HttpServer::Impl& impl, Router& http);
void add_dashboard_routes(HttpServer::Impl& impl, Router& http);
void add_metrics_routes(HttpServer::Impl& impl, Router& http);

}  // namespace recur::server
