#include "actors/messages.hpp"

#include <caf/io/middleman.hpp>
#include "actors/message_types.hpp"

namespace recur::actors {

std::string error_text(const caf::error& error) {
  if (!error) return "no error";
  const caf::message& context = error.context();
  if (context.match_elements<std::string>()) return context.get_as<std::string>(0);
  return caf::to_string(error);
}

caf::error runtime_error(std::string text) {
  return caf::make_error(caf::sec::runtime_error, std::move(text));
}

RuntimeConfig::RuntimeConfig(unsigned threads, Transport transport) {
  set("logger.verbosity", caf::atom("quiet"));
  if (threads > 0) set("scheduler.max-threads", threads);
  // Work sharing wakes an idle scheduler thread as soon as a message arrives; work stealing lets
  // idle threads sleep between polls, which adds up to milliseconds to a tool call's round trip.
  set("scheduler.policy", caf::atom("sharing"));
  register_message_types(*this);
  if (transport == Transport::network) load<caf::io::middleman>();
}

}  // namespace recur::actors
