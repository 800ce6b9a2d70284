#include "tools/memory/vector_memory.hpp"

#include <cstring>
#include <mutex>
#include <optional>

namespace recur::tools {

struct VectorMemory::Scope {
  explicit Scope(Store log) : log(std::move(log)) {}
  Store log;         // entries ordered_key(i) -> record
  std::mutex mutex;  // one operation on the scope at a time
  bool loaded = false;
  std::optional<VectorIndex> index;  // absent until the first vector fixes the dimension
};

namespace {

// A record: 4-byte little-endian id length, the id, then the components as floats in host byte
// order (little-endian on x86-64 and arm64).
std::string encode_record(const std::string& id, std::span<const float> vector) {
  std::string record(4 + id.size() + vector.size_bytes(), '\0');
  auto n = static_cast<std::uint32_t>(id.size());
  for (int i = 0; i < 4; ++i) record[i] = static_cast<char>((n >> (8 * i)) & 0xff);
  std::memcpy(record.data() + 4, id.data(), id.size());
  std::memcpy(record.data() + 4 + id.size(), vector.data(), vector.size_bytes());
  return record;
}

bool decode_record(std::string_view record, std::string& id, std::vector<float>& vector) {
  if (record.size() < 4) return false;
  std::uint32_t n = 0;
  for (int i = 0; i < 4; ++i)
    n |= static_cast<std::uint32_t>(static_cast<unsigned char>(record[i])) << (8 * i);
  if (record.size() < 4 + std::size_t{n} || (record.size() - 4 - n) % sizeof(float) != 0)
    return false;
  id.assign(record.substr(4, n));
  vector.resize((record.size() - 4 - n) / sizeof(float));
  std::memcpy(vector.data(), record.data() + 4 + n, vector.size() * sizeof(float));
  return !vector.empty();
}

}  // namespace

VectorMemory::VectorMemory(Store store, VectorIndexOptions options)
    : store_(std::move(store)), options_(options) {}

VectorMemory::~VectorMemory() = default;

Result<VectorMemory::Scope*> VectorMemory::open_scope(std::string_view name) {
  Scope* scope = nullptr;
  {
    std::lock_guard lock(mutex_);
    auto it = scopes_.find(name);
    if (it == scopes_.end()) {
      auto created = std::make_unique<Scope>(store_.within(key_prefix({name, "vectors"})));
      it = scopes_.emplace(std::string(name), std::move(created)).first;
    }
    scope = it->second.get();
  }
  std::unique_lock lock(scope->mutex);
  if (scope->loaded) return scope;
  // Replays the log into a fresh index; the scope takes it only when the whole log was read.
  std::optional<VectorIndex> index;
  std::string id;
  std::vector<float> vector;
  std::string damaged;
  Status read = scope->log.for_each("", [&](std::string_view key, std::string_view record) {
    if (!decode_record(record, id, vector) || (index && vector.size() != index->dims())) {
      damaged = "vector record " + std::to_string(parse_ordered_key(key).value_or(0));
      return false;
    }
    if (!index) index.emplace(vector.size(), options_);
    if (Status s = index->upsert(id, vector); !s) {
      damaged = "vector record '" + id + "' (" + s.error().message + ")";
      return false;
    }
    return true;
  });
  if (!read) return read.error();
  if (!damaged.empty())
    return fail(ErrorCode::data_loss,
                "store " + store_.dir().string() + ": " + damaged + " is damaged");
  scope->index = std::move(index);
  scope->loaded = true;
  return scope;
}

Result<VectorMemory::Added> VectorMemory::add(std::string_view name, const std::string& id,
                                              std::span<const float> vector) {
  auto scope = open_scope(name);
  if (!scope) return scope.error();
  Scope& s = **scope;
  std::unique_lock lock(s.mutex);
  if (s.index) {
    if (Status ok = s.index->check(vector); !ok) return ok.error().context("vector");
  } else {
    if (Status ok = VectorIndex(vector.size(), options_).check(vector); !ok)
      return ok.error().context("vector");
  }
  std::string record = encode_record(id, vector);
  if (auto appended = s.log.append("", std::span<const std::string>(&record, 1)); !appended)
    return appended.error();
  if (!s.index) s.index.emplace(vector.size(), options_);
  if (Status ok = s.index->upsert(id, vector); !ok) return ok.error().context("vector");
  return Added{s.index->dims(), s.index->size()};
}

Result<VectorMemory::Found> VectorMemory::search(std::string_view name,
                                                 std::span<const float> query, std::size_t k,
                                                 bool exact) {
  auto scope = open_scope(name);
  if (!scope) return scope.error();
  Scope& s = **scope;
  // Exclusive: hnswlib's searches update unsynchronized statistics counters.
  std::unique_lock lock(s.mutex);
  if (!s.index) return Found{};
  auto matches = s.index->search(query, k, exact);
  if (!matches) return matches.error().context("vector");
  return Found{std::move(*matches), exact || !s.index->uses_hnsw()};
}

}  // namespace recur::tools
