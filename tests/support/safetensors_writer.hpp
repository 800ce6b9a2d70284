// Writes well-formed safetensors files from named tensors, for tests that build damaged bundles.
#pragma once

#include <cstring>
#include <map>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "model/safetensors.hpp"

namespace recur::testing {

struct RawTensor {
  std::string dtype;
  std::vector<std::int64_t> shape;
  std::string bytes;
};

inline std::map<std::string, RawTensor> raw_tensors(const SafetensorsFile& file) {
  std::map<std::string, RawTensor> out;
  for (const auto& [name, t] : file.tensors())
    out[name] = {t.dtype_text, t.shape,
                 std::string(reinterpret_cast<const char*>(t.bytes.data()), t.bytes.size())};
  return out;
}

inline std::string safetensors_bytes(const std::map<std::string, RawTensor>& tensors) {
  nlohmann::json header = nlohmann::json::object();
  std::string data;
  for (const auto& [name, t] : tensors) {
    header[name] = {{"dtype", t.dtype},
                    {"shape", t.shape},
                    {"data_offsets", {data.size(), data.size() + t.bytes.size()}}};
    data += t.bytes;
  }
  std::string text = header.dump();
  while ((8 + text.size()) % 8) text += ' ';
  std::string out(8, '\0');
  const std::uint64_t n = text.size();
  std::memcpy(out.data(), &n, 8);
  return out + text + data;
}

}  // namespace recur::testing
