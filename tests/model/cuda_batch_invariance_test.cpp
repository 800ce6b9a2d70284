// The CUDA backend's batch invariance: a session's logits are the same bits whether it runs alone
// or among a thousand others, in passes of any make-up and decode steps of any bucket, with bf16
// and fp32 weights. Without it (the default on a GPU) the results still agree to rounding.
#include <gtest/gtest.h>

#include <random>

#include "model/backend.hpp"
#include "model/cuda_backend.hpp"
#include "model/random_model.hpp"
#include "support/reference.hpp"

namespace recur {
namespace {

#define REQUIRE_CUDA_DEVICE()   \
  if (cuda_device_count() == 0) \
  GTEST_SKIP() << "no CUDA device (" << cuda_unavailable_reason() << "): GPU test skipped"

// A small model of the 130m proportions (vocabulary, widths and state of the real shape are what
// the kernels tile over), two layers to keep the test fast.
const ModelShape kShape{"two-layer-130m", 2, 768, 1536, 16, 4, 50280};

std::unique_ptr<Backend> gpu(std::shared_ptr<const Model> model, bool invariant) {
  auto be = make_cuda_backend(std::move(model), 0, 1200, invariant);
  EXPECT_TRUE(be.ok()) << (be.ok() ? "" : be.error().message);
  return be.ok() ? std::move(*be) : nullptr;
}

// The calls one watched session makes: a prompt, decode steps, a tool observation, more steps.
// Every call is made alone (`crowd` empty) or together with the crowd's sessions, which bring
// chunks of many lengths to the same forward calls.
struct Watched {
  std::vector<std::vector<float>> logits;  // the watched session's rows, call after call
};

Watched watch(Backend& be, const std::vector<SlotId>& crowd, std::mt19937& rng) {
  Watched run;
  auto me = be.allocate();
  EXPECT_TRUE(me.ok());
  const std::vector<std::vector<TokenId>> calls = {
      {11, 12, 13, 14, 15, 16, 17, 18, 19}, {20}, {21}, {22}, {30, 31, 32}, {23}, {24}};
  std::uniform_int_distribution<int> length(1, 40), token(0, 50000);
  for (const auto& mine : calls) {
    std::vector<std::vector<TokenId>> theirs(crowd.size());
    std::vector<SequenceChunk> chunks;
    const std::size_t at = crowd.empty() ? 0 : rng() % crowd.size();
    for (std::size_t i = 0; i < crowd.size(); ++i) {
      // Mostly single tokens (decode steps), some longer chunks (passes).
      const int n = rng() % 4 == 0 ? length(rng) : 1;
      for (int k = 0; k < n; ++k) theirs[i].push_back(token(rng));
      if (i == at) chunks.push_back({*me, mine});
      chunks.push_back({crowd[i], theirs[i]});
    }
    if (crowd.empty()) chunks.push_back({*me, mine});
    std::vector<float> logits;
    auto s = be.forward(chunks, LogitsFor::last, logits);
    EXPECT_TRUE(s.ok()) << (s.ok() ? "" : s.error().message);
    const std::size_t V = kShape.vocab, row = crowd.empty() ? 0 : at;
    EXPECT_EQ(logits.size(), chunks.size() * V);
    if (logits.size() < (row + 1) * V) return run;
    run.logits.emplace_back(logits.begin() + row * V, logits.begin() + (row + 1) * V);
  }
  be.release(*me);
  return run;
}

void expect_same_bits(const Watched& alone, const Watched& crowded) {
  ASSERT_EQ(alone.logits.size(), crowded.logits.size());
  for (std::size_t c = 0; c < alone.logits.size(); ++c)
    for (std::size_t v = 0; v < alone.logits[c].size(); ++v)
      ASSERT_EQ(alone.logits[c][v], crowded.logits[c][v]) << "call " << c << ", logit " << v;
}

class BatchInvariance : public ::testing::TestWithParam<kernels::ElementType> {};

TEST_P(BatchInvariance, ASessionGetsTheSameLogitBitsAloneAndAmongAThousandOthers) {
  REQUIRE_CUDA_DEVICE();
  auto be = gpu(random_model(kShape, GetParam(), 5), true);
  ASSERT_TRUE(be);
  std::mt19937 rng(9);
  const Watched alone = watch(*be, {}, rng);
  for (const std::size_t n : {3u, 40u, 1000u}) {
    std::vector<SlotId> crowd;
    for (std::size_t i = 0; i < n; ++i) crowd.push_back(*be->allocate());
    const Watched crowded = watch(*be, crowd, rng);
    SCOPED_TRACE("among " + std::to_string(n));
    expect_same_bits(alone, crowded);
    for (SlotId s : crowd) be->release(s);
  }
}

INSTANTIATE_TEST_SUITE_P(Weights, BatchInvariance,
                         ::testing::Values(kernels::ElementType::bf16, kernels::ElementType::f32));

TEST(BatchInvariance, MixedCallsKeepChunkOrderForLogitsAndArgmax) {
  REQUIRE_CUDA_DEVICE();
  auto be = gpu(random_model(kShape, kernels::ElementType::bf16, 6), true);
  ASSERT_TRUE(be);
  // Two identical pools of sessions fed the same mixed calls: one asks for logits, one for argmax.
  std::vector<SlotId> a, b;
  for (int i = 0; i < 6; ++i) a.push_back(*be->allocate()), b.push_back(*be->allocate());
  const std::vector<std::vector<TokenId>> tokens = {{5}, {6, 7, 8}, {9}, {1, 2}, {3}, {4, 4, 4, 4}};
  std::vector<SequenceChunk> ca, cb;
  for (int i = 0; i < 6; ++i) ca.push_back({a[i], tokens[i]}), cb.push_back({b[i], tokens[i]});
  std::vector<float> all, last;
  ASSERT_TRUE(be->forward(ca, LogitsFor::all, all).ok());
  std::vector<TokenId> ids;
  ASSERT_TRUE(be->forward_argmax(cb, SIZE_MAX, ids).ok());
  const std::size_t V = kShape.vocab;
  ASSERT_EQ(all.size(), 12 * V);  // one row per token
  ASSERT_EQ(ids.size(), 6u);
  std::size_t row = 0;
  for (int i = 0; i < 6; ++i) {
    row += tokens[i].size();
    const float* r = all.data() + (row - 1) * V;
    const auto best = std::max_element(r, r + V) - r;
    EXPECT_EQ(ids[i], static_cast<TokenId>(best)) << "chunk " << i;
  }
}

TEST(BatchInvariance, TheDefaultBatchingAgreesToRounding) {
  REQUIRE_CUDA_DEVICE();
  auto model = random_model(kShape, kernels::ElementType::bf16, 5);
  auto exact = gpu(model, true), fast = gpu(model, false);
  ASSERT_TRUE(exact && fast);
  std::mt19937 r1(3), r2(3);
  std::vector<SlotId> c1, c2;
  for (int i = 0; i < 300; ++i) c1.push_back(*exact->allocate()), c2.push_back(*fast->allocate());
  const Watched x = watch(*exact, c1, r1), y = watch(*fast, c2, r2);
  ASSERT_EQ(x.logits.size(), y.logits.size());
  for (std::size_t c = 0; c < x.logits.size(); ++c)
    EXPECT_LE(
        recur::testing::max_relative_error(
            y.logits[c], std::vector<double>(x.logits[c].begin(), x.logits[c].end()), kShape.vocab),
        1e-3)
        << "call " << c;
}

}  // namespace
}  // namespace recur
