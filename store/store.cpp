#include "store/store.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <condition_variable>
#include <map>
#include <mutex>

#include <rocksdb/db.h>
#include <rocksdb/options.h>
#include <rocksdb/write_batch.h>

namespace recur {

struct Store::Database {
  std::unique_ptr<rocksdb::DB> db;
  std::filesystem::path dir;
  std::mutex append_mutex;
};

namespace {

// The databases this process has open, by canonical directory, so that a second open of the same
// directory shares the first one's handle instead of failing on RocksDB's lock file.
struct OpenDatabases {
  std::mutex mutex;
  std::condition_variable closed;
  std::map<std::string, std::weak_ptr<Store::Database>> by_dir;
};

OpenDatabases& open_databases() {
  static OpenDatabases* table = new OpenDatabases;  // outlives every static Store
  return *table;
}

// Closes the database and only then forgets it, so that a concurrent open of the same directory
// waits for the lock file to be released.
void close_database(Store::Database* database, const std::string& key) {
  OpenDatabases& table = open_databases();
  std::lock_guard lock(table.mutex);
  if (database->db) database->db->Close().PermitUncheckedError();
  delete database;
  auto it = table.by_dir.find(key);
  if (it != table.by_dir.end() && it->second.expired()) table.by_dir.erase(it);
  table.closed.notify_all();
}

// The kind of failure a RocksDB status is.
ErrorCode rocks_code(const rocksdb::Status& s) {
  switch (s.code()) {
    case rocksdb::Status::kNotFound:
      return ErrorCode::not_found;
    case rocksdb::Status::kCorruption:
      return ErrorCode::data_loss;
    case rocksdb::Status::kNotSupported:
      return ErrorCode::failed_precondition;
    case rocksdb::Status::kInvalidArgument:
      return ErrorCode::invalid_argument;
    case rocksdb::Status::kIOError:
      if (s.IsPathNotFound()) return ErrorCode::not_found;
      if (s.IsNoSpace()) return ErrorCode::resource_exhausted;
      return ErrorCode::io;
    case rocksdb::Status::kBusy:
    case rocksdb::Status::kTryAgain:
    case rocksdb::Status::kShutdownInProgress:
      return ErrorCode::unavailable;
    case rocksdb::Status::kTimedOut:
    case rocksdb::Status::kExpired:
      return ErrorCode::deadline_exceeded;
    case rocksdb::Status::kAborted:
      return s.IsMemoryLimit() ? ErrorCode::resource_exhausted : ErrorCode::internal;
    default:
      return ErrorCode::internal;
  }
}

Error rocks_error(const std::string& what, const rocksdb::Status& s) {
  return fail(rocks_code(s), what + ": " + s.ToString());
}

// Whether another process holds the write lock RocksDB takes on `dir`/LOCK while a database is
// open. Only asked after an open failed, when no handle of this process has the database open
// (closing the probe's descriptor would drop this process's own lock on the file).
bool locked_by_another_process(const std::filesystem::path& dir) {
  const int fd = ::open((dir / "LOCK").c_str(), O_RDWR | O_CLOEXEC);
  if (fd < 0) return false;
  struct flock probe {};
  probe.l_type = F_WRLCK;
  probe.l_whence = SEEK_SET;
  const bool held = ::fcntl(fd, F_GETLK, &probe) == 0 && probe.l_type != F_UNLCK;
  ::close(fd);
  return held;
}

// Whether `dir` holds a database: RocksDB's CURRENT file names its manifest.
bool holds_database(const std::filesystem::path& dir) {
  std::error_code ec;
  return std::filesystem::exists(dir / "CURRENT", ec);
}

rocksdb::Slice slice(std::string_view s) {
  return rocksdb::Slice(s.data(), s.size());
}
std::string_view view(const rocksdb::Slice& s) {
  return std::string_view(s.data(), s.size());
}

}  // namespace

void WriteBatch::put(std::string_view key, std::string_view value) {
  ops_.push_back({std::string(key), std::string(value)});
}

void WriteBatch::erase(std::string_view key) {
  ops_.push_back({std::string(key), std::nullopt});
}

Result<Store> Store::open(const std::filesystem::path& dir, StoreOptions options) {
  std::error_code ec;
  if (options.create_if_missing && !options.read_only) std::filesystem::create_directories(dir, ec);
  if (ec)
    return fail(ErrorCode::io,
                "store " + dir.string() + ": cannot create the directory: " + ec.message());
  std::filesystem::path canonical = std::filesystem::weakly_canonical(dir, ec);
  if (ec) return fail(ErrorCode::io, "store " + dir.string() + ": " + ec.message());
  std::string key = canonical.string();
  if ((options.read_only || !options.create_if_missing) && !holds_database(canonical))
    return fail(ErrorCode::not_found, "store " + dir.string() + ": absent (no database there)");

  if (options.read_only) {
    rocksdb::Options rocks;
    rocks.create_if_missing = false;
    rocksdb::DB* raw = nullptr;
    rocksdb::Status s = rocksdb::DB::OpenForReadOnly(rocks, canonical.string(), &raw);
    if (!s.ok()) return rocks_error("store " + dir.string() + ": cannot open to read", s);
    auto database = std::make_shared<Database>();
    database->db.reset(raw);
    database->dir = canonical;
    return Store(std::move(database), options, "");
  }

  OpenDatabases& table = open_databases();
  std::unique_lock lock(table.mutex);
  for (;;) {
    auto it = table.by_dir.find(key);
    if (it == table.by_dir.end()) break;
    if (auto shared = it->second.lock()) return Store(std::move(shared), options, "");
    table.closed.wait(lock);  // the last handle is closing it right now
  }

  rocksdb::Options rocks;
  rocks.create_if_missing = options.create_if_missing;
  rocks.wal_recovery_mode = rocksdb::WALRecoveryMode::kPointInTimeRecovery;
  rocks.keep_log_file_num = 4;
  rocksdb::DB* raw = nullptr;
  rocksdb::Status s = rocksdb::DB::Open(rocks, canonical.string(), &raw);
  if (!s.ok()) {
    if (s.IsIOError() && locked_by_another_process(canonical))
      return fail(ErrorCode::unavailable,
                  "store " + dir.string() + ": held by another process: " + s.ToString());
    return rocks_error("store " + dir.string() + ": cannot open", s);
  }

  auto* database = new Database;
  database->db.reset(raw);
  database->dir = canonical;
  std::shared_ptr<Database> shared(database, [key](Database* d) { close_database(d, key); });
  table.by_dir[key] = shared;
  return Store(std::move(shared), options, "");
}

Store::Store(std::shared_ptr<Database> db, StoreOptions options, std::string prefix)
    : db_(std::move(db)), options_(options), prefix_(std::move(prefix)) {}

Store Store::within(std::string_view prefix) const {
  return Store(db_, options_, full(prefix));
}

std::string Store::full(std::string_view key) const {
  std::string k;
  k.reserve(prefix_.size() + key.size());
  k.append(prefix_).append(key);
  return k;
}

const std::filesystem::path& Store::dir() const {
  return db_->dir;
}

Status Store::put(std::string_view key, std::string_view value) const {
  WriteBatch batch;
  batch.put(key, value);
  return write(batch);
}

Status Store::erase(std::string_view key) const {
  WriteBatch batch;
  batch.erase(key);
  return write(batch);
}

Status Store::write(const WriteBatch& batch) const {
  rocksdb::WriteBatch rocks;
  for (const auto& op : batch.ops()) {
    std::string key = full(op.key);
    rocksdb::Status s =
        op.value ? rocks.Put(slice(key), slice(*op.value)) : rocks.Delete(slice(key));
    if (!s.ok()) return rocks_error("store " + dir().string() + ": write", s);
  }
  rocksdb::WriteOptions wo;
  wo.sync = options_.sync;
  rocksdb::Status s = db_->db->Write(wo, &rocks);
  if (!s.ok()) return rocks_error("store " + dir().string() + ": write", s);
  return {};
}

Result<std::optional<std::string>> Store::get(std::string_view key) const {
  rocksdb::PinnableSlice value;
  std::string k = full(key);
  rocksdb::Status s =
      db_->db->Get(rocksdb::ReadOptions(), db_->db->DefaultColumnFamily(), slice(k), &value);
  if (s.IsNotFound()) return std::optional<std::string>();
  if (!s.ok()) return rocks_error("store " + dir().string() + ": get", s);
  return std::optional<std::string>(value.ToString());
}

Status Store::for_each(std::string_view prefix,
                       const std::function<bool(std::string_view, std::string_view)>& visit) const {
  std::string start = full(prefix);
  std::unique_ptr<rocksdb::Iterator> it(db_->db->NewIterator(rocksdb::ReadOptions()));
  for (it->Seek(slice(start)); it->Valid() && it->key().starts_with(slice(start)); it->Next())
    if (!visit(view(it->key()).substr(prefix_.size()), view(it->value()))) break;
  if (!it->status().ok()) return rocks_error("store " + dir().string() + ": scan", it->status());
  return {};
}

Result<ScanPage> Store::scan(std::string_view prefix, std::string_view after,
                             std::size_t limit) const {
  std::string start = full(prefix);
  std::string resume = full(after);
  bool skip_resume = !after.empty() && resume >= start;
  std::unique_ptr<rocksdb::Iterator> it(db_->db->NewIterator(rocksdb::ReadOptions()));
  it->Seek(slice(skip_resume ? resume : start));
  if (skip_resume && it->Valid() && view(it->key()) == resume) it->Next();

  ScanPage page;
  for (; it->Valid() && it->key().starts_with(slice(start)); it->Next()) {
    if (page.entries.size() == limit) {
      page.next = page.entries.empty() ? std::string(after) : page.entries.back().first;
      break;
    }
    page.entries.emplace_back(std::string(view(it->key()).substr(prefix_.size())),
                              it->value().ToString());
  }
  if (!it->status().ok()) return rocks_error("store " + dir().string() + ": scan", it->status());
  return page;
}

Status Store::erase_prefix(std::string_view prefix) const {
  WriteBatch batch;
  Status s = for_each(prefix, [&](std::string_view key, std::string_view) {
    batch.erase(key);
    return true;
  });
  if (!s) return s;
  if (batch.empty()) return {};
  return write(batch);
}

Result<std::uint64_t> Store::log_size(std::string_view log) const {
  std::string start = full(log);
  std::string last = start + std::string(8, '\xff');
  std::unique_ptr<rocksdb::Iterator> it(db_->db->NewIterator(rocksdb::ReadOptions()));
  for (it->SeekForPrev(slice(last)); it->Valid() && it->key().starts_with(slice(start));
       it->Prev()) {
    if (auto index = parse_ordered_key(view(it->key()).substr(start.size()))) return *index + 1;
  }
  if (!it->status().ok()) return rocks_error("store " + dir().string() + ": log", it->status());
  return std::uint64_t{0};
}

Result<std::uint64_t> Store::append(std::string_view log,
                                    std::span<const std::string> values) const {
  std::lock_guard lock(db_->append_mutex);
  auto first = log_size(log);
  if (!first) return first.error();
  WriteBatch batch;
  for (std::size_t i = 0; i < values.size(); ++i)
    batch.put(std::string(log) + ordered_key(*first + i), values[i]);
  if (Status s = write(batch); !s) return s.error();
  return *first;
}

std::string key_prefix(std::initializer_list<std::string_view> names) {
  std::string out;
  for (std::string_view name : names) {
    for (char c : name) {
      out.push_back(c);
      if (c == '\0') out.push_back('\xff');  // an escaped zero sorts after the terminator
    }
    out.push_back('\0');
    out.push_back('\x01');
  }
  return out;
}

std::string ordered_key(std::uint64_t index) {
  std::string key(8, '\0');
  for (int i = 7; i >= 0; --i) {
    key[i] = static_cast<char>(index & 0xff);
    index >>= 8;
  }
  return key;
}

std::optional<std::uint64_t> parse_ordered_key(std::string_view key) {
  if (key.size() != 8) return std::nullopt;
  std::uint64_t index = 0;
  for (char c : key) index = (index << 8) | static_cast<unsigned char>(c);
  return index;
}

}  // namespace recur
