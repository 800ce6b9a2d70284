#include "tools/code/work_dir.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

namespace recur::tools {
namespace {

constexpr std::size_t kMaxComponent = 255;
constexpr int kMaxDepth = 16;

std::vector<std::string_view> components(std::string_view name) {
  std::vector<std::string_view> parts;
  std::size_t start = 0;
  while (start <= name.size()) {
    std::size_t slash = name.find('/', start);
    if (slash == std::string_view::npos) slash = name.size();
    parts.push_back(name.substr(start, slash - start));
    start = slash + 1;
  }
  return parts;
}

// Makes the tree removable by its owner even when a program took the permissions away.
void restore_permissions(const std::filesystem::path& dir) {
  std::error_code ec;
  std::filesystem::permissions(dir, std::filesystem::perms::owner_all,
                               std::filesystem::perm_options::add, ec);
  for (std::filesystem::recursive_directory_iterator it(dir, ec), end; !ec && it != end;
       it.increment(ec))
    if (it->is_directory(ec) && !it->is_symlink(ec))
      std::filesystem::permissions(it->path(), std::filesystem::perms::owner_all,
                                   std::filesystem::perm_options::add, ec);
}

}  // namespace

std::string check_work_file_name(std::string_view name) {
  if (name.empty()) return "empty name";
  if (name.front() == '/') return "absolute path";
  if (name.find('\0') != std::string_view::npos) return "NUL byte in name";
  auto parts = components(name);
  if (static_cast<int>(parts.size()) > kMaxDepth) return "nested too deeply";
  for (auto part : parts) {
    if (part.empty()) return "empty path component";
    if (part == "." || part == "..") return "'.' or '..' component";
    if (part.size() > kMaxComponent) return "path component longer than 255 bytes";
  }
  return {};
}

Result<WorkDir> WorkDir::create(const std::filesystem::path& root) {
  std::string pattern = (root / "recur-code-XXXXXX").string();
  if (::mkdtemp(pattern.data()) == nullptr)
    return fail(ErrorCode::io, "code: cannot create a work directory in " + root.string() + ": " +
                                   std::strerror(errno));
  ::chmod(pattern.c_str(), 0700);
  return WorkDir(std::filesystem::path(pattern));
}

WorkDir::WorkDir(WorkDir&& other) noexcept
    : path_(std::move(other.path_)), entries_(std::move(other.entries_)) {
  other.path_.clear();
}

WorkDir::~WorkDir() {
  if (path_.empty()) return;
  std::error_code ec;
  std::filesystem::remove_all(path_, ec);
  if (ec) {
    restore_permissions(path_);
    std::filesystem::remove_all(path_, ec);
  }
}

Status WorkDir::write(std::string_view name, std::string_view content) {
  std::string problem = check_work_file_name(name);
  if (!problem.empty())
    return fail(ErrorCode::invalid_argument, "files: '" + std::string(name) + "': " + problem);
  auto parts = components(name);
  std::string relative;
  for (std::size_t i = 0; i + 1 < parts.size(); ++i) {
    relative += std::string(parts[i]) + "/";
    if (std::find(entries_.begin(), entries_.end(), relative) != entries_.end()) continue;
    if (std::find(entries_.begin(), entries_.end(), relative.substr(0, relative.size() - 1)) !=
        entries_.end())
      return fail(ErrorCode::invalid_argument,
                  "files: '" + std::string(name) + "': a file has the name of its directory");
    if (::mkdir((path_ / relative).c_str(), 0700) != 0)
      return fail(ErrorCode::io, "files: '" + std::string(name) + "': " + std::strerror(errno));
    entries_.push_back(relative);
  }
  std::string file(name);
  if (std::find(entries_.begin(), entries_.end(), file + "/") != entries_.end())
    return fail(ErrorCode::invalid_argument, "files: '" + file + "': already a directory");
  int fd =
      ::open((path_ / file).c_str(), O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
  if (fd < 0) return fail(ErrorCode::io, "files: '" + file + "': " + std::strerror(errno));
  bool ok = true;
  for (std::size_t done = 0; ok && done < content.size();) {
    ssize_t n = ::write(fd, content.data() + done, content.size() - done);
    if (n < 0 && errno == EINTR) continue;
    ok = n > 0;
    if (ok) done += static_cast<std::size_t>(n);
  }
  ::close(fd);
  if (!ok) return fail(ErrorCode::io, "files: '" + file + "': write failed");
  entries_.push_back(file);
  return Status::success();
}

}  // namespace recur::tools
