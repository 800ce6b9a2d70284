#include "bench/http_library/slow_clients.hpp"

#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <string_view>
#include <vector>

namespace recur::bench {

namespace {

using Clock = std::chrono::steady_clock;

int connect_to(int port) {
  const int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(static_cast<std::uint16_t>(port));
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (fd < 0 || connect(fd, reinterpret_cast<const sockaddr*>(&addr), sizeof addr) != 0) {
    std::perror("connect");
    std::exit(1);
  }
  return fd;
}

bool send_all(int fd, std::string_view bytes) {
  return send(fd, bytes.data(), bytes.size(), MSG_NOSIGNAL | MSG_DONTWAIT) ==
         static_cast<ssize_t>(bytes.size());
}

// Whether the server still holds the connection: it has neither closed it nor answered on it.
bool held(int fd) {
  char byte;
  const ssize_t n = recv(fd, &byte, 1, MSG_DONTWAIT | MSG_PEEK);
  return n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK);
}

}  // namespace

SlowClientsResult run_slow_clients(int port, int slow, std::chrono::seconds hold) {
  std::vector<int> slow_fds;
  for (int i = 0; i < slow; ++i) {
    slow_fds.push_back(connect_to(port));
    send_all(slow_fds.back(), "GET /v1/jobs/job-000001 HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: ");
  }
  const Clock::time_point start = Clock::now();
  Clock::time_point next_byte = start + std::chrono::seconds(1);
  poll(nullptr, 0, 500);  // the slow connections reach the server first

  const int ordinary = connect_to(port);
  send_all(ordinary,
           "GET /v1/jobs/job-000002 HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n");
  const Clock::time_point sent = Clock::now();
  SlowClientsResult result;
  for (Clock::time_point now = sent; now < start + hold; now = Clock::now()) {
    if (now >= next_byte) {
      for (const int fd : slow_fds) send_all(fd, "a");
      next_byte += std::chrono::seconds(1);
    }
    pollfd p{ordinary, POLLIN, 0};
    const auto wait = std::chrono::duration_cast<std::chrono::milliseconds>(next_byte - now);
    if (!result.answered && poll(&p, 1, static_cast<int>(std::max<long>(wait.count(), 0))) > 0) {
      result.answered = true;
      result.answer_s = std::chrono::duration<double>(Clock::now() - sent).count();
    } else if (result.answered) {
      poll(nullptr, 0, static_cast<int>(std::max<long>(wait.count(), 0)));
    }
  }
  if (!result.answered)
    result.answer_s = std::chrono::duration<double>(Clock::now() - sent).count();
  for (const int fd : slow_fds) {
    result.slow_held += held(fd) ? 1 : 0;
    close(fd);
  }
  close(ordinary);
  return result;
}

}  // namespace recur::bench
