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
  add_session_routes(*impl, http);
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
