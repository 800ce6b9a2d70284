// The tokenizer against Hugging Face tokenizers: every fixture case (ids and both decodings), and
// the behaviours the fixtures do not reach (expected values from tokenizers 0.23.2). Errors and
// hostile input: tokenizer_bad_input_test.cpp.
#include "model/tokenizer/tokenizer.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "support/tokenizer.hpp"

namespace recur {
namespace {

using namespace tokenizer_testing;

json added_token(const std::string& content, json options = json::object()) {
  json token = {{"id", 0},         {"content", content},  {"single_word", false}, {"lstrip", false},
                {"rstrip", false}, {"normalized", false}, {"special", false}};
  token.update(options);
  return token;
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

}  // namespace
}  // namespace recur
