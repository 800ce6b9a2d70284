// The CUDA backend. Two ways through the layers:
//  - passes (prompts, tool observations, mixed batches): cuBLAS GEMMs over all tokens of the pass,
//    the conv and the segmented scan continuing each sequence from its slot;
//  - decode steps (one token per session): captured once per batch bucket as a CUDA graph. Up to
//    kMaxGemvBatch sessions use fused GEMV kernels (norm + in_proj + conv step, x_proj, dt_proj +
//    scan, out_proj + residual): four kernels per layer; larger buckets use cuBLAS GEMMs.
#include <cuda_runtime_api.h>

#include <algorithm>
#include <cstring>
#include <map>

#include "kernels/cuda/gemm.hpp"
#include "kernels/cuda/ops.hpp"
#include "model/cuda_backend.hpp"
#include "model/cuda_memory.hpp"
#include "model/cuda_weights.hpp"
#include "model/pass_plan.hpp"
#include "model/slot_table.hpp"

namespace recur {
namespace {

namespace kc = kernels::cuda;

constexpr std::size_t kMaxPassTokens = 2048;
constexpr std::size_t kMaxDecodeBatch = 1024;
constexpr int kSmallDecodeBatch = 4;  // at most kernels::cuda::kMaxGemvBatch

// Collects the first failure of a sequence of launches.
struct LaunchLog {
  Status status;
  void operator()(cudaError_t e, const char* what) {
    if (status && e != cudaSuccess) status = cuda_check(e, what);
  }
  void operator()(cublasStatus_t e, const char* what) {
    if (status && e != CUBLAS_STATUS_SUCCESS)
      status = fail(std::string("cublas: ") + what + ": " + kc::blas_status_name(e));
  }
};

class CudaBackend final : public Backend {
 public:
  CudaBackend(std::shared_ptr<const Model> model, int device)
      : model_(std::move(model)), shape_(model_->state_shape()), device_(device), slots_(0) {}

  ~CudaBackend() override {
    cudaSetDevice(device_);
    for (auto& [key, exec] : graphs_) cudaGraphExecDestroy(exec);
    if (stream_) cudaStreamDestroy(stream_);
  }

  Status init(std::size_t capacity) {
    if (auto s = cuda_check(cudaSetDevice(device_), "selecting device " + std::to_string(device_));
        !s)
      return s;
    if (auto s = cuda_check(cudaStreamCreateWithFlags(&stream_, cudaStreamNonBlocking),
                            "creating a stream");
        !s)
      return s;
    if (auto e = blas_.init(stream_); !e.empty()) return fail("cublas: " + e);
    auto weights = DeviceWeights::upload(*model_);
    if (!weights) return weights.error();
    w_ = std::move(*weights);
    if (auto s = allocate_workspace(); !s) return s;

    std::size_t free_bytes = 0, total_bytes = 0;
    if (auto s = cuda_check(cudaMemGetInfo(&free_bytes, &total_bytes), "querying memory"); !s)
      return s;
    const std::size_t slot_bytes = shape_.bytes();
    const std::size_t margin = std::size_t{1} << 30;
    const std::size_t fit = free_bytes > margin ? (free_bytes - margin) / slot_bytes : 0;
    if (capacity == 0) capacity = std::min<std::size_t>(fit, 1'000'000);
    if (capacity == 0 || capacity > fit)
      return fail("cuda: device " + std::to_string(device_) + " has room for " +
                  std::to_string(fit) + " sessions of " + std::to_string(slot_bytes) +
                  " bytes; asked for " + std::to_string(capacity));
    slots_ = SlotTable(capacity);
    return pool_.allocate(capacity * slot_bytes, "the state pool");
  }

  const Model& model() const override { return *model_; }
  std::string name() const override { return "cuda:" + std::to_string(device_); }
  std::size_t capacity() const override { return slots_.capacity(); }
  std::size_t slots_in_use() const override { return slots_.in_use(); }

  Result<SlotId> allocate() override {
    auto slot = slots_.allocate();
    if (!slot) return slot;
    cudaSetDevice(device_);
    // Ordered on the stream before any later pass: no host synchronisation.
    if (auto s = cuda_check(
            kc::zero_slot(pool_.get<float>(), shape_.floats(), static_cast<int>(*slot), stream_),
            "zeroing a slot");
        !s) {
      slots_.release(*slot);
      return s.error();
    }
    return slot;
  }

  void release(SlotId slot) override { slots_.release(slot); }

  Result<std::vector<float>> read_state(SlotId slot) const override {
    if (auto s = check_slot(slots_, slot, "read_state"); !s) return s.error();
    cudaSetDevice(device_);
    std::vector<float> out(shape_.floats());
    const float* src = pool_.get<float>() + static_cast<std::size_t>(slot) * shape_.floats();
    if (auto s = cuda_check(cudaMemcpyAsync(out.data(), src, out.size() * sizeof(float),
                                            cudaMemcpyDeviceToHost, stream_),
                            "reading a state");
        !s)
      return s.error();
    if (auto s = cuda_check(cudaStreamSynchronize(stream_), "reading a state"); !s)
      return s.error();
    return out;
  }

  Status write_state(SlotId slot, std::span<const float> values) override {
    if (auto s = check_slot(slots_, slot, "write_state"); !s) return s;
    if (auto s = check_state_size(values.size(), shape_.floats()); !s) return s;
    cudaSetDevice(device_);
    float* dst = pool_.get<float>() + static_cast<std::size_t>(slot) * shape_.floats();
    if (auto s = cuda_check(cudaMemcpyAsync(dst, values.data(), values.size() * sizeof(float),
                                            cudaMemcpyHostToDevice, stream_),
                            "writing a state");
        !s)
      return s;
    return cuda_check(cudaStreamSynchronize(stream_), "writing a state");
  }

  Status forward(std::span<const SequenceChunk> chunks, LogitsFor which,
                 std::vector<float>& logits) override {
    if (auto s = check_chunks(chunks, slots_, shape_.vocab_size); !s) return s;
    cudaSetDevice(device_);
    logits.clear();
    if (which == LogitsFor::Last && all_single(chunks))
      return decode_batches(chunks, 0, &logits, nullptr);
    for (const auto& pass : plan_passes(chunks, kMaxPassTokens))
      if (auto s = run_pass(pass, which, logits); !s) return s;
    return {};
  }

  Status forward_argmax(std::span<const SequenceChunk> chunks, std::size_t vocab_limit,
                        std::vector<TokenId>& next) override {
    if (auto s = check_chunks(chunks, slots_, shape_.vocab_size); !s) return s;
    cudaSetDevice(device_);
    const std::size_t limit = std::min(vocab_limit, shape_.vocab_size);
    next.clear();
    if (all_single(chunks)) return decode_batches(chunks, limit, nullptr, &next);
    // Passes first, then the argmax of each chunk's last row on the device.
    for (const auto& pass : plan_passes(chunks, kMaxPassTokens)) {
      std::vector<TokenId> ids;
      if (auto s = run_pass(pass, LogitsFor::Last, logits_scratch_, limit, &ids); !s) return s;
      next.insert(next.end(), ids.begin(), ids.end());
    }
    return {};
  }

 private:
  static bool all_single(std::span<const SequenceChunk> chunks) {
    return std::all_of(chunks.begin(), chunks.end(),
                       [](const SequenceChunk& c) { return c.tokens.size() == 1; });
  }

  bool bf16() const { return w_.embedding.type == kernels::ElementType::bf16; }

  static constexpr std::size_t kRows = std::max(kMaxPassTokens, kMaxDecodeBatch);

  // The split bf16 copy held in `buffer` for activations of `cols` columns, or none.
  static kc::Bf16Split split(const DeviceBuffer& buffer, std::size_t cols, bool wanted) {
    if (!wanted) return {};
    return {buffer.get<std::uint16_t>(), kRows * cols};
  }

  kc::StateRef conv_state(std::size_t layer) const {
    return {pool_.get<float>() + shape_.conv_offset(layer), shape_.floats()};
  }
  kc::StateRef ssm_state(std::size_t layer) const {
    return {pool_.get<float>() + shape_.ssm_offset(layer), shape_.floats()};
  }

  Status allocate_workspace() {
    const MambaConfig& c = model_->config();
    const std::size_t T = kRows;
    const std::size_t D = c.hidden_size, Di = c.intermediate_size,
                      W = c.time_step_rank + 2 * c.state_size;
    struct Need {
      DeviceBuffer* buf;
      std::size_t bytes;
      const char* what;
    };
    const Need needs[] = {{&h_, T * D * 4, "h"},
                          {&u_, T * D * 4, "u"},
                          {&u16_, 2 * T * D * 2, "u bf16"},
                          {&xz_, T * 2 * Di * 4, "xz"},
                          {&xc_, T * Di * 4, "xc"},
                          {&xc16_, 2 * T * Di * 2, "xc bf16"},
                          {&dbc_, T * W * 4, "dbc"},
                          {&dbc16_, 2 * T * W * 2, "dbc bf16"},
                          {&dt_, T * Di * 4, "dt"},
                          {&y_, T * Di * 4, "y"},
                          {&y16_, 2 * T * Di * 2, "y bf16"},
                          {&logits_, T * c.vocab_size * 4, "logits"},
                          {&argmax_, T * 4, "argmax"},
                          {&tokens_, 2 * T * 4, "tokens and slots"},
                          {&seqs_, T * sizeof(kc::SequenceDesc), "sequences"},
                          {&token_seq_, T * 4, "token sequence ids"},
                          {&rows_, T * 4, "logit rows"}};
    for (const auto& n : needs)
      if (auto s = n.buf->allocate(n.bytes, std::string("workspace ") + n.what); !s) return s;
    for (auto* p : {&h_token_seq_, &h_rows_, &h_argmax_})
      if (auto s = p->allocate(T, "staging"); !s) return s;
    if (auto s = h_tokens_.allocate(2 * T, "staging"); !s) return s;
    return h_seqs_.allocate(T, "staging");
  }

  // ---- passes
  // -------------------------------------------------------------------------------------

  Status run_pass(const std::vector<Piece>& pass, LogitsFor which, std::vector<float>& logits,
                  std::size_t argmax_limit = 0, std::vector<TokenId>* argmax = nullptr) {
    const MambaConfig& c = model_->config();
    const int D = static_cast<int>(c.hidden_size), Di = static_cast<int>(c.intermediate_size);
    const int N = static_cast<int>(c.state_size), R = static_cast<int>(c.time_step_rank),
              Wd = R + 2 * N;
    const int K = static_cast<int>(c.conv_kernel);
    int T = 0;
    std::vector<int> rows;
    for (std::size_t i = 0; i < pass.size(); ++i) {
      const auto& p = pass[i];
      h_seqs_[i] = {T, static_cast<int>(p.count), static_cast<int>(p.slot)};
      for (std::size_t k = 0; k < p.count; ++k) {
        h_tokens_[T + k] = p.tokens[k];
        h_token_seq_[T + k] = static_cast<int>(i);
        if (which == LogitsFor::All) rows.push_back(T + static_cast<int>(k));
      }
      T += static_cast<int>(p.count);
      if (which == LogitsFor::Last && p.ends_chunk) rows.push_back(T - 1);
    }
    const int n_seqs = static_cast<int>(pass.size());
    for (std::size_t i = 0; i < rows.size(); ++i) h_rows_[i] = rows[i];
    LaunchLog log;
    log(cudaMemcpyAsync(tokens_.get(), h_tokens_.data(), T * 4, cudaMemcpyHostToDevice, stream_),
        "copying tokens");
    log(cudaMemcpyAsync(token_seq_.get(), h_token_seq_.data(), T * 4, cudaMemcpyHostToDevice,
                        stream_),
        "copying tokens");
    log(cudaMemcpyAsync(seqs_.get(), h_seqs_.data(), n_seqs * sizeof(kc::SequenceDesc),
                        cudaMemcpyHostToDevice, stream_),
        "copying sequences");
    log(cudaMemcpyAsync(rows_.get(), h_rows_.data(), rows.size() * 4, cudaMemcpyHostToDevice,
                        stream_),
        "copying rows");

    const bool b16 = bf16();
    float* h = h_.get<float>();
    log(kc::embed(w_.embedding, tokens_.get<std::int32_t>(), T, h, stream_), "embed");
    for (std::size_t l = 0; l < w_.layers.size(); ++l) {
      const DeviceLayer& L = w_.layers[l];
      log(kc::rmsnorm(h, nullptr, T, D, L.norm, c.layer_norm_epsilon,
                      b16 ? nullptr : u_.get<float>(), split(u16_, D, b16), stream_),
          "rmsnorm");
      log(blas_.linear(L.in_proj, u_.get<float>(), split(u16_, D, b16), D, T, xz_.get<float>(),
                       2 * Di),
          "in_proj");
      if (L.in_proj_bias)
        log(kc::add_bias(xz_.get<float>(), T, 2 * Di, 2 * Di, L.in_proj_bias, stream_), "bias");
      log(kc::causal_conv1d(xz_.get<float>(), 2 * Di, seqs_.get<kc::SequenceDesc>(), n_seqs,
                            token_seq_.get<int>(), T, Di, K, L.conv_weight, L.conv_bias,
                            conv_state(l), xc_.get<float>(), split(xc16_, Di, b16), stream_),
          "conv1d");
      log(blas_.linear(L.x_proj, xc_.get<float>(), split(xc16_, Di, b16), Di, T, dbc_.get<float>(),
                       Wd),
          "x_proj");
      if (b16)
        log(kc::to_bf16(dbc_.get<float>(), T, R, Wd, split(dbc16_, Wd, true), Wd, stream_), "cast");
      log(blas_.linear(L.dt_proj, dbc_.get<float>(), split(dbc16_, Wd, b16), Wd, T,
                       dt_.get<float>(), Di),
          "dt_proj");
      kc::ScanArgs a;
      a.seqs = seqs_.get<kc::SequenceDesc>();
      a.n_seqs = n_seqs;
      a.C = Di;
      a.N = N;
      a.u = xc_.get<float>();
      a.dt = dt_.get<float>();
      a.dt_bias = L.dt_bias;
      a.A = L.A;
      a.dbc = dbc_.get<float>();
      a.dbc_stride = Wd;
      a.b_offset = R;
      a.c_offset = R + N;
      a.D = L.D;
      a.z = xz_.get<float>() + Di;
      a.z_stride = 2 * Di;
      a.state = ssm_state(l);
      a.y = y_.get<float>();
      a.y_bf16 = split(y16_, Di, b16);
      log(kc::selective_scan(a, stream_), "selective scan");
      log(blas_.linear(L.out_proj, y_.get<float>(), split(y16_, Di, b16), Di, T, h, D, 1.0f),
          "out_proj");
      if (L.out_proj_bias) log(kc::add_bias(h, T, D, D, L.out_proj_bias, stream_), "bias");
    }
    const int n_rows = static_cast<int>(rows.size());
    if (n_rows > 0) {
      const int V = static_cast<int>(c.vocab_size);
      log(kc::rmsnorm(h, rows_.get<int>(), n_rows, D, w_.norm_f, c.layer_norm_epsilon,
                      b16 ? nullptr : u_.get<float>(), split(u16_, D, b16), stream_),
          "norm_f");
      log(blas_.linear(w_.lm_head, u_.get<float>(), split(u16_, D, b16), D, n_rows,
                       logits_.get<float>(), V),
          "lm_head");
      if (argmax) {
        log(kc::argmax_rows(logits_.get<float>(), n_rows, V, static_cast<int>(argmax_limit),
                            argmax_.get<std::int32_t>(), stream_),
            "argmax");
        log(cudaMemcpyAsync(h_argmax_.data(), argmax_.get(), n_rows * 4, cudaMemcpyDeviceToHost,
                            stream_),
            "ids");
      } else {
        const std::size_t base = logits.size();
        logits.resize(base + static_cast<std::size_t>(n_rows) * V);
        log(cudaMemcpyAsync(logits.data() + base, logits_.get(),
                            static_cast<std::size_t>(n_rows) * V * 4, cudaMemcpyDeviceToHost,
                            stream_),
            "copying logits");
      }
    }
    log(cudaStreamSynchronize(stream_), "forward pass");
    if (argmax) argmax->assign(h_argmax_.data(), h_argmax_.data() + n_rows);
    return log.status;
  }

  // ---- decode steps
  // -------------------------------------------------------------------------------

  Status decode_batches(std::span<const SequenceChunk> chunks, std::size_t limit,
                        std::vector<float>* logits, std::vector<TokenId>* ids) {
    for (std::size_t begin = 0; begin < chunks.size(); begin += kMaxDecodeBatch) {
      const std::size_t n = std::min(kMaxDecodeBatch, chunks.size() - begin);
      if (auto s = decode_step(chunks.subspan(begin, n), limit, logits, ids); !s) return s;
    }
    return {};
  }

  Status decode_step(std::span<const SequenceChunk> chunks, std::size_t limit,
                     std::vector<float>* logits, std::vector<TokenId>* ids) {
    const int B = static_cast<int>(chunks.size());
    int bucket = 1;
    while (bucket < B) bucket *= 2;
    // Tokens and slots travel in one copy: the staging area and the device area are both [tokens |
    // slots].
    for (int i = 0; i < bucket; ++i) {
      h_tokens_[i] = i < B ? chunks[i].tokens[0] : 0;
      h_tokens_[kRows + i] = i < B ? static_cast<int>(chunks[i].slot) : -1;
    }
    LaunchLog log;
    log(cudaMemcpyAsync(tokens_.get(), h_tokens_.data(), (kRows + bucket) * 4,
                        cudaMemcpyHostToDevice, stream_),
        "tokens");
    if (!log.status) return log.status;
    const int argmax_limit = ids ? static_cast<int>(limit) : 0;
    auto exec = graph_for(bucket, argmax_limit);
    if (!exec) return exec.error();
    log(cudaGraphLaunch(*exec, stream_), "launching the decode graph");
    const std::size_t V = shape_.vocab_size;
    if (ids) {
      log(cudaMemcpyAsync(h_argmax_.data(), argmax_.get(), B * 4, cudaMemcpyDeviceToHost, stream_),
          "ids");
    } else {
      const std::size_t base = logits->size();
      logits->resize(base + static_cast<std::size_t>(B) * V);
      log(cudaMemcpyAsync(logits->data() + base, logits_.get(), static_cast<std::size_t>(B) * V * 4,
                          cudaMemcpyDeviceToHost, stream_),
          "copying logits");
    }
    log(cudaStreamSynchronize(stream_), "decode step");
    if (ids && log.status) ids->insert(ids->end(), h_argmax_.data(), h_argmax_.data() + B);
    return log.status;
  }

  Result<cudaGraphExec_t> graph_for(int bucket, int argmax_limit) {
    const auto key = std::make_pair(bucket, argmax_limit);
    if (auto it = graphs_.find(key); it != graphs_.end()) return it->second;
    cudaGraph_t graph = nullptr;
    LaunchLog log;
    log(cudaStreamBeginCapture(stream_, cudaStreamCaptureModeThreadLocal),
        "beginning graph capture");
    if (!log.status) return log.status.error();
    enqueue_decode(bucket, argmax_limit, log);
    const cudaError_t end = cudaStreamEndCapture(stream_, &graph);
    log(end, "ending graph capture");
    cudaGraphExec_t exec = nullptr;
    if (log.status) log(cudaGraphInstantiate(&exec, graph, 0), "instantiating the decode graph");
    if (graph) cudaGraphDestroy(graph);
    if (!log.status) return log.status.error();
    graphs_[key] = exec;
    return exec;
  }

  // The kernels of one decode step for `bucket` sessions (captured, never run directly).
  void enqueue_decode(int bucket, int argmax_limit, LaunchLog& log) {
    const MambaConfig& c = model_->config();
    const int D = static_cast<int>(c.hidden_size), Di = static_cast<int>(c.intermediate_size);
    const int N = static_cast<int>(c.state_size), R = static_cast<int>(c.time_step_rank),
              Wd = R + 2 * N;
    const int K = static_cast<int>(c.conv_kernel), V = static_cast<int>(c.vocab_size);
    const int* slots = tokens_.get<int>() + kRows;
    // The fused GEMV path wins up to a few sessions; past that the tensor-core GEMMs do (see
    // docs/performance.md).
    const bool small = bucket <= kSmallDecodeBatch;
    const bool b16 = bf16() && !small;
    float* h = h_.get<float>();
    log(kc::embed(w_.embedding, tokens_.get<std::int32_t>(), bucket, h, stream_), "embed");
    for (std::size_t l = 0; l < w_.layers.size(); ++l) {
      const DeviceLayer& L = w_.layers[l];
      if (small) {
        kc::ConvStepFusion conv{
            Di, K, slots, L.conv_weight, L.conv_bias, conv_state(l), xc_.get<float>()};
        kc::GemvArgs in{
            L.in_proj,      h,     D,     bucket,           L.norm, c.layer_norm_epsilon,
            L.in_proj_bias, false, &conv, xz_.get<float>(), 2 * Di};
        log(kc::gemv(in, stream_), "in_proj");
        kc::GemvArgs xp{L.x_proj, xc_.get<float>(),  Di, bucket, nullptr, 0, nullptr, false,
                        nullptr,  dbc_.get<float>(), Wd};
        log(kc::gemv(xp, stream_), "x_proj");
      } else {
        log(kc::rmsnorm(h, nullptr, bucket, D, L.norm, c.layer_norm_epsilon,
                        b16 ? nullptr : u_.get<float>(), split(u16_, D, b16), stream_),
            "rmsnorm");
        log(blas_.linear(L.in_proj, u_.get<float>(), split(u16_, D, b16), D, bucket,
                         xz_.get<float>(), 2 * Di),
            "in_proj");
        if (L.in_proj_bias)
          log(kc::add_bias(xz_.get<float>(), bucket, 2 * Di, 2 * Di, L.in_proj_bias, stream_),
              "bias");
        log(kc::causal_conv1d_step(xz_.get<float>(), 2 * Di, slots, bucket, Di, K, L.conv_weight,
                                   L.conv_bias, conv_state(l), xc_.get<float>(),
                                   split(xc16_, Di, b16), stream_),
            "conv step");
        log(blas_.linear(L.x_proj, xc_.get<float>(), split(xc16_, Di, b16), Di, bucket,
                         dbc_.get<float>(), Wd),
            "x_proj");
        // Many sessions: dt_proj as one GEMM that reads its weights once, not once per session.
        if (b16)
          log(kc::to_bf16(dbc_.get<float>(), bucket, R, Wd, split(dbc16_, Wd, true), Wd, stream_),
              "cast");
        log(blas_.linear(L.dt_proj, dbc_.get<float>(), split(dbc16_, Wd, b16), Wd, bucket,
                         dt_.get<float>(), Di),
            "dt_proj");
      }
      kc::ScanStepArgs a;
      a.slots = slots;
      a.B = bucket;
      a.C = Di;
      a.N = N;
      a.R = R;
      a.u = xc_.get<float>();
      a.dt_proj = L.dt_proj;
      a.dt_bias = L.dt_bias;
      a.A = L.A;
      a.dbc = dbc_.get<float>();
      a.dt = small ? nullptr : dt_.get<float>();
      a.D = L.D;
      a.z = xz_.get<float>() + Di;
      a.z_stride = 2 * Di;
      a.state = ssm_state(l);
      a.y = y_.get<float>();
      a.y_bf16 = split(y16_, Di, b16);
      log(kc::selective_scan_step(a, stream_), "scan step");
      if (small) {
        kc::GemvArgs out{L.out_proj, y_.get<float>(), Di, bucket, nullptr, 0, L.out_proj_bias,
                         true,       nullptr,         h,  D};
        log(kc::gemv(out, stream_), "out_proj");
      } else {
        log(blas_.linear(L.out_proj, y_.get<float>(), split(y16_, Di, b16), Di, bucket, h, D, 1.0f),
            "out_proj");
        if (L.out_proj_bias) log(kc::add_bias(h, bucket, D, D, L.out_proj_bias, stream_), "bias");
      }
    }
    if (small) {
      kc::GemvArgs head{w_.lm_head, h,
                        D,          bucket,
                        w_.norm_f,  c.layer_norm_epsilon,
                        nullptr,    false,
                        nullptr,    logits_.get<float>(),
                        V};
      log(kc::gemv(head, stream_), "lm_head");
    } else {
      log(kc::rmsnorm(h, nullptr, bucket, D, w_.norm_f, c.layer_norm_epsilon,
                      b16 ? nullptr : u_.get<float>(), split(u16_, D, b16), stream_),
          "norm_f");
      log(blas_.linear(w_.lm_head, u_.get<float>(), split(u16_, D, b16), D, bucket,
                       logits_.get<float>(), V),
          "lm_head");
    }
    if (argmax_limit > 0)
      log(kc::argmax_rows(logits_.get<float>(), bucket, V, argmax_limit,
                          argmax_.get<std::int32_t>(), stream_),
          "argmax");
  }

  std::shared_ptr<const Model> model_;
  StateShape shape_;
  int device_;
  cudaStream_t stream_ = nullptr;
  kc::Blas blas_;
  DeviceWeights w_;
  SlotTable slots_;
  DeviceBuffer pool_;
  DeviceBuffer h_, u_, u16_, xz_, xc_, xc16_, dbc_, dbc16_, dt_, y_, y16_, logits_, argmax_;
  DeviceBuffer tokens_, seqs_, token_seq_, rows_;  // tokens_: [tokens | slots] for decode steps
  PinnedArray<std::int32_t> h_tokens_, h_token_seq_, h_rows_, h_argmax_;
  PinnedArray<kc::SequenceDesc> h_seqs_;
  std::map<std::pair<int, int>, cudaGraphExec_t> graphs_;
  std::vector<float> logits_scratch_;
};

}  // namespace

int cuda_device_count() {
  int n = 0;
  return cudaGetDeviceCount(&n) == cudaSuccess ? n : 0;
}

std::string cuda_unavailable_reason() {
  int n = 0;
  const cudaError_t e = cudaGetDeviceCount(&n);
  if (e != cudaSuccess)
    return std::string("no usable CUDA driver or device (") + cudaGetErrorName(e) + ")";
  return n == 0 ? "no CUDA device" : "";
}

Result<std::unique_ptr<Backend>> make_cuda_backend(std::shared_ptr<const Model> model, int device,
                                                   std::size_t capacity) {
  const int n = cuda_device_count();
  if (n == 0) return fail("--device cuda: " + cuda_unavailable_reason());
  if (device >= n)
    return fail("--device cuda:" + std::to_string(device) + ": only " + std::to_string(n) +
                " device(s) present");
  auto be = std::make_unique<CudaBackend>(std::move(model), device);
  if (auto s = be->init(capacity); !s) return s.error();
  return std::unique_ptr<Backend>(std::move(be));
}

}  // namespace recur
