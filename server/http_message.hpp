// An HTTP request as the service's routes read it and the response they fill in, apart from the
// library that carries them (server/http_listener.hpp). A response is either whole (`body`) or a
// stream: a content provider that the server calls again and again, on a thread of its own, until
// it says the stream is done or the client went away.
#pragma once

#include <cstddef>
#include <functional>
#include <map>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace recur::server {

// Header names compare without case (RFC 9110, 5.1).
struct HeaderNameLess {
  bool operator()(std::string_view a, std::string_view b) const;
};
using Headers = std::multimap<std::string, std::string, HeaderNameLess>;

struct Request {
  std::string method;                         // "GET", "POST", ...
  std::string target;                         // as sent: path and query
  std::string path;                           // the target's path, percent-decoded
  std::map<std::string, std::string> params;  // the query, decoded; a repeated name: its last
  Headers headers;
  std::string body;
  std::string remote_addr;           // the client's address
  std::vector<std::string> matches;  // the route's pattern over `path`: [0] all, [1...] groups
  std::string route;                 // the route that answered ("/v1/jobs/{}"); "" when none did

  bool has_header(std::string_view name) const;
  std::string get_header_value(std::string_view name) const;  // "" when absent
  bool has_param(const std::string& name) const;
  std::string get_param_value(const std::string& name) const;  // "" when absent
};

// What a content provider writes to: each write is sent to the client as it is made, before write
// returns; false when the client went away or did not read in time (the stream is over then).
class DataSink {
 public:
  virtual ~DataSink() = default;
  virtual bool write(const char* data, std::size_t size) = 0;
  virtual bool is_writable() const = 0;
  virtual void done() = 0;  // the stream ends well
};

// Called until the sink is done (true) or the stream failed (false); `offset` counts the bytes
// written so far.
using ContentProvider = std::function<bool(std::size_t offset, DataSink& sink)>;
// Called once when a stream ends, `true` when it ended with done().
using ContentReleaser = std::function<void(bool done)>;

struct Response {
  int status = 200;
  Headers headers;
  std::string body;
  ContentProvider provider;  // set: a stream (chunked), `body` unused
  ContentReleaser releaser;

  void set_header(const std::string& name, const std::string& value);
  void set_content(std::string text, const std::string& content_type);
  void set_content(const char* data, std::size_t size, const std::string& content_type);
  void set_chunked_content_provider(const std::string& content_type, ContentProvider provider,
                                    ContentReleaser releaser = {});
};

// Decodes %XX escapes (and '+' as a space when `form`); a malformed escape is kept as it is.
std::string percent_decode(std::string_view text, bool form);

// Splits a request target into its decoded path and query parameters.
void parse_target(Request& req);

}  // namespace recur::server
