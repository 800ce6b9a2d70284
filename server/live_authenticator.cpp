#include "server/live_authenticator.hpp"

#include <sys/stat.h>

#include <cerrno>
#include <cstring>
#include <utility>

namespace recur::server {

bool LiveAuthenticator::Stamp::operator==(const Stamp& o) const {
  return device == o.device && inode == o.inode && size == o.size &&
         modified.tv_sec == o.modified.tv_sec && modified.tv_nsec == o.modified.tv_nsec &&
         changed.tv_sec == o.changed.tv_sec && changed.tv_nsec == o.changed.tv_nsec;
}

Result<LiveAuthenticator::Stamp> LiveAuthenticator::stamp_of(const std::filesystem::path& file) {
  struct stat st {};
  if (::stat(file.c_str(), &st) != 0) {
    if (errno == ENOENT)
      return fail(ErrorCode::not_found, file.string() + ": token file not found");
    return fail(ErrorCode::io, file.string() + ": cannot stat: " + std::strerror(errno));
  }
  return Stamp{st.st_dev, st.st_ino, st.st_size, st.st_mtim, st.st_ctim};
}

LiveAuthenticator::LiveAuthenticator(std::filesystem::path file, Stamp stamp, Authenticator tokens)
    : file_(std::move(file)),
      stamp_(stamp),
      current_(std::make_shared<const Authenticator>(std::move(tokens))) {}

Result<std::unique_ptr<LiveAuthenticator>> LiveAuthenticator::open(
    const std::filesystem::path& file) {
  auto stamp = stamp_of(file);  // before loading: a file replaced in between loads again later
  if (!stamp) return stamp.error();
  auto tokens = Authenticator::load(file);
  if (!tokens) return tokens.error();
  return std::unique_ptr<LiveAuthenticator>(
      new LiveAuthenticator(file, *stamp, std::move(*tokens)));
}

Result<Principal> LiveAuthenticator::authenticate(std::string_view authorization_header) const {
  std::shared_ptr<const Authenticator> tokens;
  {
    std::lock_guard lock(current_mutex_);
    tokens = current_;
  }
  return tokens->authenticate(authorization_header);
}

Status LiveAuthenticator::reload_if_changed() {
  std::lock_guard reload(reload_mutex_);
  auto stamp = stamp_of(file_);
  if (!stamp) return stamp.error();
  if (*stamp == stamp_) return {};
  auto tokens = Authenticator::load(file_);
  if (!tokens) return tokens.error();
  auto loaded = std::make_shared<const Authenticator>(std::move(*tokens));
  std::lock_guard lock(current_mutex_);
  current_ = std::move(loaded);
  stamp_ = *stamp;
  return {};
}

}  // namespace recur::server
