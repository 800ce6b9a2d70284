// The JSON value type of recur: nlohmann::json, under one name for every layer.
#pragma once

#include <nlohmann/json.hpp>

namespace recur {

using Json = nlohmann::json;

}  // namespace recur
