#include "agent/markers.hpp"

namespace recur::agent {

TokenId Markers::get(const std::string& field, const char* fallback) {
  std::string text;
  if (config_.contains(field)) {
    if (!config_[field].is_string()) {
      if (error_)
        error_ = fail(ErrorCode::invalid_argument, "protocol " + protocol_ + ": field '" + field +
                                                       "' must be a token (a string)");
      return -1;
    }
    text = config_[field].get<std::string>();
  } else if (fallback) {
    text = fallback;
  } else {
    if (error_)
      error_ = fail(ErrorCode::invalid_argument,
                    "protocol " + protocol_ + ": field '" + field + "' is missing");
    return -1;
  }
  return token(text, "field '" + field + "'");
}

TokenId Markers::token(const std::string& text, const std::string& where) {
  const auto id = tokenizer_.token_to_id(text);
  if (!id) {
    if (error_)
      error_ = fail(ErrorCode::invalid_argument,
                    "protocol " + protocol_ + ": " + where + " names '" + text +
                        "', which is not a token of the bundle's tokenizer");
    return -1;
  }
  return *id;
}

}  // namespace recur::agent
