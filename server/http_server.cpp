#include "server/http_server.hpp"

#include "server/http_route.hpp"

namespace recur::server {
namespace {

// Reads the token file. Apart from start() (and not inlined there), where GCC 12 takes the
// destruction of the Result for a free of memory that was never allocated.
[[gnu::noinline]] Status load_tokens(HttpServer::Impl& impl, const std::filesystem::path& file) {
  auto auth = LiveAuthenticator::open(file);
  if (!auth) return auth.error();
  impl.auth = std::move(*auth);
  return {};
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
  Router& http = impl->router;
  add_job_routes(*impl, http);
  add_session_routes(*impl, http);
  add_catalogue_routes(*impl, http);
  add_mcp_routes(*impl, http);
  add_metrics_routes(*impl, http);
  add_dashboard_routes(*impl, http);

  ListenerOptions listen;
  listen.host = o.host;
  listen.port = o.port;
  listen.tls_cert = o.tls_cert;
  listen.tls_key = o.tls_key;
  listen.max_body_bytes = o.max_body_bytes;
  listen.read_timeout = o.read_timeout;
  listen.write_timeout = o.write_timeout;
  listen.keep_alive = o.keep_alive;
  listen.max_connections = o.max_connections;
  // A handler thread for every event stream the server allows, and as many for other requests.
  listen.handler_threads = o.threads ? o.threads : o.max_event_streams + 16;
  Impl* state = impl.get();
  auto answered = [state](Request& req, Response& res) { state->router.dispatch(req, res); };
  auto observe = [state](const Request& req, int status, double seconds) {
    state->metrics.count_request(req.method, req.route, status, seconds);
  };
  auto listener = HttpListener::start(std::move(listen), answered, observe);
  if (!listener) return listener.error();
  impl->listener = std::move(*listener);
  return std::unique_ptr<HttpServer>(new HttpServer(std::move(impl)));
}

HttpServer::HttpServer(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}

HttpServer::~HttpServer() {
  stop();
}

int HttpServer::port() const {
  return impl_->listener->port();
}

void HttpServer::stop() {
  if (impl_->stopping.exchange(true)) return;
  impl_->service.events().wake_all();
  impl_->listener->stop();
}

}  // namespace recur::server
