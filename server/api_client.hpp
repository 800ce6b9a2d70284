// A client of the HTTP API, for the command line's `--server URL`: JSON requests with the bearer
// token, API errors back as Errors with their codes, and a job's events followed as they come.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>

#include "base/json.hpp"
#include "base/result.hpp"
#include "jobs/job_events.hpp"

namespace recur::server {

class ApiClient {
 public:
  // `url`: http://HOST:PORT or https://HOST:PORT; `token`: sent as a bearer token when not empty.
  static Result<ApiClient> connect(const std::string& url, std::string token);
  ApiClient(ApiClient&&) noexcept;
  ApiClient& operator=(ApiClient&&) noexcept;
  ~ApiClient();

  Result<Json> get(const std::string& path);
  Result<Json> post(const std::string& path, const Json& body);
  // The body of a GET as text (report.csv, a plot).
  Result<std::string> get_text(const std::string& path);

  // Follows the events of `job` after event `after` until its end event, handing each to
  // `on_event` (which returns false to stop early); reconnects with Last-Event-ID when the stream
  // breaks, up to `retries` times in a row.
  Status follow_events(const std::string& job, std::uint64_t after,
                       const std::function<bool(const jobs::JobEvent&)>& on_event,
                       int retries = 20);

 private:
  struct Impl;
  explicit ApiClient(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace recur::server
