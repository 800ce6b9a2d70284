#include "cli/host_port.hpp"

namespace recur::cli {

Result<std::pair<std::string, int>> parse_host_port(const std::string& flag,
                                                    const std::string& text) {
  const auto colon = text.rfind(':');
  if (colon == std::string::npos || colon == 0 || colon + 1 == text.size())
    return fail(ErrorCode::invalid_argument, flag + ": '" + text + "' is not HOST:PORT");
  std::string host = text.substr(0, colon);
  if (host.size() > 2 && host.front() == '[' && host.back() == ']')
    host = host.substr(1, host.size() - 2);
  int port = -1;
  try {
    std::size_t used = 0;
    port = std::stoi(text.substr(colon + 1), &used);
    if (used != text.size() - colon - 1) port = -1;
  } catch (const std::exception&) {
    port = -1;
  }
  if (port < 0 || port > 65535)
    return fail(ErrorCode::invalid_argument, flag + ": '" + text + "' has no port from 0 to 65535");
  return std::make_pair(host, port);
}

}  // namespace recur::cli
