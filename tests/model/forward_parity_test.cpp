// The CPU engine against transformers' MambaForCausalLM: every fixture bundle, every reference
// sequence, in the three ways a session can be fed (one pass, token by token, split at K).
#include <gtest/gtest.h>

#include "model/backend.hpp"
#include "support/reference.hpp"

namespace recur {
namespace {

using recur::testing::load_reference;
using recur::testing::max_relative_error;

constexpr double kTolerance = 1e-4;

const char* kBundles[] = {"tiny", "bias-untied", "wide-state",   "conv1-deep",
                          "bf16", "f16",         "legacy-names", "wordlevel"};

std::unique_ptr<Backend> backend_for(const std::string& bundle, unsigned threads = 2) {
  auto model = Model::load(recur::testing::bundle_dir(bundle));
  EXPECT_TRUE(model.ok()) << (model.ok() ? "" : model.error().message);
  return make_cpu_backend(*model, threads);
}

// Logits for every position of `tokens`, fed in the pieces given by `cuts` (cut positions).
std::vector<float> run_pieces(Backend& be, const std::vector<TokenId>& tokens,
                              const std::vector<std::size_t>& cuts) {
  auto slot = be.allocate();
  EXPECT_TRUE(slot.ok());
  std::vector<float> all, part;
  std::size_t start = 0;
  std::vector<std::size_t> ends = cuts;
  ends.push_back(tokens.size());
  for (std::size_t end : ends) {
    if (end <= start) continue;
    const SequenceChunk chunk{*slot, std::span(tokens).subspan(start, end - start)};
    EXPECT_TRUE(be.forward({&chunk, 1}, LogitsFor::all, part).ok());
    all.insert(all.end(), part.begin(), part.end());
    start = end;
  }
  be.release(*slot);
  return all;
}

class ForwardParity : public ::testing::TestWithParam<const char*> {};

TEST_P(ForwardParity, WholeSequenceMatchesTransformersWithinTolerance) {
  const auto ref = load_reference(GetParam());
  auto be = backend_for(GetParam());
  ASSERT_EQ(be->model().config().vocab_size, ref.vocab_size);
  for (const auto& seq : ref.sequences) {
    const auto ours = run_pieces(*be, seq.tokens, {});
    EXPECT_LE(max_relative_error(ours, seq.logits, ref.vocab_size), kTolerance)
        << GetParam() << ", " << seq.tokens.size() << " tokens";
  }
}

TEST_P(ForwardParity, StepAndSplitFeedsGiveBitIdenticalLogits) {
  const auto ref = load_reference(GetParam());
  auto be = backend_for(GetParam());
  for (const auto& seq : ref.sequences) {
    const auto whole = run_pieces(*be, seq.tokens, {});
    std::vector<std::size_t> every;
    for (std::size_t i = 1; i < seq.tokens.size(); ++i) every.push_back(i);
    EXPECT_EQ(run_pieces(*be, seq.tokens, every), whole)
        << "step, " << seq.tokens.size() << " tokens";
    for (std::size_t k : {std::size_t{1}, seq.tokens.size() / 2, seq.tokens.size() - 1}) {
      if (k == 0 || k >= seq.tokens.size()) continue;
      EXPECT_EQ(run_pieces(*be, seq.tokens, {k}), whole) << "split:" << k;
    }
    EXPECT_LE(max_relative_error(whole, seq.logits, ref.vocab_size), kTolerance);
  }
}

TEST_P(ForwardParity, ResultsDoNotDependOnTheThreadCount) {
  const auto ref = load_reference(GetParam());
  auto one = backend_for(GetParam(), 1);
  auto many = backend_for(GetParam(), 3);
  const auto& seq = ref.sequences.back();
  EXPECT_EQ(run_pieces(*one, seq.tokens, {}), run_pieces(*many, seq.tokens, {}));
}

INSTANTIATE_TEST_SUITE_P(Bundles, ForwardParity, ::testing::ValuesIn(kBundles),
                         [](const auto& info) {
                           std::string n = info.param;
                           for (auto& c : n)
                             if (c == '-') c = '_';
                           return n;
                         });

TEST(BatchedDecode, EachSessionGetsTheLogitsItWouldGetAlone) {
  const auto ref = load_reference("tiny");
  auto be = backend_for("tiny");
  const std::size_t V = ref.vocab_size;
  // Sessions of different lengths advance together, one token each per step.
  std::vector<SlotId> slots;
  for (std::size_t i = 0; i < ref.sequences.size(); ++i) slots.push_back(*be->allocate());
  std::size_t longest = 0;
  for (const auto& s : ref.sequences) longest = std::max(longest, s.tokens.size());
  std::vector<std::vector<float>> per_session(ref.sequences.size());
  for (std::size_t t = 0; t < longest; ++t) {
    std::vector<SlotId> step_slots;
    std::vector<TokenId> step_tokens;
    std::vector<std::size_t> who;
    for (std::size_t i = 0; i < ref.sequences.size(); ++i) {
      if (t >= ref.sequences[i].tokens.size()) continue;
      step_slots.push_back(slots[i]);
      step_tokens.push_back(ref.sequences[i].tokens[t]);
      who.push_back(i);
    }
    auto logits = be->decode(step_slots, step_tokens);
    ASSERT_TRUE(logits.ok());
    for (std::size_t k = 0; k < who.size(); ++k)
      per_session[who[k]].insert(per_session[who[k]].end(), logits->begin() + k * V,
                                 logits->begin() + (k + 1) * V);
  }
  for (std::size_t i = 0; i < ref.sequences.size(); ++i) {
    EXPECT_EQ(per_session[i], run_pieces(*be, ref.sequences[i].tokens, {})) << "session " << i;
    EXPECT_LE(max_relative_error(per_session[i], ref.sequences[i].logits, V), kTolerance);
  }
}

TEST(ForwardPass, RefusesBadInputWithoutTouchingAnyState) {
  auto be = backend_for("tiny");
  auto slot = *be->allocate();
  const TokenId good[] = {1, 2, 3};
  ASSERT_TRUE(be->prefill(slot, good).ok());
  const auto before = *be->read_state(slot);
  std::vector<float> logits;

  const TokenId bad_token[] = {1, 100000};
  SequenceChunk chunk{slot, bad_token};
  auto s = be->forward({&chunk, 1}, LogitsFor::last, logits);
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.error().code, ErrorCode::invalid_argument);
  EXPECT_NE(s.error().message.find("outside the vocabulary"), std::string::npos)
      << s.error().message;

  SequenceChunk twice[] = {{slot, good}, {slot, good}};
  s = be->forward(twice, LogitsFor::last, logits);
  ASSERT_FALSE(s.ok());
  EXPECT_NE(s.error().message.find("twice"), std::string::npos);

  SequenceChunk unallocated{slot + 7, good};
  s = be->forward({&unallocated, 1}, LogitsFor::last, logits);
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.error().code, ErrorCode::invalid_argument);
  EXPECT_NE(s.error().message.find("not allocated"), std::string::npos);

  EXPECT_EQ(*be->read_state(slot), before);
}

TEST(StatePool, FreshSlotsStartFromTheZeroStateAndSlotsAreReused) {
  auto be = backend_for("tiny");
  auto a = *be->allocate();
  const TokenId tokens[] = {5, 6, 7};
  ASSERT_TRUE(be->prefill(a, tokens).ok());
  be->release(a);
  auto b = *be->allocate();
  EXPECT_EQ(a, b);
  for (float v : *be->read_state(b)) ASSERT_EQ(v, 0.0f);
  EXPECT_EQ(be->slots_in_use(), 1u);
}

TEST(StatePool, AFullPoolRefusesAllocationWithAClearError) {
  auto model = Model::load(recur::testing::bundle_dir("tiny"));
  auto be = make_cpu_backend(*model, 1, 3);
  for (int i = 0; i < 3; ++i) ASSERT_TRUE(be->allocate().ok());
  auto extra = be->allocate();
  ASSERT_FALSE(extra.ok());
  EXPECT_EQ(extra.error().code, ErrorCode::resource_exhausted);
  EXPECT_NE(extra.error().message.find("full"), std::string::npos);
}

}  // namespace
}  // namespace recur
