#include "agent/tape.hpp"

#include <algorithm>

#include <nlohmann/json.hpp>

namespace recur::agent {
namespace {

using Json = nlohmann::json;

// Keys of a session's tape, relative to the store:
//   meta:   {"size": n, "input": i, "pointers": [[name, position], ...]}
//   tokens: one chunk per save, at tokens + ordered_key(first position), little-endian int32 ids
std::string meta_key(std::string_view session) {
  return key_prefix({"tape", session, "meta"});
}
std::string tokens_key(std::string_view session) {
  return key_prefix({"tape", session, "tokens"});
}

Status check_ids(std::span<const TokenId> tokens) {
  for (std::size_t i = 0; i < tokens.size(); ++i)
    if (tokens[i] < 0)
      return fail(
          ErrorCode::invalid_argument,
          "tape: token " + std::to_string(i) + " has the negative id " + std::to_string(tokens[i]));
  return {};
}

std::string encode_tokens(std::span<const TokenId> tokens) {
  std::string bytes(tokens.size() * 4, '\0');
  for (std::size_t i = 0; i < tokens.size(); ++i) {
    auto v = static_cast<std::uint32_t>(tokens[i]);
    for (int b = 0; b < 4; ++b) bytes[4 * i + b] = static_cast<char>((v >> (8 * b)) & 0xff);
  }
  return bytes;
}

void decode_tokens(std::string_view bytes, std::vector<TokenId>& out) {
  for (std::size_t i = 0; i + 4 <= bytes.size(); i += 4) {
    std::uint32_t v = 0;
    for (int b = 0; b < 4; ++b)
      v |= static_cast<std::uint32_t>(static_cast<unsigned char>(bytes[i + b])) << (8 * b);
    out.push_back(static_cast<TokenId>(v));
  }
}

struct StoredMeta {
  std::size_t size = 0;
  std::size_t input = 0;
  Json pointers = Json::array();
};

// The stored meta record of `session`; nullopt when none was saved.
Result<std::optional<StoredMeta>> read_meta(const Store& store, std::string_view session) {
  auto text = store.get(meta_key(session));
  if (!text) return text.error();
  if (!*text) return std::optional<StoredMeta>();
  Json j = Json::parse(**text, nullptr, false);
  std::string where =
      "store " + store.dir().string() + ": the tape of session '" + std::string(session) + "'";
  if (!j.is_object() || !j.contains("size") || !j["size"].is_number_unsigned() ||
      !j.contains("input") || !j["input"].is_number_unsigned() || !j.contains("pointers") ||
      !j["pointers"].is_array())
    return fail(ErrorCode::data_loss, where + " has a damaged meta record");
  return std::optional<StoredMeta>(
      StoredMeta{j["size"].get<std::size_t>(), j["input"].get<std::size_t>(), j["pointers"]});
}

}  // namespace

Result<Tape> Tape::with_input(std::span<const TokenId> input) {
  Tape tape;
  if (Status s = tape.append(input); !s) return s.error();
  tape.input_size_ = input.size();
  return tape;
}

Status Tape::append(std::span<const TokenId> tokens) {
  if (Status s = check_ids(tokens); !s) return s;
  tokens_.insert(tokens_.end(), tokens.begin(), tokens.end());
  return {};
}

Tape::Pointer Tape::create_pointer(std::string_view name) {
  if (auto existing = find_pointer(name)) {
    positions_[*existing] = 0;
    return *existing;
  }
  names_.emplace_back(name);
  positions_.push_back(0);
  return static_cast<Pointer>(names_.size() - 1);
}

std::optional<Tape::Pointer> Tape::find_pointer(std::string_view name) const {
  auto it = std::find(names_.begin(), names_.end(), name);
  if (it == names_.end()) return std::nullopt;
  return static_cast<Pointer>(it - names_.begin());
}

Status add_tape_changes(const Store& store, std::string_view session, const Tape& tape,
                        WriteBatch& batch) {
  auto meta = read_meta(store, session);
  if (!meta) return meta.error();
  std::size_t stored = 0;
  if (*meta) {
    const StoredMeta& m = **meta;
    if (m.size > tape.size() || m.input != tape.input_size())
      return fail(ErrorCode::failed_precondition,
                  "store " + store.dir().string() + ": the stored tape of session '" +
                      std::string(session) + "' (" + std::to_string(m.size) + " tokens, input " +
                      std::to_string(m.input) + ") is not a prefix of this one (" +
                      std::to_string(tape.size()) + " tokens, input " +
                      std::to_string(tape.input_size()) + ")");
    stored = m.size;
  }
  if (tape.size() > stored)
    batch.put(tokens_key(session) + ordered_key(stored),
              encode_tokens(tape.tokens().subspan(stored)));
  Json pointers = Json::array();
  for (Tape::Pointer p = 0; p < tape.pointer_count(); ++p)
    pointers.push_back({tape.pointer_name(p), tape.position(p)});
  Json record = {{"size", tape.size()}, {"input", tape.input_size()}, {"pointers", pointers}};
  batch.put(meta_key(session), record.dump(-1, ' ', false, Json::error_handler_t::replace));
  return {};
}

Status save_tape(const Store& store, std::string_view session, const Tape& tape) {
  WriteBatch batch;
  if (Status s = add_tape_changes(store, session, tape, batch); !s) return s;
  return store.write(batch);
}

Result<Tape> load_tape(const Store& store, std::string_view session) {
  std::string where =
      "store " + store.dir().string() + ": the tape of session '" + std::string(session) + "'";
  auto meta = read_meta(store, session);
  if (!meta) return meta.error();
  if (!*meta)
    return fail(ErrorCode::not_found, "store " + store.dir().string() +
                                          ": no tape saved for session '" + std::string(session) +
                                          "'");
  const StoredMeta& m = **meta;
  Tape tape;
  tape.tokens_.reserve(m.size);
  std::string damage;
  std::string chunks = tokens_key(session);
  Status read = store.for_each(chunks, [&](std::string_view key, std::string_view bytes) {
    auto start = parse_ordered_key(key.substr(chunks.size()));
    if (!start || *start != tape.tokens_.size() || bytes.size() % 4 != 0) {
      damage = " has a damaged chunk at token " + std::to_string(tape.tokens_.size());
      return false;
    }
    decode_tokens(bytes, tape.tokens_);
    return tape.tokens_.size() < m.size;
  });
  if (!read) return read.error();
  if (!damage.empty()) return fail(ErrorCode::data_loss, where + damage);
  if (tape.tokens_.size() != m.size || m.input > m.size)
    return fail(ErrorCode::data_loss, where + " holds " + std::to_string(tape.tokens_.size()) +
                                          " tokens, its meta record says " +
                                          std::to_string(m.size));
  if (Status s = check_ids(tape.tokens_); !s) return s.error().context(where);
  tape.input_size_ = m.input;
  for (const auto& entry : m.pointers) {
    if (!entry.is_array() || entry.size() != 2 || !entry[0].is_string() ||
        !entry[1].is_number_integer() || entry[1].get<std::int64_t>() < -1)
      return fail(ErrorCode::data_loss, where + " has a damaged pointer record");
    tape.names_.push_back(entry[0].get<std::string>());
    tape.positions_.push_back(entry[1].get<std::int64_t>());
  }
  return tape;
}

}  // namespace recur::agent
