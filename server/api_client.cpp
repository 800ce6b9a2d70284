#include "server/api_client.hpp"

#include <httplib.h>

#include <chrono>
#include <thread>

namespace recur::server {

struct ApiClient::Impl {
  std::string url;
  std::string token;
  std::unique_ptr<httplib::Client> http;

  httplib::Headers headers() const {
    httplib::Headers h;
    if (!token.empty()) h.emplace("Authorization", "Bearer " + token);
    return h;
  }
};

namespace {

// An API error response back as an Error: its code and message, or the HTTP status when the body
// is not the API's error object.
Error api_error(const httplib::Response& res) {
  const Json j = Json::parse(res.body, nullptr, false);
  if (j.is_object() && j.contains("error") && j["error"].is_object()) {
    const auto code = parse_error_code(j["error"].value("code", "internal"));
    return fail(code.value_or(ErrorCode::internal),
                j["error"].value("message", "the server failed"));
  }
  return fail(res.status >= 500 ? ErrorCode::unavailable : ErrorCode::invalid_argument,
              "the server answered HTTP " + std::to_string(res.status));
}

Error transport_error(const std::string& url, httplib::Error e) {
  return fail(ErrorCode::unavailable, url + ": " + httplib::to_string(e));
}

Result<Json> json_of(const httplib::Result& r, const std::string& url) {
  if (!r) return transport_error(url, r.error());
  if (r->status < 200 || r->status >= 300) return api_error(*r);
  Json j = Json::parse(r->body, nullptr, false);
  if (j.is_discarded()) return fail(ErrorCode::internal, url + ": the answer is not JSON");
  return j;
}

// Feeds text of an event stream to `on_event` frame by frame; keeps a partial frame in `buffer`.
bool feed(std::string& buffer, const char* data, std::size_t n, std::uint64_t& last, bool& ended,
          const std::function<bool(const jobs::JobEvent&)>& on_event) {
  buffer.append(data, n);
  for (std::size_t end; (end = buffer.find("\n\n")) != std::string::npos;) {
    const std::string frame = buffer.substr(0, end);
    buffer.erase(0, end + 2);
    jobs::JobEvent e;
    bool has_id = false;
    std::size_t pos = 0;
    while (pos < frame.size()) {
      std::size_t eol = frame.find('\n', pos);
      if (eol == std::string::npos) eol = frame.size();
      const std::string line = frame.substr(pos, eol - pos);
      pos = eol + 1;
      if (line.rfind("id: ", 0) == 0) {
        e.id = std::stoull(line.substr(4));
        has_id = true;
      } else if (line.rfind("event: ", 0) == 0) {
        e.type = line.substr(7);
      } else if (line.rfind("data: ", 0) == 0) {
        e.data = Json::parse(line.substr(6), nullptr, false);
      }
    }
    if (!has_id) continue;  // a comment (keep-alive)
    last = e.id;
    if (e.type == "end") ended = true;
    if (!on_event(e)) return false;
  }
  return true;
}

}  // namespace

ApiClient::ApiClient(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
ApiClient::ApiClient(ApiClient&&) noexcept = default;
ApiClient& ApiClient::operator=(ApiClient&&) noexcept = default;
ApiClient::~ApiClient() = default;

Result<ApiClient> ApiClient::connect(const std::string& url, std::string token) {
  if (url.rfind("http://", 0) != 0 && url.rfind("https://", 0) != 0)
    return fail(ErrorCode::invalid_argument, "'" + url + "' is not an http:// or https:// URL");
  auto impl = std::make_unique<Impl>();
  impl->url = url;
  impl->token = std::move(token);
  impl->http = std::make_unique<httplib::Client>(url);
  if (!impl->http->is_valid())
    return fail(ErrorCode::invalid_argument, "'" + url + "' is not a server URL");
  impl->http->set_connection_timeout(std::chrono::seconds(5));
  impl->http->set_read_timeout(std::chrono::seconds(60));
  return ApiClient(std::move(impl));
}

Result<Json> ApiClient::get(const std::string& path) {
  return json_of(impl_->http->Get(path, impl_->headers()), impl_->url);
}

Result<Json> ApiClient::post(const std::string& path, const Json& body) {
  return json_of(impl_->http->Post(path, impl_->headers(),
                                   body.dump(-1, ' ', false, Json::error_handler_t::replace),
                                   "application/json"),
                 impl_->url);
}

Result<std::string> ApiClient::get_text(const std::string& path) {
  auto r = impl_->http->Get(path, impl_->headers());
  if (!r) return transport_error(impl_->url, r.error());
  if (r->status < 200 || r->status >= 300) return api_error(*r);
  return r->body;
}

Status ApiClient::follow_events(const std::string& job, std::uint64_t after,
                                const std::function<bool(const jobs::JobEvent&)>& on_event,
                                int retries) {
  std::uint64_t last = after;
  bool ended = false, stopped = false;
  for (int failures = 0; !ended && !stopped;) {
    httplib::Headers h = impl_->headers();
    if (last > 0) h.emplace("Last-Event-ID", std::to_string(last));
    std::string buffer;
    std::optional<Error> refused;
    const std::uint64_t before = last;
    auto r = impl_->http->Get(
        "/v1/jobs/" + job + "/events", h,
        [&](const httplib::Response& res) {
          if (res.status != 200) refused = api_error(res);
          return res.status == 200;
        },
        [&](const char* data, std::size_t n) {
          if (!feed(buffer, data, n, last, ended, on_event)) stopped = true;
          return !stopped;
        });
    if (refused && refused->code != ErrorCode::unavailable) return *refused;
    if (ended || stopped) break;
    failures = last > before ? 0 : failures + 1;
    if (failures > retries)
      return refused
                 ? *refused
                 : (r ? fail(ErrorCode::unavailable, impl_->url + ": the event stream ended early")
                      : transport_error(impl_->url, r.error()));
    std::this_thread::sleep_for(std::chrono::milliseconds(200 * std::min(failures, 10)));
  }
  return {};
}

}  // namespace recur::server
