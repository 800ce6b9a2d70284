#include "jobs/call_journal.hpp"

namespace recur::jobs {

Result<CallJournal> CallJournal::load(Store scope) {
  CallJournal record;
  Status bad;
  auto s = scope.for_each("", [&](std::string_view key, std::string_view value) {
    auto seq = parse_ordered_key(key);
    auto entry = nlohmann::json::parse(value, nullptr, false);
    if (!seq || entry.is_discarded() || !entry.is_object()) {
      bad = fail(ErrorCode::data_loss,
                 "the record of calls in " + scope.dir().string() + " has a corrupt entry");
      return false;
    }
    record.entries_[*seq] = std::move(entry);
    return true;
  });
  if (!s) return s.error();
  if (!bad) return bad.error();
  record.store_ = std::move(scope);
  return record;
}

const nlohmann::json* CallJournal::find(std::uint64_t seq) const {
  auto it = entries_.find(seq);
  return it == entries_.end() ? nullptr : &it->second;
}

Status CallJournal::add(std::uint64_t seq, nlohmann::json entry) {
  if (store_) {
    auto s = store_->put(ordered_key(seq),
                         entry.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace));
    if (!s) return s;
  }
  entries_[seq] = std::move(entry);
  return {};
}

}  // namespace recur::jobs
