#include "server/token_file.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>

#include "base/json.hpp"

namespace recur::server {
namespace {

namespace fs = std::filesystem;

std::string os_error() {
  return std::strerror(errno);
}

std::string octal_mode(mode_t mode) {
  char text[8];
  std::snprintf(text, sizeof text, "%04o", static_cast<unsigned>(mode & 07777));
  return text;
}

// The whole of `file`, opened once so that its mode and its bytes are those of one file.
Result<std::string> read_private_file(const fs::path& file) {
  const std::string where = file.string();
  const int fd = ::open(file.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    if (errno == ENOENT) return fail(ErrorCode::not_found, where + ": token file not found");
    return fail(ErrorCode::io, where + ": cannot open: " + os_error());
  }
  struct stat st {};
  std::string bytes;
  Status status;
  if (::fstat(fd, &st) != 0) {
    status = fail(ErrorCode::io, where + ": cannot stat: " + os_error());
  } else if (!S_ISREG(st.st_mode)) {
    status = fail(ErrorCode::invalid_argument, where + ": not a regular file");
  } else if ((st.st_mode & 077) != 0) {
    status = fail(ErrorCode::failed_precondition,
                  where + ": mode " + octal_mode(st.st_mode) +
                      " lets group or others open the token file (chmod 600 " + where + ")");
  } else {
    char buffer[8192];
    for (;;) {
      const ssize_t n = ::read(fd, buffer, sizeof buffer);
      if (n < 0 && errno == EINTR) continue;
      if (n < 0) status = fail(ErrorCode::io, where + ": cannot read: " + os_error());
      if (n <= 0) break;
      bytes.append(buffer, static_cast<std::size_t>(n));
    }
  }
  ::close(fd);
  if (!status) return status.error();
  return bytes;
}

Status write_all(int fd, const std::string& bytes) {
  std::size_t done = 0;
  while (done < bytes.size()) {
    const ssize_t n = ::write(fd, bytes.data() + done, bytes.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return fail(ErrorCode::io, os_error());
    done += static_cast<std::size_t>(n);
  }
  return {};
}

// Writes `bytes` to a new file beside `file` with mode 0600, flushes it, and renames it over
// `file`: a reader sees the old file or the new one, never a part.
Status replace_file(const fs::path& file, const std::string& bytes) {
  const std::string where = file.string();
  std::string temp = where + ".XXXXXX";
  const int fd = ::mkstemp(temp.data());  // mode 0600
  if (fd < 0) return fail(ErrorCode::io, where + ": cannot create a file beside it: " + os_error());
  Status status = ::fchmod(fd, 0600) == 0 ? write_all(fd, bytes) : fail(ErrorCode::io, os_error());
  if (status && ::fsync(fd) != 0) status = fail(ErrorCode::io, os_error());
  if (::close(fd) != 0 && status) status = fail(ErrorCode::io, os_error());
  if (status && ::rename(temp.c_str(), file.c_str()) != 0) status = fail(ErrorCode::io, os_error());
  if (!status) {
    ::unlink(temp.c_str());
    return status.error().context(where + ": cannot write");
  }
  const fs::path dir = file.has_parent_path() ? file.parent_path() : fs::path(".");
  if (const int dfd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC); dfd >= 0) {
    ::fsync(dfd);  // makes the rename durable; a directory that cannot be synced still renamed
    ::close(dfd);
  }
  return {};
}

bool is_name_char(char c) {
  return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '.' ||
         c == '_' || c == '-';
}

// A string field of `entry`; `error` names it when it is absent or not a string.
const std::string* string_field(const Json& entry, const char* field, std::string& error) {
  auto it = entry.find(field);
  if (it == entry.end() || !it->is_string()) {
    error = std::string("field '") + field + "' must be a string";
    return nullptr;
  }
  return it->get_ptr<const std::string*>();
}

// One entry of the file, or a message saying what is wrong with it.
Result<TokenRecord> parse_record(const Json& entry) {
  if (!entry.is_object()) return fail(ErrorCode::invalid_argument, "must be an object");
  TokenRecord r;
  std::string error;
  const std::string* name = string_field(entry, "name", error);
  if (!name) return fail(ErrorCode::invalid_argument, error);
  if (auto s = check_token_name(*name); !s) return s.error();
  r.name = *name;
  const std::string* role = string_field(entry, "role", error);
  if (!role) return fail(ErrorCode::invalid_argument, error);
  auto parsed_role = parse_role(*role);
  if (!parsed_role) return parsed_role.error();
  r.role = *parsed_role;
  const std::string* prefix = string_field(entry, "prefix", error);
  if (!prefix) return fail(ErrorCode::invalid_argument, error);
  if (!is_token_prefix(*prefix))
    return fail(
        ErrorCode::invalid_argument,
        "field 'prefix' must be " + std::to_string(kTokenPrefixLength) + " base64url characters");
  r.prefix = *prefix;
  const std::string* salt = string_field(entry, "salt", error);
  if (!salt) return fail(ErrorCode::invalid_argument, error);
  if (!parse_hex(*salt, r.salt))
    return fail(ErrorCode::invalid_argument,
                "field 'salt' must be " + std::to_string(2 * r.salt.size()) + " hex digits");
  const std::string* hash = string_field(entry, "hash", error);
  if (!hash) return fail(ErrorCode::invalid_argument, error);
  if (!parse_hex(*hash, r.hash))
    return fail(ErrorCode::invalid_argument,
                "field 'hash' must be " + std::to_string(2 * r.hash.size()) + " hex digits");
  auto created = entry.find("created_ms");
  if (created == entry.end() || !created->is_number_unsigned())
    return fail(ErrorCode::invalid_argument, "field 'created_ms' must be a non-negative integer");
  r.created_ms = created->get<std::uint64_t>();
  return r;
}

Json record_json(const TokenRecord& r) {
  return {{"name", r.name},         {"role", role_name(r.role)}, {"prefix", r.prefix},
          {"salt", to_hex(r.salt)}, {"hash", to_hex(r.hash)},    {"created_ms", r.created_ms}};
}

}  // namespace

Status check_token_name(std::string_view name) {
  if (name.empty() || name.size() > 64 || !std::all_of(name.begin(), name.end(), is_name_char))
    return fail(
        ErrorCode::invalid_argument,
        "token name '" + std::string(name) + "' must be 1 to 64 letters, digits, '.', '_' or '-'");
  return {};
}

Result<std::vector<TokenRecord>> load_token_file(const fs::path& file) {
  const std::string where = file.string();
  auto bytes = read_private_file(file);
  if (!bytes) return bytes.error();
  const Json root = Json::parse(*bytes, nullptr, false);
  if (root.is_discarded()) return fail(ErrorCode::invalid_argument, where + ": not valid JSON");
  if (!root.is_object() || !root.contains("tokens") || !root["tokens"].is_array())
    return fail(ErrorCode::invalid_argument,
                where + ": must be a JSON object with a 'tokens' array");
  std::vector<TokenRecord> tokens;
  const Json& entries = root["tokens"];
  for (std::size_t i = 0; i < entries.size(); ++i) {
    std::string entry = where + ": tokens[" + std::to_string(i) + "]";
    if (entries[i].is_object() && entries[i].contains("name") && entries[i]["name"].is_string())
      entry += " ('" + entries[i]["name"].get<std::string>() + "')";
    auto record = parse_record(entries[i]);
    if (!record) return record.error().context(entry);
    for (std::size_t j = 0; j < tokens.size(); ++j)
      if (tokens[j].name == record->name)
        return fail(ErrorCode::invalid_argument,
                    entry + ": repeats the name of tokens[" + std::to_string(j) + "]");
    tokens.push_back(std::move(*record));
  }
  return tokens;
}

Status save_token_file(const fs::path& file, const std::vector<TokenRecord>& tokens) {
  Json entries = Json::array();
  for (const auto& r : tokens) entries.push_back(record_json(r));
  return replace_file(file, Json{{"tokens", entries}}.dump(2) + "\n");
}

Result<IssuedToken> issue_token(std::string_view name, Role role, std::uint64_t created_ms) {
  if (auto s = check_token_name(name); !s) return s.error();
  IssuedToken issued;
  auto token = new_token();
  if (!token) return token.error();
  auto salt = new_salt();
  if (!salt) return salt.error();
  auto hash = token_digest(*salt, *token);
  if (!hash) return hash.error();
  issued.token = std::move(*token);
  issued.record = TokenRecord{
      std::string(name), role, std::string(*token_prefix(issued.token)), *salt, *hash, created_ms};
  return issued;
}

Result<IssuedToken> add_token(const fs::path& file, std::string_view name, Role role,
                              std::uint64_t created_ms) {
  if (auto s = check_token_name(name); !s) return s.error();
  std::vector<TokenRecord> tokens;
  if (auto loaded = load_token_file(file)) {
    tokens = std::move(*loaded);
  } else if (loaded.error().code != ErrorCode::not_found) {
    return loaded.error();
  }
  for (const auto& r : tokens)
    if (r.name == name)
      return fail(ErrorCode::already_exists,
                  file.string() + ": a token named '" + std::string(name) + "' exists");
  auto issued = issue_token(name, role, created_ms);
  if (!issued) return issued.error();
  tokens.push_back(issued->record);
  if (auto s = save_token_file(file, tokens); !s) return s.error();
  return issued;
}

Status remove_token(const fs::path& file, std::string_view name) {
  auto tokens = load_token_file(file);
  if (!tokens) return tokens.error();
  auto it = std::find_if(tokens->begin(), tokens->end(),
                         [&](const TokenRecord& r) { return r.name == name; });
  if (it == tokens->end())
    return fail(ErrorCode::not_found,
                file.string() + ": no token named '" + std::string(name) + "'");
  tokens->erase(it);
  return save_token_file(file, *tokens);
}

}  // namespace recur::server
