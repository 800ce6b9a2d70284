#include "server/http_route.hpp"

namespace recur::server {

void send_json(Response& res, int status, const Json& body) {
  res.status = status;
  res.set_content(body.dump(-1, ' ', false, Json::error_handler_t::replace), "application/json");
}

void send_error(Response& res, const Error& error) {
  send_json(res, http_status(error.code), error_body(error));
}

Status admit(HttpServer::Impl& impl, const Request& req, Response& res, Role needed) {
  std::string client = req.remote_addr;
  if (impl.auth) {
    // A token removed from the file stops working at once; a broken file keeps the tokens last
    // loaded.
    (void)impl.auth->reload_if_changed();
    auto principal = impl.auth->authenticate(req.get_header_value("Authorization"));
    if (!principal) return principal.error();
    if (auto s = authorize(*principal, needed); !s) return s;
    client = "token:" + principal->name;
  }
  const RateDecision decision = impl.limiter.admit(client);
  if (!decision.allowed) {
    res.set_header("Retry-After", std::to_string(decision.retry_after_s));
    return fail(ErrorCode::resource_exhausted, "too many requests from " + client +
                                                   "; retry after " +
                                                   std::to_string(decision.retry_after_s) + " s");
  }
  return {};
}

Result<Json> parse_body(const Request& req) {
  if (req.body.empty()) return fail(ErrorCode::invalid_argument, "the request has no body");
  Json j = Json::parse(req.body, nullptr, false);
  if (j.is_discarded()) return fail(ErrorCode::invalid_argument, "the body is not valid JSON");
  return j;
}

Status open_stream(HttpServer::Impl& impl, Response& res) {
  if (++impl.streams > impl.options.max_event_streams) {
    --impl.streams;
    res.set_header("Retry-After", "5");
    return fail(ErrorCode::unavailable, "too many open event streams (" +
                                            std::to_string(impl.options.max_event_streams) + ")");
  }
  return {};
}

Result<std::uint64_t> last_event_id(const Request& req) {
  const std::string last = req.get_header_value("Last-Event-ID");
  if (last.empty()) return std::uint64_t{0};
  bool digits = last.size() <= 19;
  for (char c : last) digits = digits && c >= '0' && c <= '9';
  if (!digits)
    return fail(ErrorCode::invalid_argument,
                "header 'Last-Event-ID': '" + last + "' is not an event id");
  return static_cast<std::uint64_t>(std::stoull(last));
}

void stream_events(HttpServer::Impl& impl, EventReader read, EventWaiter wait, std::uint64_t after,
                   Response& res) {
  res.set_header("Cache-Control", "no-cache");
  res.set_header("X-Accel-Buffering", "no");
  auto last = std::make_shared<std::uint64_t>(after);
  auto ended = std::make_shared<bool>(false);
  res.set_chunked_content_provider(
      "text/event-stream",
      [&impl, read, wait, last, ended](std::size_t, DataSink& sink) {
        if (*ended || impl.stopping) {
          sink.done();
          return true;
        }
        auto events = read(*last);
        if (!events) return false;
        for (const auto& e : *events) {
          std::string frame = "id: " + std::to_string(e.id) + "\nevent: " + e.type + "\ndata: " +
                              e.data.dump(-1, ' ', false, Json::error_handler_t::replace) + "\n\n";
          if (!sink.write(frame.data(), frame.size())) return false;
          *last = e.id;
          if (e.type == "end") *ended = true;
        }
        if (*ended) {
          sink.done();
          return true;
        }
        if (events->empty() && !wait(*last, impl.options.heartbeat)) {
          static const std::string beat = ": keep-alive\n\n";
          if (!sink.is_writable() || !sink.write(beat.data(), beat.size())) return false;
        }
        return true;
      },
      [&impl](bool) { --impl.streams; });
}

}  // namespace recur::server
