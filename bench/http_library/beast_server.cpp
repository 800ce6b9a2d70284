// Boost.Beast's server for http_library_bench: an acceptor and a session per connection, each on a
// strand of one io_context run by N threads. An event stream writes its header once, then one
// chunk per hub event, posted to its strand; it holds no thread while it waits.
#include <algorithm>
#include <atomic>
#include <deque>
#include <optional>
#include <thread>
#include <vector>

#include <boost/asio.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>

#include "bench/http_library/servers.hpp"

namespace recur::bench {

namespace {

namespace beast = boost::beast;
namespace http = beast::http;
namespace net = boost::asio;
using tcp = net::ip::tcp;

// The same limits as cpp-httplib's defaults: a request (or the wait for the next one on a
// keep-alive connection) within 5 s, every write within 5 s.
constexpr auto kReadTimeout = std::chrono::seconds(5);
constexpr auto kWriteTimeout = std::chrono::seconds(5);

class EventStream : public std::enable_shared_from_this<EventStream> {
 public:
  EventStream(beast::tcp_stream stream, unsigned version)
      : stream_(std::move(stream)), header_(http::status::ok, version), serializer_(header_) {
    header_.set(http::field::content_type, "text/event-stream");
    header_.set(http::field::cache_control, "no-cache");
    header_.chunked(true);
  }

  // Runs on the connection's strand: writes the header and subscribes to the hub.
  void start(EventHub& hub) {
    writing_ = true;
    stream_.expires_after(kWriteTimeout);
    http::async_write_header(stream_, serializer_,
                             beast::bind_front_handler(&EventStream::on_write, shared_from_this()));
    hub.subscribe([self = shared_from_this()](const EventHub::Event& event) {
      if (self->closed_) return false;
      net::post(self->stream_.get_executor(), [self, event] { self->deliver(event); });
      return true;
    });
  }

 private:
  void deliver(EventHub::Event event) {
    pending_.push_back(std::move(event));
    if (!writing_) write_next();
  }

  void write_next() {
    writing_ = !pending_.empty();
    if (!writing_) return;
    stream_.expires_after(kWriteTimeout);
    net::async_write(stream_, http::make_chunk(net::buffer(*pending_.front())),
                     beast::bind_front_handler(&EventStream::on_chunk, shared_from_this()));
  }

  void on_write(beast::error_code ec, std::size_t) {
    if (ec) return close();
    write_next();
  }

  void on_chunk(beast::error_code ec, std::size_t bytes) {
    pending_.pop_front();
    on_write(ec, bytes);
  }

  void close() {
    closed_ = true;
    pending_.clear();
    beast::error_code ignored;
    stream_.socket().close(ignored);
  }

  beast::tcp_stream stream_;
  http::response<http::empty_body> header_;
  http::response_serializer<http::empty_body> serializer_;
  std::deque<EventHub::Event> pending_;
  bool writing_ = false;
  std::atomic<bool> closed_ = false;
};

class ApiSession : public std::enable_shared_from_this<ApiSession> {
 public:
  ApiSession(tcp::socket socket, JobTable& jobs, EventHub& hub)
      : stream_(std::move(socket)), jobs_(jobs), hub_(hub) {}

  void start() {
    net::dispatch(stream_.get_executor(),
                  beast::bind_front_handler(&ApiSession::read, shared_from_this()));
  }

 private:
  void read() {
    parser_.emplace();
    parser_->body_limit(kMaxRequestBody);
    stream_.expires_after(kReadTimeout);
    http::async_read(stream_, buffer_, *parser_,
                     beast::bind_front_handler(&ApiSession::on_read, shared_from_this()));
  }

  void on_read(beast::error_code ec, std::size_t) {
    if (ec == http::error::body_limit) {
      return reply({413, R"({"error":"request too large"})"}, parser_->get().version(), false);
    }
    if (ec) return close();
    http::request<http::string_body> req = parser_->release();
    const std::string_view target(req.target().data(), req.target().size());
    constexpr std::string_view kJob = "/v1/jobs/";
    if (req.method() == http::verb::get && target.starts_with(kJob) &&
        target.ends_with("/events")) {
      std::make_shared<EventStream>(std::move(stream_), req.version())->start(hub_);
      return;
    }
    ApiResponse api{404, R"({"error":"no such route"})"};
    if (req.method() == http::verb::get && target.starts_with(kJob)) {
      api = jobs_.get(target.substr(kJob.size()));
    } else if (req.method() == http::verb::post && target == "/v1/jobs") {
      api = jobs_.submit(req.body());
    }
    reply(std::move(api), req.version(), req.keep_alive());
  }

  void reply(ApiResponse api, unsigned version, bool keep_alive) {
    res_ = {static_cast<http::status>(api.status), version};
    res_.set(http::field::content_type, "application/json");
    res_.keep_alive(keep_alive);
    res_.body() = std::move(api.body);
    res_.prepare_payload();
    stream_.expires_after(kWriteTimeout);
    http::async_write(stream_, res_,
                      beast::bind_front_handler(&ApiSession::on_write, shared_from_this()));
  }

  void on_write(beast::error_code ec, std::size_t) {
    if (ec || !res_.keep_alive()) return close();
    read();
  }

  void close() {
    beast::error_code ignored;
    stream_.socket().shutdown(tcp::socket::shutdown_send, ignored);
  }

  beast::tcp_stream stream_;
  beast::flat_buffer buffer_;
  std::optional<http::request_parser<http::string_body>> parser_;
  http::response<http::string_body> res_;
  JobTable& jobs_;
  EventHub& hub_;
};

class Listener : public std::enable_shared_from_this<Listener> {
 public:
  Listener(net::io_context& ioc, JobTable& jobs, EventHub& hub)
      : ioc_(ioc), acceptor_(net::make_strand(ioc)), jobs_(jobs), hub_(hub) {
    const tcp::endpoint endpoint(net::ip::make_address("127.0.0.1"), 0);
    acceptor_.open(endpoint.protocol());
    acceptor_.set_option(net::socket_base::reuse_address(true));
    acceptor_.bind(endpoint);
    acceptor_.listen(net::socket_base::max_listen_connections);
  }

  int port() const { return acceptor_.local_endpoint().port(); }

  void accept() {
    acceptor_.async_accept(net::make_strand(ioc_),
                           beast::bind_front_handler(&Listener::on_accept, shared_from_this()));
  }

 private:
  void on_accept(beast::error_code ec, tcp::socket socket) {
    if (!ec) {
      socket.set_option(tcp::no_delay(true), ec);
      std::make_shared<ApiSession>(std::move(socket), jobs_, hub_)->start();
    }
    accept();
  }

  net::io_context& ioc_;
  tcp::acceptor acceptor_;
  JobTable& jobs_;
  EventHub& hub_;
};

}  // namespace

void serve_with_beast(const ServerConfig& config, JobTable& jobs, EventHub& hub,
                      const OnListening& on_listening) {
  const int threads = static_cast<int>(std::max<std::size_t>(config.threads, 1));
  net::io_context ioc(threads);
  const auto listener = std::make_shared<Listener>(ioc, jobs, hub);
  on_listening(listener->port());
  listener->accept();
  std::vector<std::jthread> runners;
  for (int i = 1; i < threads; ++i) runners.emplace_back([&ioc] { ioc.run(); });
  ioc.run();
}

}  // namespace recur::bench
