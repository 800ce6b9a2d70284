// The CPU backend: the reference implementation of the Mamba-1 forward pass (transformers'
// MambaForCausalLM in fp32), batched over sessions and continued from each slot's state.
#include <algorithm>
#include <cstring>
#include <memory>

#include "kernels/cpu/conv1d.hpp"
#include "kernels/cpu/linear.hpp"
#include "kernels/cpu/rmsnorm.hpp"
#include "kernels/cpu/selective_scan.hpp"
#include "kernels/cpu/thread_pool.hpp"
#include "model/backend.hpp"
#include "model/pass_plan.hpp"
#include "model/slot_table.hpp"

namespace recur {
namespace {

namespace kc = kernels::cpu;

// Tokens per pass over the weights: bounds the activation memory of long prompts.
constexpr std::size_t kMaxPassTokens = 256;
constexpr std::size_t kSlotsPerBlock = 64;

class CpuBackend final : public Backend {
 public:
  CpuBackend(std::shared_ptr<const Model> model, unsigned threads, std::size_t capacity)
      : model_(std::move(model)), shape_(model_->state_shape()), pool_(threads), slots_(capacity) {}

  const Model& model() const override { return *model_; }
  std::string name() const override { return "cpu"; }
  std::size_t capacity() const override { return slots_.capacity(); }
  std::size_t slots_in_use() const override { return slots_.in_use(); }

  Result<SlotId> allocate() override {
    auto slot = slots_.allocate();
    if (!slot) return slot;
    while (blocks_.size() * kSlotsPerBlock < slots_.high_water())
      blocks_.push_back(std::make_unique<float[]>(kSlotsPerBlock * shape_.floats()));
    std::fill_n(state(*slot), shape_.floats(), 0.0f);
    return slot;
  }

  void release(SlotId slot) override { slots_.release(slot); }

  Result<std::vector<float>> read_state(SlotId slot) const override {
    if (auto s = check_slot(slots_, slot, "read_state"); !s) return s.error();
    const float* s = state(slot);
    return std::vector<float>(s, s + shape_.floats());
  }

  Status write_state(SlotId slot, std::span<const float> values) override {
    if (auto s = check_slot(slots_, slot, "write_state"); !s) return s;
    if (auto s = check_state_size(values.size(), shape_.floats()); !s) return s;
    std::copy(values.begin(), values.end(), state(slot));
    return {};
  }

  Status forward(std::span<const SequenceChunk> chunks, LogitsFor which,
                 std::vector<float>& logits) override {
    if (auto s = check_chunks(chunks, slots_, shape_.vocab_size); !s) return s;
    logits.clear();
    for (const auto& pass : plan_passes(chunks, kMaxPassTokens)) run_pass(pass, which, logits);
    return {};
  }

 private:
  float* state(SlotId slot) const {
    return blocks_[slot / kSlotsPerBlock].get() + (slot % kSlotsPerBlock) * shape_.floats();
  }

  // Activations of one pass, reused across passes.
  struct Workspace {
    std::vector<float> h, u, xz, xc, dbc, dt, y, out, sel;
    void reserve(std::size_t T, const MambaConfig& c) {
      const std::size_t D = c.hidden_size, Di = c.intermediate_size;
      h.resize(T * D);
      u.resize(T * D);
      xz.resize(T * 2 * Di);
      xc.resize(T * Di);
      dbc.resize(T * (c.time_step_rank + 2 * c.state_size));
      dt.resize(T * Di);
      y.resize(T * Di);
      out.resize(T * D);
      sel.resize(T * D);
    }
  };

  void embed(const std::vector<Piece>& pass) {
    const auto& w = model_->weights();
    const std::size_t D = model_->config().hidden_size;
    std::size_t t = 0;
    for (const auto& p : pass) {
      for (std::size_t i = 0; i < p.count; ++i, ++t) {
        const std::size_t row = static_cast<std::size_t>(p.tokens[i]) * D;
        float* dst = ws_.h.data() + t * D;
        if (w.embedding.type == kernels::ElementType::f32) {
          std::memcpy(dst, static_cast<const float*>(w.embedding.data) + row, D * sizeof(float));
        } else {
          const auto* src = static_cast<const std::uint16_t*>(w.embedding.data) + row;
          for (std::size_t j = 0; j < D; ++j) dst[j] = kernels::bf16_to_float(src[j]);
        }
      }
    }
  }

  void run_pass(const std::vector<Piece>& pass, LogitsFor which, std::vector<float>& logits) {
    const MambaConfig& c = model_->config();
    const MambaWeights& w = model_->weights();
    const std::size_t D = c.hidden_size, Di = c.intermediate_size, N = c.state_size;
    const std::size_t R = c.time_step_rank, dbc_width = R + 2 * N;
    std::size_t T = 0;
    for (const auto& p : pass) T += p.count;
    ws_.reserve(T, c);
    embed(pass);

    std::vector<kc::SequenceSpan> conv_seqs(pass.size()), scan_seqs(pass.size());
    for (std::size_t l = 0; l < c.num_layers; ++l) {
      const LayerWeights& lw = w.layers[l];
      std::size_t first = 0;
      for (std::size_t i = 0; i < pass.size(); ++i) {
        float* s = state(pass[i].slot);
        conv_seqs[i] = {first, pass[i].count, s + shape_.conv_offset(l)};
        scan_seqs[i] = {first, pass[i].count, s + shape_.ssm_offset(l)};
        first += pass[i].count;
      }
      kc::rmsnorm({ws_.h.data(), D}, T, D, lw.norm.data(), c.layer_norm_epsilon, {ws_.u.data(), D});
      kc::linear(lw.in_proj, {ws_.u.data(), D}, T, bias(lw.in_proj_bias), {ws_.xz.data(), 2 * Di},
                 pool_);
      kc::causal_conv1d_silu({.sequences = conv_seqs,
                              .x = {ws_.xz.data(), 2 * Di},
                              .channels = Di,
                              .kernel = c.conv_kernel,
                              .weight = lw.conv_weight.data(),
                              .bias = bias(lw.conv_bias),
                              .out = {ws_.xc.data(), Di}},
                             pool_);
      kc::linear(lw.x_proj, {ws_.xc.data(), Di}, T, nullptr, {ws_.dbc.data(), dbc_width}, pool_);
      kc::linear(lw.dt_proj, {ws_.dbc.data(), dbc_width}, T, lw.dt_bias.data(), {ws_.dt.data(), Di},
                 pool_);
      kc::selective_scan({.sequences = scan_seqs,
                          .channels = Di,
                          .d_state = N,
                          .u = {ws_.xc.data(), Di},
                          .dt = {ws_.dt.data(), Di},
                          .A = lw.A.data(),
                          .B = {ws_.dbc.data() + R, dbc_width},
                          .C = {ws_.dbc.data() + R + N, dbc_width},
                          .D = lw.D.data(),
                          .z = {ws_.xz.data() + Di, 2 * Di},
                          .y = {ws_.y.data(), Di}},
                         pool_);
      kc::linear(lw.out_proj, {ws_.y.data(), Di}, T, bias(lw.out_proj_bias), {ws_.out.data(), D},
                 pool_);
      for (std::size_t i = 0; i < T * D; ++i) ws_.h[i] += ws_.out[i];
    }

    if (which == LogitsFor::none) return;
    // The rows that need logits: every token, or the last token of each finished chunk.
    std::vector<std::size_t> rows;
    std::size_t first = 0;
    for (const auto& p : pass) {
      if (which == LogitsFor::all)
        for (std::size_t i = 0; i < p.count; ++i) rows.push_back(first + i);
      else if (p.ends_chunk)
        rows.push_back(first + p.count - 1);
      first += p.count;
    }
    if (rows.empty()) return;
    for (std::size_t i = 0; i < rows.size(); ++i)
      std::memcpy(ws_.sel.data() + i * D, ws_.h.data() + rows[i] * D, D * sizeof(float));
    kc::rmsnorm({ws_.sel.data(), D}, rows.size(), D, w.norm_f.data(), c.layer_norm_epsilon,
                {ws_.sel.data(), D});
    const std::size_t V = c.vocab_size;
    const std::size_t base = logits.size();
    logits.resize(base + rows.size() * V);
    kc::linear(w.lm_head, {ws_.sel.data(), D}, rows.size(), nullptr, {logits.data() + base, V},
               pool_);
  }

  static const float* bias(const std::vector<float>& b) { return b.empty() ? nullptr : b.data(); }

  std::shared_ptr<const Model> model_;
  StateShape shape_;
  kc::ThreadPool pool_;
  SlotTable slots_;
  std::vector<std::unique_ptr<float[]>> blocks_;
  Workspace ws_;
};

}  // namespace

std::unique_ptr<Backend> make_cpu_backend(std::shared_ptr<const Model> model, unsigned threads,
                                          std::size_t capacity) {
  return std::make_unique<CpuBackend>(std::move(model), threads, capacity);
}

}  // namespace recur
