// Hostile and broken HTTP at every route: random and truncated requests, garbage headers and
// bodies, raw bytes, slow clients. The server answers each with an error or closes the
// connection, stays up, and keeps every job.
#include <arpa/inet.h>
#include <errno.h>
#include <gtest/gtest.h>
#include <httplib.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <random>
#include <thread>

#include "server/api_client.hpp"
#include "server/http_server.hpp"
#include "support/temp_dir.hpp"

namespace recur::server {
namespace {

// A connection to 127.0.0.1:`port`; -1 when it cannot be made. Reads wait at most `wait`.
int connect_to(int port, std::chrono::milliseconds wait) {
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(static_cast<std::uint16_t>(port));
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
    ::close(fd);
    return -1;
  }
  timeval tv{static_cast<time_t>(wait.count() / 1000),
             static_cast<suseconds_t>((wait.count() % 1000) * 1000)};
  ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  return fd;
}

bool send_all(int fd, const std::string& bytes) {
  std::size_t sent = 0;
  while (sent < bytes.size()) {
    const ssize_t n = ::send(fd, bytes.data() + sent, bytes.size() - sent, MSG_NOSIGNAL);
    if (n <= 0) return false;
    sent += static_cast<std::size_t>(n);
  }
  return true;
}

// What the server sends until it closes the connection (or `fd`'s read wait passes), at most 1 MiB;
// `closed` tells which.
std::string read_until_closed(int fd, bool* closed = nullptr) {
  std::string out;
  char buf[4096];
  for (;;) {
    const ssize_t n = ::recv(fd, buf, sizeof buf, 0);
    if (closed) *closed = n == 0 || (n < 0 && errno == ECONNRESET);
    if (n <= 0) break;
    out.append(buf, static_cast<std::size_t>(n));
    if (out.size() > (1u << 20)) break;
  }
  return out;
}

// Sends `bytes` on a fresh connection and returns what comes back until the server closes it.
std::string exchange(int port, const std::string& bytes,
                     std::chrono::milliseconds wait = std::chrono::seconds(20)) {
  const int fd = connect_to(port, wait);
  if (fd < 0) return "";
  std::string out = send_all(fd, bytes) ? read_until_closed(fd) : "";
  ::close(fd);
  return out;
}

int status_of(const std::string& answer) {
  return answer.rfind("HTTP/1.1 ", 0) == 0 ? std::stoi(answer.substr(9, 3)) : 0;
}

class HttpFuzz : public ::testing::Test {
 protected:
  void SetUp() override { start(options()); }

  static HttpOptions options() {
    HttpOptions http;
    http.read_timeout = std::chrono::milliseconds(500);
    http.keep_alive = std::chrono::milliseconds(500);
    http.max_body_bytes = 64 * 1024;
    http.requests_per_second = 1e6;
    http.request_burst = 1e6;
    http.threads = 8;
    return http;
  }

  void start(const HttpOptions& http) {
    server_.reset();
    service_.reset();
    ServiceOptions options;
    options.store_dir = dir_ / "store";
    options.pipelines_dir = dir_ / "pipelines";
    std::filesystem::create_directories(options.pipelines_dir);
    if (!std::filesystem::exists(dir_ / "pipelines/one.lua"))
      dir_.write("pipelines/one.lua", "report.row{x = 1}");
    auto service = Service::open(options);
    ASSERT_TRUE(service.ok()) << service.error().message;
    service_ = std::move(*service);
    auto server = HttpServer::start(*service_, http);
    ASSERT_TRUE(server.ok()) << server.error().message;
    server_ = std::move(*server);
  }
  void TearDown() override {
    server_.reset();
    service_.reset();
  }
  httplib::Client client() {
    httplib::Client c("127.0.0.1", server_->port());
    c.set_read_timeout(std::chrono::seconds(10));
    return c;
  }

  recur::testing::TempDir dir_;
  std::unique_ptr<Service> service_;
  std::unique_ptr<HttpServer> server_;
};

std::string random_text(std::mt19937& rng, std::size_t max) {
  static const std::string pieces[] = {
      "job-000001", "..",      "%2e%2e",      "/",       "%00",    "\xff\xfe", "{",
      "}",          "\"",      "[",           "]",       ":",      ",",        "null",
      "true",       "-1",      "1e999",       "\\u0000", "source", "pipeline", "params",
      "seed",       "budgets", "max_wall_ms", "\r\n",    " ",      "?"};
  std::string s;
  const std::size_t n = std::uniform_int_distribution<std::size_t>(0, max)(rng);
  for (std::size_t i = 0; i < n; ++i) {
    if (rng() % 3 == 0)
      s.push_back(static_cast<char>(rng() % 256));
    else
      s += pieces[rng() % std::size(pieces)];
  }
  return s;
}

TEST_F(HttpFuzz, RandomAndTruncatedRequestsLeaveTheServerUpAndItsJobsWhole) {
  auto c = client();
  auto first = c.Post("/v1/jobs", R"({"pipeline": "one", "seed": 1})", "application/json");
  ASSERT_TRUE(first);
  ASSERT_EQ(first->status, 201);
  const std::string paths[] = {"/v1/jobs",
                               "/v1/jobs/job-000001",
                               "/v1/jobs/job-000001/cancel",
                               "/v1/jobs/job-000001/report",
                               "/v1/jobs/job-000001/report.csv",
                               "/v1/jobs/job-000001/plots/x.svg",
                               "/v1/jobs/job-000001/events",
                               "/v1/sessions",
                               "/v1/sessions/s-1/events",
                               "/v1/completions",
                               "/v1/models",
                               "/v1/tools",
                               "/v1/tools/expr/call",
                               "/mcp",
                               "/healthz",
                               "/readyz"};
  const std::string methods[] = {"GET", "POST", "DELETE", "PUT", "HEAD", "OPTIONS", "BREW"};
  // Eight clients at once, each with its own sequence. A request that is whole and says what it
  // holds is answered; any other is answered or dropped; nothing is a 5xx but 503.
  std::atomic<int> whole{0}, answered_whole{0};
  std::vector<std::thread> clients;
  for (int t = 0; t < 8; ++t)
    clients.emplace_back([&, t] {
      std::mt19937 rng(20261208 + t);
      for (int i = 0; i < 100; ++i) {
        std::string path = paths[rng() % std::size(paths)];
        if (rng() % 4 == 0) path += random_text(rng, 6);
        const std::string method = methods[rng() % std::size(methods)];
        std::string body = rng() % 2 ? random_text(rng, 40)
                                     : R"({"source": "report.row{x = 2}", "params": {"a": 1}})";
        std::string request = method + " " + path + " HTTP/1.1\r\nHost: 127.0.0.1\r\n";
        if (rng() % 3 == 0) request += "Last-Event-ID: " + random_text(rng, 4) + "\r\n";
        if (rng() % 3 == 0) request += "Authorization: " + random_text(rng, 4) + "\r\n";
        const bool lie = rng() % 5 == 0;  // a Content-Length longer than the body
        request += "Connection: close\r\nContent-Type: application/json\r\nContent-Length: " +
                   std::to_string(lie ? body.size() + 7 : body.size()) + "\r\n\r\n" + body;
        const bool cut = rng() % 4 == 0;
        if (cut) request.resize(rng() % (request.size() + 1));
        const bool valid_line =
            path.find_first_of(" \r\n") == std::string::npos &&
            std::all_of(path.begin(), path.end(), [](char c) { return c > 32 && c < 127; });
        const std::string answer = exchange(server_->port(), request);
        const int status = status_of(answer);
        if (status != 0) {
          EXPECT_TRUE(status < 500 || status == 503) << request << "\n--\n" << answer;
        }
        if (!cut && !lie && valid_line) {
          ++whole;
          if (status != 0) {
            ++answered_whole;
          } else {
            ADD_FAILURE() << "no answer to a whole request:\n" << request;
          }
        }
      }
    });
  for (auto& c : clients) c.join();
  EXPECT_GT(whole.load(), 250);
  EXPECT_EQ(answered_whole.load(), whole.load());
  // Raw bytes that are not HTTP at all.
  std::mt19937 rng(7);
  for (int i = 0; i < 40; ++i) {
    const std::string answer = exchange(server_->port(), random_text(rng, 200));
    const int status = status_of(answer);
    EXPECT_TRUE(status == 0 || status == 400) << answer;
  }
  // Still up, the first job still there and ended, a new job still runs.
  auto health = c.Get("/healthz");
  ASSERT_TRUE(health);
  EXPECT_EQ(health->status, 200);
  auto jobs = service_->jobs(std::nullopt, 1000, "");
  ASSERT_TRUE(jobs.ok());
  ASSERT_FALSE(jobs->jobs.empty());
  EXPECT_EQ(jobs->jobs.front().id, "job-000001");
  auto last = c.Post("/v1/jobs", R"({"pipeline": "one"})", "application/json");
  ASSERT_TRUE(last);
  ASSERT_EQ(last->status, 201);
  auto api = ApiClient::connect("http://127.0.0.1:" + std::to_string(server_->port()), "");
  ASSERT_TRUE(api.ok());
  const std::string id = Json::parse(last->body)["id"];
  std::string status;
  ASSERT_TRUE(api->follow_events(id, 0,
                                 [&](const jobs::JobEvent& e) {
                                   if (e.type == "end") status = e.data.value("status", "");
                                   return true;
                                 })
                  .ok());
  EXPECT_EQ(status, "finished");
}

TEST_F(HttpFuzz, SlowAndIdleClientsAreDroppedAndOthersAreServed) {
  // Five times as many stalled connections as the server has handler threads, each holding half a
  // request line, and one client that trickles a request a byte at a time: none holds a thread,
  // so a normal request is answered while they hang on.
  std::vector<int> stalled;
  for (int i = 0; i < 40; ++i) {
    const int fd = connect_to(server_->port(), std::chrono::seconds(20));
    ASSERT_GE(fd, 0);
    ASSERT_TRUE(send_all(fd, "GET /v1/jobs HTTP/1.1\r\nHo"));
    stalled.push_back(fd);
  }
  const std::string request =
      "GET /v1/jobs HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Padding: " + std::string(60, 'x') + "\r\n\r\n";
  std::size_t trickled = 0;
  std::thread trickle([&] {
    const int fd = connect_to(server_->port(), std::chrono::seconds(20));
    for (; trickled < request.size(); ++trickled) {
      if (!send_all(fd, request.substr(trickled, 1))) break;
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    ::close(fd);
  });
  auto c = client();
  auto r = c.Get("/healthz");
  ASSERT_TRUE(r) << "stalled clients kept the server from answering";
  EXPECT_EQ(r->status, 200);
  // The server gives a request its read timeout from its first byte, however it trickles: the
  // stalled connections are closed without an answer, and the trickling one before it is whole.
  for (int fd : stalled) {
    EXPECT_EQ(read_until_closed(fd), "");
    ::close(fd);
  }
  trickle.join();
  EXPECT_LT(trickled, request.size()) << "a client that trickled its request was served";
}

TEST_F(HttpFuzz, AnIdleKeptAliveConnectionIsClosed) {
  const int fd = connect_to(server_->port(), std::chrono::seconds(20));
  ASSERT_GE(fd, 0);
  ASSERT_TRUE(send_all(fd, "GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n"));
  // The answer, then nothing more: the server closes the connection once it has been idle.
  bool closed = false;
  const std::string answer = read_until_closed(fd, &closed);
  ::close(fd);
  EXPECT_EQ(status_of(answer), 200) << answer;
  EXPECT_EQ(answer.find("Connection: close"), std::string::npos) << answer;
  EXPECT_TRUE(closed) << "the idle connection was still open after the read wait";
}

TEST_F(HttpFuzz, OversizedHeadersAndBodiesAreRefusedWithTheirStatus) {
  const std::string headers =
      "GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Big: " + std::string(64 * 1024, 'h') +
      "\r\n\r\n";
  std::string answer = exchange(server_->port(), headers);
  EXPECT_EQ(status_of(answer), 431) << answer.substr(0, 300);
  EXPECT_NE(answer.find("headers are longer"), std::string::npos);
  const std::string body(65 * 1024, ' ');
  answer = exchange(server_->port(),
                    "POST /v1/jobs HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                    "Content-Type: application/json\r\nContent-Length: " +
                        std::to_string(body.size()) + "\r\n\r\n" + body);
  EXPECT_EQ(status_of(answer), 413) << answer.substr(0, 300);
  EXPECT_NE(answer.find("\"invalid_argument\""), std::string::npos) << answer.substr(0, 300);
}

TEST_F(HttpFuzz, ConnectionsPastTheLimitAreTurnedAwayWith503) {
  HttpOptions http = options();
  http.max_connections = 4;
  http.read_timeout = std::chrono::seconds(30);
  http.keep_alive = std::chrono::seconds(30);
  start(http);
  std::vector<int> held;
  for (int i = 0; i < 4; ++i) {
    const int fd = connect_to(server_->port(), std::chrono::seconds(20));
    ASSERT_GE(fd, 0);
    ASSERT_TRUE(send_all(fd, "GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n"));
    char buf[512];
    ASSERT_GT(::recv(fd, buf, sizeof buf, 0), 0);  // answered, and kept alive
    held.push_back(fd);
  }
  const std::string answer =
      exchange(server_->port(), "GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n");
  EXPECT_EQ(status_of(answer), 503) << answer;
  EXPECT_NE(answer.find("too many open connections"), std::string::npos) << answer;
  for (int fd : held) ::close(fd);
}

TEST_F(HttpFuzz, AWrongMethodIs405WithTheMethodsAllowed) {
  auto c = client();
  auto r = c.Delete("/v1/jobs");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 405);
  const std::string allow = r->get_header_value("Allow");
  EXPECT_NE(allow.find("GET"), std::string::npos) << allow;
  EXPECT_NE(allow.find("POST"), std::string::npos) << allow;
  EXPECT_EQ(allow.find("DELETE"), std::string::npos) << allow;
  EXPECT_EQ(Json::parse(r->body)["error"]["code"], "invalid_argument") << r->body;
}

TEST_F(HttpFuzz, HeadIsAnsweredAsGetWithoutTheBodyOnAConnectionThatGoesOn) {
  const int fd = connect_to(server_->port(), std::chrono::seconds(20));
  ASSERT_GE(fd, 0);
  // HEAD, then GET on the same connection: the first answer has the GET's length and no body, so
  // the second starts right after its header.
  ASSERT_TRUE(send_all(fd,
                       "HEAD /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n"
                       "GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n"));
  const std::string answers = read_until_closed(fd);
  ::close(fd);
  const std::size_t split = answers.find("\r\n\r\n");
  ASSERT_NE(split, std::string::npos) << answers;
  const std::string head = answers.substr(0, split + 4);
  const std::string rest = answers.substr(split + 4);
  EXPECT_EQ(status_of(head), 200) << head;
  EXPECT_NE(head.find("Content-Length: 15"), std::string::npos) << head;
  EXPECT_EQ(status_of(rest), 200) << "the GET's answer did not follow the HEAD's header:\n" << rest;
  EXPECT_TRUE(rest.ends_with("\r\n\r\n{\"status\":\"ok\"}")) << rest;
  // HEAD of an event stream: its header, and the stream is not held open.
  const std::string stream =
      exchange(server_->port(),
               "HEAD /v1/jobs/job-000001/events HTTP/1.1\r\nHost: 127.0.0.1\r\n"
               "Connection: close\r\n\r\n");
  EXPECT_TRUE(status_of(stream) == 200 || status_of(stream) == 404) << stream;
  EXPECT_TRUE(stream.ends_with("\r\n\r\n")) << stream;
}

}  // namespace
}  // namespace recur::server
