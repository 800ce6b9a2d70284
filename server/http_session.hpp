// One connection of the HTTP listener (server/http_listener.hpp), over TCP or TLS. Included only by
// server/http_listener.cpp.
#pragma once

#include <chrono>
#include <future>
#include <type_traits>

#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>

#include "server/api_error.hpp"
#include "server/http_listener_state.hpp"

namespace recur::server {

namespace beast = boost::beast;
namespace http = beast::http;

using Clock = std::chrono::steady_clock;

inline double seconds_since(Clock::time_point start) {
  return std::chrono::duration<double>(Clock::now() - start).count();
}

// The API's error body (server/api_error.hpp) as text.
inline std::string error_json(ErrorCode code, const std::string& message) {
  return error_body(fail(code, message)).dump();
}

// One connection: reads requests one after another, hands each to a handler thread, writes its
// response (whole, or as chunks while the handler's provider runs), then reads the next.
template <class Stream>
class Session final : public Connection, public std::enable_shared_from_this<Session<Stream>> {
 public:
  Session(HttpListener::State& state, Stream stream, std::string remote)
      : state_(state), stream_(std::move(stream)), remote_(std::move(remote)) {}

  ~Session() override {
    --state_.connections;
    std::lock_guard lock(state_.mutex);
    state_.open.erase(this);
  }

  void start() {
    net::dispatch(strand(), [self = this->shared_from_this()] { self->handshake(); });
  }

  void close() override {
    net::post(strand(), [self = this->shared_from_this()] { self->close_now(); });
  }

 private:
  auto strand() { return beast::get_lowest_layer(stream_).get_executor(); }
  beast::tcp_stream& tcp_layer() { return beast::get_lowest_layer(stream_); }

  void handshake() {
    if constexpr (std::is_same_v<Stream, beast::tcp_stream>) {
      wait_for_request(state_.options.read_timeout);
    } else {
      tcp_layer().expires_after(state_.options.read_timeout);
      stream_.async_handshake(ssl::stream_base::server,
                              [self = this->shared_from_this()](beast::error_code ec) {
                                if (ec) return self->close_now();
                                self->wait_for_request(self->state_.options.read_timeout);
                              });
    }
  }

  // Waits up to `idle` for the first bytes of the next request, then gives the whole request
  // read_timeout from there.
  void wait_for_request(std::chrono::milliseconds idle) {
    if (closed_ || state_.stopping) return close_now();
    if (buffer_.size() > 0) return read_request();
    tcp_layer().expires_after(idle);
    stream_.async_read_some(buffer_.prepare(4096),
                            [self = this->shared_from_this()](beast::error_code ec, std::size_t n) {
                              if (ec) return self->close_now();
                              self->buffer_.commit(n);
                              self->read_request();
                            });
  }

  void read_request() {
    parser_.emplace();
    parser_->body_limit(state_.options.max_body_bytes);
    parser_->header_limit(static_cast<std::uint32_t>(state_.options.max_header_bytes));
    tcp_layer().expires_after(state_.options.read_timeout);
    http::async_read(stream_, buffer_, *parser_,
                     [self = this->shared_from_this()](beast::error_code ec, std::size_t) {
                       self->on_read(ec);
                     });
  }

  void on_read(beast::error_code ec) {
    tcp_layer().expires_never();
    if (ec == http::error::end_of_stream || ec == net::error::eof || ec == beast::error::timeout ||
        ec == net::error::operation_aborted || ec == net::error::connection_reset)
      return close_now();
    if (ec == http::error::body_limit)
      return refuse(413, ErrorCode::invalid_argument,
                    "the request body is longer than the server accepts (" +
                        std::to_string(state_.options.max_body_bytes) + " bytes)");
    if (ec == http::error::header_limit)
      return refuse(431, ErrorCode::invalid_argument,
                    "the request's headers are longer than the server accepts (" +
                        std::to_string(state_.options.max_header_bytes) + " bytes)");
    if (ec)
      return refuse(400, ErrorCode::invalid_argument,
                    "the request is not valid HTTP/1.1: " + ec.message());

    auto message = parser_->release();
    auto req = std::make_shared<Request>();
    req->method = std::string(message.method_string());
    req->target = std::string(message.target());
    for (const auto& field : message)
      req->headers.emplace(std::string(field.name_string()), std::string(field.value()));
    req->body = std::move(message.body());
    req->remote_addr = remote_;
    parse_target(*req);
    version_ = message.version();
    keep_alive_ = message.keep_alive();
    head_ = message.method() == http::verb::head;
    const auto received = Clock::now();
    net::post(state_.handlers,
              [self = this->shared_from_this(), req, received] { self->handle(*req, received); });
  }

  // On a handler thread.
  void handle(Request& req, Clock::time_point received) {
    Response res;
    try {
      state_.handler(req, res);
    } catch (...) {
      res = Response{};
      res.status = 500;
      res.set_content(error_json(ErrorCode::internal, "the request failed inside the server"),
                      "application/json");
    }
    if (res.provider && head_) {  // HEAD of a stream: its header, no stream
      res.provider = nullptr;
      if (res.releaser) res.releaser(false);
      write_whole(res);
    } else if (res.provider) {
      stream(res);
    } else {
      write_whole(res);
    }
    if (state_.observer) state_.observer(req, res.status, seconds_since(received));
  }

  http::response<http::string_body> head_of(const Response& res) {
    http::response<http::string_body> out{static_cast<http::status>(res.status), version_};
    out.set(http::field::server, "recur");
    for (const auto& [name, value] : res.headers) out.insert(name, value);
    out.keep_alive(keep_alive_ && !state_.stopping);
    return out;
  }

  // On a handler thread: hands the response to the connection's strand.
  void write_whole(Response& res) {
    auto out = std::make_shared<http::response<http::string_body>>(head_of(res));
    out->body() = std::move(res.body);
    out->prepare_payload();
    if (head_) out->body().clear();  // HEAD: the length of what GET would send, and no body
    net::post(strand(), [self = this->shared_from_this(), out] { self->send(out); });
  }

  void send(std::shared_ptr<http::response<http::string_body>> out) {
    if (closed_) return;
    tcp_layer().expires_after(state_.options.write_timeout);
    http::async_write(stream_, *out,
                      [self = this->shared_from_this(), out](beast::error_code ec, std::size_t) {
                        self->tcp_layer().expires_never();
                        if (ec || !out->keep_alive()) return self->close_now();
                        self->wait_for_request(self->state_.options.keep_alive);
                      });
  }

  // An answer the routes never see: the error JSON, then the connection closed.
  void refuse(int status, ErrorCode code, const std::string& message) {
    auto out =
        std::make_shared<http::response<http::string_body>>(static_cast<http::status>(status), 11);
    out->set(http::field::server, "recur");
    out->set(http::field::content_type, "application/json");
    out->body() = error_json(code, message);
    out->keep_alive(false);
    out->prepare_payload();
    send(out);
  }

  // Runs `start` on the strand (it begins an asynchronous write and calls its argument when that
  // completes) and waits for the outcome. The write's deadline bounds the wait.
  template <class Start>
  bool on_strand(Start start) {
    auto done = std::make_shared<std::promise<bool>>();
    auto outcome = done->get_future();
    net::post(strand(), [self = this->shared_from_this(), start, done]() mutable {
      if (self->closed_) return done->set_value(false);
      self->tcp_layer().expires_after(self->state_.options.write_timeout);
      start([self, done](beast::error_code ec, std::size_t) {
        self->tcp_layer().expires_never();
        if (ec) self->close_now();
        done->set_value(!ec);
      });
    });
    return outcome.get();
  }

  class ChunkSink final : public DataSink {
   public:
    explicit ChunkSink(Session& session) : session_(session) {}
    bool write(const char* data, std::size_t size) override {
      if (failed_ || ended_) return false;
      if (size == 0) return true;
      auto chunk = std::make_shared<std::string>(data, size);
      failed_ = !session_.on_strand([s = &session_, chunk](auto completion) {
        net::async_write(
            s->stream_, http::make_chunk(net::buffer(*chunk)),
            [chunk, completion](beast::error_code ec, std::size_t n) { completion(ec, n); });
      });
      written += size;
      return !failed_;
    }
    bool is_writable() const override { return !failed_ && !ended_ && !session_.closed_; }
    void done() override { ended_ = true; }

    std::size_t written = 0;
    bool failed_ = false;
    bool ended_ = false;

   private:
    Session& session_;
  };

  // On a handler thread: the header, then the provider's chunks as it writes them, until it is
  // done or fails, then the last chunk.
  void stream(Response& res) {
    auto header = std::make_shared<http::response<http::empty_body>>();
    {
      auto head = head_of(res);
      header->result(head.result());
      header->version(head.version());
      for (const auto& field : head) header->insert(field.name_string(), field.value());
      header->keep_alive(head.keep_alive());
      header->chunked(true);
    }
    auto serializer = std::make_shared<http::response_serializer<http::empty_body>>(*header);
    ChunkSink sink(*this);
    bool ok = on_strand([s = this, header, serializer](auto completion) {
      http::async_write_header(s->stream_, *serializer,
                               [header, serializer, completion](
                                   beast::error_code ec, std::size_t n) { completion(ec, n); });
    });
    while (ok && !sink.ended_ && !state_.stopping)
      ok = res.provider(sink.written, sink) && !sink.failed_;
    ok = ok && sink.ended_;
    if (ok) {
      ok = on_strand([s = this](auto completion) {
        net::async_write(s->stream_, http::make_chunk_last(), completion);
      });
    }
    if (res.releaser) res.releaser(ok);
    const bool keep = ok && header->keep_alive();
    net::post(strand(), [self = this->shared_from_this(), keep] {
      if (!keep) return self->close_now();
      self->wait_for_request(self->state_.options.keep_alive);
    });
  }

  void close_now() {
    if (closed_.exchange(true)) return;
    beast::error_code ignored;
    tcp_layer().socket().shutdown(tcp::socket::shutdown_both, ignored);
    tcp_layer().socket().close(ignored);
  }

  HttpListener::State& state_;
  Stream stream_;
  std::string remote_;
  beast::flat_buffer buffer_;
  std::optional<http::request_parser<http::string_body>> parser_;
  unsigned version_ = 11;
  bool keep_alive_ = false;
  bool head_ = false;  // the request is HEAD: answered as GET without the body
  std::atomic<bool> closed_{false};
};

}  // namespace recur::server
