// `recur serve` as a process, under load: killed with SIGKILL at random points while clients
// submit, poll and stream, and started again on its store each time, every acknowledged job ends
// with the report an uninterrupted `recur run` writes, and an event id never names two different
// events. SIGTERM drains it.
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>

#include <atomic>
#include <chrono>
#include <filesystem>
#include <map>
#include <mutex>
#include <random>
#include <thread>

#include <nlohmann/json.hpp>

#include "jobs/job_events.hpp"
#include "jobs/job_store.hpp"
#include "server/api_client.hpp"
#include "support/subprocess.hpp"
#include "support/temp_dir.hpp"

namespace recur::server {
namespace {

using Clock = std::chrono::steady_clock;
using recur::testing::Exit;

// Every round calls the code runner, so a run takes long enough to be killed in the middle.
const char* kScript = R"(
local total = 0
for round = 1, 12 do
  local r = assert(tool.call("code", {language = "sh", source = "sleep 0.05; echo " .. round}))
  local v = assert(tool.call("expr", {expression = tostring(round) .. " * 3"}))
  total = total + v.value + math.random(1, 10)
  log("round", round)
  report.row{round = round, out = r.stdout:gsub("%s+", ""), total = total}
end
)";

// A running `recur serve` on `store`, and the URL it printed.
struct Server {
  pid_t pid = -1;
  std::string url;
};

Server start_server(const std::filesystem::path& dir, const std::string& store) {
  std::filesystem::create_directories(dir);
  Server s;
  s.pid = recur::testing::start_program(
      RECUR_CLI, {"serve", "--store", store, "--listen", "127.0.0.1:0", "--json", "--threads", "1"},
      dir);
  for (int i = 0; i < 400 && s.url.empty(); ++i) {
    const auto j = nlohmann::json::parse(recur::testing::read_file(dir / "stdout"), nullptr, false);
    if (j.is_object()) s.url = j.value("url", "");
    if (s.url.empty()) std::this_thread::sleep_for(std::chrono::milliseconds(25));
  }
  return s;
}

// The events of `id` in the store, read beside the server that holds it.
std::map<std::uint64_t, std::string> events_of(const std::filesystem::path& store,
                                               const std::string& id) {
  std::map<std::uint64_t, std::string> out;
  auto opened = jobs::open_job_store(store, jobs::JobStoreAccess::read_when_held);
  if (!opened) return out;
  jobs::JobEventLog log(*opened);
  auto events = log.read(id, 0, 100000);
  if (!events) return out;
  for (const auto& e : *events) out[e.id] = e.type + " " + e.data.dump();
  return out;
}

// The server's URL, shared by the test and the clients that load it, changed at each restart.
class Address {
 public:
  void set(std::string url) {
    std::lock_guard lock(mutex_);
    url_ = std::move(url);
  }
  std::string get() const {
    std::lock_guard lock(mutex_);
    return url_;
  }

 private:
  mutable std::mutex mutex_;
  std::string url_;
};

TEST(Serve, KilledAtRandomPointsUnderLoadItEndsEveryAcknowledgedJobWithTheUninterruptedReport) {
  recur::testing::TempDir dir;
  dir.write("job.lua", kScript);
  constexpr int kSeeds = 3;
  std::map<int, std::string> clean;  // seed -> the report of an uninterrupted run
  for (int seed = 1; seed <= kSeeds; ++seed) {
    const std::string out = "clean-out" + std::to_string(seed);
    const Exit run =
        recur::testing::run_program(RECUR_CLI,
                                    {"run", "job.lua", "--store", "clean" + std::to_string(seed),
                                     "--out", out, "--seed", std::to_string(seed), "--quiet"},
                                    dir.path());
    ASSERT_EQ(run.status, 0) << run.err;
    clean[seed] = recur::testing::read_file(dir / out / "report.csv");
  }

  const auto store = dir / "served";
  Server server = start_server(dir / "run0", store.string());
  ASSERT_FALSE(server.url.empty());
  Address address;
  address.set(server.url);

  // Load while the server is killed: one client submits jobs (each one acknowledged with 201
  // must end), another polls the job list and streams events. Their requests fail while the
  // server is down; that is expected.
  std::atomic<bool> done{false};
  std::mutex acknowledged_mutex;
  std::map<std::string, int> acknowledged;  // job id -> seed
  std::thread submitter([&] {
    // Eight submissions, and more (bounded) until one is acknowledged: on a loaded machine every
    // one of the eight may meet the server down.
    auto none_acknowledged = [&] {
      std::lock_guard lock(acknowledged_mutex);
      return acknowledged.empty();
    };
    for (int n = 0; n < 200 && (n < 8 || none_acknowledged()); ++n) {
      const int seed = 1 + n % kSeeds;
      auto client = ApiClient::connect(address.get(), "");
      if (client.ok()) {
        auto created = client->post("/v1/jobs", {{"source", kScript}, {"seed", seed}});
        if (created.ok()) {
          std::lock_guard lock(acknowledged_mutex);
          acknowledged[(*created)["id"].get<std::string>()] = seed;
        }
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(150));
    }
  });
  std::thread reader([&] {
    for (int n = 0; n < 400 && !done; ++n) {
      auto client = ApiClient::connect(address.get(), "");
      if (client.ok()) {
        (void)client->get("/v1/jobs?limit=50");
        (void)client->follow_events("job-000001", 0, [&](const jobs::JobEvent&) { return !done; });
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
  });

  std::mt19937 rng(20261208);
  std::map<std::string, std::map<std::uint64_t, std::string>> seen;
  auto check_events = [&] {
    std::map<std::string, int> ids;
    {
      std::lock_guard lock(acknowledged_mutex);
      ids = acknowledged;
    }
    for (const auto& [id, seed] : ids)
      for (const auto& [event, text] : events_of(store, id)) {
        auto [it, added] = seen[id].emplace(event, text);
        EXPECT_EQ(it->second, text) << id << ": event " << event << " was reused";
      }
  };
  int kills = 0;
  for (int round = 1; round <= 12; ++round) {
    std::this_thread::sleep_for(
        std::chrono::milliseconds(std::uniform_int_distribution<int>(100, 600)(rng)));
    check_events();
    ::kill(server.pid, SIGKILL);
    ::waitpid(server.pid, nullptr, 0);
    ++kills;
    server = start_server(dir / ("run" + std::to_string(round)), store.string());
    ASSERT_FALSE(server.url.empty()) << "the server did not start again";
    address.set(server.url);
  }
  submitter.join();
  done = true;
  reader.join();

  ASSERT_FALSE(acknowledged.empty());
  auto client = ApiClient::connect(server.url, "");
  ASSERT_TRUE(client.ok());
  for (const auto& [id, seed] : acknowledged) {
    std::string status;
    auto followed = client->follow_events(id, 0, [&](const jobs::JobEvent& e) {
      if (e.type == "end") status = e.data.value("status", "");
      return true;
    });
    ASSERT_TRUE(followed.ok()) << id << ": " << followed.error().message;
    EXPECT_EQ(status, "finished") << id;
  }
  EXPECT_EQ(kills, 12);
  ::kill(server.pid, SIGTERM);
  int raw = 0;
  ::waitpid(server.pid, &raw, 0);
  EXPECT_TRUE(WIFEXITED(raw) && WEXITSTATUS(raw) == 0) << "SIGTERM must drain and exit 0";
  for (const auto& [id, seed] : acknowledged) {
    EXPECT_EQ(recur::testing::read_file(store / "reports" / id / "report.csv"), clean[seed])
        << id << " (seed " << seed << ")";
  }
  check_events();
}

}  // namespace
}  // namespace recur::server
