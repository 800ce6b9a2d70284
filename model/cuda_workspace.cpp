#include "model/cuda_workspace.hpp"

#include <algorithm>

namespace recur {

namespace kc = kernels::cuda;

Status CudaWorkspace::allocate(const MambaConfig& c) {
  const std::size_t T = kRows;
  const std::size_t D = c.hidden_size, Di = c.intermediate_size,
                    W = c.time_step_rank + 2 * c.state_size;
  struct Need {
    DeviceBuffer* buf;
    std::size_t bytes;
    const char* what;
  };
  const Need needs[] = {
      {&h, T * D * 4, "h"},
      {&u, T * D * 4, "u"},
      {&u16, 2 * T * D * 2, "u bf16"},
      {&xz, T * 2 * Di * 4, "xz"},
      {&xc, T * Di * 4, "xc"},
      {&xc16, 2 * T * Di * 2, "xc bf16"},
      {&dbc, T * W * 4, "dbc"},
      {&dbc16, 2 * T * W * 2, "dbc bf16"},
      {&dt, T * Di * 4, "dt"},
      {&y, T * Di * 4, "y"},
      {&y16, 2 * T * Di * 2, "y bf16"},
      {&terms, 2 * kTermRows * std::max({2 * Di, D, W}) * 4, "product terms"},
      {&terms_x, 2 * kTermRows * W * 4, "x_proj terms"},
      {&terms_dt, 2 * kTermRows * Di * 4, "dt_proj terms"},
      {&logits, T * c.vocab_size * 4, "logits"},
      {&argmax, T * 4, "argmax"},
      {&tokens, 2 * T * 4, "tokens and slots"},
      {&seqs, T * sizeof(kc::SequenceDesc), "sequences"},
      {&token_seq, T * 4, "token sequence ids"},
      {&rows, T * 4, "logit rows"},
      {&split16, 2 * T * kc::split_width(static_cast<int>(std::max(D, Di))) * 2, "split input"},
      {&rstd, T * 4, "row norms"}};
  for (const auto& n : needs)
    if (auto s = n.buf->allocate(n.bytes, std::string("workspace ") + n.what); !s) return s;
  for (auto* p : {&h_token_seq, &h_rows, &h_argmax})
    if (auto s = p->allocate(T, "staging"); !s) return s;
  if (auto s = h_tokens.allocate(2 * T, "staging"); !s) return s;
  return h_seqs.allocate(T, "staging");
}

}  // namespace recur
