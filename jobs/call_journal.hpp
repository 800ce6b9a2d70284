// The durable record of one pipeline job's completed calls. Every call a script makes that reaches
// outside it (an agent, a tool, the clock, a data file, the choice of await_any) gets the next
// sequence number; when it completes its outcome is written here before the script sees it. A job
// resumed after a crash runs its script again from the top, and each call whose number is in the
// record returns the recorded outcome instead of running again.
//
// An entry is {"kind": "agent" | "tool" | "now" | "read" | "choice", "key": what was asked (checked
// on replay), "ok": value} or {..., "error": message}.
#pragma once

#include <cstdint>
#include <map>
#include <optional>

#include <nlohmann/json.hpp>

#include "base/result.hpp"
#include "store/store.hpp"

namespace recur::jobs {

class CallJournal {
 public:
  // A record that lives only in memory (a run without a store).
  CallJournal() = default;
  // Loads the record kept under `scope` (JobStore::job_scope).
  static Result<CallJournal> load(Store scope);

  // The entry of call `seq`, or nullptr.
  const nlohmann::json* find(std::uint64_t seq) const;
  // Writes an entry (synced when the store is) and keeps it.
  Status add(std::uint64_t seq, nlohmann::json entry);
  std::size_t size() const { return entries_.size(); }
  // One past the highest recorded number (0 when empty).
  std::uint64_t end() const { return entries_.empty() ? 0 : entries_.rbegin()->first + 1; }

 private:
  std::optional<Store> store_;
  std::map<std::uint64_t, nlohmann::json> entries_;
};

}  // namespace recur::jobs
