// The tensors of a Mamba-1 model, named and shaped as in Hugging Face's MambaForCausalLM. Large
// matrices stay in the memory map when their dtype is already the compute dtype (fp32 or bf16);
// everything small (norms, biases, conv taps, A, D) is widened to fp32 at load.
#pragma once

#include <cstdint>
#include <memory>
#include <vector>

#include "base/result.hpp"
#include "kernels/element_type.hpp"
#include "model/config.hpp"
#include "model/safetensors.hpp"

namespace recur {

// The element type of the large matrices in memory. as_stored keeps F32 and BF16 as the file holds
// them and widens F16 to F32.
enum class WeightFormat { as_stored, f32, bf16 };

struct LayerWeights {
  std::vector<float> norm;           // [D]
  kernels::MatrixView in_proj;       // [2Di, D]: rows 0..Di-1 give x, rows Di..2Di-1 give z
  std::vector<float> in_proj_bias;   // [2Di], empty without use_bias
  std::vector<float> conv_weight;    // [Di][K]
  std::vector<float> conv_bias;      // [Di], empty without use_conv_bias
  kernels::MatrixView x_proj;        // [R + 2N, Di]: dt_low, B, C
  kernels::MatrixView dt_proj;       // [Di, R]
  std::vector<float> dt_bias;        // [Di]
  std::vector<float> A;              // [Di][N]: -exp(A_log), computed in fp32
  std::vector<float> D;              // [Di]
  kernels::MatrixView out_proj;      // [D, Di]
  std::vector<float> out_proj_bias;  // [D], empty without use_bias
};

struct MambaWeights {
  std::vector<LayerWeights> layers;
  kernels::MatrixView embedding;  // [V, D]
  std::vector<float> norm_f;      // [D]
  kernels::MatrixView lm_head;    // [V, D]; the embedding itself when tied
  kernels::ElementType matrix_type = kernels::ElementType::f32;
  std::uint64_t matrix_bytes =
      0;  // bytes of every matrix read by one decode step (lm_head included)

  // Converted matrices and the memory map that the views point into.
  std::vector<std::unique_ptr<std::uint8_t[]>> storage;
  std::shared_ptr<const SafetensorsFile> file;
};

// Builds the weights from an open safetensors file, checking every expected tensor's presence,
// dtype and shape against the config and refusing tensors a Mamba-1 model of this shape does not
// have. Accepts both 'backbone.embeddings' and 'backbone.embedding'; ties lm_head to the embedding
// when the config says so or when no lm_head.weight is stored.
Result<MambaWeights> load_weights(std::shared_ptr<const SafetensorsFile> file,
                                  const MambaConfig& config, WeightFormat format);

}  // namespace recur
