// Snapshots: state + sampler to bytes and back, bit for bit, and refused when they do not fit.
#include <gtest/gtest.h>

#include "model/backend.hpp"
#include "model/snapshot.hpp"
#include "support/reference.hpp"

namespace recur {
namespace {

std::shared_ptr<const Model> load(const std::string& bundle) {
  auto m = Model::load(recur::testing::bundle_dir(bundle));
  EXPECT_TRUE(m.ok()) << (m.ok() ? "" : m.error().message);
  return *m;
}

// Samples `n` tokens, feeding each back; returns the tokens and every logits row seen.
std::pair<std::vector<TokenId>, std::vector<float>> continue_session(Backend& be, SlotId slot,
                                                                     Sampler& sampler,
                                                                     std::vector<float> logits,
                                                                     int n) {
  std::vector<TokenId> tokens;
  std::vector<float> seen;
  for (int i = 0; i < n; ++i) {
    const TokenId next = sampler.sample(logits);
    tokens.push_back(next);
    const SlotId s[] = {slot};
    const TokenId t[] = {next};
    logits = *be.decode(s, t);
    seen.insert(seen.end(), logits.begin(), logits.end());
  }
  return {tokens, seen};
}

TEST(Snapshot, RestoreThenContinueEqualsUninterruptedDecodingBitForBit) {
  auto model = load("tiny");
  auto be = make_cpu_backend(model, 2);
  const TokenId prompt[] = {3, 14, 15, 92, 65};
  auto slot = *be->allocate();
  auto logits = *be->prefill(slot, prompt);
  Sampler sampler({.temperature = 0.9f, .top_k = 50, .top_p = 0.95f, .seed = 1234});
  auto [first, unused] = continue_session(*be, slot, sampler, logits, 10);
  (void)first;
  (void)unused;
  // Take the snapshot mid-run, with the generator already advanced.
  const SlotId s[] = {slot};
  const TokenId t[] = {7};
  logits = *be->decode(s, t);
  auto bytes = snapshot_session(*be, slot, sampler);
  ASSERT_TRUE(bytes.ok());
  auto [expected_tokens, expected_logits] = continue_session(*be, slot, sampler, logits, 40);

  // Restore into another backend instance and slot.
  auto other = make_cpu_backend(model, 1);
  other->allocate().value();  // occupy slot 0 so the restore lands elsewhere
  auto restored_slot = *other->allocate();
  Sampler restored;
  ASSERT_TRUE(restore_session(*other, restored_slot, restored, *bytes).ok());
  EXPECT_EQ(restored.params().seed, 1234u);
  auto [tokens, seen] = continue_session(*other, restored_slot, restored, logits, 40);
  EXPECT_EQ(tokens, expected_tokens);
  EXPECT_EQ(seen, expected_logits);
}

TEST(Snapshot, EncodingIsStableAndRoundTrips) {
  Snapshot s;
  s.shape = {2, 8, 16, 4, 3, 10};
  s.sampling = {0.5f, 7, 0.9f, 42};
  s.rng = {1, 2, 3, 4};
  s.state.resize(s.shape.floats());
  for (std::size_t i = 0; i < s.state.size(); ++i)
    s.state[i] = static_cast<float>(i) * 0.25f - 3.0f;
  const auto bytes = encode_snapshot(s);
  EXPECT_EQ(bytes.size(), 100 + s.state.size() * 4 + 4);
  EXPECT_EQ(std::string(bytes.begin(), bytes.begin() + 8), "RECURSNP");
  auto back = decode_snapshot(bytes, s.shape);
  ASSERT_TRUE(back.ok()) << back.error().message;
  EXPECT_EQ(back->state, s.state);
  EXPECT_EQ(back->rng, s.rng);
  EXPECT_EQ(back->sampling.top_k, 7u);
  EXPECT_EQ(encode_snapshot(*back), bytes);
}

TEST(Snapshot, RestoringIntoAnotherModelShapeIsAnErrorNamingBothShapes) {
  auto tiny = make_cpu_backend(load("tiny"), 1);
  auto wide = make_cpu_backend(load("wide-state"), 1);
  auto a = *tiny->allocate();
  auto b = *wide->allocate();
  Sampler sampler;
  auto bytes = *snapshot_session(*tiny, a, sampler);
  auto s = restore_session(*wide, b, sampler, bytes);
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.error().code, ErrorCode::invalid_argument);
  EXPECT_NE(s.error().message.find("hidden 32"), std::string::npos) << s.error().message;
  EXPECT_NE(s.error().message.find("hidden 40"), std::string::npos) << s.error().message;
}

TEST(Snapshot, CorruptTruncatedOrForeignBytesAreRefused) {
  auto be = make_cpu_backend(load("tiny"), 1);
  auto slot = *be->allocate();
  const TokenId prompt[] = {1, 2, 3};
  ASSERT_TRUE(be->prefill(slot, prompt).ok());
  Sampler sampler;
  const auto good = *snapshot_session(*be, slot, sampler);
  const auto shape = be->model().state_shape();

  // Damaged bytes are lost data; a snapshot of another format version is intact but unreadable.
  auto flipped = good;
  flipped[200] ^= 0x10;
  EXPECT_NE(decode_snapshot(flipped, shape).error().message.find("checksum"), std::string::npos);
  EXPECT_EQ(decode_snapshot(flipped, shape).error().code, ErrorCode::data_loss);

  auto truncated = std::vector<std::uint8_t>(good.begin(), good.end() - 9);
  ASSERT_FALSE(decode_snapshot(truncated, shape).ok());
  EXPECT_EQ(decode_snapshot(truncated, shape).error().code, ErrorCode::data_loss);

  auto foreign = good;
  foreign[0] = 'X';
  EXPECT_NE(decode_snapshot(foreign, shape).error().message.find("magic"), std::string::npos);
  EXPECT_EQ(decode_snapshot(foreign, shape).error().code, ErrorCode::data_loss);

  auto future = good;
  future[8] = 9;
  EXPECT_NE(decode_snapshot(future, shape).error().message.find("version"), std::string::npos);
  EXPECT_EQ(decode_snapshot(future, shape).error().code, ErrorCode::failed_precondition);

  ASSERT_FALSE(decode_snapshot(std::vector<std::uint8_t>(10, 0), shape).ok());
  EXPECT_EQ(decode_snapshot(std::vector<std::uint8_t>(10, 0), shape).error().code,
            ErrorCode::data_loss);
  // A failed restore leaves the slot as it was.
  const auto before = *be->read_state(slot);
  EXPECT_FALSE(restore_session(*be, slot, sampler, flipped).ok());
  EXPECT_EQ(*be->read_state(slot), before);
}

}  // namespace
}  // namespace recur
