// GET /metrics and GET /v1/nodes of a service on 127.0.0.1 after jobs ran an agent of a test
// model: tokens, forward passes and jobs by status in Prometheus's text format, the requests the
// server answered counted by route, the node's workers and their rate; both guarded by the read
// role when the server has a token file.
#include <gtest/gtest.h>
#include <httplib.h>

#include <optional>
#include <sstream>
#include <thread>

#include "model/config.hpp"
#include "model/state_shape.hpp"
#include "server/api_client.hpp"
#include "server/http_server.hpp"
#include "server/nodes.hpp"
#include "server/token_file.hpp"
#include "support/temp_dir.hpp"

namespace recur::server {
namespace {

// A job of one agent of the addition model: 12 + 34.
const Json kAgentJob = {{"source",
                         "local r = assert(agent.run{prompt = '1 2 + 3 4 =', max_tokens = 200}) "
                         "assert(r.output == '4 6', r.output)"},
                        {"model", "addition-pointer"}};

// Every sample in `text` of the family `name` whose labels include `label` (as exposed, e.g.
// `model="addition-pointer"`), added up; none when there is no such sample.
std::optional<double> total(const std::string& text, const std::string& name,
                            const std::string& label) {
  std::optional<double> sum;
  std::istringstream lines(text);
  for (std::string line; std::getline(lines, line);) {
    if (line.rfind(name + "{", 0) != 0 || line.find(label) == std::string::npos) continue;
    sum = sum.value_or(0) + std::stod(line.substr(line.rfind(' ') + 1));
  }
  return sum;
}

class MetricsHttp : public ::testing::Test {
 protected:
  void start(HttpOptions http = {}) {
    ServiceOptions options;
    options.store_dir = dir_ / "store";
    options.models_dir = std::string(RECUR_SOURCE_DIR) + "/models";
    auto service = Service::open(options);
    ASSERT_TRUE(service.ok()) << service.error().message;
    service_ = std::move(*service);
    auto server = HttpServer::start(*service_, http);
    ASSERT_TRUE(server.ok()) << server.error().message;
    server_ = std::move(*server);
    url_ = "http://127.0.0.1:" + std::to_string(server_->port());
  }
  void TearDown() override {
    server_.reset();
    service_.reset();
  }
  // Submits `job` and waits for its end event; returns its status.
  std::string run_job(const Json& job) {
    auto c = std::move(*ApiClient::connect(url_, ""));
    auto created = c.post("/v1/jobs", job);
    EXPECT_TRUE(created.ok()) << created.error().message;
    if (!created.ok()) return "";
    std::string status;
    auto s = c.follow_events((*created)["id"], 0, [&](const jobs::JobEvent& e) {
      if (e.type == "end") status = e.data.value("status", "");
      return true;
    });
    EXPECT_TRUE(s.ok()) << s.error().message;
    return status;
  }
  httplib::Result get(const std::string& path, const std::string& token = "") {
    httplib::Client http(url_);
    httplib::Headers headers;
    if (!token.empty()) headers.emplace("Authorization", "Bearer " + token);
    return http.Get(path, headers);
  }
  // The exposition once the requests answered before now are counted: the server counts one when
  // its response is written, which may be just after the client has read it.
  std::string metrics_counting(const std::string& series, double at_least) {
    std::string text;
    for (int i = 0; i < 200; ++i) {
      auto r = get("/metrics");
      if (!r || r->status != 200) break;
      text = r->body;
      if (total(text, series, "").value_or(0) >= at_least) break;
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    return text;
  }

  recur::testing::TempDir dir_;
  std::unique_ptr<Service> service_;
  std::unique_ptr<HttpServer> server_;
  std::string url_;
};

TEST_F(MetricsHttp, TheExpositionShowsTheTokensJobsAndRequestsOfWhatRan) {
  start();
  ASSERT_EQ(run_job(kAgentJob), "finished");
  auto r = get("/metrics");
  ASSERT_TRUE(r);
  ASSERT_EQ(r->status, 200) << r->body;
  EXPECT_EQ(r->get_header_value("Content-Type"), "text/plain; version=0.0.4; charset=utf-8");
  const std::string model = R"(model="addition-pointer")";
  const std::string& text = r->body;
  EXPECT_GE(total(text, "recur_tokens_generated_total", model).value_or(0), 3) << text;
  EXPECT_GE(total(text, "recur_tokens_fed_total", model).value_or(0),
            total(text, "recur_tokens_generated_total", model).value_or(0));
  EXPECT_GT(total(text, "recur_forward_passes_total", model).value_or(0), 0);
  EXPECT_EQ(total(text, "recur_supervisor_up", model), 1);
  EXPECT_EQ(total(text, "recur_sessions_queued", model), 0);
  EXPECT_EQ(total(text, "recur_worker_slots_used", model), 0);
  EXPECT_EQ(total(text, "recur_jobs", R"(status="finished")"), 1);
  EXPECT_EQ(total(text, "recur_jobs", R"(status="queued")"), 0);
  EXPECT_EQ(total(text, "recur_jobs", R"(status="failed")"), 0);
  const std::string posted =
      R"(recur_http_requests_total{code="201",method="POST",route="/v1/jobs"})";
  const std::string counted = metrics_counting("recur_http_requests_total", 1);
  EXPECT_NE(counted.find(posted + " 1\n"), std::string::npos) << counted;
  EXPECT_EQ(total(counted, "recur_http_request_duration_seconds_count",
                  R"(method="POST",route="/v1/jobs")"),
            1);
}

TEST_F(MetricsHttp, TheNodesListTheLocalWorkersAndTheirRate) {
  start();
  ASSERT_EQ(run_job(kAgentJob), "finished");
  auto nodes = [&] {
    auto r = get("/v1/nodes");
    EXPECT_TRUE(r && r->status == 200);
    return r ? Json::parse(r->body, nullptr, false) : Json();
  };
  const Json first = nodes();
  ASSERT_EQ(first["nodes"].size(), 1u) << first.dump();
  const Json& node = first["nodes"][0];
  EXPECT_EQ(node["name"], host_name());
  EXPECT_EQ(node["slots_used"], 0);
  EXPECT_EQ(node["sessions"], 0);
  EXPECT_EQ(node["queued"], 0);
  EXPECT_EQ(node["tokens_per_s"], 0.0);  // one reading: no rate yet
  EXPECT_GT(node["last_heartbeat_ms"].get<std::int64_t>(), 0);
  ASSERT_GE(node["workers"].size(), 1u);
  auto config = load_config(std::string(RECUR_SOURCE_DIR) + "/models/addition-pointer/config.json");
  ASSERT_TRUE(config.ok()) << config.error().message;
  const std::uint64_t state_bytes = StateShape::of(*config).bytes();  // 2 x 256 x (3 + 16) x 4
  EXPECT_EQ(state_bytes, 38912u);
  EXPECT_GT(node["resident_bytes"].get<std::uint64_t>(), 1u << 20);
  std::uint64_t free = 0, pool = 0;
  for (const Json& w : node["workers"]) {
    EXPECT_EQ(w["model"], "addition-pointer");
    EXPECT_EQ(w["device"], "cpu");
    EXPECT_EQ(w["state"], "up");
    EXPECT_EQ(w["slots_used"], 0);
    EXPECT_GT(w["slots_free"].get<std::uint64_t>(), 0u);
    free += w["slots_free"].get<std::uint64_t>();
    EXPECT_EQ(w["state_bytes"], state_bytes);
    // The pool holds a state for every slot of the worker.
    EXPECT_EQ(w["state_pool_bytes"].get<std::uint64_t>(),
              state_bytes * w["slots_free"].get<std::uint64_t>());
    pool += w["state_pool_bytes"].get<std::uint64_t>();
    for (const char* key : {"worker", "sessions", "queued", "tokens_per_s"})
      EXPECT_TRUE(w.contains(key)) << key;
  }
  EXPECT_EQ(node["slots_free"], free);
  EXPECT_EQ(node["state_pool_bytes"], pool);
  // Between this reading and the next, a second job generates tokens: a rate.
  ASSERT_EQ(run_job(kAgentJob), "finished");
  const Json second = nodes();
  EXPECT_GT(second["nodes"][0]["tokens_per_s"].get<double>(), 0) << second.dump();
}

TEST_F(MetricsHttp, WithATokenFileBothNeedTheReadRole) {
  const auto file = dir_ / "tokens.json";
  auto reader = add_token(file, "prometheus", Role::read, 0);
  ASSERT_TRUE(reader.ok()) << reader.error().message;
  HttpOptions http;
  http.auth = file;
  start(http);
  for (const char* path : {"/metrics", "/v1/nodes"}) {
    auto none = get(path);
    ASSERT_TRUE(none);
    EXPECT_EQ(none->status, 401) << path;
    EXPECT_EQ(Json::parse(none->body, nullptr, false)["error"]["code"], "unauthenticated");
    auto read = get(path, reader->token);
    ASSERT_TRUE(read);
    EXPECT_EQ(read->status, 200) << path << ": " << read->body;
  }
  EXPECT_NE(get("/metrics", reader->token)->body.find("# TYPE recur_jobs gauge"),
            std::string::npos);
}

}  // namespace
}  // namespace recur::server
