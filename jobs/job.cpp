#include "jobs/job.hpp"

#include <exception>

namespace recur::jobs {
namespace {

// Reads an optional field into `out`; a field of another type is an error naming it.
template <class T>
Status read_field(const Json& j, const char* name, T& out, const char* record) {
  auto it = j.find(name);
  if (it == j.end() || it->is_null()) return {};
  try {
    out = it->get<T>();
  } catch (const std::exception&) {
    return fail(ErrorCode::data_loss, std::string(record) + ": field '" + name + "' is a " +
                                          it->type_name() + ", not the expected type");
  }
  return {};
}

}  // namespace

Json JobOptions::to_json() const {
  return {{"model", model},
          {"concurrency", concurrency},
          {"max_wall_ms", max_wall_ms},
          {"max_calls", max_calls},
          {"max_tokens", max_tokens},
          {"max_instructions", max_instructions},
          {"max_memory_mb", max_memory_mb},
          {"data_dir", data_dir}};
}

Result<JobOptions> JobOptions::from_json(const Json& j) {
  if (!j.is_object()) return fail(ErrorCode::data_loss, "job options: not an object");
  JobOptions o;
  const char* what = "job options";
  for (Status s :
       {read_field(j, "model", o.model, what), read_field(j, "concurrency", o.concurrency, what),
        read_field(j, "max_wall_ms", o.max_wall_ms, what),
        read_field(j, "max_calls", o.max_calls, what),
        read_field(j, "max_tokens", o.max_tokens, what),
        read_field(j, "max_instructions", o.max_instructions, what),
        read_field(j, "max_memory_mb", o.max_memory_mb, what),
        read_field(j, "data_dir", o.data_dir, what)})
    if (!s) return s.error();
  return o;
}

Json JobSummary::to_json() const {
  return {{"calls", calls},
          {"tokens", tokens},
          {"replayed", replayed},
          {"rows", rows},
          {"files", files}};
}

Result<JobSummary> JobSummary::from_json(const Json& j) {
  if (!j.is_object()) return fail(ErrorCode::data_loss, "job summary: not an object");
  JobSummary s;
  const char* what = "job summary";
  for (Status st : {read_field(j, "calls", s.calls, what), read_field(j, "tokens", s.tokens, what),
                    read_field(j, "replayed", s.replayed, what),
                    read_field(j, "rows", s.rows, what), read_field(j, "files", s.files, what)})
    if (!st) return st.error();
  return s;
}

Json Job::to_json(bool with_source) const {
  Json j = {{"id", id},
            {"script", script},
            {"params", params},
            {"options", options.to_json()},
            {"priority", priority},
            {"seed", seed},
            {"status", job_status_name(status)},
            {"runs", runs},
            {"created_ms", created_ms},
            {"updated_ms", updated_ms},
            {"summary", summary.to_json()}};
  if (!error.empty()) j["error"] = error;
  if (with_source) j["source"] = source;
  return j;
}

Result<Job> Job::from_json(const Json& j) {
  if (!j.is_object()) return fail(ErrorCode::data_loss, "job record: not an object");
  Job job;
  const char* what = "job record";
  for (Status s :
       {read_field(j, "id", job.id, what), read_field(j, "script", job.script, what),
        read_field(j, "source", job.source, what), read_field(j, "params", job.params, what),
        read_field(j, "priority", job.priority, what), read_field(j, "seed", job.seed, what),
        read_field(j, "error", job.error, what), read_field(j, "runs", job.runs, what),
        read_field(j, "created_ms", job.created_ms, what),
        read_field(j, "updated_ms", job.updated_ms, what)})
    if (!s) return s.error();
  if (job.id.empty()) return fail(ErrorCode::data_loss, "job record: no id");
  const std::string record = "job " + job.id;
  std::string status;
  if (auto s = read_field(j, "status", status, record.c_str()); !s) return s.error();
  auto parsed = parse_job_status(status);
  if (!parsed) return fail(ErrorCode::data_loss, record + ": unknown status '" + status + "'");
  job.status = *parsed;
  if (auto it = j.find("options"); it != j.end()) {
    auto options = JobOptions::from_json(*it);
    if (!options) return options.error().context(record);
    job.options = std::move(*options);
  }
  if (auto it = j.find("summary"); it != j.end()) {
    auto summary = JobSummary::from_json(*it);
    if (!summary) return summary.error().context(record);
    job.summary = std::move(*summary);
  }
  return job;
}

}  // namespace recur::jobs
