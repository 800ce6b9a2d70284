// cluster_scale: the same agent work on model workers in `recur serve` itself and on 1, 2, 4 ...
// `recur node` processes of a cluster on this machine, each worker with one CPU thread.
//
// For each arrangement it starts the processes the way a user does (`recur cluster init`, `recur
// serve --cluster-listen ... --tls`, `recur node --join ... --threads 1`), waits until every node
// has joined, submits one job of bench/serve_load/load.lua (--agents agents of the addition model
// at once, each adding two --digits-digit numbers, the same seed every time) and times it from the
// POST to its end. Prints each run's wall time and agent tokens/s, the median of --repeat runs,
// and the ratios: each arrangement against one node (goal: >= 1.9x per doubling while there are
// cores) and one node against the same worker in the coordinator's own process (goal: within 10%).
//
//   build/bench/cluster_scale [--nodes 1,2,4] [--agents 64] [--digits 10] [--repeat 3]
//                             [--recur build/cli/recur]
#include <httplib.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <string>
#include <thread>
#include <vector>

#include <nlohmann/json.hpp>

#include "bench/serve_load/recur_process.hpp"

namespace {

using namespace recur::bench;
using Json = nlohmann::json;
using Clock = std::chrono::steady_clock;
namespace fs = std::filesystem;

struct Options {
  std::vector<int> nodes{1, 2, 4};
  int agents = 64, digits = 10, repeat = 3;
  std::string recur = RECUR_BINARY;
};

[[noreturn]] void die(const std::string& message) {
  std::fprintf(stderr, "cluster_scale: %s\n", message.c_str());
  std::exit(1);
}

Options parse(int argc, char** argv) {
  Options o;
  for (int i = 1; i + 1 < argc; i += 2) {
    const std::string flag = argv[i], value = argv[i + 1];
    try {
      if (flag == "--nodes") {
        o.nodes.clear();
        for (std::size_t at = 0; at <= value.size();) {
          const auto comma = std::min(value.find(',', at), value.size());
          o.nodes.push_back(std::stoi(value.substr(at, comma - at)));
          at = comma + 1;
        }
      } else if (flag == "--agents") {
        o.agents = std::stoi(value);
      } else if (flag == "--digits") {
        o.digits = std::stoi(value);
      } else if (flag == "--repeat") {
        o.repeat = std::stoi(value);
      } else if (flag == "--recur") {
        o.recur = value;
      } else {
        die("unknown flag " + flag);
      }
    } catch (const std::exception&) {
      die(flag + ": '" + value + "' is not a number");
    }
  }
  if ((argc - 1) % 2 != 0) die("every flag takes a value");
  return o;
}

Json get(httplib::Client& http, const std::string& path) {
  auto r = http.Get(path);
  if (!r || r->status != 200) die("GET " + path + " failed");
  return Json::parse(r->body);
}

std::size_t nodes_up(httplib::Client& http) {
  std::size_t n = 0;
  const Json nodes = get(http, "/v1/nodes");
  for (const auto& node : nodes["nodes"])
    if (node.value("role", "") == "node" && node.value("up", false)) {
      for (const auto& w : node["workers"])
        if (w.value("state", "") == "up") ++n;
    }
  return n;
}

struct Run {
  double seconds = 0;
  double tokens = 0;
};

// One job on the service at `url`, timed from the POST to its end.
Run run_job(const std::string& url, const Options& o) {
  httplib::Client http(url);
  http.set_read_timeout(600, 0);
  const Json job = {{"pipeline", "load"},
                    {"model", "addition-pointer"},
                    {"seed", 20261208},
                    {"params", {{"agents", o.agents}, {"digits", o.digits}}}};
  const auto start = Clock::now();
  auto r = http.Post("/v1/jobs", job.dump(), "application/json");
  if (!r || r->status != 201) die("POST /v1/jobs failed");
  const std::string id = Json::parse(r->body)["id"];
  for (;;) {
    const Json j = get(http, "/v1/jobs/" + id);
    const std::string status = j["status"];
    if (status == "finished") {
      Run run;
      run.seconds = std::chrono::duration<double>(Clock::now() - start).count();
      run.tokens = j["summary"]["tokens"].get<double>();
      return run;
    }
    if (status != "queued" && status != "running") die("job " + id + " ended " + status);
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
}

double median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return v[v.size() / 2];
}

struct Row {
  std::string arrangement;
  std::vector<Run> runs;
  double tokens_per_s() const {
    std::vector<double> rates;
    for (const auto& r : runs) rates.push_back(r.tokens / r.seconds);
    return median(rates);
  }
};

}  // namespace

int main(int argc, char** argv) {
  const Options o = parse(argc, argv);
  const fs::path root = RECUR_SOURCE_DIR;
  char tmpl[] = "/tmp/recur-cluster-scale-XXXXXX";
  if (!mkdtemp(tmpl)) die("no temporary directory");
  const fs::path tmp = tmpl;
  run_recur(o.recur, {"cluster", "init", "--out", (tmp / "tls").string(), "--nodes",
                      std::to_string(*std::max_element(o.nodes.begin(), o.nodes.end()))});
  const std::vector<std::string> common{"--listen",    "127.0.0.1:0",
                                        "--models",    (root / "models").string(),
                                        "--pipelines", (root / "bench/serve_load").string(),
                                        "--slots",     std::to_string(o.agents),
                                        "--json"};
  std::vector<Row> rows;
  {
    // The same worker in the coordinator's own process.
    auto args = std::vector<std::string>{
        "serve", "--store", (tmp / "local").string(), "--device", "cpu", "--threads", "1"};
    args.insert(args.end(), common.begin(), common.end());
    auto serve =
        ServeProcess::start(o.recur, args, root, tmp / "local.log", std::chrono::seconds(60));
    Row row{"in process (1 worker)", {}};
    for (int i = 0; i < o.repeat; ++i) row.runs.push_back(run_job(serve.url(), o));
    rows.push_back(row);
  }
  for (int n : o.nodes) {
    const std::string name = std::to_string(n);
    auto args = std::vector<std::string>{
        "serve",       "--store", (tmp / ("c" + name)).string(), "--cluster-listen",
        "127.0.0.1:0", "--tls",   (tmp / "tls").string()};
    args.insert(args.end(), common.begin(), common.end());
    auto serve = ServeProcess::start(o.recur, args, root, tmp / ("c" + name + ".log"),
                                     std::chrono::seconds(60));
    std::vector<ChildProcess> nodes;
    for (int k = 1; k <= n; ++k)
      nodes.push_back(ChildProcess::start(
          o.recur,
          {"node", "--join", "127.0.0.1:" + std::to_string(serve.cluster_port()), "--tls",
           (tmp / "tls").string(), "--name", "node-" + std::to_string(k), "--threads", "1",
           "--slots", std::to_string(o.agents)},
          root, tmp / ("c" + name + "-node-" + std::to_string(k) + ".log")));
    // Workers start at the model's first use: a first job brings them up, then the timed ones.
    (void)run_job(serve.url(), o);
    httplib::Client http(serve.url());
    const auto deadline = Clock::now() + std::chrono::seconds(60);
    while (nodes_up(http) < static_cast<std::size_t>(n) && Clock::now() < deadline)
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    if (nodes_up(http) < static_cast<std::size_t>(n)) die(name + " nodes did not all come up");
    Row row{std::to_string(n) + " node" + (n > 1 ? "s" : "") + " (1 worker each)", {}};
    for (int i = 0; i < o.repeat; ++i) row.runs.push_back(run_job(serve.url(), o));
    rows.push_back(row);
  }
  std::printf(
      "cores: %u; job: %d agents at once of models/addition-pointer, %d-digit sums; "
      "each worker one CPU thread\n",
      std::thread::hardware_concurrency(), o.agents, o.digits);
  std::printf("%-28s %8s %10s %12s %10s %10s\n", "arrangement", "tokens", "wall s*", "tokens/s*",
              "x 1 node", "x local");
  const double local = rows.front().tokens_per_s();
  double one = 0;
  for (const auto& r : rows)
    if (r.arrangement.starts_with("1 node")) one = r.tokens_per_s();
  for (const auto& r : rows) {
    std::vector<double> walls;
    for (const auto& run : r.runs) walls.push_back(run.seconds);
    std::printf("%-28s %8.0f %10.3f %12.0f %10.3f %10.3f\n", r.arrangement.c_str(),
                r.runs.front().tokens, median(walls), r.tokens_per_s(),
                one > 0 ? r.tokens_per_s() / one : 0.0, r.tokens_per_s() / local);
  }
  std::printf("* median of %d runs\n", o.repeat);
  std::error_code ec;
  fs::remove_all(tmp, ec);
  return 0;
}
