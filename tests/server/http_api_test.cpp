// The HTTP API on 127.0.0.1: jobs submitted, listed, followed as events and read back as reports;
// bad requests named; tokens and roles; the limits on bodies, streams and request rates; a service
// drained and opened again resumes its running job.
#include "server/http_server.hpp"

#include <gtest/gtest.h>
#include <httplib.h>

#include <thread>

#include "jobs/job_store.hpp"
#include "server/api_client.hpp"
#include "server/token_file.hpp"
#include "support/temp_dir.hpp"

namespace recur::server {
namespace {

class HttpApi : public ::testing::Test {
 protected:
  void start(HttpOptions http = {}, std::size_t parallel = 2) {
    ServiceOptions options;
    options.store_dir = dir_ / "store";
    options.parallel = parallel;
    options.pipelines_dir = dir_ / "pipelines";
    options.models_dir = std::string(RECUR_SOURCE_DIR) + "/models";
    std::filesystem::create_directories(options.pipelines_dir);
    dir_.write("pipelines/squares.lua",
               "for i = 1, 3 do log('step', i) progress(i, 3) report.row{i = i, sq = i * i} end "
               "report.plot{x = 'i', y = 'sq', file = 'squares.svg'}");
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
  ApiClient client(const std::string& token = "") {
    return std::move(*ApiClient::connect(url_, token));
  }
  // Waits for the job's end event and returns its status.
  std::string wait_end(const std::string& id) {
    std::string status;
    auto c = client();
    auto s = c.follow_events(id, 0, [&](const jobs::JobEvent& e) {
      if (e.type == "end") status = e.data.value("status", "");
      return true;
    });
    EXPECT_TRUE(s.ok()) << s.error().message;
    return status;
  }
  std::pair<int, Json> raw(const std::string& method, const std::string& path,
                           const std::string& body = "", httplib::Headers headers = {}) {
    httplib::Client http(url_);
    auto r = method == "GET" ? http.Get(path, headers)
                             : http.Post(path, headers, body, "application/json");
    if (!r) return {-1, Json()};
    return {r->status, Json::parse(r->body, nullptr, false)};
  }

  recur::testing::TempDir dir_;
  std::unique_ptr<Service> service_;
  std::unique_ptr<HttpServer> server_;
  std::string url_;
};

TEST_F(HttpApi, AJobRunsAndItsEventsReportAndPlotComeBack) {
  start();
  auto c = client();
  auto created = c.post("/v1/jobs", {{"pipeline", "squares"}, {"seed", 7}});
  ASSERT_TRUE(created.ok()) << created.error().message;
  const std::string id = (*created)["id"];
  EXPECT_EQ((*created)["status"], "queued");
  EXPECT_EQ((*created)["seed"], 7);
  std::vector<std::string> types;
  std::vector<std::uint64_t> ids;
  ASSERT_TRUE(c.follow_events(id, 0, [&](const jobs::JobEvent& e) {
                 types.push_back(e.type);
                 ids.push_back(e.id);
                 return true;
               }).ok());
  const std::vector<std::string> expected = {"status", "status",   "log", "progress", "row",
                                             "log",    "progress", "row", "log",      "progress",
                                             "row",    "status",   "end"};
  EXPECT_EQ(types, expected);
  for (std::size_t i = 0; i < ids.size(); ++i) EXPECT_EQ(ids[i], i + 1);
  auto job = c.get("/v1/jobs/" + id);
  ASSERT_TRUE(job.ok());
  EXPECT_EQ((*job)["status"], "finished");
  EXPECT_EQ((*job)["summary"]["rows"], 3);
  // The API names report files, not paths of the server.
  for (const auto& f : (*job)["summary"]["files"])
    EXPECT_EQ(f.get<std::string>().find('/'), std::string::npos) << f;
  auto report = c.get("/v1/jobs/" + id + "/report");
  ASSERT_TRUE(report.ok()) << report.error().message;
  EXPECT_EQ((*report)["rows"][2]["sq"], 9);
  auto csv = c.get_text("/v1/jobs/" + id + "/report.csv");
  ASSERT_TRUE(csv.ok());
  EXPECT_EQ(csv->substr(0, csv->find('\n')), "i,sq");
  auto svg = c.get_text("/v1/jobs/" + id + "/plots/squares.svg");
  ASSERT_TRUE(svg.ok()) << svg.error().message;
  EXPECT_NE(svg->find("<svg"), std::string::npos);
  // A client that saw event 5 and reconnects gets 6 on, nothing twice, nothing missed.
  std::vector<std::uint64_t> rest;
  ASSERT_TRUE(c.follow_events(id, 5, [&](const jobs::JobEvent& e) {
                 rest.push_back(e.id);
                 return true;
               }).ok());
  ASSERT_FALSE(rest.empty());
  EXPECT_EQ(rest.front(), 6u);
  EXPECT_EQ(rest.back(), ids.back());
}

TEST_F(HttpApi, JobsAreListedInPagesAndByStatus) {
  start();
  auto c = client();
  for (int i = 0; i < 3; ++i)
    ASSERT_TRUE(c.post("/v1/jobs", {{"source", "report.row{i = " + std::to_string(i) + "}"}}).ok());
  for (const char* id : {"job-000001", "job-000002", "job-000003"})
    EXPECT_EQ(wait_end(id), "finished");
  auto first = c.get("/v1/jobs?limit=2");
  ASSERT_TRUE(first.ok());
  ASSERT_EQ((*first)["jobs"].size(), 2u);
  EXPECT_EQ((*first)["next"], "job-000002");
  auto second = c.get("/v1/jobs?limit=2&after=job-000002");
  ASSERT_TRUE(second.ok());
  ASSERT_EQ((*second)["jobs"].size(), 1u);
  EXPECT_TRUE((*second)["next"].is_null());
  // Newest first, the cursor counting down.
  auto newest = c.get("/v1/jobs?order=desc&limit=2");
  ASSERT_TRUE(newest.ok());
  ASSERT_EQ((*newest)["jobs"].size(), 2u);
  EXPECT_EQ((*newest)["jobs"][0]["id"], "job-000003");
  EXPECT_EQ((*newest)["jobs"][1]["id"], "job-000002");
  EXPECT_EQ((*newest)["next"], "job-000002");
  auto older = c.get("/v1/jobs?order=desc&limit=2&after=job-000002");
  ASSERT_TRUE(older.ok());
  ASSERT_EQ((*older)["jobs"].size(), 1u);
  EXPECT_EQ((*older)["jobs"][0]["id"], "job-000001");
  EXPECT_TRUE((*older)["next"].is_null());
  auto [bad, body] = raw("GET", "/v1/jobs?order=sideways");
  EXPECT_EQ(bad, 400);
  EXPECT_NE(body.dump().find("query 'order'"), std::string::npos) << body.dump();
  auto none = c.get("/v1/jobs?status=queued");
  ASSERT_TRUE(none.ok());
  EXPECT_TRUE((*none)["jobs"].empty());
  auto cancel = c.post("/v1/jobs/job-000001/cancel", Json::object());
  ASSERT_FALSE(cancel.ok());
  EXPECT_EQ(cancel.error().code, ErrorCode::invalid_argument);  // it has ended
}

TEST_F(HttpApi, BadRequestsAreRefusedNamingWhatIsWrong) {
  HttpOptions http;
  http.max_body_bytes = 4096;
  start(http);
  const std::vector<std::pair<std::string, std::string>> cases = {
      {"{", "not valid JSON"},
      {"[]", "must be a JSON object"},
      {R"({"source": 5})", "field 'source': must be a string"},
      {R"({"source": "x", "seed": -1})", "field 'seed': must not be negative"},
      {R"({"source": "x", "params": {"n": [1]}})", "field 'params.n'"},
      {R"({"source": "x", "budgets": {"max_wall": 1}})", "field 'budgets.max_wall': unknown"},
      {R"({"source": "x", "colour": 1})", "field 'colour': unknown"},
      {R"({"pipeline": "../etc/passwd"})", "is not a pipeline name"},
      {R"({"pipeline": "a", "source": "b"})", "exactly one of 'pipeline' and 'source'"},
  };
  for (const auto& [body, message] : cases) {
    auto [status, j] = raw("POST", "/v1/jobs", body);
    EXPECT_EQ(status, 400) << body;
    EXPECT_EQ(j["error"]["code"], "invalid_argument") << body;
    EXPECT_NE(j["error"].value("message", "").find(message), std::string::npos)
        << body << ": " << j.dump();
  }
  EXPECT_EQ(raw("POST", "/v1/jobs", R"({"pipeline": "nowhere"})").first, 404);
  EXPECT_EQ(raw("GET", "/v1/jobs/job-000042").first, 404);
  EXPECT_EQ(raw("GET", "/v1/jobs?limit=0").first, 400);
  EXPECT_EQ(raw("GET", "/v1/jobs?status=sleeping").first, 400);
  auto [big, j] = raw("POST", "/v1/jobs", "{\"source\": \"" + std::string(8000, 'x') + "\"}");
  EXPECT_EQ(big, 413);
  EXPECT_EQ(raw("GET", "/v2/anything").second["error"]["code"], "not_found");
  // The service went on through all of it.
  EXPECT_EQ(raw("GET", "/healthz").first, 200);
}

TEST_F(HttpApi, TokensAndRolesGuardEveryRoute) {
  const auto file = dir_ / "tokens.json";
  auto reader = add_token(file, "reader", Role::read, 0);
  auto submitter = add_token(file, "submitter", Role::submit, 0);
  ASSERT_TRUE(reader.ok() && submitter.ok());
  HttpOptions http;
  http.auth = file;
  start(http);
  auto bearer = [](const std::string& t) {
    return httplib::Headers{{"Authorization", "Bearer " + t}};
  };
  auto [none, body] = raw("GET", "/v1/jobs");
  EXPECT_EQ(none, 401);
  EXPECT_EQ(body["error"]["code"], "unauthenticated");
  EXPECT_EQ(raw("GET", "/v1/jobs", "", bearer(reader->token + "x")).first, 401);
  EXPECT_EQ(raw("GET", "/v1/jobs", "", bearer(reader->token)).first, 200);
  auto [denied, why] =
      raw("POST", "/v1/jobs", R"({"source": "report.row{x = 1}"})", bearer(reader->token));
  EXPECT_EQ(denied, 403);
  EXPECT_EQ(why["error"]["code"], "permission_denied");
  EXPECT_EQ(
      raw("POST", "/v1/jobs", R"({"source": "report.row{x = 1}"})", bearer(submitter->token)).first,
      201);
  EXPECT_EQ(raw("GET", "/healthz").first, 200);  // probes need no token
}

TEST_F(HttpApi, WithoutATokenFileOnlyLoopbackIsServed) {
  ServiceOptions options;
  options.store_dir = dir_ / "store";
  auto service = Service::open(options);
  ASSERT_TRUE(service.ok());
  HttpOptions http;
  http.host = "0.0.0.0";
  auto server = HttpServer::start(**service, http);
  ASSERT_FALSE(server.ok());
  EXPECT_EQ(server.error().code, ErrorCode::failed_precondition);
  EXPECT_TRUE(is_loopback("127.0.0.1"));
  EXPECT_TRUE(is_loopback("::1"));
  EXPECT_FALSE(is_loopback("10.0.0.1"));
}

TEST_F(HttpApi, EventStreamsPastTheLimitAreRefusedWith503) {
  HttpOptions http;
  http.max_event_streams = 1;
  http.heartbeat = std::chrono::seconds(1);
  start(http, 1);
  auto c = client();
  // The first job computes until it is cancelled, so its stream stays open.
  auto busy = c.post("/v1/jobs", {{"source", "while true do end"}});
  ASSERT_TRUE(busy.ok());
  std::atomic<bool> opened{false};
  std::thread holder([&] {
    auto h = client();
    (void)h.follow_events("job-000001", 0, [&](const jobs::JobEvent&) {
      opened = true;
      return true;
    });
  });
  for (int i = 0; i < 400 && !opened; ++i)
    std::this_thread::sleep_for(std::chrono::milliseconds(25));
  ASSERT_TRUE(opened);
  auto [status, body] = raw("GET", "/v1/jobs/job-000001/events");
  EXPECT_EQ(status, 503);
  EXPECT_EQ(body["error"]["code"], "unavailable");
  ASSERT_TRUE(c.post("/v1/jobs/job-000001/cancel", Json::object()).ok());
  holder.join();  // the stream ends with the job's end event
  EXPECT_EQ((*c.get("/v1/jobs/job-000001"))["status"], "cancelled");
}

TEST_F(HttpApi, AClientOverItsRateGets429WithRetryAfter) {
  HttpOptions http;
  http.requests_per_second = 0.01;
  http.request_burst = 2;
  start(http);
  httplib::Client c(url_);
  EXPECT_EQ(c.Get("/v1/jobs")->status, 200);
  EXPECT_EQ(c.Get("/v1/jobs")->status, 200);
  auto third = c.Get("/v1/jobs");
  EXPECT_EQ(third->status, 429);
  EXPECT_FALSE(third->get_header_value("Retry-After").empty());
  EXPECT_EQ(Json::parse(third->body)["error"]["code"], "resource_exhausted");
}

TEST_F(HttpApi, ADrainedServiceLeavesItsJobRunningAndTheNextOneResumesIt) {
  start({}, 1);
  auto c = client();
  ASSERT_TRUE(c.post("/v1/jobs", {{"source", "local n = 0 while true do n = n + 1 end"}}).ok());
  for (int i = 0; i < 400; ++i) {
    if ((*c.get("/v1/jobs/job-000001"))["status"] == "running") break;
    std::this_thread::sleep_for(std::chrono::milliseconds(25));
  }
  server_.reset();
  service_->drain();
  service_.reset();
  start({}, 1);
  auto again = client();
  Json job;
  for (int i = 0; i < 400; ++i) {
    job = *again.get("/v1/jobs/job-000001");
    if (job["runs"] == 2) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(25));
  }
  EXPECT_EQ(job["status"], "running");
  EXPECT_EQ(job["runs"], 2);
  ASSERT_TRUE(again.post("/v1/jobs/job-000001/cancel", Json::object()).ok());
  EXPECT_EQ(wait_end("job-000001"), "cancelled");
}

TEST_F(HttpApi, ASessionStreamsItsTokensAndEndsWithItsOutcome) {
  start();
  auto c = client();
  auto created =
      c.post("/v1/sessions",
             {{"model", "addition-pointer"}, {"prompt", "1 2 + 3 4 ="}, {"max_tokens", 200}});
  ASSERT_TRUE(created.ok()) << created.error().message;
  const std::string id = (*created)["id"];
  // Read the stream by hand: token events carry the text they add, then the end.
  httplib::Client http(url_);
  std::string stream;
  auto r = http.Get("/v1/sessions/" + id + "/events", [&](const char* data, std::size_t n) {
    stream.append(data, n);
    return true;
  });
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 200);
  std::string text;
  for (std::size_t at = 0; (at = stream.find("event: token\ndata: ", at)) != std::string::npos;) {
    at += 19;
    text += Json::parse(stream.substr(at, stream.find('\n', at) - at))["text"].get<std::string>();
  }
  EXPECT_EQ(text, "4 6");
  EXPECT_NE(stream.find("event: end"), std::string::npos);
  auto view = c.get("/v1/sessions/" + id);
  ASSERT_TRUE(view.ok());
  EXPECT_EQ((*view)["status"], "finished");
  EXPECT_EQ((*view)["output"], "4 6");
  EXPECT_EQ((*view)["outcome"]["status"], "finished");
  EXPECT_EQ(raw("GET", "/v1/sessions/s-0000").first, 404);
  auto unknown = c.post("/v1/sessions", {{"model", "nowhere"}, {"prompt", "1 ="}});
  ASSERT_FALSE(unknown.ok());
  EXPECT_EQ(unknown.error().code, ErrorCode::not_found);
  auto bad = c.post("/v1/sessions", {{"model", "addition-pointer"}, {"prompt", "1"}, {"top_p", 3}});
  ASSERT_FALSE(bad.ok());
  EXPECT_NE(bad.error().message.find("field 'top_p'"), std::string::npos);
}

TEST_F(HttpApi, CompletionsAnswerInTheOpenAIShapeWholeAndStreamed) {
  start();
  const Json ask = {{"model", "addition-pointer"},
                    {"prompt", "5 5 + 6 6 ="},
                    {"max_tokens", 200},
                    {"temperature", 0},
                    {"user", "test"}};
  auto [status, whole] = raw("POST", "/v1/completions", ask.dump());
  ASSERT_EQ(status, 200) << whole.dump();
  EXPECT_EQ(whole["object"], "text_completion");
  EXPECT_EQ(whole["choices"][0]["text"], "1 2 1");
  EXPECT_EQ(whole["choices"][0]["finish_reason"], "stop");
  EXPECT_EQ(whole["usage"]["completion_tokens"], 3);
  EXPECT_EQ(whole["usage"]["total_tokens"], whole["usage"]["prompt_tokens"].get<int>() + 3);
  Json short_ask = ask;
  short_ask["max_tokens"] = 5;  // the model thinks with the pointer before it writes an answer
  EXPECT_EQ(raw("POST", "/v1/completions", short_ask.dump()).second["choices"][0]["finish_reason"],
            "length");
  Json streamed = ask;
  streamed["stream"] = true;
  httplib::Client http(url_);
  auto r = http.Post("/v1/completions", streamed.dump(), "application/json");
  ASSERT_TRUE(r);
  std::string text, finish;
  bool done = false;
  for (std::size_t at = 0; (at = r->body.find("data: ", at)) != std::string::npos;) {
    at += 6;
    const std::string line = r->body.substr(at, r->body.find('\n', at) - at);
    if (line == "[DONE]") {
      done = true;
      break;
    }
    const Json chunk = Json::parse(line);
    text += chunk["choices"][0]["text"].get<std::string>();
    if (!chunk["choices"][0]["finish_reason"].is_null())
      finish = chunk["choices"][0]["finish_reason"];
  }
  EXPECT_TRUE(done) << r->body;
  EXPECT_EQ(text, "1 2 1");
  EXPECT_EQ(finish, "stop");
  Json two = ask;
  two["n"] = 2;
  EXPECT_EQ(raw("POST", "/v1/completions", two.dump()).first, 400);
}

TEST_F(HttpApi, ARunningJobShowsItsLastProgressAndThatACancelWasAsked) {
  start();
  dir_.write("pipelines/spin.lua",
             "progress(1, 4, 'warming') local x = 0 while true do x = x + 1 end");
  auto c = client();
  auto created = c.post("/v1/jobs", {{"pipeline", "spin"}});
  ASSERT_TRUE(created.ok()) << created.error().message;
  const std::string id = (*created)["id"];
  EXPECT_FALSE(created->contains("progress"));
  // Once the progress event is out, the job shows it.
  ASSERT_TRUE(
      c.follow_events(id, 0, [](const jobs::JobEvent& e) { return e.type != "progress"; }).ok());
  auto job = c.get("/v1/jobs/" + id);
  ASSERT_TRUE(job.ok());
  EXPECT_EQ((*job)["status"], "running");
  EXPECT_EQ((*job)["progress"], Json({{"done", 1.0}, {"total", 4.0}, {"message", "warming"}}));
  EXPECT_FALSE(job->contains("cancel_requested"));
  auto cancelled = c.post("/v1/jobs/" + id + "/cancel", Json::object());
  ASSERT_TRUE(cancelled.ok()) << cancelled.error().message;
  // The script never ends by itself: it is running until the cancel reaches it.
  EXPECT_EQ((*cancelled)["status"], "running");
  EXPECT_EQ((*cancelled)["cancel_requested"], true);
  EXPECT_EQ(wait_end(id), "cancelled");
  job = c.get("/v1/jobs/" + id);
  ASSERT_TRUE(job.ok());
  EXPECT_FALSE(job->contains("progress"));
  EXPECT_FALSE(job->contains("cancel_requested"));
}

TEST_F(HttpApi, AJobOfTheCommandLineShowsNoServerPath) {
  // A job that `recur run /srv/.../x.lua --enqueue` put in the store before the service opened it.
  {
    auto store = jobs::open_job_store(dir_ / "store", jobs::JobStoreAccess::write);
    ASSERT_TRUE(store.ok()) << store.error().message;
    jobs::Job job;
    job.script = (dir_ / "private" / "enqueued.lua").string();
    job.source = "report.row{x = 1}";
    ASSERT_TRUE(jobs::JobStore(*store).create(job).ok());
  }
  start();
  auto c = client();
  EXPECT_EQ(wait_end("job-000001"), "finished");
  auto job = c.get("/v1/jobs/job-000001");
  ASSERT_TRUE(job.ok());
  EXPECT_EQ((*job)["script"], "enqueued.lua");
  EXPECT_EQ(job->dump().find("private"), std::string::npos) << job->dump();
}

}  // namespace
}  // namespace recur::server
