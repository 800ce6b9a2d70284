// The CUDA backend: the state pool and its slots, passes and decode steps (the kernel sequences are
// in cuda_layers.cpp), CUDA graphs of decode steps per batch bucket, and argmax on the device.
#include <cuda_runtime_api.h>

#include <algorithm>
#include <cstring>
#include <map>

#include "kernels/cuda/gemm.hpp"
#include "kernels/cuda/ops.hpp"
#include "model/cuda_backend.hpp"
#include "model/cuda_layers.hpp"
#include "model/cuda_memory.hpp"
#include "model/cuda_weights.hpp"
#include "model/cuda_workspace.hpp"
#include "model/pass_plan.hpp"
#include "model/slot_table.hpp"

namespace recur {
namespace {

namespace kc = kernels::cuda;

constexpr std::size_t kMaxPassTokens = CudaWorkspace::kMaxPassTokens;
constexpr std::size_t kMaxDecodeBatch = CudaWorkspace::kMaxDecodeBatch;
// Without batch invariance, the fused GEMV path wins up to 32 sessions (four groups of 8); past
// that the tensor-core GEMMs do (see docs/performance.md).
constexpr int kSmallDecodeBatch = 32;

class CudaBackend final : public Backend {
 public:
  CudaBackend(std::shared_ptr<const Model> model, int device, bool invariant)
      : model_(std::move(model)),
        shape_(model_->state_shape()),
        device_(device),
        invariant_(invariant),
        slots_(0) {}

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
    if (auto e = blas_.init(stream_); !e.empty())
      return fail(ErrorCode::unavailable, "cublas: " + e);
    auto weights = DeviceWeights::upload(*model_);
    if (!weights) return weights.error();
    w_ = std::move(*weights);
    if (auto s = ws_.allocate(model_->config()); !s) return s;

    std::size_t free_bytes = 0, total_bytes = 0;
    if (auto s = cuda_check(cudaMemGetInfo(&free_bytes, &total_bytes), "querying memory"); !s)
      return s;
    const std::size_t slot_bytes = shape_.bytes();
    const std::size_t margin = std::size_t{1} << 30;
    const std::size_t fit = free_bytes > margin ? (free_bytes - margin) / slot_bytes : 0;
    if (capacity == 0) capacity = std::min<std::size_t>(fit, 1'000'000);
    if (capacity == 0 || capacity > fit)
      return fail(ErrorCode::resource_exhausted,
                  "cuda: device " + std::to_string(device_) + " has room for " +
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
    if (which == LogitsFor::last && all_single(chunks))
      return decode_batches(chunks, 0, &logits, nullptr);
    if (invariant_ && any_single(chunks)) return forward_mixed(chunks, which, 0, &logits, nullptr);
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
    if (invariant_ && any_single(chunks))
      return forward_mixed(chunks, LogitsFor::last, limit, nullptr, &next);
    // Passes first, then the argmax of each chunk's last row on the device.
    for (const auto& pass : plan_passes(chunks, kMaxPassTokens)) {
      std::vector<TokenId> ids;
      if (auto s = run_pass(pass, LogitsFor::last, logits_scratch_, limit, &ids); !s) return s;
      next.insert(next.end(), ids.begin(), ids.end());
    }
    return {};
  }

 private:
  static bool any_single(std::span<const SequenceChunk> chunks) {
    return std::any_of(chunks.begin(), chunks.end(),
                       [](const SequenceChunk& c) { return c.tokens.size() == 1; });
  }

  // Batch-invariant forward of a call that mixes one-token chunks with longer ones: the one-token
  // chunks take a decode step, as they would alone, the others passes; their rows (or ids, when
  // `ids` is given) are put back in chunk order.
  Status forward_mixed(std::span<const SequenceChunk> chunks, LogitsFor which, std::size_t limit,
                       std::vector<float>* logits, std::vector<TokenId>* ids) {
    std::vector<SequenceChunk> singles, longer;
    for (const auto& c : chunks) (c.tokens.size() == 1 ? singles : longer).push_back(c);
    std::vector<float> single_rows, longer_rows;
    std::vector<TokenId> single_ids, longer_ids;
    if (auto s = decode_batches(singles, limit, ids ? nullptr : &single_rows,
                                ids ? &single_ids : nullptr);
        !s)
      return s;
    for (const auto& pass : plan_passes(longer, kMaxPassTokens)) {
      Status s;
      if (ids) {
        std::vector<TokenId> part;
        s = run_pass(pass, LogitsFor::last, logits_scratch_, limit, &part);
        longer_ids.insert(longer_ids.end(), part.begin(), part.end());
      } else {
        s = run_pass(pass, which, longer_rows);
      }
      if (!s) return s;
    }
    if (ids) {
      std::size_t a = 0, b = 0;
      for (const auto& c : chunks)
        ids->push_back(c.tokens.size() == 1 ? single_ids[a++] : longer_ids[b++]);
      return {};
    }
    if (which == LogitsFor::none) return {};
    const std::size_t V = shape_.vocab_size;
    std::size_t a = 0, b = 0;
    for (const auto& c : chunks) {
      const bool one = c.tokens.size() == 1;
      const std::size_t n = one || which == LogitsFor::last ? 1 : c.tokens.size();
      const std::vector<float>& from = one ? single_rows : longer_rows;
      std::size_t& at = one ? a : b;
      logits->insert(logits->end(), from.begin() + at * V, from.begin() + (at + n) * V);
      at += n;
    }
    return {};
  }

  static bool all_single(std::span<const SequenceChunk> chunks) {
    return std::all_of(chunks.begin(), chunks.end(),
                       [](const SequenceChunk& c) { return c.tokens.size() == 1; });
  }

  static constexpr std::size_t kRows = CudaWorkspace::kRows;

  // ---- passes
  // -------------------------------------------------------------------------------------

  Status run_pass(const std::vector<Piece>& pass, LogitsFor which, std::vector<float>& logits,
                  std::size_t argmax_limit = 0, std::vector<TokenId>* argmax = nullptr) {
    const MambaConfig& c = model_->config();
    int T = 0;
    std::vector<int> rows;
    for (std::size_t i = 0; i < pass.size(); ++i) {
      const auto& p = pass[i];
      ws_.h_seqs[i] = {T, static_cast<int>(p.count), static_cast<int>(p.slot)};
      for (std::size_t k = 0; k < p.count; ++k) {
        ws_.h_tokens[T + k] = p.tokens[k];
        ws_.h_token_seq[T + k] = static_cast<int>(i);
        if (which == LogitsFor::all) rows.push_back(T + static_cast<int>(k));
      }
      T += static_cast<int>(p.count);
      if (which == LogitsFor::last && p.ends_chunk) rows.push_back(T - 1);
    }
    const int n_seqs = static_cast<int>(pass.size());
    for (std::size_t i = 0; i < rows.size(); ++i) ws_.h_rows[i] = rows[i];
    LaunchLog log;
    log(cudaMemcpyAsync(ws_.tokens.get(), ws_.h_tokens.data(), T * 4, cudaMemcpyHostToDevice,
                        stream_),
        "copying tokens");
    log(cudaMemcpyAsync(ws_.token_seq.get(), ws_.h_token_seq.data(), T * 4, cudaMemcpyHostToDevice,
                        stream_),
        "copying tokens");
    log(cudaMemcpyAsync(ws_.seqs.get(), ws_.h_seqs.data(), n_seqs * sizeof(kc::SequenceDesc),
                        cudaMemcpyHostToDevice, stream_),
        "copying sequences");
    log(cudaMemcpyAsync(ws_.rows.get(), ws_.h_rows.data(), rows.size() * 4, cudaMemcpyHostToDevice,
                        stream_),
        "copying rows");

    const int n_rows = static_cast<int>(rows.size());
    layers().enqueue_pass(T, n_seqs, n_rows, log);
    if (n_rows > 0) {
      const int V = static_cast<int>(c.vocab_size);
      if (argmax) {
        log(kc::argmax_rows(ws_.logits.get<float>(), n_rows, V, static_cast<int>(argmax_limit),
                            ws_.argmax.get<std::int32_t>(), stream_),
            "argmax");
        log(cudaMemcpyAsync(ws_.h_argmax.data(), ws_.argmax.get(), n_rows * 4,
                            cudaMemcpyDeviceToHost, stream_),
            "ids");
      } else {
        const std::size_t base = logits.size();
        logits.resize(base + static_cast<std::size_t>(n_rows) * V);
        log(cudaMemcpyAsync(logits.data() + base, ws_.logits.get(),
                            static_cast<std::size_t>(n_rows) * V * 4, cudaMemcpyDeviceToHost,
                            stream_),
            "copying logits");
      }
    }
    log(cudaStreamSynchronize(stream_), "forward pass");
    if (argmax) argmax->assign(ws_.h_argmax.data(), ws_.h_argmax.data() + n_rows);
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
      ws_.h_tokens[i] = i < B ? chunks[i].tokens[0] : 0;
      ws_.h_tokens[kRows + i] = i < B ? static_cast<int>(chunks[i].slot) : -1;
    }
    LaunchLog log;
    log(cudaMemcpyAsync(ws_.tokens.get(), ws_.h_tokens.data(), (kRows + bucket) * 4,
                        cudaMemcpyHostToDevice, stream_),
        "tokens");
    if (!log.status) return log.status;
    const int argmax_limit = ids ? static_cast<int>(limit) : 0;
    auto exec = graph_for(bucket, argmax_limit);
    if (!exec) return exec.error();
    log(cudaGraphLaunch(*exec, stream_), "launching the decode graph");
    const std::size_t V = shape_.vocab_size;
    if (ids) {
      log(cudaMemcpyAsync(ws_.h_argmax.data(), ws_.argmax.get(), B * 4, cudaMemcpyDeviceToHost,
                          stream_),
          "ids");
    } else {
      const std::size_t base = logits->size();
      logits->resize(base + static_cast<std::size_t>(B) * V);
      log(cudaMemcpyAsync(logits->data() + base, ws_.logits.get(),
                          static_cast<std::size_t>(B) * V * 4, cudaMemcpyDeviceToHost, stream_),
          "copying logits");
    }
    log(cudaStreamSynchronize(stream_), "decode step");
    if (ids && log.status) ids->insert(ids->end(), ws_.h_argmax.data(), ws_.h_argmax.data() + B);
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
    layers().enqueue_decode(bucket, argmax_limit, bucket <= kSmallDecodeBatch, log);
    const cudaError_t end = cudaStreamEndCapture(stream_, &graph);
    log(end, "ending graph capture");
    cudaGraphExec_t exec = nullptr;
    if (log.status) log(cudaGraphInstantiate(&exec, graph, 0), "instantiating the decode graph");
    if (graph) cudaGraphDestroy(graph);
    if (!log.status) return log.status.error();
    graphs_[key] = exec;
    return exec;
  }

  CudaLayers layers() {
    return {model_->config(), w_, ws_, pool_.get<float>(), shape_, blas_, stream_, invariant_};
  }

  std::shared_ptr<const Model> model_;
  StateShape shape_;
  int device_;
  bool invariant_;
  cudaStream_t stream_ = nullptr;
  kc::Blas blas_;
  DeviceWeights w_;
  SlotTable slots_;
  DeviceBuffer pool_;
  CudaWorkspace ws_;
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
                                                   std::size_t capacity, bool batch_invariant) {
  const int n = cuda_device_count();
  if (n == 0) return fail(ErrorCode::unavailable, "cuda: " + cuda_unavailable_reason());
  if (device >= n)
    return fail(ErrorCode::not_found, "cuda:" + std::to_string(device) + ": only " +
                                          std::to_string(n) + " device(s) present");
  auto be = std::make_unique<CudaBackend>(std::move(model), device, batch_invariant);
  if (auto s = be->init(capacity); !s) return s.error();
  return std::unique_ptr<Backend>(std::move(be));
}

}  // namespace recur
