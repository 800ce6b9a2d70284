// Reading tokenizer.json: a JSON value together with its path in the file, so that every error
// names the file and the field, as in "tokenizer.json: field 'model.merges[3]' must be a string".
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "base/result.hpp"

namespace recur::tokenizer_json {

class Field {
 public:
  // The whole document; source names it in errors. Both must outlive every Field made from this
  // one.
  Field(const nlohmann::json& root, const std::string& source);

  // A member of this object, or an element of this array; missing() when there is none.
  Field operator[](std::string_view key) const;
  Field operator[](std::size_t index) const;

  // Absent, or JSON null.
  bool missing() const { return value_ == nullptr || value_->is_null(); }
  // The value itself; only when !missing().
  const nlohmann::json& json() const { return *value_; }
  const std::string& path() const { return path_; }

  // "<source>: field '<path>' <what>".
  Error error(std::string_view what) const;
  // "<source>: field '<path>' is <value>; supported: <supported>".
  Error unsupported(std::string_view supported) const;
  // The value as JSON text for messages, shortened when long.
  std::string shown() const;

  Result<std::string> string() const;  // a required string
  Result<std::optional<std::string>> optional_string() const;
  Result<bool> boolean(bool fallback) const;  // fallback when missing
  // The "type" member of a component object ("BPE", "NFC", "ByteLevel" ...).
  Result<std::string> type() const;

 private:
  Field(const nlohmann::json* value, std::string path, const std::string* source);

  const nlohmann::json* value_;
  std::string path_;
  const std::string* source_;
};

}  // namespace recur::tokenizer_json
