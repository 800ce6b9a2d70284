// Pipelines through the recur executable: `recur run` killed with SIGKILL at random points and
// continued with --resume writes the report of an uninterrupted run, byte for byte; budgets,
// cancellation, Lua errors and the job commands.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <iostream>
#include <random>
#include <thread>

#include <nlohmann/json.hpp>

#include "support/subprocess.hpp"
#include "support/temp_dir.hpp"

namespace recur::actors {
namespace {

using Clock = std::chrono::steady_clock;
using Json = nlohmann::json;
namespace fs = std::filesystem;

using recur::testing::Exit;

// Runs `recur ARGS` in `dir`; with `kill_after`, sends SIGKILL after that long unless it ended.
Exit run_recur(const std::vector<std::string>& args, const std::filesystem::path& dir,
               std::optional<std::chrono::milliseconds> kill_after = {}) {
  return recur::testing::run_program(RECUR_CLI, args, dir, kill_after);
}

const std::string kModel = std::string(RECUR_SOURCE_DIR) + "/models/addition-pointer";

// A pipeline that uses every kind of call: agents of the trained addition model started together
// and awaited in any order, tool calls, its memory, the clock and math.random.
const char* kPipeline = R"(
local rounds = param("rounds", 16)
local total = 0
for round = 1, rounds do
  local hs, want = {}, {}
  for i = 1, 3 do
    local a, b = math.random(10000, 99999), math.random(10000, 99999)
    want[i] = tostring(a + b)
    local function spaced(n) return (tostring(n):gsub(".", "%0 "):gsub(" $", "")) end
    hs[i] = agent.start{prompt = spaced(a) .. " + " .. spaced(b) .. " =", max_tokens = 600}
  end
  local first = agent.await_any(hs)
  local results = agent.await_all(hs)
  local exact = 0
  for i, r in ipairs(results) do
    if r.output:gsub(" ", "") == want[i] then exact = exact + 1 end
  end
  local sq = tool.call("expr", {expression = exact .. " ^ 2 + " .. round})
  total = total + sq.value
  memory.put("round/" .. round, {exact = exact, total = total})
  local back = memory.get("round/" .. round)
  -- which agent answered first varies from run to run: the report keeps only that one did
  report.row{round = round, exact = back.exact, first_ok = first >= 1 and first <= 3, total = total,
             later = now() >= 0, draw = math.random(1000000)}
  log("round", round, exact)
end
report.plot{x = "round", y = "total", file = "total.svg"}
)";

class PipelineRun : public ::testing::Test {
 protected:
  void SetUp() override { dir.write("p.lua", kPipeline); }
  std::vector<std::string> run_args(const std::string& store, const std::string& out) {
    return {"run", "p.lua",  "--model", kModel,    "--store",   store, "--out",
            out,   "--seed", "11",      "--quiet", "--threads", "1"};
  }
  recur::testing::TempDir dir;
};

TEST_F(PipelineRun, KilledAtRandomPointsAndResumedItWritesTheUninterruptedReport) {
  const auto t0 = Clock::now();
  const Exit clean = run_recur(run_args("clean", "clean-out"), dir.path());
  const auto took = std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - t0);
  ASSERT_EQ(clean.status, 0) << clean.err;
  const std::string csv = recur::testing::read_file(dir / "clean-out/report.csv");
  const std::string json = recur::testing::read_file(dir / "clean-out/report.json");
  const std::string svg = recur::testing::read_file(dir / "clean-out/total.svg");
  ASSERT_EQ(csv.substr(0, csv.find('\n')), "draw,exact,first_ok,later,round,total") << csv;
  const Json clean_report = Json::parse(json);
  ASSERT_EQ(clean_report["rows"].size(), 16u);
  for (const auto& row : clean_report["rows"]) EXPECT_EQ(row["exact"], 3) << json;

  std::mt19937 rng(20261129);
  long longest = std::max<long>(took.count() / 2, 40);  // kill delays are drawn from [20, longest]
  const std::vector<std::string> resume = {"run",   "--resume", "job-000001", "--store",   "killed",
                                           "--out", "out",      "--quiet",    "--threads", "1"};
  int kills = 0;
  bool created = false, finished = false;
  for (int round = 0; round < 60 && !finished; ++round) {
    const auto args = created ? resume : run_args("killed", "out");
    const long delay = std::uniform_int_distribution<long>(20, longest)(rng);
    const Exit e = run_recur(args, dir.path(), std::chrono::milliseconds(delay));
    if (e.killed) {
      ++kills;
      created = true;
      continue;
    }
    if (e.status != 0 && e.err.find("no job 'job-000001'") != std::string::npos) {
      created = false;  // killed before the job was written: it never existed
      continue;
    }
    // Killed after the report and the job's end were written, before exiting, it has ended too.
    const bool ended = e.status != 0 && e.err.find("has ended (finished)") != std::string::npos;
    if (!ended) {
      ASSERT_EQ(e.status, 0) << e.err;
    }
    finished = true;
    if (kills < 3 && longest > 40) {
      // Done before three kills (the clean run met more load than these): start over, killing
      // sooner. What it wrote must be right all the same.
      EXPECT_EQ(recur::testing::read_file(dir / "out/report.csv"), csv);
      finished = false;
      created = false;
      kills = 0;
      longest /= 2;
      std::filesystem::remove_all(dir / "killed");
      std::filesystem::remove_all(dir / "out");
    }
  }
  if (!finished) {
    const Exit e = run_recur(created ? resume : run_args("killed", "out"), dir.path());
    ASSERT_EQ(e.status, 0) << e.err;
  }
  EXPECT_GE(kills, 3);
  EXPECT_EQ(recur::testing::read_file(dir / "out/report.csv"), csv);
  EXPECT_EQ(recur::testing::read_file(dir / "out/report.json"), json);
  EXPECT_EQ(recur::testing::read_file(dir / "out/total.svg"), svg);

  const Exit shown =
      run_recur({"jobs", "show", "job-000001", "--store", "killed", "--json"}, dir.path());
  ASSERT_EQ(shown.status, 0) << shown.err;
  const Json job = Json::parse(shown.out);
  EXPECT_EQ(job["status"], "finished");
  // Every run that got as far as starting the job counted itself; a kill can come before that.
  EXPECT_GE(job["runs"].get<int>(), 2);
  EXPECT_LE(job["runs"].get<int>(), kills + 1);
  const Exit again = run_recur({"run", "--resume", "job-000001", "--store", "killed"}, dir.path());
  EXPECT_EQ(again.status, 1);
  EXPECT_NE(again.err.find("job-000001 has ended (finished)"), std::string::npos) << again.err;
}

TEST_F(PipelineRun, ATimeBudgetStopsTheRunAndKeepsItsRecord) {
  dir.write("slow.lua",
            "for i = 1, 1000 do tool.call('code', {language = 'sh', source = "
            "'sleep 0.05'}) report.row{i = i} end");
  const Exit e = run_recur({"run", "slow.lua", "--store", "s", "--max-wall-ms", "2000", "--quiet"},
                           dir.path());
  EXPECT_EQ(e.status, 1);
  EXPECT_NE(e.err.find("over_budget: budget: the pipeline ran past its time budget of 2000 ms"),
            std::string::npos)
      << e.err;
  const Exit list = run_recur({"jobs", "list", "--store", "s", "--json"}, dir.path());
  ASSERT_EQ(list.status, 0) << list.err;
  const Json jobs = Json::parse(list.out)["jobs"];
  ASSERT_EQ(jobs.size(), 1u);
  EXPECT_EQ(jobs[0]["status"], "over_budget");
  EXPECT_GT(jobs[0]["summary"]["calls"].get<int>(), 1);
}

TEST_F(PipelineRun, JobsCancelStopsARunningJob) {
  dir.write("long.lua", "for i = 1, 100000 do tool.call('expr', {expression = '1'}) end");
  const pid_t pid = ::fork();
  if (pid == 0) {
    if (::chdir(dir.path().c_str()) != 0) ::_exit(126);
    const int null = ::open("/dev/null", O_WRONLY);
    ::dup2(null, 1);
    ::dup2(null, 2);
    ::execl(RECUR_CLI, RECUR_CLI, "run", "long.lua", "--store", "s", "--quiet", nullptr);
    ::_exit(127);
  }
  // Wait until the job runs, then cancel it from another process.
  Json job;
  for (int i = 0; i < 200; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
    const Exit shown =
        run_recur({"jobs", "show", "job-000001", "--store", "s", "--json"}, dir.path());
    if (shown.status != 0) continue;
    job = Json::parse(shown.out, nullptr, false);
    if (!job.is_discarded() && job["status"] == "running") break;
  }
  ASSERT_EQ(job["status"], "running");
  const Exit cancel = run_recur({"jobs", "cancel", "job-000001", "--store", "s"}, dir.path());
  EXPECT_EQ(cancel.status, 0) << cancel.err;
  int raw = 0;
  ::waitpid(pid, &raw, 0);
  EXPECT_TRUE(WIFEXITED(raw) && WEXITSTATUS(raw) == 1);
  const Exit shown =
      run_recur({"jobs", "show", "job-000001", "--store", "s", "--json"}, dir.path());
  EXPECT_EQ(Json::parse(shown.out)["status"], "cancelled") << shown.out;
}

// Waits until job-000001 of store `store` runs; false after 10 s.
bool wait_until_running(const std::filesystem::path& dir, const std::string& store) {
  for (int i = 0; i < 200; ++i) {
    const Exit shown = run_recur({"jobs", "show", "job-000001", "--store", store, "--json"}, dir);
    const Json job = Json::parse(shown.out, nullptr, false);
    if (shown.status == 0 && !job.is_discarded() && job["status"] == "running") return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  return false;
}

TEST_F(PipelineRun, JobsCancelStopsAJobBusyInItsOwnLua) {
  // The script never calls out: only an interrupt of its Lua can stop it.
  dir.write("busy.lua", "local n = 0 while true do n = n + 1 end");
  std::filesystem::create_directories(dir / "run");
  const pid_t pid = recur::testing::start_program(
      RECUR_CLI, {"run", "../busy.lua", "--store", "../s", "--quiet"}, dir / "run");
  ASSERT_TRUE(wait_until_running(dir.path(), "s"));
  const auto asked = Clock::now();
  const Exit cancel = run_recur({"jobs", "cancel", "job-000001", "--store", "s"}, dir.path());
  EXPECT_EQ(cancel.status, 0) << cancel.err;
  // A job that ignored the request would run on: the bound only keeps a failure from hanging.
  const Exit e = recur::testing::wait_program(pid, dir / "run", std::chrono::seconds(60));
  const auto took = std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - asked);
  std::cout << "cancel to exit: " << took.count() << " ms\n";
  ASSERT_FALSE(e.killed) << "the busy job did not stop when cancelled";
  EXPECT_EQ(e.status, 1);
  EXPECT_NE(e.err.find("job-000001 cancelled: cancelled"), std::string::npos) << e.err;
  const Exit shown =
      run_recur({"jobs", "show", "job-000001", "--store", "s", "--json"}, dir.path());
  EXPECT_EQ(Json::parse(shown.out)["status"], "cancelled") << shown.out;
}

TEST_F(PipelineRun, ABusyScriptStopsAtItsBudgetsWhateverCatchesTheError) {
  struct Case {
    std::string script;
    std::vector<std::string> budget;
    std::string message;
  };
  const std::vector<Case> cases = {
      {"while true do end",
       {"--max-wall-ms", "1500"},
       "over_budget: budget: the pipeline ran past its time budget of 1500 ms (max_wall_ms)"},
      {"pcall(function() while true do end end) while true do end",
       {"--max-wall-ms", "1500"},
       "time budget of 1500 ms (max_wall_ms)"},
      {"xpcall(function() while true do end end, function() while true do end end)",
       {"--max-instructions", "20000000"},
       "budget of 20000000 instructions (max_instructions)"},
      {"local t = {} while true do t[#t + 1] = string.rep('x', 1000) .. #t end",
       {"--max-memory-mb", "16"},
       "memory budget of 16 MiB (max_memory_mb)"},
  };
  for (std::size_t i = 0; i < cases.size(); ++i) {
    const std::string n = std::to_string(i);
    std::string file = "busy", store = "s";
    file.append(n).append(".lua");
    store.append(n);
    dir.write(file, cases[i].script);
    std::vector<std::string> args = {"run", file, "--store", store, "--quiet"};
    args.insert(args.end(), cases[i].budget.begin(), cases[i].budget.end());
    const Exit e = run_recur(args, dir.path(), std::chrono::seconds(120));
    ASSERT_FALSE(e.killed) << cases[i].script << ": never stopped";
    EXPECT_EQ(e.status, 1) << cases[i].script;
    EXPECT_NE(e.err.find(cases[i].message), std::string::npos) << cases[i].script << "\n" << e.err;
    EXPECT_NE(e.err.find("over_budget"), std::string::npos) << e.err;
  }
}

TEST_F(PipelineRun, ErrorsNameTheScriptLineOrOption) {
  dir.write("broken.lua", "local x = 1\nx = x +\n");
  Exit e = run_recur({"run", "broken.lua", "--store", "s"}, dir.path());
  EXPECT_EQ(e.status, 1);
  EXPECT_NE(e.err.find("recur run: broken.lua:3:"), std::string::npos) << e.err;

  dir.write("raise.lua", "local t = {}\nerror('no hypothesis fits')\n");
  e = run_recur({"run", "raise.lua", "--store", "s", "--quiet"}, dir.path());
  EXPECT_EQ(e.status, 1);
  EXPECT_NE(e.err.find("failed: raise.lua:2: no hypothesis fits"), std::string::npos) << e.err;

  e = run_recur({"run", "raise.lua", "--store", "s", "--param", "novalue"}, dir.path());
  EXPECT_EQ(e.status, 1);
  EXPECT_NE(e.err.find("--param: 'novalue' is not NAME=VALUE"), std::string::npos) << e.err;

  e = run_recur({"run", "--resume", "job-000042", "--store", "s"}, dir.path());
  EXPECT_EQ(e.status, 1);
  EXPECT_NE(e.err.find("no job 'job-000042'"), std::string::npos) << e.err;

  dir.write("agent.lua", "local r, err = agent.run{prompt = '1 + 2 ='}\nreport.row{err = err}\n");
  e = run_recur({"run", "agent.lua", "--store", "s", "--quiet"}, dir.path());
  EXPECT_EQ(e.status, 0) << e.err;
  EXPECT_NE(e.out.find("no model"), std::string::npos) << e.out;
}

TEST_F(PipelineRun, QueuedJobsRunByPriorityAndTogetherWithParallel) {
  dir.write("a.lua", "report.row{name = 'a'}");
  dir.write("b.lua", "report.row{name = 'b'}");
  EXPECT_EQ(
      run_recur({"run", "a.lua", "--store", "q", "--enqueue", "--priority", "1"}, dir.path()).out,
      "job-000001\n");
  EXPECT_EQ(
      run_recur({"run", "b.lua", "--store", "q", "--enqueue", "--priority", "9"}, dir.path()).out,
      "job-000002\n");
  dir.write("c.lua", "report.row{name = 'c'}");
  EXPECT_EQ(run_recur({"run", "c.lua", "--store", "q", "--enqueue"}, dir.path()).out,
            "job-000003\n");
  EXPECT_EQ(run_recur({"jobs", "cancel", "job-000003", "--store", "q"}, dir.path()).out,
            "job-000003: cancelled\n");
  Exit e = run_recur({"run", "--next", "--store", "q"}, dir.path());
  ASSERT_EQ(e.status, 0) << e.err;
  EXPECT_LT(e.err.find("[job-000002] finished"), e.err.find("[job-000001] finished")) << e.err;
  EXPECT_EQ(e.err.find("job-000003"), std::string::npos) << e.err;  // cancelled: never ran

  // Three pipelines in one process: their agents share one model worker.
  for (int i = 0; i < 3; ++i)
    ASSERT_EQ(run_recur({"run", "p.lua", "--store", "q", "--enqueue", "--model", kModel, "--param",
                         "rounds=2", "--seed", std::to_string(i)},
                        dir.path())
                  .status,
              0);
  e = run_recur({"run", "--next", "--parallel", "3", "--store", "q", "--threads", "1"}, dir.path());
  ASSERT_EQ(e.status, 0) << e.err;
  for (const char* id : {"job-000004", "job-000005", "job-000006"}) {
    const Exit shown = run_recur({"jobs", "show", id, "--store", "q", "--json"}, dir.path());
    const Json job = Json::parse(shown.out);
    EXPECT_EQ(job["status"], "finished") << shown.out;
    EXPECT_EQ(job["summary"]["rows"], 2) << shown.out;
  }
}

// Every example of docs/pipelines.md runs and finishes.
TEST_F(PipelineRun, TheExamplesOfTheDocumentationRun) {
  const std::string doc =
      recur::testing::read_file(fs::path(RECUR_SOURCE_DIR) / "docs/pipelines.md");
  std::error_code ec;
  fs::copy(fs::path(RECUR_SOURCE_DIR) / "pipelines/data", dir / "data", ec);
  int examples = 0;
  for (std::size_t at = doc.find("```lua\n"); at != std::string::npos;
       at = doc.find("```lua\n", at + 1)) {
    const std::size_t begin = at + 7, end = doc.find("```", begin);
    ASSERT_NE(end, std::string::npos);
    const std::string name = "example" + std::to_string(++examples) + ".lua";
    dir.write(name, doc.substr(begin, end - begin));
    const Exit e = run_recur(
        {"run", name, "--model", kModel, "--store", "docs", "--threads", "1", "--param", "n=10"},
        dir.path());
    EXPECT_EQ(e.status, 0) << name << ":\n" << doc.substr(begin, end - begin) << e.err;
  }
  EXPECT_GE(examples, 10);
}

}  // namespace
}  // namespace recur::actors
