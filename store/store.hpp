// The durable key/value store under the memory tool, session checkpoints and the job queue: one
// RocksDB database per directory, with its write-ahead log always on.
//
// A Store is a cheap handle. Handles opened on the same directory in one process share one
// database; `within(prefix)` gives a handle that sees only the keys under a prefix, with the prefix
// stripped, which is how scopes (sessions, pipelines) are kept apart. Keys and values are byte
// strings.
//
// Durability: with `sync` on (the default) every write is fsynced before it returns, so a write
// that returned success survives a crash of the process or of the machine. With `sync` off a write
// reaches the operating system before it returns: it survives kill -9 of the process but not a
// power loss.
#pragma once

#include <cstdint>
#include <filesystem>
#include <functional>
#include <initializer_list>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "base/result.hpp"

namespace recur {

struct StoreOptions {
  bool sync = true;               // fsync every write before returning (see above)
  bool create_if_missing = true;  // create the directory and database when absent
  // Open without the lock, to read a database another process has open (it sees what was written
  // up to the open); every write fails. Not shared with other handles of this process.
  bool read_only = false;
};

// Writes applied together: all of them or none, in order. Keys are relative to the handle that
// writes the batch.
class WriteBatch {
 public:
  void put(std::string_view key, std::string_view value);
  void erase(std::string_view key);
  bool empty() const { return ops_.empty(); }
  std::size_t size() const { return ops_.size(); }

  struct Op {
    std::string key;
    std::optional<std::string> value;  // nullopt: erase
  };
  const std::vector<Op>& ops() const { return ops_; }

 private:
  std::vector<Op> ops_;
};

// One page of a prefix scan, in key order.
struct ScanPage {
  std::vector<std::pair<std::string, std::string>> entries;
  // Present when more keys follow: pass it as `after` to get the next page.
  std::optional<std::string> next;
};

class Store {
 public:
  // Opens (or shares) the database in `dir`. Fails with a message naming the directory when it
  // cannot be opened: not_found when there is no database and create_if_missing is off (or
  // read_only is on), unavailable while another process holds it, data_loss when it is corrupt,
  // io when the file system fails. Every other call fails with the code of RocksDB's status
  // (corruption: data_loss, I/O: io, busy: unavailable, ...).
  static Result<Store> open(const std::filesystem::path& dir, StoreOptions options = {});

  // A handle on the same database that sees only keys under `prefix` (relative to this handle).
  Store within(std::string_view prefix) const;

  Status put(std::string_view key, std::string_view value) const;
  // The value, nullopt when the key is absent.
  Result<std::optional<std::string>> get(std::string_view key) const;
  // Removing an absent key succeeds.
  Status erase(std::string_view key) const;
  // Removes every key under `prefix`.
  Status erase_prefix(std::string_view prefix) const;
  Status write(const WriteBatch& batch) const;

  // Up to `limit` entries whose keys start with `prefix` and sort after `after` (all of them when
  // `after` is empty), with keys relative to this handle.
  Result<ScanPage> scan(std::string_view prefix, std::string_view after, std::size_t limit) const;
  // Calls `visit(key, value)` for every entry under `prefix`, in key order, until it returns false.
  Status for_each(std::string_view prefix,
                  const std::function<bool(std::string_view, std::string_view)>& visit) const;

  // Append-only logs. A log is the set of keys `log + ordered_key(i)`, i = 0, 1, 2, ...; `append`
  // writes `values` at the next free indices atomically and returns the first index. Appends to
  // logs of one database are serialized within the process.
  Result<std::uint64_t> append(std::string_view log, std::span<const std::string> values) const;
  // The number of entries in a log (one past the last index).
  Result<std::uint64_t> log_size(std::string_view log) const;

  const std::filesystem::path& dir() const;
  const StoreOptions& options() const { return options_; }

  struct Database;

 private:
  Store(std::shared_ptr<Database> db, StoreOptions options, std::string prefix);
  std::string full(std::string_view key) const;

  std::shared_ptr<Database> db_;
  StoreOptions options_;
  std::string prefix_;
};

// The prefix for a path of names (a namespace, a scope, a kind of record). Each name is escaped and
// terminated, so one path's prefix starts another's only when the other extends it name by name:
// ("a") holds ("a", "b") but never ("ab") or ("a\0b"). Keys sort name by name.
std::string key_prefix(std::initializer_list<std::string_view> names);

// 8 big-endian bytes: keys that sort in the numeric order of `index`.
std::string ordered_key(std::uint64_t index);
// The index of an ordered_key; nullopt unless `key` is exactly 8 bytes.
std::optional<std::uint64_t> parse_ordered_key(std::string_view key);

}  // namespace recur
