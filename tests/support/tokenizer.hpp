// Helpers shared by the tokenizer tests (tests/model/tokenizer*_test.cpp): the fixtures, and
// encode/decode that report a failure and return an empty result.
#pragma once

#include <gtest/gtest.h>

#include <fstream>
#include <string>
#include <string_view>
#include <vector>

#include "model/tokenizer/tokenizer.hpp"

namespace recur::tokenizer_testing {

using nlohmann::json;

inline const std::string kFixtures = RECUR_FIXTURES_DIR;

inline json read_json(const std::string& path) {
  std::ifstream in(path);
  return json::parse(in);
}

inline json fixture(const std::string& name) {
  return read_json(kFixtures + "/tokenizers/" + name + "/tokenizer.json");
}

inline std::vector<TokenId> encode_ok(const Tokenizer& t, std::string_view text) {
  auto ids = t.encode(text);
  EXPECT_TRUE(ids) << ids.error().message;
  return ids ? *ids : std::vector<TokenId>{};
}

inline std::string decode_ok(const Tokenizer& t, const std::vector<TokenId>& ids,
                             bool skip = false) {
  auto text = t.decode(ids, skip);
  EXPECT_TRUE(text) << text.error().message;
  return text ? *text : std::string();
}

}  // namespace recur::tokenizer_testing
