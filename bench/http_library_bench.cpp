// Which HTTP library recur's service should use, by measurement: cpp-httplib (Debian's build, a
// thread pool) and Boost.Beast (Asio, N threads) serve the same JSON API and Server-Sent Event
// streams (bench/http_library/), each in a child process on 127.0.0.1, to the same raw-socket load
// client. For every scenario and library it prints requests/s, latency quantiles, the server's CPU
// time per request, its threads and memory and, with held streams, whether every stream got every
// event; then Beast's ratios to cpp-httplib measured in the same run. The two libraries take turns
// running first, scenario by scenario, so drifting load on a shared machine hits both alike.
//
// Run: build/bench/http_library_bench [--seconds 3] [--warmup 1] [--beast-threads N] [--only TEXT]
//        [--first httplib|beast]
// --only runs the scenarios whose name contains TEXT; --first picks the library that runs first in
// the first scenario (alternate it between runs). For a cross-check with another client (wrk):
//      build/bench/http_library_bench --serve httplib|beast --threads N
#include <sched.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <iterator>
#include <sstream>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "bench/http_library/jobs_app.hpp"
#include "bench/http_library/load_client.hpp"
#include "bench/http_library/servers.hpp"
#include "bench/http_library/slow_clients.hpp"

namespace {

using namespace recur::bench;
using std::chrono::milliseconds;

constexpr std::size_t kSeededJobs = 1000;
constexpr auto kEventPeriod = milliseconds(100);

enum class Library { kHttplib, kBeast };

const char* name(Library library) {
  return library == Library::kHttplib ? "httplib" : "beast";
}

struct Scenario {
  const char* name;
  int clients;
  RequestMix mix;
  std::chrono::microseconds period;
  int streams;
  // cpp-httplib's pool: 0 sizes it to clients + streams + 8, one thread per connection.
  std::size_t httplib_threads = 0;
  bool httplib_defaults = false;
  bool beast_too = true;  // false: a cpp-httplib configuration only
};

// The server's counters from /proc: CPU seconds, threads, resident memory.
struct ProcessSample {
  double cpu_s = 0;
  int threads = 0;
  double rss_mib = 0;
};

ProcessSample sample(pid_t pid) {
  ProcessSample s;
  std::ifstream stat("/proc/" + std::to_string(pid) + "/stat");
  std::string line;
  std::getline(stat, line);
  std::istringstream fields(line.substr(line.rfind(')') + 2));
  std::vector<std::string> f{std::istream_iterator<std::string>(fields), {}};
  if (f.size() > 17) {
    // After the command: state is field 3, utime 14, stime 15, num_threads 20.
    s.cpu_s = static_cast<double>(std::stoull(f[11]) + std::stoull(f[12])) /
              static_cast<double>(sysconf(_SC_CLK_TCK));
    s.threads = std::stoi(f[17]);
  }
  std::ifstream status("/proc/" + std::to_string(pid) + "/status");
  while (std::getline(status, line)) {
    if (line.starts_with("VmRSS:")) s.rss_mib = std::stod(line.substr(6)) / 1024.0;
  }
  return s;
}

struct ServerProcess {
  pid_t pid = -1;
  int port = 0;
};

// Serves `library`'s API and event streams until the process ends.
void serve(Library library, const ServerConfig& config, const OnListening& on_listening) {
  JobTable jobs(kSeededJobs);
  EventHub hub;
  start_event_ticker(hub, kEventPeriod);
  if (library == Library::kHttplib)
    serve_with_httplib(config, jobs, hub, on_listening);
  else
    serve_with_beast(config, jobs, hub, on_listening);
}

// Forks a server; the child serves until the parent kills it (or dies).
ServerProcess spawn(Library library, const ServerConfig& config) {
  int pipe_fds[2];
  if (pipe(pipe_fds) != 0) std::exit(1);
  std::fflush(stdout);
  const pid_t pid = fork();
  if (pid < 0) std::exit(1);
  if (pid == 0) {
    prctl(PR_SET_PDEATHSIG, SIGKILL);
    close(pipe_fds[0]);
    serve(library, config, [fd = pipe_fds[1]](int port) {
      if (write(fd, &port, sizeof port) != sizeof port) _exit(1);
      close(fd);
    });
    _exit(0);
  }
  close(pipe_fds[1]);
  ServerProcess server{pid, 0};
  if (read(pipe_fds[0], &server.port, sizeof server.port) != sizeof server.port) {
    std::fprintf(stderr, "the %s server did not start\n", name(library));
    std::exit(1);
  }
  close(pipe_fds[0]);
  return server;
}

struct Measurement {
  LoadResult load;
  double server_cpu_s = 0;
  ProcessSample server;
  std::size_t threads_configured = 0;
};

Measurement measure(Library library, const Scenario& scenario, const LoadSpec& base,
                    std::size_t beast_threads) {
  ServerConfig config;
  if (library == Library::kBeast) {
    config.threads = beast_threads;
  } else {
    config.threads = scenario.httplib_threads != 0
                         ? scenario.httplib_threads
                         : static_cast<std::size_t>(scenario.clients + scenario.streams + 8);
    config.library_defaults = scenario.httplib_defaults;
  }
  const std::size_t threads_configured = config.library_defaults
                                             ? std::max(8u, std::thread::hardware_concurrency() - 1)
                                             : config.threads;
  const ServerProcess server = spawn(library, config);
  Measurement m;
  m.threads_configured = threads_configured;
  ProcessSample open;
  LoadSpec spec = base;
  spec.port = server.port;
  spec.api_clients = scenario.clients;
  spec.mix = scenario.mix;
  spec.period = scenario.period;
  spec.streams = scenario.streams;
  spec.on_window_open = [&] { open = sample(server.pid); };
  spec.on_window_close = [&] { m.server = sample(server.pid); };
  m.load = run_load(spec);
  m.server_cpu_s = m.server.cpu_s - open.cpu_s;
  kill(server.pid, SIGKILL);
  waitpid(server.pid, nullptr, 0);
  return m;
}

double ratio(double a, double b) {
  return b > 0 ? a / b : 0;
}

void print_row(const char* scenario, Library library, const Measurement& m, int clients,
               int streams) {
  const LoadResult& r = m.load;
  const double rps = static_cast<double>(r.requests) / r.seconds;
  const double cpu_us = r.requests ? m.server_cpu_s * 1e6 / static_cast<double>(r.requests) : 0;
  char streams_cell[32] = "-";
  char lag_cell[32] = "-";
  char open_cell[32] = "-";
  if (streams > 0) {
    std::snprintf(streams_cell, sizeof streams_cell, "%d/%d", r.streams_complete, streams);
    std::snprintf(lag_cell, sizeof lag_cell, "%.2f", quantile_ms(r.event_lag_us, 0.99));
    std::snprintf(open_cell, sizeof open_cell, "%.0f", r.streams_open_ms);
  }
  std::printf(
      "%-44s %-8s %9.0f %7.2f %7.2f %8.2f %5d/%-3d %7llu/%-7llu %7.1f %4d/%-4zu %6.1f %9s %7s "
      "%7s\n",
      scenario, name(library), rps, quantile_ms(r.latency_us, 0.5), quantile_ms(r.latency_us, 0.99),
      quantile_ms(r.latency_us, 0.999), r.clients_served, clients,
      static_cast<unsigned long long>(r.errors), static_cast<unsigned long long>(r.reconnects),
      cpu_us, m.server.threads, m.threads_configured, m.server.rss_mib, streams_cell, open_cell,
      lag_cell);
}

void print_ratio(const Measurement& beast, const Measurement& httplib) {
  const LoadResult& b = beast.load;
  const LoadResult& h = httplib.load;
  const auto cpu_per_request = [](const Measurement& m) {
    return m.load.requests ? m.server_cpu_s / static_cast<double>(m.load.requests) : 0;
  };
  std::printf("%-44s %-8s %8.2fx %6.2fx %6.2fx %7.2fx %9s %15s %6.2fx %9s %5.2fx\n", "", "b/h",
              ratio(static_cast<double>(b.requests), static_cast<double>(h.requests)),
              ratio(quantile_ms(b.latency_us, 0.5), quantile_ms(h.latency_us, 0.5)),
              ratio(quantile_ms(b.latency_us, 0.99), quantile_ms(h.latency_us, 0.99)),
              ratio(quantile_ms(b.latency_us, 0.999), quantile_ms(h.latency_us, 0.999)), "", "",
              ratio(cpu_per_request(beast), cpu_per_request(httplib)), "",
              ratio(beast.server.rss_mib, httplib.server.rss_mib));
}

// The cores this process may run on (taskset and cgroups included).
unsigned usable_cores() {
  cpu_set_t set;
  if (sched_getaffinity(0, sizeof set, &set) != 0) return std::thread::hardware_concurrency();
  return static_cast<unsigned>(CPU_COUNT(&set));
}

std::string load_average() {
  std::ifstream f("/proc/loadavg");
  std::string a, b, c;
  f >> a >> b >> c;
  return a + " " + b + " " + c;
}

}  // namespace

int main(int argc, char** argv) {
  LoadSpec base;
  base.seeded_jobs = kSeededJobs;
  base.event_period = kEventPeriod;
  std::size_t beast_threads = std::max(1u, usable_cores());
  std::string only;
  bool beast_first = false;
  std::string serve_only;
  std::size_t serve_threads = 0;
  for (int i = 1; i + 1 < argc; i += 2) {
    const std::string flag = argv[i];
    const std::string value = argv[i + 1];
    if (flag == "--seconds") {
      base.measure = milliseconds(static_cast<long>(std::stod(value) * 1000));
    } else if (flag == "--warmup") {
      base.warmup = milliseconds(static_cast<long>(std::stod(value) * 1000));
    } else if (flag == "--beast-threads") {
      beast_threads = std::stoul(value);
    } else if (flag == "--only") {
      only = value;
    } else if (flag == "--first" && (value == "httplib" || value == "beast")) {
      beast_first = value == "beast";
    } else if (flag == "--serve" && (value == "httplib" || value == "beast")) {
      serve_only = value;
    } else if (flag == "--threads") {
      serve_threads = std::stoul(value);
    } else {
      std::fprintf(stderr,
                   "usage: %s [--seconds 3] [--warmup 1] [--beast-threads N] [--only TEXT]\n"
                   "          [--first httplib|beast]\n"
                   "       %s --serve httplib|beast --threads N   (serve in the foreground)\n",
                   argv[0], argv[0]);
      return 2;
    }
  }
  if (!serve_only.empty()) {
    ServerConfig config;
    config.threads = serve_threads != 0 ? serve_threads : beast_threads;
    const Library library = serve_only == "beast" ? Library::kBeast : Library::kHttplib;
    serve(library, config, [&](int port) {
      std::printf("%s serving on http://127.0.0.1:%d with %zu threads\n", name(library), port,
                  config.threads);
      std::fflush(stdout);
    });
    return 0;
  }
  // Every held stream and keep-alive connection is a descriptor on each side.
  rlimit files{};
  getrlimit(RLIMIT_NOFILE, &files);
  files.rlim_cur = files.rlim_max;
  setrlimit(RLIMIT_NOFILE, &files);

  const auto us = [](int ms) { return std::chrono::microseconds(ms * 1000); };
  const RequestMix get = RequestMix::kGet;
  const std::vector<Scenario> scenarios = {
      {"GET, 1 client", 1, get, us(0), 0},
      {"GET, 16 clients", 16, get, us(0), 0},
      {"GET, 64 clients", 64, get, us(0), 0},
      {"POST 1 KB, 64 clients", 64, RequestMix::kPost, us(0), 0},
      {"GET, 64 clients + 64 streams", 64, get, us(0), 64},
      {"GET, 64 clients + 256 streams", 64, get, us(0), 256},
      {"API mix, 64 clients x 50/s", 64, RequestMix::kMixed, us(20), 0},
      {"API mix, 64 clients x 50/s + 256 streams", 64, RequestMix::kMixed, us(20), 256},
      {"httplib defaults: GET, 64 clients", 64, get, us(0), 0, 0, true, false},
      {"httplib pool 72: GET, 64 cl. + 64 streams", 64, get, us(0), 64, 72, false, false},
  };

  std::string command = argv[0];
  for (int i = 1; i < argc; ++i) command += std::string(" ") + argv[i];
  std::printf("command: %s\n", command.c_str());
  std::printf("cores: %u, load average at start: %s\n", usable_cores(), load_average().c_str());
  std::printf(
      "bodies: GET answer %zu B, POST request %zu B, event %s; window %.1f s after %.1f s warm-up;"
      " beast threads %zu\n",
      JobTable(1).get(job_id(0)).body.size(), submit_body(0).size(), "~150 B every 100 ms",
      std::chrono::duration<double>(base.measure).count(),
      std::chrono::duration<double>(base.warmup).count(), beast_threads);
  std::printf(
      "closed loop: each client sends its next request when the answer arrives; API mix: each "
      "client sends one request every 20 ms, one in five a POST, latency counted from when it was "
      "due;\ncpu us: the server process's CPU time per request; threads: the server's, "
      "running/configured; streams ok: streams that got every event of the window, in order; "
      "open ms: until every stream's header arrived; lag: event publish to receipt\n\n");
  std::printf("%-44s %-8s %9s %7s %7s %8s %9s %15s %7s %9s %6s %9s %7s %7s\n", "scenario",
              "library", "req/s", "p50 ms", "p99 ms", "p999 ms", "served", "err/reconnect",
              "cpu us", "threads", "RSS MB", "streams ok", "open ms", "lag p99");
  for (std::size_t i = 0; i < scenarios.size(); ++i) {
    const Scenario& s = scenarios[i];
    if (std::string_view(s.name).find(only) == std::string_view::npos) continue;
    const bool httplib_first = (i % 2 == 0) != beast_first;
    Measurement h, b;
    if (!s.beast_too) {
      h = measure(Library::kHttplib, s, base, beast_threads);
    } else if (httplib_first) {
      h = measure(Library::kHttplib, s, base, beast_threads);
      b = measure(Library::kBeast, s, base, beast_threads);
    } else {
      b = measure(Library::kBeast, s, base, beast_threads);
      h = measure(Library::kHttplib, s, base, beast_threads);
    }
    print_row(s.name, Library::kHttplib, h, s.clients, s.streams);
    if (s.beast_too) {
      print_row("", Library::kBeast, b, s.clients, s.streams);
      print_ratio(b, h);
    }
    std::fflush(stdout);
  }
  constexpr int kSlow = 16;
  constexpr auto kHold = std::chrono::seconds(10);
  if (std::string_view("slow clients").find(only) != std::string_view::npos) {
    std::printf(
        "\nslow clients: %d connections send a request head at 1 byte/s for %lld s; one ordinary "
        "GET is sent 0.5 s after them\n",
        kSlow, static_cast<long long>(kHold.count()));
    for (const Library library : {Library::kHttplib, Library::kBeast}) {
      ServerConfig config;
      config.threads = library == Library::kHttplib ? kSlow : beast_threads;
      const ServerProcess server = spawn(library, config);
      const SlowClientsResult r = run_slow_clients(server.port, kSlow, kHold);
      kill(server.pid, SIGKILL);
      waitpid(server.pid, nullptr, 0);
      std::printf(
          "  %-8s (%2zu threads): ordinary GET %s after %5.2f s; slow connections held "
          "at the end: %d/%d\n",
          name(library), config.threads, r.answered ? "answered" : "still waiting", r.answer_s,
          r.slow_held, kSlow);
    }
  }
  std::printf("\nload average at end: %s\n", load_average().c_str());
  return 0;
}
