// Hostile arguments: the code tool, called directly with random JSON (fixed seed), answers each
// call with a result or a tool error, never a crash or an exception, and its results always
// serialize.
#include <random>
#include <string>

#include <gtest/gtest.h>

#include "code_test_support.hpp"

namespace recur::tools {
namespace {

using Json = nlohmann::json;

class RandomArguments {
 public:
  explicit RandomArguments(std::uint32_t seed) : rng_(seed) {}

  Json object() {
    if (rng_() % 2 == 0) return plausible();
    static const char* keys[] = {"language", "source", "stdin", "files", "timeout_s", "other"};
    Json o = Json::object();
    for (int n = rng_() % 6; n > 0; --n) {
      std::string key = keys[rng_() % std::size(keys)];
      if (key == "language" && rng_() % 3 != 0)
        o[key] = rng_() % 2 ? "python" : "sh";
      else if (key == "timeout_s" && rng_() % 3 != 0)
        o[key] = 0.05 + (rng_() % 100) / 200.0;
      else if (key == "files" && rng_() % 2)
        o[key] = {{bytes(8), bytes(20)}, {"ok.txt", "x"}};
      else
        o[key] = value(0);
    }
    return o;
  }

 private:
  // Arguments that pass the checks often, with random programs.
  Json plausible() {
    Json o = {{"language", rng_() % 2 ? "python" : "sh"},
              {"source", bytes(40)},
              {"timeout_s", 0.05 + (rng_() % 50) / 200.0}};
    if (rng_() % 3 == 0) o["stdin"] = bytes(20);
    if (rng_() % 3 == 0) o["files"] = {{bytes(8), bytes(20)}};
    return o;
  }

  Json value(int depth) {
    switch (rng_() % (depth > 2 ? 5 : 7)) {
      case 0:
        return nullptr;
      case 1:
        return rng_() % 2 == 0;
      case 2:
        return static_cast<int>(rng_());
      case 3:
        return (static_cast<double>(rng_()) - 2e9) / 1e6;
      case 4:
        return bytes(30);
      case 5: {
        Json a = Json::array();
        for (int n = rng_() % 4; n > 0; --n) a.push_back(value(depth + 1));
        return a;
      }
      default: {
        Json o = Json::object();
        for (int n = rng_() % 4; n > 0; --n) o[bytes(6)] = value(depth + 1);
        return o;
      }
    }
  }

  std::string bytes(int most) {
    static const std::string alphabet = "ab/.\\ \n;|&$()'\"\xff\xfe\xc3\xa9print(1)exit 3";
    std::string s;
    for (int n = rng_() % most; n > 0; --n) s += alphabet[rng_() % alphabet.size()];
    return s;
  }

  std::mt19937 rng_;
};

TEST(CodeToolFuzz, RandomArgumentsGiveResultsOrToolErrors) {
  auto tool = testing::code_tool({{"timeout_s", 0.5}});
  ASSERT_TRUE(tool);
  RandomArguments random(777);
  int ran = 0;
  for (int i = 0; i < 200; ++i) {
    Json args = random.object();
    ToolResult result = tool->call(args, {});
    EXPECT_NO_THROW(result.to_json().dump()) << i;
    EXPECT_FALSE(result.joined_text().empty());
    if (result.structured.is_object() && result.structured.contains("protections")) ++ran;
  }
  EXPECT_GT(ran, 10);
  auto run = testing::run_code(*tool, "sh", "echo fine");
  EXPECT_EQ(run.result["stdout"], "fine\n");
}

}  // namespace
}  // namespace recur::tools
