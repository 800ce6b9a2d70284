#include "model/safetensors.hpp"

#include <algorithm>
#include <cstring>
#include <limits>

#include <nlohmann/json.hpp>

namespace recur {
namespace {

constexpr std::uint64_t kMaxHeader = 100'000'000;

DType parse_dtype(const std::string& s) {
  static const std::map<std::string, DType> names = {
      {"F64", DType::f64}, {"F32", DType::f32},     {"F16", DType::f16}, {"BF16", DType::bf16},
      {"I64", DType::i64}, {"I32", DType::i32},     {"I16", DType::i16}, {"I8", DType::i8},
      {"U8", DType::u8},   {"BOOL", DType::boolean}};
  auto it = names.find(s);
  return it == names.end() ? DType::other : it->second;
}

bool known_other_dtype(const std::string& s) {
  static const char* others[] = {"U16",     "U32",     "U64",         "C64",
                                 "F4",      "F6_E2M3", "F6_E3M2",     "F8_E5M2",
                                 "F8_E4M3", "F8_E8M0", "F8_E4M3FNUZ", "F8_E5M2FNUZ"};
  return std::any_of(std::begin(others), std::end(others), [&](const char* o) { return s == o; });
}

}  // namespace

const char* dtype_name(DType t) {
  switch (t) {
    case DType::f64:
      return "F64";
    case DType::f32:
      return "F32";
    case DType::f16:
      return "F16";
    case DType::bf16:
      return "BF16";
    case DType::i64:
      return "I64";
    case DType::i32:
      return "I32";
    case DType::i16:
      return "I16";
    case DType::i8:
      return "I8";
    case DType::u8:
      return "U8";
    case DType::boolean:
      return "BOOL";
    case DType::other:
      return "other";
  }
  return "other";
}

std::size_t dtype_size(DType t) {
  switch (t) {
    case DType::f64:
    case DType::i64:
      return 8;
    case DType::f32:
    case DType::i32:
      return 4;
    case DType::f16:
    case DType::bf16:
    case DType::i16:
      return 2;
    case DType::i8:
    case DType::u8:
    case DType::boolean:
      return 1;
    case DType::other:
      return 0;
  }
  return 0;
}

std::int64_t TensorView::numel() const {
  std::int64_t n = 1;
  for (auto d : shape) n *= d;
  return n;
}

Result<SafetensorsFile> SafetensorsFile::open(const std::filesystem::path& path) {
  auto map = MappedFile::open(path);
  if (!map) return map.error();
  auto file = parse(map->bytes(), path.string());
  if (!file) return file.error();
  file->map_ = std::move(*map);
  return file;
}

Result<SafetensorsFile> SafetensorsFile::parse(std::span<const std::byte> bytes,
                                               const std::string& source) {
  // Every failure is malformed input: the bytes need not come from recur.
  const auto err = [&](const std::string& what) {
    return fail(ErrorCode::invalid_argument, source + ": " + what);
  };
  if (bytes.size() < 8)
    return err("file is " + std::to_string(bytes.size()) +
               " bytes, shorter than the 8-byte header length");
  std::uint64_t header_len = 0;
  for (int i = 7; i >= 0; --i)
    header_len = (header_len << 8) | std::to_integer<std::uint8_t>(bytes[i]);
  if (header_len > kMaxHeader)
    return err("header length " + std::to_string(header_len) +
               " (bytes 0-7) exceeds the 100 MB limit");
  if (header_len > bytes.size() - 8)
    return err("header length " + std::to_string(header_len) +
               " (bytes 0-7) runs past the end of the " + std::to_string(bytes.size()) +
               "-byte file");
  const char* text = reinterpret_cast<const char*>(bytes.data() + 8);
  if (header_len == 0 || text[0] != '{') return err("header at byte 8 is not a JSON object");

  nlohmann::json header;
  std::vector<std::string> top_keys;
  try {
    // The callback sees every key of the top-level object, so duplicates can be refused.
    header = nlohmann::json::parse(
        text, text + header_len,
        [&](int depth, nlohmann::json::parse_event_t event, nlohmann::json& parsed) {
          if (depth == 1 && event == nlohmann::json::parse_event_t::key)
            top_keys.push_back(parsed.get<std::string>());
          return true;
        });
  } catch (const nlohmann::json::parse_error& e) {
    return err("header is not valid JSON at byte " + std::to_string(8 + e.byte) + ": " + e.what());
  }
  if (!header.is_object()) return err("header at byte 8 is not a JSON object");
  std::sort(top_keys.begin(), top_keys.end());
  if (auto dup = std::adjacent_find(top_keys.begin(), top_keys.end()); dup != top_keys.end())
    return err("header names tensor '" + *dup + "' twice");

  SafetensorsFile file;
  file.source_ = source;
  const auto data = bytes.subspan(8 + header_len);
  struct Range {
    std::uint64_t begin, end;
    std::string name;
  };
  std::vector<Range> ranges;

  for (auto& [name, entry] : header.items()) {
    if (name == "__metadata__") {
      if (!entry.is_object()) return err("'__metadata__' must be an object of strings");
      for (auto& [k, v] : entry.items()) {
        if (!v.is_string()) return err("'__metadata__' entry '" + k + "' is not a string");
        file.metadata_[k] = v.get<std::string>();
      }
      continue;
    }
    const std::string where = "tensor '" + name + "'";
    if (!entry.is_object()) return err(where + " is not an object");
    for (auto& [k, v] : entry.items()) {
      (void)v;
      if (k != "dtype" && k != "shape" && k != "data_offsets")
        return err(where + " has unknown field '" + k + "'");
    }
    if (!entry.contains("dtype") || !entry["dtype"].is_string())
      return err(where + ": field 'dtype' is missing or not a string");
    if (!entry.contains("shape") || !entry["shape"].is_array())
      return err(where + ": field 'shape' is missing or not an array");
    if (!entry.contains("data_offsets") || !entry["data_offsets"].is_array() ||
        entry["data_offsets"].size() != 2)
      return err(where + ": field 'data_offsets' must be an array [begin, end]");

    TensorView t;
    t.name = name;
    t.dtype_text = entry["dtype"].get<std::string>();
    t.dtype = parse_dtype(t.dtype_text);
    if (t.dtype == DType::other && !known_other_dtype(t.dtype_text))
      return err(where + ": unknown dtype '" + t.dtype_text + "'");

    std::uint64_t numel = 1;
    bool overflow = false;
    for (auto& d : entry["shape"]) {
      if (!d.is_number_unsigned())
        return err(where + ": field 'shape' holds " + d.dump() + ", not a non-negative integer");
      const auto v = d.get<std::uint64_t>();
      if (v > static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max())) overflow = true;
      t.shape.push_back(static_cast<std::int64_t>(v));
      if (v != 0 && numel > std::numeric_limits<std::uint64_t>::max() / v) overflow = true;
      numel *= v;
    }
    if (overflow) return err(where + ": shape element count overflows");

    const auto& off = entry["data_offsets"];
    if (!off[0].is_number_unsigned() || !off[1].is_number_unsigned())
      return err(where + ": field 'data_offsets' must hold two non-negative integers");
    const auto begin = off[0].get<std::uint64_t>();
    const auto end = off[1].get<std::uint64_t>();
    if (begin > end)
      return err(where + ": data_offsets [" + std::to_string(begin) + ", " + std::to_string(end) +
                 "] begin after end");
    if (end > data.size())
      return err(where + ": data_offsets [" + std::to_string(begin) + ", " + std::to_string(end) +
                 "] extend past the " + std::to_string(data.size()) + "-byte data section");
    if (const auto esize = dtype_size(t.dtype); esize != 0) {
      if (numel > std::numeric_limits<std::uint64_t>::max() / esize || numel * esize != end - begin)
        return err(where + ": " + std::to_string(end - begin) + " bytes do not hold shape " +
                   entry["shape"].dump() + " of " + t.dtype_text);
    }
    t.bytes = data.subspan(begin, end - begin);
    ranges.push_back({begin, end, name});
    file.tensors_.emplace(name, std::move(t));
  }

  std::sort(ranges.begin(), ranges.end(), [](const Range& a, const Range& b) {
    return a.begin != b.begin ? a.begin < b.begin : a.end < b.end;
  });
  std::uint64_t cursor = 0;
  for (const auto& r : ranges) {
    if (r.begin < cursor)
      return err("tensor '" + r.name + "' bytes [" + std::to_string(r.begin) + ", " +
                 std::to_string(r.end) + ") overlap the previous tensor");
    if (r.begin > cursor)
      return err("tensor '" + r.name + "' starts at data byte " + std::to_string(r.begin) +
                 ", leaving a hole after byte " + std::to_string(cursor));
    cursor = r.end;
  }
  if (cursor != data.size())
    return err("the tensors cover " + std::to_string(cursor) + " of the " +
               std::to_string(data.size()) + " data bytes");
  return file;
}

const TensorView* SafetensorsFile::find(const std::string& name) const {
  auto it = tensors_.find(name);
  return it == tensors_.end() ? nullptr : &it->second;
}

std::string encode_safetensors(const std::map<std::string, TensorBytes>& tensors,
                               const std::map<std::string, std::string>& metadata) {
  nlohmann::json header = nlohmann::json::object();
  if (!metadata.empty()) header["__metadata__"] = metadata;
  std::size_t offset = 0;
  for (const auto& [name, t] : tensors) {
    header[name] = {{"dtype", t.dtype},
                    {"shape", t.shape},
                    {"data_offsets", {offset, offset + t.bytes.size()}}};
    offset += t.bytes.size();
  }
  std::string text = header.dump();
  while ((8 + text.size()) % 8) text += ' ';
  std::string out(8, '\0');
  const std::uint64_t n = text.size();
  for (int i = 0; i < 8; ++i) out[i] = static_cast<char>((n >> (8 * i)) & 0xff);
  out += text;
  for (const auto& [name, t] : tensors) out += t.bytes;
  return out;
}

}  // namespace recur
