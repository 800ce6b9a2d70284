// The routes of agent sessions (`/v1/sessions`) and of completions in the OpenAI completions shape
// (`POST /v1/completions`, also streamed), so existing clients can drive a recur model.
#include <random>

#include "base/text.hpp"
#include "server/http_route.hpp"

namespace recur::server {
namespace {

// How long a completion that is not streamed may take before the client gets an error.
constexpr std::chrono::minutes kCompletionTimeout{10};

std::string completion_id() {
  std::random_device rd;
  char id[32];
  std::snprintf(id, sizeof id, "cmpl-%08x%08x", rd(), rd());
  return id;
}

// OpenAI's finish_reason for how a session ended: "length" when it ran out of tokens.
const char* finish_reason(const std::string& status) {
  return status == "max_tokens" ? "length" : "stop";
}

// A completion request: {"model", "prompt" (a string, or a list of one), "max_tokens" (16),
// "temperature" (1), "top_p", "seed", "stream", "n" (1), "user", ...}. Fields recur does not
// implement and that change the answer are refused by name; ones that only describe the caller are
// accepted.
Result<SessionRequest> completion_request(const Json& body, bool& stream) {
  if (!body.is_object()) return fail(ErrorCode::invalid_argument, "the body must be a JSON object");
  Json session = {{"max_tokens", 16}, {"temperature", 1.0}};
  stream = false;
  for (const auto& [key, v] : body.items()) {
    if (key == "model" || key == "max_tokens" || key == "temperature" || key == "top_p" ||
        key == "seed") {
      session[key] = v;
    } else if (key == "prompt") {
      if (v.is_array() && v.size() == 1 && v[0].is_string())
        session["prompt"] = v[0];
      else
        session["prompt"] = v;
    } else if (key == "stream") {
      if (!v.is_boolean())
        return fail(ErrorCode::invalid_argument, "field 'stream': must be true or false");
      stream = v.get<bool>();
    } else if (key == "n" || key == "best_of") {
      if (!(v.is_number_integer() && v.get<long>() == 1))
        return fail(ErrorCode::invalid_argument, "field '" + key + "': only 1 is supported");
    } else if (key == "user" || key == "logprobs" || key == "stop" || key == "echo" ||
               key == "suffix" || key == "presence_penalty" || key == "frequency_penalty" ||
               key == "logit_bias") {
      const bool harmless = key == "user" || v.is_null() || (key == "echo" && v == false) ||
                            (key == "logprobs" && v.is_null()) ||
                            ((key == "presence_penalty" || key == "frequency_penalty") && v == 0) ||
                            (key == "logit_bias" && v.is_object() && v.empty());
      if (!harmless)
        return fail(ErrorCode::invalid_argument, "field '" + key + "': not supported by recur");
    } else {
      return fail(ErrorCode::invalid_argument, "field '" + key + "': unknown");
    }
  }
  if (session.contains("max_tokens") && session["max_tokens"].is_null()) session["max_tokens"] = 16;
  return SessionRequest::from_json(session);
}

Json completion_body(const std::string& id, const std::string& model, const std::string& text,
                     const char* finish, std::uint64_t prompt_tokens, std::uint64_t tokens) {
  Json choice = {{"text", text}, {"index", 0}, {"logprobs", nullptr}, {"finish_reason", nullptr}};
  if (finish) choice["finish_reason"] = finish;
  return {{"id", id},
          {"object", "text_completion"},
          {"created", unix_ms() / 1000},
          {"model", model},
          {"choices", Json::array({choice})},
          {"usage",
           {{"prompt_tokens", prompt_tokens},
            {"completion_tokens", tokens},
            {"total_tokens", prompt_tokens + tokens}}}};
}

// A streamed completion: a `data: {chunk}` line for each piece of text, the last with its
// finish_reason and usage, then `data: [DONE]`.
void stream_completion(HttpServer::Impl& impl, const std::string& session, const std::string& id,
                       const std::string& model, Response& res) {
  res.set_header("Cache-Control", "no-cache");
  auto last = std::make_shared<std::uint64_t>(0);
  auto done = std::make_shared<bool>(false);
  SessionRegistry& sessions = impl.service.sessions();
  res.set_chunked_content_provider(
      "text/event-stream",
      [&impl, &sessions, session, id, model, last, done](std::size_t, DataSink& sink) {
        if (*done || impl.stopping) {
          sink.done();
          return true;
        }
        auto events = sessions.events(session, *last);
        if (!events) return false;
        for (const auto& e : *events) {
          *last = e.id;
          Json chunk;
          if (e.type == "token") {
            const std::string text = e.data.value("text", "");
            if (text.empty()) continue;
            chunk = completion_body(id, model, text, nullptr, 0, 0);
            chunk.erase("usage");
          } else {
            auto view = sessions.view(session);
            if (!view) return false;
            chunk = completion_body(id, model, "", finish_reason(view->status), view->prompt_tokens,
                                    view->output_tokens);
            *done = true;
          }
          const std::string line =
              "data: " + chunk.dump(-1, ' ', false, Json::error_handler_t::replace) + "\n\n";
          if (!sink.write(line.data(), line.size())) return false;
        }
        if (*done) {
          static const std::string end = "data: [DONE]\n\n";
          sink.write(end.data(), end.size());
          sink.done();
          return true;
        }
        if (!sessions.wait(session, *last, impl.options.heartbeat)) {
          static const std::string beat = ": keep-alive\n\n";
          if (!sink.is_writable() || !sink.write(beat.data(), beat.size())) return false;
        }
        return true;
      },
      [&impl](bool) { --impl.streams; });
}

}  // namespace

void add_session_routes(HttpServer::Impl& impl, Router& http) {
  SessionRegistry& sessions = impl.service.sessions();
  http.Post("/v1/sessions",
            route(impl, Role::submit, [&](const Request& req, Response& res) -> Status {
              auto body = parse_body(req);
              if (!body) return body.error();
              auto request = SessionRequest::from_json(*body);
              if (!request) return request.error();
              auto id = sessions.start(*request);
              if (!id) return id.error();
              res.set_header("Location", "/v1/sessions/" + *id);
              send_json(res, 201, {{"id", *id}, {"status", "running"}});
              return {};
            }));
  http.Get(R"(/v1/sessions/([^/]+))",
           route(impl, Role::read, [&](const Request& req, Response& res) -> Status {
             auto view = sessions.view(req.matches[1]);
             if (!view) return view.error();
             send_json(res, 200, view->to_json());
             return {};
           }));
  http.Post(R"(/v1/sessions/([^/]+)/cancel)",
            route(impl, Role::submit, [&](const Request& req, Response& res) -> Status {
              const std::string id = req.matches[1];
              if (auto s = sessions.cancel(id); !s) return s;
              auto view = sessions.view(id);
              if (!view) return view.error();
              send_json(res, 200, view->to_json());
              return {};
            }));
  http.Get(R"(/v1/sessions/([^/]+)/events)",
           route(impl, Role::read, [&](const Request& req, Response& res) -> Status {
             const std::string id = req.matches[1];
             if (auto view = sessions.view(id); !view) return view.error();
             auto after = last_event_id(req);
             if (!after) return after.error();
             if (auto s = open_stream(impl, res); !s) return s;
             stream_events(
                 impl, [&sessions, id](std::uint64_t from) { return sessions.events(id, from); },
                 [&sessions, id](std::uint64_t from, std::chrono::milliseconds timeout) {
                   return sessions.wait(id, from, timeout);
                 },
                 *after, res);
             return {};
           }));
  http.Post("/v1/completions",
            route(impl, Role::submit, [&](const Request& req, Response& res) -> Status {
              auto body = parse_body(req);
              if (!body) return body.error();
              bool stream = false;
              auto request = completion_request(*body, stream);
              if (!request) return request.error();
              if (stream)
                if (auto s = open_stream(impl, res); !s) return s;
              auto session = sessions.start(*request);
              if (!session) {
                if (stream) --impl.streams;
                return session.error();
              }
              const std::string id = completion_id();
              if (stream) {
                stream_completion(impl, *session, id, request->model, res);
                return {};
              }
              auto view = sessions.wait_end(*session, kCompletionTimeout);
              if (!view) return view.error();
              if (view->status == "failed")
                return fail(ErrorCode::internal,
                            "the completion failed: " +
                                view->outcome.value_or(Json::object()).value("error", ""));
              send_json(
                  res, 200,
                  completion_body(id, request->model, view->output, finish_reason(view->status),
                                  view->prompt_tokens, view->output_tokens));
              return {};
            }));
}

}  // namespace recur::server
