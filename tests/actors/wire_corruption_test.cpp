// Bytes that were cut short or damaged in transit make the deserializer return an error, never
// crash, and never yield a value outside its types (an enum past its last enumerator, JSON that is
// not a value).
#include <gtest/gtest.h>

#include <random>

#include "wire_samples.hpp"

namespace recur::actors::wire {
namespace {

class WireCorruption : public ::testing::Test {
 protected:
  RuntimeConfig config_{2};
  caf::actor_system system_{config_};
};

TEST_F(WireCorruption, EveryTruncationOfASessionOutcomeIsAnError) {
  const auto bytes = to_bytes(system_, sample_outcome());
  ASSERT_GT(bytes.size(), 500u);
  for (std::size_t size = 0; size < bytes.size(); ++size) {
    std::vector<char> cut(bytes.begin(), bytes.begin() + static_cast<std::ptrdiff_t>(size));
    EXPECT_FALSE(from_bytes<agent::SessionOutcome>(system_, cut)) << "cut to " << size << " bytes";
  }
  EXPECT_TRUE(from_bytes<agent::SessionOutcome>(system_, bytes));
}

TEST_F(WireCorruption, EveryTruncationOfAToolBatchIsAnError) {
  const auto bytes = to_bytes(system_, sample_batch());
  for (std::size_t size = 0; size < bytes.size(); ++size) {
    std::vector<char> cut(bytes.begin(), bytes.begin() + static_cast<std::ptrdiff_t>(size));
    EXPECT_FALSE(from_bytes<ToolBatch>(system_, cut)) << "cut to " << size << " bytes";
  }
}

TEST_F(WireCorruption, FlippedBytesGiveAnErrorOrAValidOutcome) {
  const auto bytes = to_bytes(system_, sample_outcome());
  std::mt19937 random(20240611);
  std::uniform_int_distribution<std::size_t> position(0, bytes.size() - 1);
  std::uniform_int_distribution<int> mask(1, 255);
  std::uniform_int_distribution<int> count(1, 3);
  int errors = 0;
  for (int trial = 0; trial < 2000; ++trial) {
    auto damaged = bytes;
    for (int i = count(random); i > 0; --i)
      damaged[position(random)] ^= static_cast<char>(mask(random));
    auto back = from_bytes<agent::SessionOutcome>(system_, damaged);
    if (!back) {
      ++errors;
      continue;
    }
    // What arrives is a value of its types: its status an enumerator, its JSON serializable.
    EXPECT_LE(static_cast<int>(back->result.status),
              static_cast<int>(agent::SessionStatus::failed));
    EXPECT_GE(static_cast<int>(back->result.status), 0);
    EXPECT_NE(std::string(agent::status_name(back->result.status)), "");
    EXPECT_FALSE(back->to_json().dump(-1, ' ', false, Json::error_handler_t::replace).empty());
  }
  EXPECT_GT(errors, 100);
}

TEST_F(WireCorruption, ALengthPastTheEndIsAnErrorNotAnAllocation) {
  // A SessionOutcome begins with its id: a length, then the bytes. Claim 2^62 bytes.
  auto bytes = to_bytes(system_, sample_outcome());
  std::vector<char> huge = {char(0x80), char(0x80), char(0x80), char(0x80), char(0x80),
                            char(0x80), char(0x80), char(0x80), char(0x40)};
  auto id_length =
      to_bytes(system_, sample_outcome().result.id).size() - sample_outcome().result.id.size();
  bytes.erase(bytes.begin(), bytes.begin() + static_cast<std::ptrdiff_t>(id_length));
  bytes.insert(bytes.begin(), huge.begin(), huge.end());
  EXPECT_FALSE(from_bytes<agent::SessionOutcome>(system_, bytes));

  // The same for the output tokens, a vector of int32.
  agent::OutputChunk chunk = sample_chunk();
  auto chunk_bytes = to_bytes(system_, chunk);
  auto tokens_at = to_bytes(system_, chunk.session).size() + sizeof(std::uint64_t);
  chunk_bytes.erase(chunk_bytes.begin() + static_cast<std::ptrdiff_t>(tokens_at));
  chunk_bytes.insert(chunk_bytes.begin() + static_cast<std::ptrdiff_t>(tokens_at), huge.begin(),
                     huge.end());
  EXPECT_FALSE(from_bytes<agent::OutputChunk>(system_, chunk_bytes));
}

}  // namespace
}  // namespace recur::actors::wire
