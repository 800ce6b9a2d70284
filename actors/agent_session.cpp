#include "actors/agent_session.hpp"

namespace recur::actors {
namespace {

using output_listener_impl = output_listener::extend<caf::replies_to<flush_atom>::with<bool>>;

struct ListenerState {
  OutputHandler handler;
  std::uint64_t seen = 0;  // output tokens passed on
  static inline const char* name = "output_listener";
};

output_listener_impl::behavior_type output_listener_fn(
    output_listener_impl::stateful_pointer<ListenerState> self, OutputHandler handler) {
  self->state.handler = std::move(handler);
  return {
      [=](output_atom, const agent::OutputChunk& chunk) {
        auto& s = self->state;
        const std::uint64_t end = chunk.offset + chunk.tokens.size();
        if (end <= s.seen) return;
        const std::size_t skip = chunk.offset < s.seen ? s.seen - chunk.offset : 0;
        s.handler(std::span<const TokenId>(chunk.tokens).subspan(skip));
        s.seen = end;
      },
      [=](flush_atom) { return true; },
  };
}

output_listener_impl spawn_listener(caf::actor_system& system, OutputHandler handler) {
  return system.spawn(output_listener_fn, std::move(handler));
}

}  // namespace

output_listener spawn_output_listener(caf::actor_system& system, OutputHandler handler) {
  return spawn_listener(system, std::move(handler));
}

Result<agent::SessionOutcome> run_session(caf::actor_system& system,
                                          const supervisor_actor& supervisor,
                                          agent::SessionSpec spec, agent::Admission admission,
                                          OutputHandler on_output) {
  caf::scoped_actor self{system};
  output_listener_impl listener;
  if (on_output) listener = spawn_listener(system, std::move(on_output));
  SessionOrder order{std::move(spec), admission, listener};
  Result<agent::SessionOutcome> out =
      fail(ErrorCode::internal, "session: no answer from the supervisor");
  self->request(supervisor, caf::infinite, run_atom::value, std::move(order))
      .receive([&](agent::SessionOutcome& outcome) { out = std::move(outcome); },
               [&](caf::error& error) { out = fail(ErrorCode::unavailable, error_text(error)); });
  if (listener) {
    // The worker sent every chunk before the outcome; once the listener answers, all are handled.
    self->request(listener, caf::infinite, flush_atom::value)
        .receive([](bool) {}, [](caf::error&) {});
    self->send_exit(listener, caf::exit_reason::user_shutdown);
  }
  return out;
}

}  // namespace recur::actors
