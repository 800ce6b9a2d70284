// config.json: Hugging Face and mamba_ssm field names, defaults, and clear errors for bad values.
#include <gtest/gtest.h>

#include "model/config.hpp"
#include "support/reference.hpp"

namespace recur {
namespace {

nlohmann::json base() {
  return {{"model_type", "mamba"}, {"hidden_size", 64},  {"num_hidden_layers", 3},
          {"vocab_size", 100},     {"state_size", 8},    {"expand", 2},
          {"conv_kernel", 4},      {"time_step_rank", 5}};
}

TEST(Config, ReadsEveryFieldThatChangesTheMath) {
  auto j = base();
  j["intermediate_size"] = 96;
  j["layer_norm_epsilon"] = 1e-3;
  j["use_bias"] = true;
  j["use_conv_bias"] = false;
  j["tie_word_embeddings"] = false;
  j["residual_in_fp32"] = false;
  j["eos_token_id"] = 7;
  j["recur"] = {{"protocol", "pointer"}};
  auto c = parse_config(j, "config.json");
  ASSERT_TRUE(c.ok()) << c.error().message;
  EXPECT_EQ(c->hidden_size, 64u);
  EXPECT_EQ(c->intermediate_size, 96u);
  EXPECT_EQ(c->state_size, 8u);
  EXPECT_EQ(c->conv_kernel, 4u);
  EXPECT_EQ(c->time_step_rank, 5u);
  EXPECT_EQ(c->num_layers, 3u);
  EXPECT_FLOAT_EQ(c->layer_norm_epsilon, 1e-3f);
  EXPECT_TRUE(c->use_bias);
  EXPECT_FALSE(c->use_conv_bias);
  EXPECT_FALSE(c->tie_word_embeddings);
  EXPECT_FALSE(c->residual_in_fp32);
  EXPECT_EQ(c->eos_token_id, 7);
  EXPECT_EQ(c->recur.at("protocol"), "pointer");
}

TEST(Config, DerivesIntermediateSizeAndAutoTimeStepRank) {
  auto j = base();
  j["hidden_size"] = 40;
  j["expand"] = 3;
  j["time_step_rank"] = "auto";
  auto c = parse_config(j, "config.json");
  ASSERT_TRUE(c.ok());
  EXPECT_EQ(c->intermediate_size, 120u);
  EXPECT_EQ(c->time_step_rank, 3u);  // ceil(40 / 16)
  EXPECT_FALSE(c->use_bias);         // transformers' defaults
  EXPECT_TRUE(c->use_conv_bias);
  EXPECT_TRUE(c->tie_word_embeddings);
}

TEST(Config, AcceptsMambaSsmOriginalNamesAndPadsTheVocabulary) {
  nlohmann::json j = {{"d_model", 768},
                      {"n_layer", 24},
                      {"vocab_size", 50277},
                      {"ssm_cfg", nlohmann::json::object()},
                      {"rms_norm", true},
                      {"residual_in_fp32", true},
                      {"pad_vocab_size_multiple", 8}};
  auto c = parse_config(j, "config.json");
  ASSERT_TRUE(c.ok()) << c.error().message;
  EXPECT_EQ(c->vocab_size, 50280u);
  EXPECT_EQ(c->intermediate_size, 1536u);
  EXPECT_EQ(c->time_step_rank, 48u);
  EXPECT_EQ(c->state_size, 16u);
}

TEST(Config, BadValuesNameTheField) {
  struct Case {
    const char* field;
    nlohmann::json value;
  };
  const Case cases[] = {
      {"hidden_size", 0},         {"hidden_size", "768"},    {"num_hidden_layers", -1},
      {"state_size", 2.5},        {"time_step_rank", "big"}, {"use_bias", "yes"},
      {"layer_norm_epsilon", -1}, {"model_type", "mamba2"},  {"hidden_act", "gelu"},
      {"conv_kernel", 64},        {"eos_token_id", -3},      {"recur", "pointer"}};
  for (const auto& c : cases) {
    auto j = base();
    j[c.field] = c.value;
    auto r = parse_config(j, "bundle/config.json");
    ASSERT_FALSE(r.ok()) << c.field;
    EXPECT_EQ(r.error().code, ErrorCode::invalid_argument) << c.field;
    EXPECT_NE(r.error().message.find(c.field), std::string::npos) << r.error().message;
    EXPECT_EQ(r.error().message.rfind("bundle/config.json", 0), 0u) << r.error().message;
  }
  auto j = base();
  j.erase("vocab_size");
  auto r = parse_config(j, "config.json");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, ErrorCode::invalid_argument);  // a malformed file, not a missing one
  EXPECT_NE(r.error().message.find("vocab_size"), std::string::npos);
}

TEST(Config, MalformedJsonNamesTheByte) {
  auto r = load_config(recur::testing::fixtures_dir() / "tokenizers" / "bpe" / "cases.json");
  ASSERT_FALSE(r.ok());  // valid JSON, but an array, not a config
  EXPECT_EQ(r.error().code, ErrorCode::invalid_argument);
  auto missing = load_config("/nonexistent/config.json");
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.error().code, ErrorCode::not_found);
  EXPECT_NE(missing.error().message.find("/nonexistent/config.json"), std::string::npos);
}

}  // namespace
}  // namespace recur
