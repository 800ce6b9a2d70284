// The safetensors container: an 8-byte little-endian header length, a JSON header naming each
// tensor's dtype, shape and byte range, then the tensor bytes. The file is memory-mapped and
// checked completely on open; tensors are views into the map.
#pragma once

#include <cstdint>
#include <filesystem>
#include <map>
#include <span>
#include <string>
#include <vector>

#include "base/result.hpp"
#include "model/mapped_file.hpp"

namespace recur {

enum class DType { f64, f32, f16, bf16, i64, i32, i16, i8, u8, boolean, other };

const char* dtype_name(DType t);
// Bytes per element; 0 for dtypes recur does not read (sub-byte, fp8 ...).
std::size_t dtype_size(DType t);

struct TensorView {
  std::string name;
  DType dtype = DType::other;
  std::string dtype_text;           // as written in the header
  std::vector<std::int64_t> shape;  // outermost first
  std::span<const std::byte> bytes;

  std::int64_t numel() const;
};

class SafetensorsFile {
 public:
  // Maps and validates the file: header length within the file and at most 100 MB, a JSON object,
  // known entries with non-negative shapes, byte ranges inside the data, matching the dtype and
  // shape, sorted ranges contiguous from 0 with no overlap and covering the data.
  static Result<SafetensorsFile> open(const std::filesystem::path& path);
  // The same checks on bytes held in memory; `source` names them in errors. The bytes must outlive
  // the returned file.
  static Result<SafetensorsFile> parse(std::span<const std::byte> bytes, const std::string& source);

  const TensorView* find(const std::string& name) const;
  const std::map<std::string, TensorView>& tensors() const { return tensors_; }
  const std::map<std::string, std::string>& metadata() const { return metadata_; }
  const std::string& source() const { return source_; }

 private:
  MappedFile map_;
  std::string source_;
  std::map<std::string, TensorView> tensors_;
  std::map<std::string, std::string> metadata_;
};

// A tensor to write: dtype name ("F32", "BF16", ...), shape and its raw little-endian bytes.
struct TensorBytes {
  std::string dtype;
  std::vector<std::int64_t> shape;
  std::string bytes;
};

// The bytes of a safetensors file holding `tensors` in name order, the header padded with spaces so
// the data starts 8-byte aligned.
std::string encode_safetensors(const std::map<std::string, TensorBytes>& tensors,
                               const std::map<std::string, std::string>& metadata = {});

}  // namespace recur
