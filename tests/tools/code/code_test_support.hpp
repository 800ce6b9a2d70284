// Helpers for the tests of tools/code: a code tool, a call that returns the structured result, a
// fixture for attacks, and a look through /proc for processes that outlived their run.
#pragma once

#include <dirent.h>

#include <chrono>
#include <fstream>
#include <memory>
#include <sstream>
#include <string>
#include <thread>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "tools/code/code_tool.hpp"

namespace recur::tools::testing {

using Json = nlohmann::json;

inline std::unique_ptr<Tool> code_tool(const Json& config = Json::object()) {
  auto tool = make_code_tool(config);
  EXPECT_TRUE(tool.ok()) << (tool.ok() ? "" : tool.error().message);
  return tool.ok() ? std::move(*tool) : nullptr;
}

struct Run {
  Json result;  // structuredContent
  std::string text;
  bool is_error;
};

inline Run run_code(Tool& tool, const std::string& language, const std::string& source,
                    double timeout_s = 5, Json extra = Json::object()) {
  Json args = extra;
  args["language"] = language;
  args["source"] = source;
  args["timeout_s"] = timeout_s;
  ToolResult r = tool.call(args, {});
  return {r.structured, r.joined_text(), r.is_error};
}

// A fixture for attacks: a fresh code tool, and after the attack the runner must still answer a
// plain call.
class AttackTest : public ::testing::Test {
 protected:
  void SetUp() override { tool_ = code_tool(); }
  void TearDown() override {
    auto run = run_code(*tool_, "sh", "echo healthy");
    EXPECT_EQ(run.result["stdout"], "healthy\n") << run.text;
  }

  std::unique_ptr<Tool> tool_;
};

// Processes whose command line contains `needle`, other than this test process.
inline int processes_with(const std::string& needle) {
  int count = 0;
  DIR* proc = opendir("/proc");
  if (proc == nullptr) return 0;
  while (dirent* entry = readdir(proc)) {
    if (entry->d_name[0] < '1' || entry->d_name[0] > '9') continue;
    if (std::to_string(::getpid()) == entry->d_name) continue;
    std::ifstream in(std::string("/proc/") + entry->d_name + "/cmdline", std::ios::binary);
    std::stringstream text;
    text << in.rdbuf();
    std::string cmdline = text.str();
    for (char& c : cmdline)
      if (c == '\0') c = ' ';
    if (cmdline.find(needle) != std::string::npos) ++count;
  }
  closedir(proc);
  return count;
}

}  // namespace recur::tools::testing
