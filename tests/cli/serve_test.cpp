// `recur serve` as a process: killed with SIGKILL at random points while a job runs and started
// again on its store, every acknowledged job ends with the report an uninterrupted `recur run`
// writes, and an event id never names two different events. SIGTERM drains it.
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>

#include <chrono>
#include <filesystem>
#include <map>
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

// The events of job-000001 in the store, read beside the server that holds it.
std::map<std::uint64_t, std::string> stored_events(const std::filesystem::path& store) {
  std::map<std::uint64_t, std::string> out;
  auto opened = jobs::open_job_store(store, jobs::JobStoreAccess::read_when_held);
  if (!opened) return out;
  jobs::JobEventLog log(*opened);
  auto events = log.read("job-000001", 0, 100000);
  if (!events) return out;
  for (const auto& e : *events) out[e.id] = e.type + " " + e.data.dump();
  return out;
}

TEST(Serve, KilledAtRandomPointsAndRestartedItEndsEveryJobWithTheUninterruptedReport) {
  recur::testing::TempDir dir;
  dir.write("job.lua", kScript);
  const Exit clean = recur::testing::run_program(
      RECUR_CLI,
      {"run", "job.lua", "--store", "clean", "--out", "clean-out", "--seed", "5", "--quiet"},
      dir.path());
  ASSERT_EQ(clean.status, 0) << clean.err;
  const std::string csv = recur::testing::read_file(dir / "clean-out/report.csv");

  const auto store = dir / "served";
  Server server = start_server(dir / "run0", store.string());
  ASSERT_FALSE(server.url.empty());
  {
    auto client = ApiClient::connect(server.url, "");
    ASSERT_TRUE(client.ok());
    auto created = client->post("/v1/jobs", {{"source", kScript}, {"seed", 5}});
    ASSERT_TRUE(created.ok()) << created.error().message;  // acknowledged: it must end
  }
  std::mt19937 rng(20261208);
  std::map<std::uint64_t, std::string> seen;
  int kills = 0;
  std::string status;
  for (int round = 1; round <= 30 && status.empty(); ++round) {
    std::this_thread::sleep_for(
        std::chrono::milliseconds(std::uniform_int_distribution<int>(100, 700)(rng)));
    auto client = ApiClient::connect(server.url, "");
    auto job = client->get("/v1/jobs/job-000001");
    if (job.ok() && jobs::job_ended(*jobs::parse_job_status((*job)["status"].get<std::string>()))) {
      status = (*job)["status"];
      break;
    }
    for (const auto& [id, text] : stored_events(store)) {
      auto [it, added] = seen.emplace(id, text);
      EXPECT_EQ(it->second, text) << "event " << id << " was reused";
    }
    ::kill(server.pid, SIGKILL);
    ::waitpid(server.pid, nullptr, 0);
    ++kills;
    server = start_server(dir / ("run" + std::to_string(round)), store.string());
    ASSERT_FALSE(server.url.empty()) << "the server did not start again";
  }
  if (status.empty()) {
    auto client = ApiClient::connect(server.url, "");
    auto followed = client->follow_events("job-000001", 0, [&](const jobs::JobEvent& e) {
      if (e.type == "end") status = e.data.value("status", "");
      return true;
    });
    ASSERT_TRUE(followed.ok()) << followed.error().message;
  }
  EXPECT_EQ(status, "finished");
  EXPECT_GE(kills, 1);
  ::kill(server.pid, SIGTERM);
  int raw = 0;
  ::waitpid(server.pid, &raw, 0);
  EXPECT_TRUE(WIFEXITED(raw) && WEXITSTATUS(raw) == 0) << "SIGTERM must drain and exit 0";
  EXPECT_EQ(recur::testing::read_file(store / "reports/job-000001/report.csv"), csv);
  for (const auto& [id, text] : stored_events(store)) {
    auto it = seen.find(id);
    if (it != seen.end()) {
      EXPECT_EQ(it->second, text) << "event " << id << " was reused";
    }
  }
}

}  // namespace
}  // namespace recur::server
