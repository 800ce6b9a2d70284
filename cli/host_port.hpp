// HOST:PORT flags (--listen, --join, --cluster-listen): a host name or address ([v6] in brackets)
// and a port from 0 to 65535.
#pragma once

#include <string>
#include <utility>

#include "base/result.hpp"

namespace recur::cli {

// The host and port of `text`; an error names `flag`.
Result<std::pair<std::string, int>> parse_host_port(const std::string& flag,
                                                    const std::string& text);

}  // namespace recur::cli
