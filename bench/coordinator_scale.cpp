// coordinator_scale: how far one coordinator goes, simulated in one process. A supervisor adopts
// --nodes fake model workers of --slots slots each (actors with a worker's interface and no model,
// as cluster nodes hand theirs over), then:
//   1. holds: --nodes x --slots sessions are placed on workers that keep them, and the memory the
//      coordinator's process grew by is divided by the sessions it holds;
//   2. churns: --sessions sessions run through workers that end each one as soon as it is placed;
//      placements per second, from the first request to the last outcome.
// No model, no network: this is the supervisor's own cost (placement by free slots, its records
// of sessions, the outcomes' routing).
//
//   build/bench/coordinator_scale [--nodes 1000] [--slots 64] [--sessions 200000]
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <string>
#include <thread>
#include <vector>

#include "actors/supervisor.hpp"

namespace {

using namespace recur;
using namespace recur::actors;
using Clock = std::chrono::steady_clock;

struct Options {
  std::size_t nodes = 1000, slots = 64, sessions = 200000;
};

Options parse(int argc, char** argv) {
  Options o;
  for (int i = 1; i + 1 < argc; i += 2) {
    const std::string flag = argv[i];
    const std::size_t value = std::strtoull(argv[i + 1], nullptr, 10);
    if (value == 0) {
      std::fprintf(stderr, "coordinator_scale: %s needs a positive number\n", flag.c_str());
      std::exit(2);
    }
    if (flag == "--nodes")
      o.nodes = value;
    else if (flag == "--slots")
      o.slots = value;
    else if (flag == "--sessions")
      o.sessions = value;
    else {
      std::fprintf(stderr, "coordinator_scale: unknown flag %s\n", flag.c_str());
      std::exit(2);
    }
  }
  return o;
}

std::uint64_t resident_bytes() {
  std::ifstream statm("/proc/self/statm");
  std::uint64_t pages = 0, resident = 0;
  statm >> pages >> resident;
  return resident * static_cast<std::uint64_t>(sysconf(_SC_PAGESIZE));
}

// A fake worker: takes sessions and, with `finish`, ends each at once (finished, no tokens).
model_worker_actor spawn_fake_worker(caf::actor_system& system, supervisor_actor supervisor,
                                     bool finish, std::atomic<std::uint64_t>& placed) {
  return system.spawn([supervisor, finish, &placed](
                          model_worker_actor::pointer self) -> model_worker_actor::behavior_type {
    return {[self, supervisor, finish, &placed](start_atom, SessionOrder& order) {
              ++placed;
              if (!finish) return;
              agent::SessionOutcome outcome;
              outcome.result.id = order.spec.id;
              outcome.result.status = agent::SessionStatus::finished;
              self->send(caf::actor_cast<session_owner>(supervisor), done_atom::value,
                         std::move(outcome));
            },
            [](cancel_atom, const std::string&) {},
            [](tool_atom, const std::string&, const tool_host_actor&) {},
            [](status_atom) { return WorkerStatus{}; }, [](crash_atom) {}};
  });
}

// Asks for `n` sessions from ids `prefix`0.. and returns when every outcome came (or one failed).
void run_sessions(caf::actor_system& system, const supervisor_actor& sup, const std::string& prefix,
                  std::size_t n, std::atomic<std::uint64_t>& ended) {
  for (std::size_t i = 0; i < n; ++i) {
    SessionOrder order;
    order.spec.id = prefix + std::to_string(i);
    order.spec.prompt = "1 + 1 =";
    system.spawn([sup, order, &ended](caf::event_based_actor* self) mutable {
      self->request(sup, caf::infinite, run_atom::value, std::move(order))
          .then([&ended](const agent::SessionOutcome&) { ++ended; },
                [&ended](const caf::error&) { ++ended; });
    });
  }
}

}  // namespace

int main(int argc, char** argv) {
  const Options o = parse(argc, argv);
  RuntimeConfig config;
  caf::actor_system system(config);
  auto hold = spawn_supervisor(system, SupervisorSetup{});
  std::atomic<std::uint64_t> placed{0}, ended{0};
  for (std::size_t k = 0; k < o.nodes; ++k)
    caf::anon_send(hold, adopt_atom::value, spawn_fake_worker(system, hold, false, placed),
                   std::uint64_t{o.slots}, "node-" + std::to_string(k + 1));

  // 1. Every slot of every node taken, the sessions held.
  const std::size_t held = o.nodes * o.slots;
  const std::uint64_t before = resident_bytes();
  auto t0 = Clock::now();
  run_sessions(system, hold, "held-", held, ended);
  while (placed < held) std::this_thread::sleep_for(std::chrono::milliseconds(5));
  const double hold_s = std::chrono::duration<double>(Clock::now() - t0).count();
  const std::uint64_t after = resident_bytes();

  // 2. Sessions ended as soon as they are placed.
  auto churn = spawn_supervisor(system, SupervisorSetup{});
  std::atomic<std::uint64_t> churn_placed{0}, churn_ended{0};
  for (std::size_t k = 0; k < o.nodes; ++k)
    caf::anon_send(churn, adopt_atom::value, spawn_fake_worker(system, churn, true, churn_placed),
                   std::uint64_t{o.slots}, "node-" + std::to_string(k + 1));
  t0 = Clock::now();
  run_sessions(system, churn, "churn-", o.sessions, churn_ended);
  while (churn_ended < o.sessions) std::this_thread::sleep_for(std::chrono::milliseconds(5));
  const double churn_s = std::chrono::duration<double>(Clock::now() - t0).count();

  std::printf("fake nodes: %zu x %zu slots; cores: %u\n", o.nodes, o.slots,
              std::thread::hardware_concurrency());
  std::printf(
      "held:  %zu sessions placed in %.3f s (%.0f placements/s); the process grew by "
      "%.1f MB: %.0f bytes per held session (its client actor included)\n",
      held, hold_s, static_cast<double>(held) / hold_s, static_cast<double>(after - before) / 1e6,
      static_cast<double>(after - before) / static_cast<double>(held));
  std::printf("churn: %zu sessions placed and ended in %.3f s: %.0f sessions/s\n", o.sessions,
              churn_s, static_cast<double>(o.sessions) / churn_s);
  caf::anon_send_exit(hold, caf::exit_reason::user_shutdown);
  caf::anon_send_exit(churn, caf::exit_reason::user_shutdown);
  return 0;
}
