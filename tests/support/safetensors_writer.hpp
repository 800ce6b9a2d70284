// Writes well-formed safetensors files from named tensors, for tests that build damaged bundles.
#pragma once

#include <cstring>
#include <map>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "model/safetensors.hpp"

namespace recur::testing {

using RawTensor = TensorBytes;

inline std::map<std::string, RawTensor> raw_tensors(const SafetensorsFile& file) {
  std::map<std::string, RawTensor> out;
  for (const auto& [name, t] : file.tensors())
    out[name] = {t.dtype_text, t.shape,
                 std::string(reinterpret_cast<const char*>(t.bytes.data()), t.bytes.size())};
  return out;
}

inline std::string safetensors_bytes(const std::map<std::string, RawTensor>& tensors) {
  return encode_safetensors(tensors);
}

}  // namespace recur::testing
