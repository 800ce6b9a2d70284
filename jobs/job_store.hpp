// The job queue of pipelines, in a store (store/store.hpp): the records of every job (jobs/job.hpp)
// and the journal of each job's calls. The queue order is priority first (higher first), then age.
#pragma once

#include <cstdint>
#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "base/result.hpp"
#include "jobs/job.hpp"
#include "store/store.hpp"

namespace recur::jobs {

// How a command opens the job store: to write (the store is created when missing), or to write
// when it can and else, while another process holds it, to read as of the open (what listing and
// showing jobs need while a job runs elsewhere; the store must exist).
enum class JobStoreAccess { write, read_when_held };
Result<Store> open_job_store(const std::filesystem::path& dir, JobStoreAccess access);

class JobStore {
 public:
  explicit JobStore(Store store);

  // Adds `job` with a new id (its `id` is ignored) and status queued; returns the id.
  Result<std::string> create(Job job);
  // The job, or an error naming the id when there is none.
  Result<Job> get(const std::string& id) const;
  // Writes `job` back (its id must exist); stamps updated_ms.
  Status update(Job job);
  // Every job, in creation order.
  Result<std::vector<Job>> list() const;
  // The queued jobs that run next, at most `n`: highest priority first, then oldest. Reads the
  // queue index, not every record (the first call on an older store builds the index).
  Result<std::vector<Job>> next_queued(std::size_t n) const;

  // The store under the job's own prefix, for its record of calls.
  Store job_scope(const std::string& id) const;

 private:
  // Writes the queue index from the records when the store has none yet.
  Status build_queue_index() const;

  Store store_;
};

}  // namespace recur::jobs
