// The tokenizer against Hugging Face tokenizers: every fixture case (ids and both decodings), the
// behaviours the fixtures do not reach (expected values from tokenizers 0.23.2), the errors, and
// hostile input.
#include "model/tokenizer.hpp"

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <functional>
#include <random>
#include <string>
#include <vector>

namespace recur {
namespace {

using nlohmann::json;

const std::string kFixtures = RECUR_FIXTURES_DIR;

json read_json(const std::string& path) {
  std::ifstream in(path);
  return json::parse(in);
}

json fixture(const std::string& name) {
  return read_json(kFixtures + "/tokenizers/" + name + "/tokenizer.json");
}

std::vector<TokenId> encode_ok(const Tokenizer& t, std::string_view text) {
  auto ids = t.encode(text);
  EXPECT_TRUE(ids) << ids.error().message;
  return ids ? *ids : std::vector<TokenId>{};
}

std::string decode_ok(const Tokenizer& t, const std::vector<TokenId>& ids, bool skip = false) {
  auto text = t.decode(ids, skip);
  EXPECT_TRUE(text) << text.error().message;
  return text ? *text : std::string();
}

json added_token(const std::string& content, json options = json::object()) {
  json token = {{"id", 0},         {"content", content},  {"single_word", false}, {"lstrip", false},
                {"rstrip", false}, {"normalized", false}, {"special", false}};
  token.update(options);
  return token;
}

// The error of parsing a tokenizer.json that is expected to be refused.
std::string parse_error(const json& j) {
  auto t = Tokenizer::parse(j, "tokenizer.json");
  EXPECT_FALSE(t) << "parsed a tokenizer.json that should be refused";
  return t ? std::string() : t.error().message;
}

// --- Parity with every fixture case ---------------------------------------------------------

struct FixtureCase {
  std::string name;
  std::string tokenizer;  // paths under the fixtures directory
  std::string cases;
};

class TokenizerFixture : public testing::TestWithParam<FixtureCase> {};

TEST_P(TokenizerFixture, EncodesAndDecodesEveryCaseLikeHuggingFace) {
  auto t = Tokenizer::load(kFixtures + "/" + GetParam().tokenizer);
  ASSERT_TRUE(t) << t.error().message;
  const json cases = read_json(kFixtures + "/" + GetParam().cases);
  ASSERT_FALSE(cases.empty());
  for (const auto& c : cases) {
    const std::string text = c["text"];
    SCOPED_TRACE(text);
    const auto ids = c["ids"].get<std::vector<TokenId>>();
    EXPECT_EQ(encode_ok(*t, text), ids);
    EXPECT_EQ(decode_ok(*t, ids), c["decoded"].get<std::string>());
    EXPECT_EQ(decode_ok(*t, ids, true), c["decoded_skip_special"].get<std::string>());
  }
}

INSTANTIATE_TEST_SUITE_P(
    Fixtures, TokenizerFixture,
    testing::Values(
        FixtureCase{"bpe", "tokenizers/bpe/tokenizer.json", "tokenizers/bpe/cases.json"},
        FixtureCase{"bpe_nfc", "tokenizers/bpe-nfc/tokenizer.json",
                    "tokenizers/bpe-nfc/cases.json"},
        FixtureCase{"wordlevel", "tokenizers/wordlevel/tokenizer.json",
                    "tokenizers/wordlevel/cases.json"},
        FixtureCase{"tiny_bundle", "models/tiny/tokenizer.json", "tokenizers/bpe/cases.json"},
        FixtureCase{"wordlevel_bundle", "models/wordlevel/tokenizer.json",
                    "tokenizers/wordlevel/cases.json"}),
    [](const testing::TestParamInfo<FixtureCase>& info) { return info.param.name; });

// --- Behaviour beyond the fixtures ----------------------------------------------------------

TEST(Tokenizer, ByteLevelPrefixSpaceStartsEverySpanBetweenAddedTokens) {
  json j = fixture("bpe");
  j["pre_tokenizer"]["add_prefix_space"] = true;
  auto t = Tokenizer::parse(j, "tokenizer.json");
  ASSERT_TRUE(t) << t.error().message;
  const auto ids = encode_ok(*t, "hello<|endoftext|>world");
  EXPECT_EQ(ids, (std::vector<TokenId>{225, 264, 266, 83, 0, 330, 83, 86, 80, 72}));
  EXPECT_EQ(decode_ok(*t, ids), " hello<|endoftext|> world");
  EXPECT_EQ(decode_ok(*t, ids, true), " hello world");
}

TEST(Tokenizer, AddedTokensStripWhiteSpaceMatchWholeWordsAndTakeIdsAfterTheVocabulary) {
  json j = fixture("bpe");
  j["added_tokens"].push_back(added_token("<L>", {{"lstrip", true}, {"special", true}}));
  j["added_tokens"].push_back(added_token("<R>", {{"rstrip", true}}));
  j["added_tokens"].push_back(added_token("ab", {{"single_word", true}}));
  j["added_tokens"].push_back(added_token("zzq", {{"id", 1000}}));  // the id written is not used
  auto t = Tokenizer::parse(j, "tokenizer.json");
  ASSERT_TRUE(t) << t.error().message;

  EXPECT_EQ(t->token_to_id("    "), 400);  // the fixture's own added token, after 400 entries
  EXPECT_EQ(t->token_to_id("<L>"), 401);
  EXPECT_EQ(t->token_to_id("zzq"), 404);
  EXPECT_EQ(t->vocab_size(), 405u);
  EXPECT_TRUE(t->is_special(401));
  EXPECT_FALSE(t->is_special(402));
  EXPECT_EQ(t->id_to_token(402), "<R>");

  auto ids = encode_ok(*t, "x  \t<L>  y");
  EXPECT_EQ(ids, (std::vector<TokenId>{92, 401, 225, 225, 93}));
  EXPECT_EQ(decode_ok(*t, ids), "x<L>  y");
  EXPECT_EQ(decode_ok(*t, ids, true), "x  y");
  ids = encode_ok(*t, "x  <R> \t y");
  EXPECT_EQ(ids, (std::vector<TokenId>{92, 271, 402, 93}));
  EXPECT_EQ(decode_ok(*t, ids), "x  <R>y");
  EXPECT_EQ(encode_ok(*t, "ab abc ab, cab ab"),
            (std::vector<TokenId>{403, 261, 70, 71, 225, 403, 16, 294, 69, 70, 225, 403}));
  EXPECT_EQ(encode_ok(*t, "a zzq"), (std::vector<TokenId>{69, 225, 404}));
}

TEST(Tokenizer, NormalizedAddedTokenMatchesNormalizedTextAndDecodesAsItsNormalizedForm) {
  json j = fixture("bpe-nfc");
  j["added_tokens"].push_back(added_token("cafe\u0301", {{"normalized", true}}));
  auto t = Tokenizer::parse(j, "tokenizer.json");
  ASSERT_TRUE(t) << t.error().message;
  EXPECT_EQ(encode_ok(*t, "un caf\u00e9"), (std::vector<TokenId>{89, 82, 225, 401}));
  EXPECT_EQ(encode_ok(*t, "un cafe\u0301"), (std::vector<TokenId>{89, 82, 225, 401}));
  // The content becomes "caf\u00e9", whose last character the ByteLevel decoder reads as byte E9.
  EXPECT_EQ(decode_ok(*t, {401}), "caf\ufffd");
}

TEST(Tokenizer, MergesWrittenAsStringsEncodeLikeMergesWrittenAsPairs) {
  json j = fixture("bpe");
  for (auto& merge : j["model"]["merges"]) {
    merge = merge[0].get<std::string>() + " " + merge[1].get<std::string>();
  }
  auto t = Tokenizer::parse(j, "tokenizer.json");
  ASSERT_TRUE(t) << t.error().message;
  for (const auto& c : read_json(kFixtures + "/tokenizers/bpe/cases.json")) {
    EXPECT_EQ(encode_ok(*t, c["text"].get<std::string>()), c["ids"].get<std::vector<TokenId>>());
  }
}

TEST(Tokenizer, ByteLevelDecoderReplacesEachIllFormedSequenceOnce) {
  auto t = Tokenizer::load(kFixtures + "/tokenizers/bpe/tokenizer.json");
  ASSERT_TRUE(t) << t.error().message;
  const TokenId c3 = *t->token_to_id("\u00c3"), a9 = *t->token_to_id("\u00a9");
  EXPECT_EQ(decode_ok(*t, {c3}), "\ufffd");
  EXPECT_EQ(decode_ok(*t, {*t->token_to_id("\u00f0"), *t->token_to_id("\u0141"),
                           *t->token_to_id("\u00a4"), *t->token_to_id("H")}),
            "\ufffdH");  // F0 9F A4 is a truncated 4-byte sequence
  EXPECT_EQ(decode_ok(*t, {c3, 0, a9}), "\ufffd<|endoftext|>\ufffd");
  EXPECT_EQ(decode_ok(*t, {c3, 0, a9}, true), "\u00e9");  // the bytes meet once 0 is skipped
}

TEST(Tokenizer, WhitespacePreTokenizerSplitsPunctuationFromWords) {
  json j = fixture("wordlevel");
  j["pre_tokenizer"] = {{"type", "Whitespace"}};
  auto whitespace = Tokenizer::parse(j, "tokenizer.json");
  auto whitespace_split = Tokenizer::parse(fixture("wordlevel"), "tokenizer.json");
  ASSERT_TRUE(whitespace && whitespace_split);
  const std::string text = "state space models, tool use.";
  const auto ids = encode_ok(*whitespace, text);
  EXPECT_EQ(ids, (std::vector<TokenId>{8, 7, 5, 11, 9, 10, 12}));
  EXPECT_EQ(decode_ok(*whitespace, ids), "state space models , tool use .");
  EXPECT_EQ(encode_ok(*whitespace_split, text), (std::vector<TokenId>{8, 7, 0, 9, 0}));
}

// A BPE over a small alphabet; characters outside it become unk_token, bytes or nothing.
json small_bpe() {
  return {{"version", "1.0"},
          {"added_tokens", json::array()},
          {"pre_tokenizer", {{"type", "WhitespaceSplit"}}},
          {"model",
           {{"type", "BPE"},
            {"unk_token", "<unk>"},
            {"vocab",
             {{"<unk>", 0},
              {"a", 1},
              {"b", 2},
              {"c", 3},
              {"ab", 4},
              {"abc", 5},
              {"bc", 6},
              {"<0x78>", 7},
              {"<0xC3>", 8},
              {"<0xA9>", 9}}},
            {"merges", json::array({json::array({"a", "b"}), json::array({"ab", "c"}),
                                    json::array({"b", "c"})})}}}};
}

TEST(Tokenizer, BpeCharactersOutsideTheVocabularyBecomeUnkBytesOrNothing) {
  const std::string text = "abc bca xxa \u00e9a qqa";
  struct Variant {
    const char* option;
    json value;
    std::vector<TokenId> ids;
  };
  for (const auto& v :
       std::vector<Variant>{{"fuse_unk", false, {5, 6, 1, 0, 0, 1, 0, 1, 0, 0, 1}},
                            {"fuse_unk", true, {5, 6, 1, 0, 1, 0, 1, 0, 1}},
                            {"byte_fallback", true, {5, 6, 1, 7, 7, 1, 8, 9, 1, 0, 0, 1}},
                            {"unk_token", nullptr, {5, 6, 1, 1, 1, 1}}}) {
    SCOPED_TRACE(std::string(v.option) + " = " + v.value.dump());
    json j = small_bpe();
    j["model"][v.option] = v.value;
    auto t = Tokenizer::parse(j, "tokenizer.json");
    ASSERT_TRUE(t) << t.error().message;
    EXPECT_EQ(encode_ok(*t, text), v.ids);
  }
}

TEST(Tokenizer, BpeAppliesContinuingSubwordPrefixAndEndOfWordSuffix) {
  json j = small_bpe();
  j["model"]["continuing_subword_prefix"] = "##";
  j["model"]["end_of_word_suffix"] = "</w>";
  j["model"]["vocab"] = {{"<unk>", 0},   {"a", 1},     {"##b", 2}, {"##c</w>", 3}, {"ab", 4},
                         {"abc</w>", 5}, {"a</w>", 6}, {"##a", 7}, {"##b</w>", 8}, {"ab</w>", 9}};
  j["model"]["merges"] = json::array(
      {json::array({"a", "##b"}), json::array({"ab", "##c</w>"}), json::array({"a", "##b</w>"})});
  auto t = Tokenizer::parse(j, "tokenizer.json");
  ASSERT_TRUE(t) << t.error().message;
  EXPECT_EQ(encode_ok(*t, "abc ab a aab abcc"), (std::vector<TokenId>{5, 9, 6, 1, 7, 8, 4, 0, 3}));
}

TEST(Tokenizer, NfcComposesHangulJamoReordersMarksAndReplacesSingletons) {
  auto t = Tokenizer::load(kFixtures + "/tokenizers/bpe-nfc/tokenizer.json");
  ASSERT_TRUE(t) << t.error().message;
  EXPECT_EQ(encode_ok(*t, "\u1100\u1161\u11a8"), encode_ok(*t, "\uac01"));
  EXPECT_EQ(encode_ok(*t, "s\u0307\u0323"), encode_ok(*t, "\u1e69"));  // dot below sorts first
  EXPECT_EQ(encode_ok(*t, "\u212b"), encode_ok(*t, "\u00c5"));         // ANGSTROM SIGN
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
  EXPECT_NE(t.error().message.find(missing.string() + ": cannot open"), std::string::npos);

  const auto garbage = dir / ("recur-tokenizer-test-" + std::to_string(::getpid()) + ".json");
  std::ofstream(garbage) << "{\"model\": [1, 2,";
  t = Tokenizer::load(garbage);
  std::filesystem::remove(garbage);
  ASSERT_FALSE(t);
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
