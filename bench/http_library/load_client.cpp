#include "bench/http_library/load_client.hpp"

#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <optional>
#include <random>
#include <string>
#include <string_view>

#include "bench/http_library/jobs_app.hpp"

namespace recur::bench {

namespace {

using Clock = std::chrono::steady_clock;

[[noreturn]] void die(const char* what) {
  std::perror(what);
  std::exit(1);
}

std::uint32_t micros(Clock::duration d) {
  return static_cast<std::uint32_t>(
      std::chrono::duration_cast<std::chrono::microseconds>(d).count());
}

// A response head at the start of the input.
struct Head {
  std::size_t size = 0;
  int status = 0;
  std::size_t content_length = 0;
  bool close = false;
};

std::optional<Head> parse_head(std::string_view in) {
  const std::size_t end = in.find("\r\n\r\n");
  if (end == std::string_view::npos) return std::nullopt;
  std::string head(in.substr(0, end + 2));
  std::transform(head.begin(), head.end(), head.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  Head h;
  h.size = end + 4;
  if (head.size() > 12) h.status = std::atoi(head.c_str() + 9);
  if (const auto p = head.find("\r\ncontent-length:"); p != std::string::npos) {
    h.content_length = std::strtoull(head.c_str() + p + 17, nullptr, 10);
  }
  h.close = head.find("\r\nconnection: close") != std::string::npos;
  return h;
}

struct Connection {
  bool stream = false;
  int fd = -1;
  bool connected = false;
  std::string out;
  std::size_t out_sent = 0;
  std::string in;
  // An API client: the request in flight, and when it (or the next one) is due.
  bool in_flight = false;
  Clock::time_point due;
  bool served = false;
  // An event stream: the chunked body's framing and the events seen.
  bool dead = false;
  bool header = false;
  Clock::time_point header_at;
  std::size_t chunk_data_left = 0;
  std::size_t chunk_crlf_left = 0;
  std::string sse;
  std::int64_t last_id = -1;
  std::uint64_t gaps = 0;
  std::uint64_t window_events = 0;
};

class Load {
 public:
  explicit Load(const LoadSpec& spec) : spec_(spec), rng_(42) {
    epoll_ = epoll_create1(EPOLL_CLOEXEC);
    if (epoll_ < 0) die("epoll_create1");
    for (std::size_t i = 0; i < 16; ++i) {
      const std::string body = submit_body(i);
      posts_.push_back(
          "POST /v1/jobs HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: "
          "application/json\r\nContent-Length: " +
          std::to_string(body.size()) + "\r\n\r\n" + body);
    }
  }

  ~Load() {
    for (Connection& c : conns_) {
      if (c.fd >= 0) close(c.fd);
    }
    close(epoll_);
  }

  LoadResult run() {
    const Clock::time_point start = Clock::now();
    window_open_ = start + std::chrono::hours(1);
    for (int i = 0; i < spec_.streams; ++i) {
      conns_.emplace_back().stream = true;
      const std::size_t id = rng_() % spec_.seeded_jobs;
      conns_.back().out =
          "GET /v1/jobs/" + job_id(id) +
          "/events HTTP/1.1\r\nHost: 127.0.0.1\r\nAccept: text/event-stream\r\n\r\n";
      open(conns_.size() - 1);
    }
    pump(start + std::chrono::seconds(5), [&] {
      return std::all_of(conns_.begin(), conns_.end(),
                         [](const Connection& c) { return c.header || c.dead; });
    });
    Clock::time_point last_header = start;
    for (const Connection& c : conns_) {
      if (!c.header) continue;
      ++result_.streams_open;
      last_header = std::max(last_header, c.header_at);
    }
    result_.streams_open_ms =
        std::chrono::duration<double, std::milli>(last_header - start).count();

    const Clock::time_point api_start = Clock::now();
    std::uniform_int_distribution<std::int64_t> phase(
        0, std::max<std::int64_t>(spec_.period.count() - 1, 0));
    for (int i = 0; i < spec_.api_clients; ++i) {
      conns_.emplace_back();
      conns_.back().due = api_start + std::chrono::microseconds(phase(rng_));
      open(conns_.size() - 1);
    }
    window_open_ = api_start + spec_.warmup;
    window_close_ = window_open_ + spec_.measure;
    pump(window_close_, [] { return false; });
    if (spec_.on_window_close) spec_.on_window_close();
    finish();
    return std::move(result_);
  }

 private:
  void open(std::size_t i) {
    Connection& c = conns_[i];
    if (c.fd >= 0) close(c.fd);
    c.fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (c.fd < 0) die("socket");
    const int one = 1;
    setsockopt(c.fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_port = htons(static_cast<std::uint16_t>(spec_.port));
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (connect(c.fd, reinterpret_cast<const sockaddr*>(&addr), sizeof addr) < 0 &&
        errno != EINPROGRESS) {
      die("connect");
    }
    epoll_event ev{};
    ev.events = EPOLLIN | EPOLLOUT | EPOLLRDHUP | EPOLLET;
    ev.data.u64 = i;
    if (epoll_ctl(epoll_, EPOLL_CTL_ADD, c.fd, &ev) < 0) die("epoll_ctl");
    c.connected = false;
    c.in.clear();
    if (!c.stream) c.out.clear();
    c.out_sent = 0;
  }

  template <class Done>
  void pump(Clock::time_point deadline, Done done) {
    epoll_event events[256];
    for (Clock::time_point now = Clock::now(); now < deadline && !done(); now = Clock::now()) {
      if (!window_opened_ && now >= window_open_) {
        window_opened_ = true;
        if (spec_.on_window_open) spec_.on_window_open();
      }
      Clock::time_point wake = std::min(deadline, window_opened_ ? deadline : window_open_);
      for (const Connection& c : conns_) {
        if (!c.stream && c.connected && !c.in_flight) wake = std::min(wake, c.due);
      }
      const auto wait = std::chrono::duration_cast<std::chrono::nanoseconds>(
          std::max(wake - now, Clock::duration::zero()));
      const timespec timeout{static_cast<time_t>(wait.count() / 1000000000),
                             static_cast<long>(wait.count() % 1000000000)};
      const int n = epoll_pwait2(epoll_, events, 256, &timeout, nullptr);
      if (n < 0 && errno != EINTR) die("epoll_pwait2");
      for (int k = 0; k < n; ++k) handle(events[k].data.u64, events[k].events);
      now = Clock::now();
      for (std::size_t i = 0; i < conns_.size(); ++i) {
        Connection& c = conns_[i];
        if (!c.stream && c.connected && !c.in_flight && c.due <= now) send_request(i);
      }
    }
  }

  void handle(std::size_t i, std::uint32_t events) {
    Connection& c = conns_[i];
    if (c.dead) return;
    if (!c.connected) {
      int error = 0;
      socklen_t len = sizeof error;
      getsockopt(c.fd, SOL_SOCKET, SO_ERROR, &error, &len);
      if (error != 0) return lost(i);
      if (!(events & EPOLLOUT)) return;
      c.connected = true;
      if (c.stream)
        flush(i);
      else if (c.in_flight)
        flush(i);
    } else if (events & EPOLLOUT) {
      flush(i);
    }
    if (events & (EPOLLIN | EPOLLRDHUP | EPOLLHUP | EPOLLERR)) receive(i);
  }

  void send_request(std::size_t i) {
    Connection& c = conns_[i];
    const bool post =
        spec_.mix == RequestMix::kPost || (spec_.mix == RequestMix::kMixed && rng_() % 5 == 0);
    if (post) {
      c.out = posts_[rng_() % posts_.size()];
    } else {
      c.out = "GET /v1/jobs/" + job_id(rng_() % spec_.seeded_jobs) +
              " HTTP/1.1\r\nHost: 127.0.0.1\r\nAccept: application/json\r\n\r\n";
    }
    c.out_sent = 0;
    c.in_flight = true;
    if (spec_.period.count() == 0) c.due = Clock::now();
    flush(i);
  }

  void flush(std::size_t i) {
    Connection& c = conns_[i];
    while (c.out_sent < c.out.size()) {
      const ssize_t n =
          ::send(c.fd, c.out.data() + c.out_sent, c.out.size() - c.out_sent, MSG_NOSIGNAL);
      if (n < 0) {
        if (errno == EAGAIN || errno == EWOULDBLOCK) return;
        return lost(i);
      }
      c.out_sent += static_cast<std::size_t>(n);
    }
  }

  void receive(std::size_t i) {
    Connection& c = conns_[i];
    char buffer[65536];
    for (;;) {
      const ssize_t n = recv(c.fd, buffer, sizeof buffer, 0);
      if (n > 0) {
        c.in.append(buffer, static_cast<std::size_t>(n));
        continue;
      }
      if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) break;
      const int fd = c.fd;
      if (c.stream)
        consume_stream(i);
      else
        consume_answers(i);
      if (c.fd == fd) lost(i);
      return;
    }
    if (c.stream)
      consume_stream(i);
    else
      consume_answers(i);
  }

  // The server closed the connection or it broke: an API client reconnects and resends the
  // request in flight; a stream is lost.
  void lost(std::size_t i) {
    Connection& c = conns_[i];
    if (c.fd < 0 || c.dead) return;
    if (c.stream) {
      c.dead = true;
      close(c.fd);
      c.fd = -1;
      return;
    }
    if (c.in_flight && in_window(Clock::now())) ++result_.errors;
    ++result_.reconnects;
    const bool resend = c.in_flight;
    const std::string request = c.out;
    open(i);
    if (resend) {
      c.out = request;
      c.out_sent = 0;
    }
  }

  bool in_window(Clock::time_point t) const { return t >= window_open_ && t < window_close_; }

  void consume_answers(std::size_t i) {
    Connection& c = conns_[i];
    while (c.in_flight) {
      const std::optional<Head> head = parse_head(c.in);
      if (!head || c.in.size() < head->size + head->content_length) return;
      c.in.erase(0, head->size + head->content_length);
      const Clock::time_point now = Clock::now();
      if (in_window(now)) {
        ++result_.requests;
        result_.latency_us.push_back(micros(now - c.due));
        if (head->status / 100 != 2) ++result_.errors;
        c.served = true;
      }
      c.in_flight = false;
      c.due = spec_.period.count() == 0 ? now : c.due + spec_.period;
      if (head->close) {
        ++result_.reconnects;
        open(i);
        return;
      }
      if (c.due <= now) send_request(i);
    }
  }

  void consume_stream(std::size_t i) {
    Connection& c = conns_[i];
    if (!c.header) {
      const std::optional<Head> head = parse_head(c.in);
      if (!head) return;
      if (head->status != 200) return lost(i);
      c.header = true;
      c.header_at = Clock::now();
      c.in.erase(0, head->size);
    }
    std::size_t pos = 0;
    while (pos < c.in.size()) {
      if (c.chunk_data_left == 0 && c.chunk_crlf_left == 0) {
        const std::size_t eol = c.in.find("\r\n", pos);
        if (eol == std::string::npos) break;
        c.chunk_data_left = std::strtoull(c.in.c_str() + pos, nullptr, 16);
        if (c.chunk_data_left == 0) return lost(i);
        c.chunk_crlf_left = 2;
        pos = eol + 2;
      } else if (c.chunk_data_left > 0) {
        const std::size_t n = std::min(c.chunk_data_left, c.in.size() - pos);
        c.sse.append(c.in, pos, n);
        pos += n;
        c.chunk_data_left -= n;
      } else {
        const std::size_t n = std::min(c.chunk_crlf_left, c.in.size() - pos);
        pos += n;
        c.chunk_crlf_left -= n;
      }
    }
    c.in.erase(0, pos);
    for (std::size_t end = c.sse.find("\n\n"); end != std::string::npos; end = c.sse.find("\n\n")) {
      const std::string_view event(c.sse.data(), end);
      on_event(c, event);
      c.sse.erase(0, end + 2);
    }
  }

  void on_event(Connection& c, std::string_view event) {
    if (!event.starts_with("id: ")) return;
    const std::int64_t id = std::strtoll(event.data() + 4, nullptr, 10);
    if (c.last_id >= 0 && id != c.last_id + 1) ++c.gaps;
    c.last_id = id;
    const Clock::time_point now = Clock::now();
    if (!in_window(now)) return;
    ++c.window_events;
    ++result_.events;
    constexpr std::string_view kPublished = "\"published_ns\":";
    const std::size_t at = event.find(kPublished);
    if (at == std::string_view::npos) return;
    const std::chrono::nanoseconds published(
        std::strtoll(event.data() + at + kPublished.size(), nullptr, 10));
    result_.event_lag_us.push_back(micros(now.time_since_epoch() - published));
  }

  void finish() {
    result_.seconds = std::chrono::duration<double>(spec_.measure).count();
    std::int64_t newest = -1;
    for (const Connection& c : conns_) newest = std::max(newest, c.last_id);
    const auto expected = static_cast<std::uint64_t>(spec_.measure / spec_.event_period);
    for (const Connection& c : conns_) {
      if (!c.stream) {
        result_.clients_served += c.served ? 1 : 0;
      } else if (c.header && !c.dead && c.header_at < window_open_ && c.gaps == 0 &&
                 c.last_id >= newest - 1 && c.window_events + 1 >= expected) {
        ++result_.streams_complete;
      }
    }
    std::sort(result_.latency_us.begin(), result_.latency_us.end());
    std::sort(result_.event_lag_us.begin(), result_.event_lag_us.end());
  }

  const LoadSpec& spec_;
  std::mt19937_64 rng_;
  int epoll_ = -1;
  std::vector<std::string> posts_;
  std::vector<Connection> conns_;
  Clock::time_point window_open_;
  Clock::time_point window_close_;
  bool window_opened_ = false;
  LoadResult result_;
};

}  // namespace

LoadResult run_load(const LoadSpec& spec) {
  return Load(spec).run();
}

double quantile_ms(const std::vector<std::uint32_t>& sorted_us, double q) {
  if (sorted_us.empty()) return 0;
  const auto at = static_cast<std::size_t>(q * static_cast<double>(sorted_us.size() - 1) + 0.5);
  return sorted_us[std::min(at, sorted_us.size() - 1)] / 1000.0;
}

}  // namespace recur::bench
