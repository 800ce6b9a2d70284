#include "server/http_listener.hpp"

#include "server/http_listener_state.hpp"
#include "server/http_session.hpp"

namespace recur::server {
namespace {

template <class Stream>
void open_session(HttpListener::State& state, std::shared_ptr<Session<Stream>> session) {
  {
    std::lock_guard lock(state.mutex);
    state.open[session.get()] = session;
  }
  session->start();
}

// Over the cap: a 503 written straight into the new socket's empty send buffer, then closed.
void turn_away(tcp::socket& socket) {
  static const std::string body =
      error_json(ErrorCode::unavailable, "the server has too many open connections");
  const std::string reply =
      "HTTP/1.1 503 Service Unavailable\r\nContent-Type: application/json\r\n"
      "Retry-After: 5\r\nConnection: close\r\nContent-Length: " +
      std::to_string(body.size()) + "\r\n\r\n" + body;
  beast::error_code ignored;
  socket.non_blocking(true, ignored);
  net::write(socket, net::buffer(reply), ignored);
  socket.shutdown(tcp::socket::shutdown_both, ignored);
  socket.close(ignored);
}

}  // namespace

void HttpListener::State::accept() {
  acceptor.async_accept(net::make_strand(ioc), [this](beast::error_code ec, tcp::socket socket) {
    if (stopping) return;
    if (!ec) {
      if (connections >= options.max_connections) {
        turn_away(socket);
      } else {
        ++connections;
        beast::error_code ignored;
        socket.set_option(tcp::no_delay(true), ignored);
        const auto remote = socket.remote_endpoint(ignored);
        std::string address = ignored ? std::string("unknown") : remote.address().to_string();
        if (tls) {
          open_session(*this,
                       std::make_shared<Session<beast::ssl_stream<beast::tcp_stream>>>(
                           *this, beast::ssl_stream<beast::tcp_stream>(std::move(socket), *tls),
                           std::move(address)));
        } else {
          open_session(*this, std::make_shared<Session<beast::tcp_stream>>(
                                  *this, beast::tcp_stream(std::move(socket)), std::move(address)));
        }
      }
    }
    accept();
  });
}

Result<std::unique_ptr<HttpListener>> HttpListener::start(ListenerOptions options,
                                                          RequestHandler handler,
                                                          ResponseObserver observer) {
  options.io_threads = std::max<std::size_t>(options.io_threads, 1);
  options.handler_threads = std::max<std::size_t>(options.handler_threads, 1);
  auto state = std::make_shared<State>(std::move(options), std::move(handler), std::move(observer));
  const ListenerOptions& o = state->options;
  if (o.tls_cert.empty() != o.tls_key.empty())
    return fail(ErrorCode::invalid_argument, "TLS needs both a certificate and a key");
  if (!o.tls_cert.empty()) {
    state->tls.emplace(ssl::context::tls_server);
    beast::error_code ec;
    state->tls->set_options(ssl::context::default_workarounds | ssl::context::no_sslv2 |
                                ssl::context::no_sslv3 | ssl::context::no_tlsv1 |
                                ssl::context::no_tlsv1_1,
                            ec);
    state->tls->use_certificate_chain_file(o.tls_cert.string(), ec);
    if (!ec) state->tls->use_private_key_file(o.tls_key.string(), ssl::context::pem, ec);
    if (ec)
      return fail(ErrorCode::invalid_argument, "TLS: cannot use the certificate " +
                                                   o.tls_cert.string() + " with the key " +
                                                   o.tls_key.string() + ": " + ec.message());
  }
  beast::error_code ec;
  tcp::resolver resolver(state->ioc);
  const auto found = resolver.resolve(o.host, std::to_string(o.port), tcp::resolver::passive, ec);
  if (ec || found.empty())
    return fail(ErrorCode::unavailable, "cannot listen on " + o.host + ":" +
                                            std::to_string(o.port) + ": " +
                                            (ec ? ec.message() : std::string("no address")));
  const tcp::endpoint endpoint = found.begin()->endpoint();
  auto& acceptor = state->acceptor;
  acceptor.open(endpoint.protocol(), ec);
  if (!ec) acceptor.set_option(net::socket_base::reuse_address(true), ec);
  if (!ec) acceptor.bind(endpoint, ec);
  if (!ec) acceptor.listen(net::socket_base::max_listen_connections, ec);
  if (ec)
    return fail(ErrorCode::unavailable,
                "cannot listen on " + o.host + ":" + std::to_string(o.port) + ": " + ec.message());
  state->port = acceptor.local_endpoint().port();
  state->accept();
  for (std::size_t i = 0; i < o.io_threads; ++i)
    state->io.emplace_back([s = state.get()] { s->ioc.run(); });
  return std::unique_ptr<HttpListener>(new HttpListener(std::move(state)));
}

HttpListener::HttpListener(std::shared_ptr<State> state) : state_(std::move(state)) {}

HttpListener::~HttpListener() {
  stop();
}

int HttpListener::port() const {
  return state_->port;
}

void HttpListener::stop() {
  State& s = *state_;
  if (s.stopping.exchange(true)) return;
  std::promise<void> closed;
  net::post(s.acceptor.get_executor(), [&s, &closed] {
    beast::error_code ignored;
    s.acceptor.close(ignored);
    closed.set_value();
  });
  closed.get_future().wait();
  std::vector<std::shared_ptr<Connection>> open;
  {
    std::lock_guard lock(s.mutex);
    for (auto& [raw, weak] : s.open)
      if (auto c = weak.lock()) open.push_back(std::move(c));
  }
  for (auto& c : open) c->close();
  open.clear();
  s.handlers.join();
  s.ioc.stop();
  for (auto& t : s.io) t.join();
}

}  // namespace recur::server
