// The tokenizer refusing what it cannot take: each error names what is wrong (expected messages,
// byte offsets), and hostile input (random bytes, random text) never crashes it.
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <functional>
#include <random>
#include <string>
#include <vector>

#include "model/tokenizer/tokenizer.hpp"
#include "support/tokenizer.hpp"

namespace recur {
namespace {

using namespace tokenizer_testing;

// The error of parsing a tokenizer.json that is expected to be refused.
std::string parse_error(const json& j) {
  auto t = Tokenizer::parse(j, "tokenizer.json");
  EXPECT_FALSE(t) << "parsed a tokenizer.json that should be refused";
  if (t) return std::string();
  EXPECT_EQ(t.error().code, ErrorCode::invalid_argument) << t.error().message;
  return t.error().message;
}

// --- Errors ---------------------------------------------------------------------------------

TEST(TokenizerErrors, InvalidUtf8NamesTheByteOffsetOfTheFirstBadSequence) {
  auto t = Tokenizer::load(kFixtures + "/tokenizers/bpe/tokenizer.json");
  ASSERT_TRUE(t) << t.error().message;
  for (const auto& [text, offset] :
       std::vector<std::pair<std::string, int>>{{"ab\xC3(", 2},
                                                {"abc\xE2\x82", 3},
                                                {"\xC0\xAF", 0},
                                                {"x\xED\xA0\x80", 1},
                                                {"ok \xF4\x90\x80\x80", 3},
                                                {"\xFF", 0}}) {
    auto ids = t->encode(text);
    ASSERT_FALSE(ids);
    EXPECT_NE(ids.error().message.find("byte offset " + std::to_string(offset)), std::string::npos)
        << ids.error().message;
  }
}

TEST(TokenizerErrors, DecodingAnIdOutsideTheVocabularyNamesIt) {
  auto t = Tokenizer::load(kFixtures + "/tokenizers/bpe/tokenizer.json");
  ASSERT_TRUE(t) << t.error().message;
  for (TokenId id : {401, 5000, -1}) {
    auto text = t->decode(std::vector<TokenId>{44, id});
    ASSERT_FALSE(text);
    EXPECT_NE(text.error().message.find("id " + std::to_string(id) + " "), std::string::npos)
        << text.error().message;
  }
  EXPECT_FALSE(t->id_to_token(401));
}

TEST(TokenizerErrors, UnsupportedOrMalformedFieldsAreNamed) {
  struct Case {
    const char* what;
    std::function<void(json&)> change;
    std::string message;  // expected inside the error
  };
  const std::vector<Case> cases = {
      {"model type", [](json& j) { j["model"]["type"] = "Unigram"; },
       "tokenizer.json: field 'model.type' is \"Unigram\"; supported: WordLevel, BPE"},
      {"missing vocab", [](json& j) { j["model"].erase("vocab"); },
       "tokenizer.json: field 'model.vocab' is missing"},
      {"unknown merge token",
       [](json& j) {
         j["model"]["merges"][3] = {"\u0120", "zzz"};
       },
       "field 'model.merges[3]' names \"zzz\", which is not in model.vocab"},
      {"merge string", [](json& j) { j["model"]["merges"][0] = "a b c"; }, "'model.merges[0]'"},
      {"negative id", [](json& j) { j["model"]["vocab"]["a"] = -3; }, "'model.vocab.a'"},
      {"dropout", [](json& j) { j["model"]["dropout"] = 0.1; }, "'model.dropout'"},
      {"post-processor",
       [](json& j) {
         j["post_processor"] = {{"type", "TemplateProcessing"}};
       },
       "field 'post_processor.type' is \"TemplateProcessing\""},
      {"normalizer in a sequence",
       [](json& j) {
         j["normalizer"] = {{"type", "Sequence"},
                            {"normalizers", {{{"type", "NFC"}}, {{"type", "Lowercase"}}}}};
       },
       "field 'normalizer.normalizers[1].type' is \"Lowercase\""},
      {"pre-tokenizer",
       [](json& j) {
         j["pre_tokenizer"] = {{"type", "Metaspace"}};
       },
       "field 'pre_tokenizer.type' is \"Metaspace\""},
      {"decoder",
       [](json& j) {
         j["decoder"] = {{"type", "WordPiece"}};
       },
       "field 'decoder.type' is \"WordPiece\""},
      {"truncation",
       [](json& j) {
         j["truncation"] = {{"max_length", 8}};
       },
       "field 'truncation'"},
      {"added token", [](json& j) { j["added_tokens"][1].erase("content"); },
       "field 'added_tokens[1].content' is missing"},
      {"not an object", [](json& j) { j = json::array(); }, "tokenizer.json: not a JSON object"},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.what);
    json j = fixture("bpe");
    c.change(j);
    const std::string message = parse_error(j);
    EXPECT_NE(message.find(c.message), std::string::npos) << message;
  }
}

TEST(TokenizerErrors, UnreadableOrNonJsonFilesAreNamed) {
  const auto dir = std::filesystem::temp_directory_path();
  const auto missing = dir / "recur-no-such-tokenizer.json";
  auto t = Tokenizer::load(missing);
  ASSERT_FALSE(t);
  EXPECT_EQ(t.error().code, ErrorCode::not_found);
  EXPECT_NE(t.error().message.find(missing.string() + ": cannot open"), std::string::npos);

  const auto garbage = dir / ("recur-tokenizer-test-" + std::to_string(::getpid()) + ".json");
  std::ofstream(garbage) << "{\"model\": [1, 2,";
  t = Tokenizer::load(garbage);
  std::filesystem::remove(garbage);
  ASSERT_FALSE(t);
  EXPECT_EQ(t.error().code, ErrorCode::invalid_argument);
  EXPECT_NE(t.error().message.find(garbage.string() + ": not valid JSON"), std::string::npos)
      << t.error().message;
}

TEST(TokenizerErrors, WordLevelWithoutItsUnkTokenRefusesUnknownWords) {
  json j = fixture("wordlevel");
  j["model"]["unk_token"] = "<missing>";
  auto t = Tokenizer::parse(j, "tokenizer.json");
  ASSERT_TRUE(t) << t.error().message;
  EXPECT_EQ(encode_ok(*t, "the quick"), (std::vector<TokenId>{3, 6}));
  auto ids = t->encode("the zzzz");
  ASSERT_FALSE(ids);
  EXPECT_EQ(ids.error().code, ErrorCode::invalid_argument);
  EXPECT_EQ(ids.error().message.rfind("encode: ", 0), 0u) << ids.error().message;
  EXPECT_NE(ids.error().message.find("<missing>"), std::string::npos) << ids.error().message;
}

// --- Hostile input --------------------------------------------------------------------------

void append_utf8(std::string& out, char32_t c) {
  if (c < 0x80) {
    out += static_cast<char>(c);
  } else if (c < 0x800) {
    out += static_cast<char>(0xC0 | (c >> 6));
    out += static_cast<char>(0x80 | (c & 0x3F));
  } else if (c < 0x10000) {
    out += static_cast<char>(0xE0 | (c >> 12));
    out += static_cast<char>(0x80 | ((c >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (c & 0x3F));
  } else {
    out += static_cast<char>(0xF0 | (c >> 18));
    out += static_cast<char>(0x80 | ((c >> 12) & 0x3F));
    out += static_cast<char>(0x80 | ((c >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (c & 0x3F));
  }
}

// Valid UTF-8 mixing the pieces the tokenizers treat specially with arbitrary code points.
std::string random_text(std::mt19937& rng) {
  static const std::vector<std::string> pieces = {" ",           "  ",
                                                  "\t",          "\n",
                                                  "\r\n",        "\u00a0",
                                                  "\u3000",      "\u0085",
                                                  "'s",          "'",
                                                  "a",           "Z",
                                                  "7",           "\u0301",
                                                  "\u0323",      "\u00e9",
                                                  "\u1100",      "\u1161",
                                                  "\u11a8",      "\uac00",
                                                  "\U0001F916",  "<",
                                                  "    ",        "the",
                                                  "\u200d",      "<|endoftext|>",
                                                  "<tool_call>", "[UNK]"};
  std::string text;
  const int n = std::uniform_int_distribution<int>(0, 24)(rng);
  for (int i = 0; i < n; ++i) {
    if (rng() % 2) {
      text += pieces[rng() % pieces.size()];
      continue;
    }
    const char32_t c = std::uniform_int_distribution<char32_t>(1, 0x10FFFF)(rng);
    append_utf8(text, c >= 0xD800 && c <= 0xDFFF ? U'x' : c);
  }
  return text;
}

TEST(TokenizerHostileInput, RandomBytesAndRandomTextNeverCrash) {
  std::mt19937 rng(20240601);
  for (const char* name : {"bpe", "bpe-nfc", "wordlevel"}) {
    SCOPED_TRACE(name);
    auto t = Tokenizer::load(kFixtures + "/tokenizers/" + name + "/tokenizer.json");
    ASSERT_TRUE(t) << t.error().message;
    for (int i = 0; i < 2000; ++i) {
      std::string bytes(rng() % 48, '\0');
      for (char& b : bytes) b = static_cast<char>(rng());
      auto ids = t->encode(bytes);
      if (ids) {
        EXPECT_TRUE(t->decode(*ids));
      } else {
        EXPECT_NE(ids.error().message.find("not valid UTF-8"), std::string::npos);
      }
      ids = t->encode(random_text(rng));
      ASSERT_TRUE(ids) << ids.error().message;
      EXPECT_TRUE(t->decode(*ids, i % 2 == 0));
    }
  }
}

TEST(TokenizerHostileInput, ByteLevelBpeRoundTripsAnyValidText) {
  auto t = Tokenizer::load(kFixtures + "/tokenizers/bpe/tokenizer.json");
  ASSERT_TRUE(t) << t.error().message;
  std::mt19937 rng(7);
  for (int i = 0; i < 3000; ++i) {
    const std::string text = random_text(rng);
    EXPECT_EQ(decode_ok(*t, encode_ok(*t, text)), text);
  }
  const std::string long_word(200000, 'a');  // a single pre-tokenized word of 200k symbols
  EXPECT_EQ(decode_ok(*t, encode_ok(*t, long_word)), long_word);
}

}  // namespace
}  // namespace recur
