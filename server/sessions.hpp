// Agent sessions started through the API (`POST /v1/sessions`, `POST /v1/completions`): each runs
// on the Runtime, its output kept as numbered events — `token` events with the text each piece of
// output adds, then `end` with the outcome — that clients read as they come, from any id on.
// Sessions live in the process: a restarted service has none (jobs are what survive restarts).
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "actors/runtime.hpp"
#include "base/json.hpp"
#include "base/result.hpp"
#include "jobs/job_events.hpp"

namespace recur::server {

// What a client asks for: {"model", "prompt", "tools"?, "max_tokens"?, "max_calls"?,
// "max_wall_ms"?, "seed"?, "temperature"?, "top_k"?, "top_p"?}.
struct SessionRequest {
  std::string model;  // a model of the server, by name
  agent::SessionSpec spec;

  // Errors (invalid_argument) name the field.
  static Result<SessionRequest> from_json(const Json& body);
};

// A session as the API shows it.
struct SessionView {
  std::string id, model, status;  // status: running or how it ended
  std::string output;             // the output text so far
  std::uint64_t prompt_tokens = 0, output_tokens = 0;
  std::optional<Json> outcome;  // the outcome, once it ended

  Json to_json() const;
};

class SessionRegistry {
 public:
  // `models_dir/NAME` are the models clients may name.
  SessionRegistry(actors::Runtime& runtime, std::filesystem::path models_dir,
                  std::size_t max_sessions = 10000);
  ~SessionRegistry();

  // Starts a session; returns its id. not_found for an unknown model; resource_exhausted when
  // `max_sessions` are kept (ended sessions are forgotten oldest first to make room).
  Result<std::string> start(const SessionRequest& request);
  Result<SessionView> view(const std::string& id) const;
  Status cancel(const std::string& id);
  // Events of session `id` after `after`: token events {"text", "tokens"} and the end event.
  Result<std::vector<jobs::JobEvent>> events(const std::string& id, std::uint64_t after) const;
  // Waits until the session has an event past `after` (true) or `timeout` passes.
  bool wait(const std::string& id, std::uint64_t after, std::chrono::milliseconds timeout);
  // Waits until the session ended; its view then (bounded by `timeout`: deadline_exceeded).
  Result<SessionView> wait_end(const std::string& id, std::chrono::milliseconds timeout);
  // Wakes every waiter: the service stops.
  void wake_all();

 private:
  struct Session;
  void on_output(const std::shared_ptr<Session>& s, std::span<const TokenId> tokens);
  void on_end(const std::shared_ptr<Session>& s, Result<agent::SessionOutcome> outcome);

  actors::Runtime& runtime_;
  std::filesystem::path models_dir_;
  std::size_t max_sessions_;
  mutable std::mutex mutex_;
  std::condition_variable changed_;
  std::map<std::string, std::shared_ptr<Session>> sessions_;
  std::vector<std::string> order_;  // ids in the order they started
  bool woken_ = false;
};

}  // namespace recur::server
