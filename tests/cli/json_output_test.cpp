// Every command with --json prints exactly one JSON document on stdout, whatever else it says
// (tables, progress, streamed text) going to stderr, so `recur ... --json | jq` always works.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "support/reference.hpp"
#include "support/session_scripts.hpp"
#include "support/subprocess.hpp"
#include "support/temp_dir.hpp"

namespace recur {
namespace {

using Json = nlohmann::json;
using recur::testing::Exit;

const std::string kAddition = std::string(RECUR_SOURCE_DIR) + "/models/addition-pointer";

// Runs `recur ARGS` in `dir`; stdout must parse as one JSON document (nothing before or after it
// but white space).
Json json_of(const std::vector<std::string>& args, const std::filesystem::path& dir) {
  const Exit e = recur::testing::run_program(RECUR_CLI, args, dir);
  EXPECT_EQ(e.status, 0) << args[0] << ": " << e.err;
  const Json j = Json::parse(e.out, nullptr, false);
  EXPECT_FALSE(j.is_discarded()) << args[0] << " --json printed more than one JSON document:\n"
                                 << e.out;
  return j;
}

TEST(JsonOutput, EveryCommandPrintsOneDocument) {
  recur::testing::TempDir dir;
  const std::string tiny = recur::testing::bundle_dir("tiny").string();
  EXPECT_TRUE(
      json_of({"generate", "--model", tiny, "--prompt", "hello", "--max-tokens", "3", "--json"},
              dir.path())
          .contains("tokens"));
  EXPECT_TRUE(json_of({"logits", "--model", tiny, "--tokens", "1,2", "--json"}, dir.path())
                  .contains("logits"));
  EXPECT_TRUE(json_of({"tokenize", "--model", tiny, "--text", "hello", "--json"}, dir.path())
                  .contains("ids"));
  EXPECT_TRUE(json_of({"detokenize", "--model", tiny, "--ids", "1,2", "--json"}, dir.path())
                  .contains("text"));
  EXPECT_TRUE(json_of({"tool", "list", "--json"}, dir.path()).contains("tools"));
  EXPECT_EQ(json_of({"tool", "describe", "expr", "--json"}, dir.path())["name"], "expr");
  EXPECT_FALSE(json_of({"tool", "call", "expr", R"({"expression": "6*7"})", "--json"}, dir.path())
                   .value("isError", true));

  const Json eval = json_of({"eval", "--model", kAddition, "--task", "addition", "--lengths", "3,6",
                             "--n", "2", "--json", "--out", "eval.json", "--failures", "2"},
                            dir.path());
  ASSERT_EQ(eval["rows"].size(), 2u);
  EXPECT_EQ(eval["rows"][0]["length"], 3);
  EXPECT_EQ(json_of({"plot", "eval.json", "--out", "eval.svg", "--json"}, dir.path())["points"], 2);

  const auto bundle = testing::write_bundle(testing::pointer_copy_script(), dir / "copy");
  const Json agent = json_of({"agent", "--model", bundle.dir.string(), "--prompt",
                              testing::copy_prompt(4), "--stream", "--json"},
                             dir.path());
  EXPECT_EQ(agent["status"], "finished");

  dir.write("p.lua", "log('working') progress(1, 2, 'half') report.row{x = 1}");
  const Json run = json_of({"run", "p.lua", "--store", "s", "--json"}, dir.path());
  EXPECT_EQ(run["status"], "finished");
  EXPECT_EQ(run["report"]["rows"].size(), 1u);
  EXPECT_EQ(json_of({"run", "p.lua", "--store", "s", "--enqueue", "--json"}, dir.path())["status"],
            "queued");
  EXPECT_EQ(json_of({"jobs", "list", "--store", "s", "--json"}, dir.path())["jobs"].size(), 2u);
  EXPECT_EQ(json_of({"jobs", "show", "job-000001", "--store", "s", "--json"}, dir.path())["id"],
            "job-000001");
  EXPECT_EQ(
      json_of({"jobs", "cancel", "job-000002", "--store", "s", "--json"}, dir.path())["status"],
      "cancelled");
}

TEST(JsonOutput, AnErrorPrintsNothingOnStdoutAndOneLineOnStderr) {
  recur::testing::TempDir dir;
  for (const std::vector<std::string>& args :
       {std::vector<std::string>{"eval", "--model", "nowhere", "--lengths", "3", "--json"},
        std::vector<std::string>{"jobs", "show", "job-000009", "--store", "s", "--json"},
        std::vector<std::string>{"tool", "call", "expr", "not json", "--json"}}) {
    const Exit e = recur::testing::run_program(RECUR_CLI, args, dir.path());
    EXPECT_EQ(e.status, 1) << args[0];
    EXPECT_TRUE(e.out.empty()) << args[0] << ": " << e.out;
    EXPECT_EQ(std::count(e.err.begin(), e.err.end(), '\n'), 1) << e.err;
  }
}

}  // namespace
}  // namespace recur
