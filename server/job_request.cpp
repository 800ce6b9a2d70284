#include "server/job_request.hpp"

#include <cmath>
#include <sstream>

namespace recur::server {
namespace {

Error bad(const std::string& field, const std::string& what) {
  return fail(ErrorCode::invalid_argument, "field '" + field + "': " + what);
}

// A whole number >= 0 that fits in 64 bits.
Result<std::uint64_t> count(const Json& v, const std::string& field) {
  if (v.is_number_unsigned()) return v.get<std::uint64_t>();
  if (v.is_number_integer()) return bad(field, "must not be negative");
  return bad(field, std::string("must be a whole number, not ") + v.type_name());
}

// A parameter as `--param NAME=VALUE` would give it.
Result<std::string> param_text(const Json& v, const std::string& field) {
  if (v.is_string()) return v.get<std::string>();
  if (v.is_number_integer()) return v.dump();
  if (v.is_number_float()) {
    const double d = v.get<double>();
    if (!std::isfinite(d)) return bad(field, "must be a finite number");
    std::ostringstream out;
    out.precision(17);
    out << d;
    return out.str();
  }
  return bad(field, std::string("must be a string or a number, not ") + v.type_name());
}

}  // namespace

bool is_plain_name(const std::string& name) {
  if (name.empty() || name.size() > 100 || name[0] == '.') return false;
  for (char c : name)
    if (!(std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_' || c == '.'))
      return false;
  return true;
}

Result<JobRequest> JobRequest::from_json(const Json& body) {
  if (!body.is_object()) return fail(ErrorCode::invalid_argument, "the body must be a JSON object");
  JobRequest r;
  for (const auto& [key, v] : body.items()) {
    if (key == "pipeline" || key == "source" || key == "model") {
      if (!v.is_string()) return bad(key, std::string("must be a string, not ") + v.type_name());
      (key == "pipeline" ? r.pipeline
       : key == "source" ? r.source
                         : r.model) = v.get<std::string>();
    } else if (key == "params") {
      if (!v.is_object()) return bad(key, "must be an object of NAME: value");
      for (const auto& [name, value] : v.items()) {
        if (name.empty()) return bad("params", "a parameter name is empty");
        auto text = param_text(value, "params." + name);
        if (!text) return text.error();
        r.params[name] = *text;
      }
    } else if (key == "seed") {
      auto seed = count(v, key);
      if (!seed) return seed.error();
      r.seed = *seed;
    } else if (key == "priority") {
      if (!v.is_number_integer()) return bad(key, "must be a whole number");
      r.priority = v.get<std::int64_t>();
    } else if (key == "budgets") {
      if (!v.is_object()) return bad(key, "must be an object");
      for (const auto& [name, value] : v.items()) {
        std::uint64_t* slot = name == "max_wall_ms"        ? &r.max_wall_ms
                              : name == "max_calls"        ? &r.max_calls
                              : name == "max_tokens"       ? &r.max_tokens
                              : name == "max_instructions" ? &r.max_instructions
                              : name == "max_memory_mb"    ? &r.max_memory_mb
                                                           : nullptr;
        if (!slot)
          return bad("budgets." + name,
                     "unknown (max_wall_ms, max_calls, max_tokens, max_instructions, "
                     "max_memory_mb)");
        auto n = count(value, "budgets." + name);
        if (!n) return n.error();
        *slot = *n;
      }
    } else {
      return bad(key, "unknown (pipeline, source, params, seed, priority, model, budgets)");
    }
  }
  if (r.pipeline.empty() == r.source.empty())
    return fail(ErrorCode::invalid_argument, "give exactly one of 'pipeline' and 'source'");
  if (!r.pipeline.empty() && !is_plain_name(r.pipeline))
    return bad("pipeline", "'" + r.pipeline + "' is not a pipeline name");
  if (!r.model.empty() && !is_plain_name(r.model))
    return bad("model", "'" + r.model + "' is not a model name");
  return r;
}

}  // namespace recur::server
