// Weights: names, shapes and dtypes checked against the config; bf16/f16 handled; damage refused.
#include <gtest/gtest.h>

#include "model/model.hpp"
#include "support/reference.hpp"
#include "support/safetensors_writer.hpp"
#include "support/temp_dir.hpp"

namespace recur {
namespace {

using recur::testing::bundle_dir;
using recur::testing::RawTensor;
using recur::testing::TempDir;

// A copy of the tiny bundle whose tensors (and config) the test may change.
struct EditableBundle {
  TempDir dir;
  std::map<std::string, RawTensor> tensors;
  nlohmann::json config;

  explicit EditableBundle(const std::string& name = "tiny") {
    auto file = SafetensorsFile::open(bundle_dir(name) / "model.safetensors");
    tensors = recur::testing::raw_tensors(*file);
    config = nlohmann::json::parse(recur::testing::read_file(bundle_dir(name) / "config.json"));
  }
  std::string load_error() {
    auto m = load();
    return m.ok() ? std::string() : m.error().message;
  }
  Result<std::shared_ptr<const Model>> load() {
    dir.write("model.safetensors", recur::testing::safetensors_bytes(tensors));
    dir.write("config.json", config.dump());
    return Model::load(dir.path());
  }
};

TEST(Weights, AnUnchangedCopyLoads) {
  EXPECT_EQ(EditableBundle().load_error(), "");
}

TEST(Weights, AMissingTensorIsNamed) {
  EditableBundle b;
  b.tensors.erase("backbone.layers.1.mixer.A_log");
  EXPECT_NE(b.load_error().find("missing tensor 'backbone.layers.1.mixer.A_log'"),
            std::string::npos);
}

TEST(Weights, AShapeMismatchNamesBothShapes) {
  EditableBundle b;
  b.tensors["backbone.layers.0.mixer.D"].shape = {32, 2};
  const auto e = b.load_error();
  EXPECT_NE(e.find("'backbone.layers.0.mixer.D' has shape [32, 2]; the config implies [64]"),
            std::string::npos)
      << e;
}

TEST(Weights, AWrongDtypeIsNamed) {
  EditableBundle b;
  b.tensors["backbone.norm_f.weight"].dtype = "I32";
  EXPECT_NE(b.load_error().find("dtype I32"), std::string::npos);
}

TEST(Weights, AConfigThatDisagreesWithTheTensorsIsRefused) {
  EditableBundle b;
  b.config["num_hidden_layers"] = 1;  // the file has a second layer
  EXPECT_NE(b.load_error().find("unexpected tensor 'backbone.layers.1."), std::string::npos);
  EditableBundle c;
  c.config["state_size"] = 16;
  EXPECT_NE(c.load_error().find("the config implies"), std::string::npos);
}

TEST(Weights, AnUntiedHeadMustBeStored) {
  EditableBundle b;
  b.config["tie_word_embeddings"] = false;
  EXPECT_NE(b.load_error().find("lm_head.weight"), std::string::npos);
}

TEST(Weights, BothEmbeddingNamesLoad) {
  EditableBundle b;
  b.tensors["backbone.embedding.weight"] = b.tensors["backbone.embeddings.weight"];
  b.tensors.erase("backbone.embeddings.weight");
  EXPECT_EQ(b.load_error(), "");
}

TEST(Weights, Bf16StaysBf16AndF16IsWidened) {
  auto bf16 = Model::load(bundle_dir("bf16"));
  ASSERT_TRUE(bf16.ok());
  EXPECT_EQ((*bf16)->weights().matrix_type, kernels::ElementType::bf16);
  auto f16 = Model::load(bundle_dir("f16"));
  ASSERT_TRUE(f16.ok());
  EXPECT_EQ((*f16)->weights().matrix_type, kernels::ElementType::f32);
  auto forced = Model::load(bundle_dir("tiny"), WeightFormat::bf16);
  ASSERT_TRUE(forced.ok());
  EXPECT_EQ((*forced)->weights().lm_head.type, kernels::ElementType::bf16);
}

TEST(Weights, ADirectoryWithoutABundleIsNamed) {
  TempDir dir;
  auto m = Model::load(dir.path());
  ASSERT_FALSE(m.ok());
  EXPECT_EQ(m.error().code, ErrorCode::not_found);
  EXPECT_NE(m.error().message.find("config.json"), std::string::npos);
}

TEST(Weights, LoadingErrorsSayWhatKindOfFailureTheyAre) {
  TempDir dir;
  auto absent = Model::load(dir / "absent");
  ASSERT_FALSE(absent.ok());
  EXPECT_EQ(absent.error().code, ErrorCode::not_found);
  EXPECT_NE(absent.error().message.find("absent"), std::string::npos);

  dir.write("config.json", "{\"hidden_size\": 32,");
  auto malformed = Model::load(dir.path());
  ASSERT_FALSE(malformed.ok());
  EXPECT_EQ(malformed.error().code, ErrorCode::invalid_argument);
  EXPECT_NE(malformed.error().message.find("config.json"), std::string::npos);

  dir.write("config.json", recur::testing::read_file(bundle_dir("tiny") / "config.json"));
  auto no_tensors = Model::load(dir.path());
  ASSERT_FALSE(no_tensors.ok());
  EXPECT_EQ(no_tensors.error().code, ErrorCode::not_found);
  EXPECT_NE(no_tensors.error().message.find("model.safetensors"), std::string::npos);

  const auto tensors = recur::testing::read_file(bundle_dir("tiny") / "model.safetensors");
  dir.write("model.safetensors", tensors.substr(0, tensors.size() / 2));
  auto truncated = Model::load(dir.path());
  ASSERT_FALSE(truncated.ok());
  EXPECT_EQ(truncated.error().code, ErrorCode::invalid_argument);
  EXPECT_NE(truncated.error().message.find("model.safetensors"), std::string::npos);

  EditableBundle b;
  b.tensors.erase("backbone.norm_f.weight");
  auto missing_tensor = b.load();
  ASSERT_FALSE(missing_tensor.ok());
  EXPECT_EQ(missing_tensor.error().code, ErrorCode::invalid_argument);
}

}  // namespace
}  // namespace recur
