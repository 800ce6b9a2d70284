// serve_load: `recur serve` under load, beside the same work run in process.
//
// Starts the `recur` built here as `recur serve` on 127.0.0.1 (any free port), with a bearer token
// per client, and for --seconds lets --clients clients submit small pipeline jobs, follow their
// event streams or poll them, call a tool and read reports (bench/serve_load/load_clients.hpp); the
// service runs --parallel jobs at once. Then it runs the jobs that finished, with the same seeds,
// in this process through the jobs library with the same runtime options
// (bench/serve_load/in_process.hpp). --rounds rounds of both, back to back. Prints requests/s and
// p50/p99 latency per route, each round's wall time, agent tokens/s and CPU time of both runs, and
// their ratios. Goals: the service adds at most 10% to the wall time of the same jobs at 64
// concurrent jobs; p99 of GET /v1/jobs/{id} under 20 ms while it runs.
//
//   build/bench/serve_load [--clients 64] [--seconds 20] [--rounds 3] [--parallel CLIENTS]
//                          [--agents 2] [--digits 5] [--slots PARALLEL*AGENTS] [--poll-ms 50]
//                          [--tool-every 10] [--drain 60] [--recur build/cli/recur]
// Bounded: clients submit for --seconds; jobs still running --drain seconds later are cancelled.
#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <map>
#include <string>
#include <thread>
#include <vector>

#include "bench/serve_load/load_round.hpp"
#include "bench/serve_load/recur_process.hpp"

namespace {

using namespace recur::bench;
namespace fs = std::filesystem;

struct Options {
  std::size_t clients = 64, seconds = 20, rounds = 3, parallel = 0, agents = 2, digits = 5;
  std::size_t slots = 0, poll_ms = 50, tool_every = 10, drain = 60;
  std::string recur = RECUR_BINARY;
};

// Reads the flags; exits with status 2 on a bad one.
Options parse(int argc, char** argv) {
  Options o;
  for (int i = 1; i < argc; i += 2) {
    const std::string flag = argv[i];
    const std::string value = i + 1 < argc ? argv[i + 1] : "";
    std::size_t* number = flag == "--clients"      ? &o.clients
                          : flag == "--seconds"    ? &o.seconds
                          : flag == "--rounds"     ? &o.rounds
                          : flag == "--parallel"   ? &o.parallel
                          : flag == "--agents"     ? &o.agents
                          : flag == "--digits"     ? &o.digits
                          : flag == "--slots"      ? &o.slots
                          : flag == "--poll-ms"    ? &o.poll_ms
                          : flag == "--tool-every" ? &o.tool_every
                          : flag == "--drain"      ? &o.drain
                                                   : nullptr;
    if (flag == "--recur" && !value.empty()) {
      o.recur = value;
    } else if (number && !value.empty() &&
               value.find_first_not_of("0123456789") == std::string::npos) {
      *number = std::stoul(value);
    } else {
      std::fprintf(stderr, "serve_load: unknown flag or bad value: %s %s\n", flag.c_str(),
                   value.c_str());
      std::exit(2);
    }
  }
  if (o.clients == 0 || o.rounds == 0 || o.agents == 0 || o.tool_every == 0 || o.digits == 0 ||
      o.digits > 5) {
    std::fprintf(stderr,
                 "serve_load: --clients, --rounds, --agents and --tool-every > 0; --digits 1 to 5 "
                 "(the model's range)\n");
    std::exit(2);
  }
  if (o.parallel == 0) o.parallel = o.clients;
  if (o.slots == 0) o.slots = o.parallel * o.agents;
  return o;
}

std::string load_average() {
  std::ifstream f("/proc/loadavg");
  std::string a, b, c;
  f >> a >> b >> c;
  return a + " " + b + " " + c;
}

double median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return v.empty()      ? 0
         : v.size() % 2 ? v[v.size() / 2]
                        : (v[v.size() / 2 - 1] + v[v.size() / 2]) / 2;
}

}  // namespace

int main(int argc, char** argv) {
  const Options o = parse(argc, argv);
  char pattern[] = "/tmp/recur-serve-load-XXXXXX";
  if (!mkdtemp(pattern)) return 1;
  const fs::path work = pattern;
  RoundSpec round;
  round.recur = o.recur;
  round.source_dir = RECUR_SOURCE_DIR;
  round.tokens_file = work / "tokens.json";
  round.parallel = o.parallel;
  round.slots = o.slots;
  round.agents = o.agents;
  round.digits = o.digits;
  round.clients.duration = std::chrono::seconds(o.seconds);
  round.clients.drain = std::chrono::seconds(o.drain);
  round.clients.poll = std::chrono::milliseconds(o.poll_ms);
  round.clients.tool_every = o.tool_every;
  for (std::size_t c = 0; c < o.clients; ++c)
    round.clients.tokens.push_back(
        run_recur(o.recur, {"token", "add", "--name", "client-" + std::to_string(c), "--role",
                            "submit", "--auth", round.tokens_file.string()}));

  std::string command = argv[0];
  for (int i = 1; i < argc; ++i) command += std::string(" ") + argv[i];
  std::printf("command: %s\n", command.c_str());
  std::printf("cores: %u; load average at start: %s\n", std::thread::hardware_concurrency(),
              load_average().c_str());
  std::printf(
      "jobs: bench/serve_load/load.lua, %zu agents of models/addition-pointer (%zu-digit sums) and "
      "one expr call each; recur serve --parallel %zu --slots %zu\n",
      o.agents, o.digits, o.parallel, o.slots);
  std::printf(
      "clients: %zu for %zu s a round, each with its own token and two jobs submitted at a time: "
      "%zu follow each job's event stream, %zu poll it every %zu ms and call the expr tool every "
      "%zu polls\n",
      o.clients, o.seconds, (o.clients + 1) / 2, o.clients / 2, o.poll_ms, o.tool_every);
  std::printf(
      "wall: through the service from the first POST /v1/jobs to the last job's end as the "
      "service recorded it; in process, the same jobs (same seeds), from the first one's "
      "creation to the last one's end. CPU: "
      "recur serve + the clients (of which the clients'), in seconds; in process, this "
      "process\n\n");
  std::printf("%-6s %6s %9s %9s %7s %9s %9s %14s %9s %7s %7s %s\n", "round", "jobs", "serve s",
              "alone s", "wall x", "serve t/s", "alone t/s", "serve CPU", "alone CPU", "CPU x",
              "unfin.", "tokens");
  std::fflush(stdout);

  std::map<std::string, RouteSamples> routes;
  double seconds = 0;
  std::uint64_t events = 0;
  std::vector<double> wall_ratios, cpu_ratios;
  bool ok = true;
  for (std::size_t r = 1; r <= o.rounds; ++r) {
    round.work = work / ("round-" + std::to_string(r));
    const RoundResult res = run_round(round);
    const InProcessRun& alone = res.in_process;
    const double serve_cpu = res.server_cpu_s + res.client_cpu_s;
    wall_ratios.push_back(res.served_s / alone.seconds);
    cpu_ratios.push_back(serve_cpu / alone.cpu_s);
    const bool same = res.served_tokens == alone.tokens && alone.finished == res.finished;
    ok = ok && same && res.not_finished == 0;
    std::printf("%-6zu %6zu %9.2f %9.2f %7.3f %9.0f %9.0f %7.1f (%4.1f) %9.1f %7.3f %7zu %s\n", r,
                res.finished, res.served_s, alone.seconds, wall_ratios.back(),
                static_cast<double>(res.served_tokens) / res.served_s,
                static_cast<double>(alone.tokens) / alone.seconds, serve_cpu, res.client_cpu_s,
                alone.cpu_s, cpu_ratios.back(), res.not_finished, same ? "equal" : "DIFFERENT");
    std::fflush(stdout);
    for (auto& [route, samples] : res.served.routes) {
      RouteSamples& all = routes[route];
      all.ms.insert(all.ms.end(), samples.ms.begin(), samples.ms.end());
      all.errors += samples.errors;
    }
    seconds += res.served.seconds;
    events += res.served.events;
  }
  std::printf("\nroutes, all rounds (%.0f s of load; %llu events received on streams):\n", seconds,
              static_cast<unsigned long long>(events));
  print_routes(routes, seconds);
  const auto get = routes.find("GET /v1/jobs/{id}");
  std::printf(
      "\nservice / in process, median of %zu rounds: wall time %.3f (goal <= 1.10), CPU %.3f\n",
      o.rounds, median(wall_ratios), median(cpu_ratios));
  std::printf("GET /v1/jobs/{id} p99: %.2f ms (goal < 20 ms)\n",
              get == routes.end() ? 0.0 : quantile(get->second.ms, 0.99));
  std::printf("load average at end: %s\n", load_average().c_str());
  fs::remove_all(work);
  return ok ? 0 : 1;
}
