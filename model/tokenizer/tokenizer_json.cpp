#include "model/tokenizer/tokenizer_json.hpp"

namespace recur::tokenizer_json {

Field::Field(const nlohmann::json& root, const std::string& source)
    : value_(&root), path_(), source_(&source) {}

Field::Field(const nlohmann::json* value, std::string path, const std::string* source)
    : value_(value), path_(std::move(path)), source_(source) {}

Field Field::operator[](std::string_view key) const {
  std::string path = path_.empty() ? std::string(key) : path_ + "." + std::string(key);
  if (missing() || !value_->is_object()) return Field(nullptr, std::move(path), source_);
  auto it = value_->find(std::string(key));
  return Field(it == value_->end() ? nullptr : &*it, std::move(path), source_);
}

Field Field::operator[](std::size_t index) const {
  std::string path = path_ + "[" + std::to_string(index) + "]";
  if (missing() || !value_->is_array() || index >= value_->size()) {
    return Field(nullptr, std::move(path), source_);
  }
  return Field(&(*value_)[index], std::move(path), source_);
}

Error Field::error(std::string_view what) const {
  return fail(ErrorCode::invalid_argument,
              *source_ + ": field '" + path_ + "' " + std::string(what));
}

Error Field::unsupported(std::string_view supported) const {
  return error("is " + shown() + "; supported: " + std::string(supported));
}

std::string Field::shown() const {
  if (missing()) return "null";
  constexpr std::size_t kLimit = 60;
  std::string text = value_->dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  if (text.size() > kLimit) text = text.substr(0, kLimit) + "...";
  return text;
}

Result<std::string> Field::string() const {
  if (value_ == nullptr) return error("is missing");
  if (!value_->is_string()) return error("must be a string (got " + shown() + ")");
  return value_->get<std::string>();
}

Result<std::optional<std::string>> Field::optional_string() const {
  if (missing()) return std::optional<std::string>();
  if (!value_->is_string()) return error("must be a string or null (got " + shown() + ")");
  return std::optional<std::string>(value_->get<std::string>());
}

Result<bool> Field::boolean(bool fallback) const {
  if (missing()) return fallback;
  if (!value_->is_boolean()) return error("must be true or false (got " + shown() + ")");
  return value_->get<bool>();
}

Result<std::string> Field::type() const {
  if (missing()) return error("is missing");
  if (!value_->is_object()) return error("must be an object (got " + shown() + ")");
  return (*this)["type"].string();
}

}  // namespace recur::tokenizer_json
