// The safetensors reader: well-formed files open; every kind of damage is a clear error, never a
// crash.
#include <gtest/gtest.h>

#include <cstring>
#include <optional>
#include <random>

#include "model/safetensors.hpp"
#include "support/reference.hpp"
#include "support/temp_dir.hpp"

namespace recur {
namespace {

using recur::testing::TempDir;

std::string with_header(const std::string& header, const std::string& data) {
  std::string out(8, '\0');
  std::uint64_t n = header.size();
  std::memcpy(out.data(), &n, 8);
  return out + header + data;
}

std::string error_of(const std::string& bytes) {
  auto f = SafetensorsFile::parse(std::as_bytes(std::span(bytes)), "t.safetensors");
  return f.ok() ? std::string() : f.error().message;
}

std::optional<ErrorCode> code_of(const std::string& bytes) {
  auto f = SafetensorsFile::parse(std::as_bytes(std::span(bytes)), "t.safetensors");
  return f.ok() ? std::nullopt : std::optional(f.error().code);
}

TEST(Safetensors, ReadsTensorsMetadataAndBytes) {
  const float values[] = {1.5f, -2.0f, 3.25f, 0.0f, 7.0f, 8.0f};
  std::string data(reinterpret_cast<const char*>(values), sizeof values);
  const std::string header =
      R"({"__metadata__":{"format":"pt"},"b":{"dtype":"F32","shape":[2,2],"data_offsets":[8,24]},)"
      R"("a":{"dtype":"BF16","shape":[4],"data_offsets":[0,8]}})";
  const auto bytes = with_header(header, data);
  auto f = SafetensorsFile::parse(std::as_bytes(std::span(bytes)), "t");
  ASSERT_TRUE(f.ok()) << f.error().message;
  EXPECT_EQ(f->metadata().at("format"), "pt");
  const TensorView* b = f->find("b");
  ASSERT_NE(b, nullptr);
  EXPECT_EQ(b->dtype, DType::f32);
  EXPECT_EQ(b->shape, (std::vector<std::int64_t>{2, 2}));
  float got[4];
  std::memcpy(got, b->bytes.data(), 16);
  EXPECT_EQ(got[0], 3.25f);
  EXPECT_EQ(got[1], 0.0f);
  EXPECT_EQ(got[3], 8.0f);
  EXPECT_EQ(f->find("a")->numel(), 4);
  EXPECT_EQ(f->find("missing"), nullptr);
}

TEST(Safetensors, OpensEveryFixtureBundle) {
  for (const auto& entry :
       std::filesystem::directory_iterator(recur::testing::fixtures_dir() / "models")) {
    auto f = SafetensorsFile::open(entry.path() / "model.safetensors");
    EXPECT_TRUE(f.ok()) << entry.path() << ": " << (f.ok() ? "" : f.error().message);
  }
}

struct Damage {
  const char* name;
  std::string bytes;
  const char* expected;  // a piece of the message
};

std::vector<Damage> damages() {
  const std::string data(16, '\x01');
  const std::string ok_entry = R"("w":{"dtype":"F32","shape":[4],"data_offsets":[0,16]})";
  return {
      {"empty file", "", "shorter than the 8-byte"},
      {"short length field", std::string(5, '\0'), "shorter than the 8-byte"},
      {"header length past the end", with_header("{" + ok_entry + "}", data).substr(0, 20),
       "runs past the end"},
      {"huge header length", std::string("\xff\xff\xff\xff\xff\xff\xff\x7f", 8) + "{}", "100 MB"},
      {"header not JSON", with_header("{\"w\":", data), "not valid JSON"},
      {"header not an object", with_header("[1,2]", ""), "not a JSON object"},
      {"unknown dtype",
       with_header(R"({"w":{"dtype":"F99","shape":[4],"data_offsets":[0,16]}})", data),
       "unknown dtype"},
      {"negative shape",
       with_header(R"({"w":{"dtype":"F32","shape":[-4],"data_offsets":[0,16]}})", data),
       "not a non-negative integer"},
      {"offsets out of range",
       with_header(R"({"w":{"dtype":"F32","shape":[8],"data_offsets":[0,32]}})", data),
       "extend past"},
      {"begin after end",
       with_header(R"({"w":{"dtype":"F32","shape":[0],"data_offsets":[16,0]}})", data),
       "begin after end"},
      {"size does not match shape",
       with_header(R"({"w":{"dtype":"F32","shape":[3],"data_offsets":[0,16]}})", data),
       "do not hold shape"},
      {"overlapping tensors",
       with_header(R"({"a":{"dtype":"F32","shape":[4],"data_offsets":[0,16]},)"
                   R"("b":{"dtype":"F32","shape":[2],"data_offsets":[8,16]}})",
                   data),
       "overlap"},
      {"hole between tensors",
       with_header(R"({"a":{"dtype":"F32","shape":[1],"data_offsets":[0,4]},)"
                   R"("b":{"dtype":"F32","shape":[2],"data_offsets":[8,16]}})",
                   data),
       "hole"},
      {"data not covered",
       with_header(R"({"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]}})", data),
       "cover 8 of the 16"},
      {"duplicate tensor", with_header("{" + ok_entry + "," + ok_entry + "}", data), "twice"},
      {"missing offsets", with_header(R"({"w":{"dtype":"F32","shape":[4]}})", data),
       "data_offsets"},
      {"metadata not strings", with_header(R"({"__metadata__":{"a":1}})", ""), "not a string"},
  };
}

TEST(Safetensors, DamagedFilesGiveErrorsNamingTheProblem) {
  for (const auto& d : damages()) {
    const std::string message = error_of(d.bytes);
    EXPECT_NE(message.find(d.expected), std::string::npos) << d.name << ": got '" << message << "'";
    EXPECT_EQ(message.rfind("t.safetensors", 0), 0u) << d.name << ": " << message;
    // The bytes need not come from recur: damage is malformed input, not lost data.
    EXPECT_EQ(code_of(d.bytes), ErrorCode::invalid_argument) << d.name;
  }
}

TEST(Safetensors, RandomCorruptionOfARealFileNeverCrashes) {
  const auto original =
      recur::testing::read_file(recur::testing::bundle_dir("tiny") / "model.safetensors");
  std::mt19937 rng(7);
  for (int round = 0; round < 300; ++round) {
    std::string bytes = original;
    const int edits = 1 + static_cast<int>(rng() % 8);
    for (int e = 0; e < edits; ++e) {
      // Mostly the header, where damage matters; sometimes the length field itself.
      const std::size_t limit = std::min<std::size_t>(bytes.size(), 4096);
      bytes[rng() % limit] = static_cast<char>(rng());
    }
    if (round % 3 == 0) bytes.resize(rng() % bytes.size());
    auto f = SafetensorsFile::parse(std::as_bytes(std::span(bytes)), "fuzz");
    if (f.ok()) {
      for (const auto& [name, t] : f->tensors()) ASSERT_LE(t.bytes.size(), bytes.size()) << name;
    }
  }
}

TEST(Safetensors, OpeningAMissingFileNamesIt) {
  TempDir dir;
  auto f = SafetensorsFile::open(dir / "nope.safetensors");
  ASSERT_FALSE(f.ok());
  EXPECT_EQ(f.error().code, ErrorCode::not_found);
  EXPECT_NE(f.error().message.find("nope.safetensors"), std::string::npos);
}

TEST(Safetensors, ATruncatedFileIsInvalidInput) {
  TempDir dir;
  const auto original =
      recur::testing::read_file(recur::testing::bundle_dir("tiny") / "model.safetensors");
  dir.write("cut.safetensors", original.substr(0, original.size() - 100));
  auto f = SafetensorsFile::open(dir / "cut.safetensors");
  ASSERT_FALSE(f.ok());
  EXPECT_EQ(f.error().code, ErrorCode::invalid_argument);
  EXPECT_EQ(f.error().message.rfind((dir / "cut.safetensors").string(), 0), 0u)
      << f.error().message;
}

}  // namespace
}  // namespace recur
