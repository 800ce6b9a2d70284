// The one place where recur's message types get the names that identify them across a network.
// CAF 0.17 has no type-id blocks: a type is known to an actor system by the name given to
// actor_system_config::add_message_type<T>(name), and a message element whose type has no name
// cannot be deserialized by a remote node. Every type that an actor sends or receives as a
// message element (besides CAF's own and the atoms) is registered here; its inspect() overload
// lives next to its declaration (messages.hpp) or in wire_*.hpp.
#pragma once

#include <string>
#include <vector>

#include <caf/fwd.hpp>

namespace recur::actors {

// Registers every message type under its name ("recur.ToolBatch", ...) with `config`.
// RuntimeConfig calls it; a configuration of another kind that runs recur's actors must too.
void register_message_types(caf::actor_system_config& config);

// The names register_message_types gives, in the order it registers them.
std::vector<std::string> message_type_names();

}  // namespace recur::actors
