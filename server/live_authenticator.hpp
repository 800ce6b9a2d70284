// The token file of a running server. Requests are checked against the file as last loaded;
// reload_if_changed() loads it again once it has been replaced (`recur token add` and
// `recur token remove` write a new file), so a removed token stops working without a restart.
#pragma once

#include <sys/types.h>

#include <ctime>
#include <filesystem>
#include <memory>
#include <mutex>
#include <string_view>

#include "base/result.hpp"
#include "server/auth.hpp"

namespace recur::server {

class LiveAuthenticator {
 public:
  // Loads `file`, with the errors of load_token_file.
  static Result<std::unique_ptr<LiveAuthenticator>> open(const std::filesystem::path& file);

  // Authenticator::authenticate against the tokens as last loaded. Thread-safe.
  Result<Principal> authenticate(std::string_view authorization_header) const;

  // Loads the file again when it is not the file last loaded (another inode, size or time of
  // change); costs one stat otherwise, so it may run before every request. On an error (the file
  // went missing, is malformed or too open) the tokens last loaded stay in force and the error is
  // returned. Thread-safe.
  Status reload_if_changed();

 private:
  // What identifies one version of the file.
  struct Stamp {
    dev_t device = 0;
    ino_t inode = 0;
    off_t size = 0;
    timespec modified{};
    timespec changed{};
    bool operator==(const Stamp& other) const;
  };

  LiveAuthenticator(std::filesystem::path file, Stamp stamp, Authenticator tokens);
  static Result<Stamp> stamp_of(const std::filesystem::path& file);

  const std::filesystem::path file_;
  std::mutex reload_mutex_;  // one reload at a time
  mutable std::mutex current_mutex_;
  Stamp stamp_;
  std::shared_ptr<const Authenticator> current_;
};

}  // namespace recur::server
