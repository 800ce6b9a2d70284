// The CUDA backend against transformers' fixtures and against the CPU backend: the same logits to
// fp32 rounding (bf16 within its precision), snapshots that move between the two, greedy decoding
// that picks the same tokens for 1,000 steps.
#include <gtest/gtest.h>

#include "model/backend.hpp"
#include "model/cuda_backend.hpp"
#include "model/random_model.hpp"
#include "model/snapshot.hpp"
#include "support/reference.hpp"

namespace recur {
namespace {

using recur::testing::load_reference;
using recur::testing::max_relative_error;

#define REQUIRE_CUDA_DEVICE()   \
  if (cuda_device_count() == 0) \
  GTEST_SKIP() << "no CUDA device (" << cuda_unavailable_reason() << "): GPU test skipped"

std::unique_ptr<Backend> gpu(std::shared_ptr<const Model> model, std::size_t capacity = 4096) {
  auto be = make_cuda_backend(std::move(model), 0, capacity);
  EXPECT_TRUE(be.ok()) << (be.ok() ? "" : be.error().message);
  return be.ok() ? std::move(*be) : nullptr;
}

std::shared_ptr<const Model> load(const std::string& name) {
  auto m = Model::load(recur::testing::bundle_dir(name));
  EXPECT_TRUE(m.ok()) << (m.ok() ? "" : m.error().message);
  return *m;
}

std::vector<float> feed(Backend& be, const std::vector<TokenId>& tokens,
                        const std::vector<std::size_t>& cuts) {
  auto slot = be.allocate();
  EXPECT_TRUE(slot.ok());
  std::vector<float> all, part;
  std::size_t start = 0;
  auto ends = cuts;
  ends.push_back(tokens.size());
  for (std::size_t end : ends) {
    if (end <= start) continue;
    const SequenceChunk chunk{*slot, std::span(tokens).subspan(start, end - start)};
    // Single tokens go through the decode graphs, longer pieces through passes.
    if (end - start == 1) {
      EXPECT_TRUE(be.forward({&chunk, 1}, LogitsFor::last, part).ok());
    } else {
      auto s = be.forward({&chunk, 1}, LogitsFor::all, part);
      EXPECT_TRUE(s.ok()) << (s.ok() ? "" : s.error().message);
    }
    all.insert(all.end(), part.begin(), part.end());
    start = end;
  }
  be.release(*slot);
  return all;
}

class CudaParity : public ::testing::TestWithParam<const char*> {};

TEST_P(CudaParity, ForwardStepAndSplitMatchTransformers) {
  REQUIRE_CUDA_DEVICE();
  const auto ref = load_reference(GetParam());
  auto be = gpu(load(GetParam()));
  ASSERT_TRUE(be);
  const double tol = ref.weights_dtype == "bfloat16" ? 2e-2 : 1e-4;
  for (const auto& seq : ref.sequences) {
    std::vector<std::size_t> every;
    for (std::size_t i = 1; i < seq.tokens.size(); ++i) every.push_back(i);
    EXPECT_LE(max_relative_error(feed(*be, seq.tokens, {}), seq.logits, ref.vocab_size), tol)
        << "forward";
    EXPECT_LE(max_relative_error(feed(*be, seq.tokens, every), seq.logits, ref.vocab_size), tol)
        << "step";
    if (seq.tokens.size() > 2) {
      EXPECT_LE(max_relative_error(feed(*be, seq.tokens, {seq.tokens.size() / 2}), seq.logits,
                                   ref.vocab_size),
                tol)
          << "split";
    }
  }
}

INSTANTIATE_TEST_SUITE_P(Bundles, CudaParity,
                         ::testing::Values("tiny", "bias-untied", "wide-state", "conv1-deep",
                                           "bf16", "f16", "legacy-names", "wordlevel"),
                         [](const auto& info) {
                           std::string n = info.param;
                           for (auto& c : n)
                             if (c == '-') c = '_';
                           return n;
                         });

TEST(CudaBackend, SnapshotsMoveBetweenCpuAndGpu) {
  REQUIRE_CUDA_DEVICE();
  auto model = load("tiny");
  auto cpu = make_cpu_backend(model, 2);
  auto cuda = gpu(model);
  ASSERT_TRUE(cuda);
  const std::vector<TokenId> prompt = {4, 8, 15, 16, 23, 42};
  auto cpu_slot = *cpu->allocate();
  ASSERT_TRUE(cpu->prefill(cpu_slot, prompt).ok());
  Sampler sampler;
  auto bytes = *snapshot_session(*cpu, cpu_slot, sampler);
  auto gpu_slot = *cuda->allocate();
  Sampler restored;
  ASSERT_TRUE(restore_session(*cuda, gpu_slot, restored, bytes).ok());
  // The bytes come back unchanged, and both continue alike.
  EXPECT_EQ(*snapshot_session(*cuda, gpu_slot, restored), bytes);
  const SlotId cs[] = {cpu_slot}, gs[] = {gpu_slot};
  for (TokenId t : {7, 1, 99, 3}) {
    const TokenId tok[] = {t};
    auto a = *cpu->decode(cs, tok);
    auto b = *cuda->decode(gs, tok);
    EXPECT_LE(
        recur::testing::max_relative_error(b, std::vector<double>(a.begin(), a.end()), a.size()),
        1e-4);
  }
  // And back: a GPU snapshot restores on the CPU.
  auto gpu_bytes = *snapshot_session(*cuda, gpu_slot, restored);
  auto back = *cpu->allocate();
  ASSERT_TRUE(restore_session(*cpu, back, sampler, gpu_bytes).ok());
  const auto cpu_state = *cpu->read_state(cpu_slot), gpu_state = *cpu->read_state(back);
  EXPECT_LE(
      recur::testing::max_relative_error(
          gpu_state, std::vector<double>(cpu_state.begin(), cpu_state.end()), cpu_state.size()),
      1e-4);
}

TEST(CudaBackend, GreedyTokensEqualTheCpuForAThousandStepsOnTheTaskShape) {
  REQUIRE_CUDA_DEVICE();
  auto model = random_model(kTaskModel, kernels::ElementType::f32, 3);
  auto cpu = make_cpu_backend(model, 2);
  auto cuda = gpu(model);
  ASSERT_TRUE(cuda);
  const std::vector<TokenId> prompt = {1, 2, 3, 4, 5, 6, 7};
  auto a = *cpu->allocate(), b = *cuda->allocate();
  std::vector<TokenId> na, nb;
  const SequenceChunk ca{a, prompt}, cb{b, prompt};
  ASSERT_TRUE(cpu->forward_argmax({&ca, 1}, SIZE_MAX, na).ok());
  ASSERT_TRUE(cuda->forward_argmax({&cb, 1}, SIZE_MAX, nb).ok());
  int same = 0;
  for (int step = 0; step < 1000; ++step) {
    ASSERT_EQ(na, nb) << "step " << step;
    ++same;
    const SequenceChunk sa{a, na}, sb{b, nb};
    ASSERT_TRUE(cpu->forward_argmax({&sa, 1}, SIZE_MAX, na).ok());
    ASSERT_TRUE(cuda->forward_argmax({&sb, 1}, SIZE_MAX, nb).ok());
  }
  EXPECT_EQ(same, 1000);
}

TEST(CudaBackend, OverAThousandScatteredSessionsDecodeLikeTheCpu) {
  REQUIRE_CUDA_DEVICE();
  auto model = load("wide-state");
  auto cpu = make_cpu_backend(model, 2, 2000);
  auto cuda = gpu(model, 2000);
  ASSERT_TRUE(cuda);
  // Fill 1,500 slots, free every third, and step the 1,000 that remain plus 100 new ones.
  std::vector<SlotId> cs, gs;
  for (int i = 0; i < 1500; ++i) cs.push_back(*cpu->allocate()), gs.push_back(*cuda->allocate());
  std::vector<SlotId> live_c, live_g;
  for (int i = 0; i < 1500; ++i) {
    if (i % 3 == 0) {
      cpu->release(cs[i]);
      cuda->release(gs[i]);
    } else {
      live_c.push_back(cs[i]);
      live_g.push_back(gs[i]);
    }
  }
  for (int i = 0; i < 100; ++i)
    live_c.push_back(*cpu->allocate()), live_g.push_back(*cuda->allocate());
  std::vector<TokenId> tokens;
  for (std::size_t i = 0; i < live_c.size(); ++i)
    tokens.push_back(static_cast<TokenId>(i * 7 % 128));
  for (int step = 0; step < 3; ++step) {
    auto a = *cpu->decode(live_c, tokens);
    auto b = *cuda->decode(live_g, tokens);
    ASSERT_EQ(a.size(), b.size());
    EXPECT_LE(recur::testing::max_relative_error(b, std::vector<double>(a.begin(), a.end()), 128),
              1e-4)
        << "step " << step;
  }
}

// Every decode path against the CPU: 1 and 5 sessions take the fused GEMV kernels, 40 and 100
// cuBLAS with x_proj on the GEMV kernel and dt_proj in the scan, 200 and 400 cuBLAS throughout
// (with bf16 weights, 40 to 400 leave each product's two terms to the kernels that read it). Each
// session continues a prompt of its own, so every row of the batch differs.
class CudaDecodePaths : public ::testing::TestWithParam<const char*> {};

TEST_P(CudaDecodePaths, EveryBatchSizeDecodesLikeTheCpu) {
  REQUIRE_CUDA_DEVICE();
  auto model = load(GetParam());
  auto cpu = make_cpu_backend(model, 2, 512);
  auto cuda = gpu(model, 512);
  ASSERT_TRUE(cuda);
  const auto V = static_cast<TokenId>(model->config().vocab_size);
  const double tol = model->weights().matrix_type == kernels::ElementType::bf16 ? 1e-3 : 1e-4;
  for (int n : {1, 5, 40, 100, 200, 400}) {
    std::vector<SlotId> cs, gs;
    for (int i = 0; i < n; ++i) {
      cs.push_back(*cpu->allocate());
      gs.push_back(*cuda->allocate());
      const std::vector<TokenId> prompt = {static_cast<TokenId>(i % V),
                                           static_cast<TokenId>((7 * i + 3) % V)};
      ASSERT_TRUE(cpu->prefill(cs.back(), prompt).ok());
      ASSERT_TRUE(cuda->prefill(gs.back(), prompt).ok());
    }
    for (int step = 0; step < 2; ++step) {
      std::vector<TokenId> tokens;
      for (int i = 0; i < n; ++i) tokens.push_back(static_cast<TokenId>((11 * i + step) % V));
      auto a = cpu->decode(cs, tokens);
      auto b = cuda->decode(gs, tokens);
      ASSERT_TRUE(a.ok() && b.ok());
      ASSERT_EQ(a->size(), b->size());
      EXPECT_LE(max_relative_error(*b, std::vector<double>(a->begin(), a->end()), V), tol)
          << n << " sessions, step " << step;
    }
    for (int i = 0; i < n; ++i) cpu->release(cs[i]), cuda->release(gs[i]);
  }
}

INSTANTIATE_TEST_SUITE_P(Bundles, CudaDecodePaths,
                         ::testing::Values("wide-state", "bias-untied", "bf16"),
                         [](const auto& info) {
                           std::string n = info.param;
                           for (auto& c : n)
                             if (c == '-') c = '_';
                           return n;
                         });

TEST(CudaBackend, RefusesBadInputAndAnImpossibleCapacity) {
  REQUIRE_CUDA_DEVICE();
  auto model = load("tiny");
  auto be = gpu(model, 4);
  ASSERT_TRUE(be);
  const TokenId bad[] = {100000};
  auto slot = *be->allocate();
  std::vector<float> logits;
  SequenceChunk c{slot, bad};
  EXPECT_FALSE(be->forward({&c, 1}, LogitsFor::last, logits).ok());
  auto huge = make_cuda_backend(model, 0, std::size_t{1} << 40);
  ASSERT_FALSE(huge.ok());
  EXPECT_NE(huge.error().message.find("room for"), std::string::npos) << huge.error().message;
  auto missing = make_cuda_backend(model, 99, 4);
  ASSERT_FALSE(missing.ok());
}

}  // namespace
}  // namespace recur
