// recur mcp [--store DIR] [--config FILE]: the configured tools as an MCP server on stdio, for any
// MCP client that starts it as a subprocess. Messages are JSON-RPC, one per line, on stdin and
// stdout; stdout carries nothing else, human text goes to stderr. One process is one client
// session. The command exits 0 when stdin closes, 1 when the configuration cannot be loaded.
#include <iostream>
#include <memory>
#include <string>

#include "cli/commands.hpp"
#include "cli/common.hpp"
#include "server/json_rpc.hpp"
#include "server/mcp.hpp"
#include "server/session_id.hpp"
#include "tools/registry/registry.hpp"

namespace recur::cli {
namespace {

struct McpOptions {
  std::string config;  // empty: tools::default_config_path()
  std::string store;   // empty: the configuration's store directories
};

int run_mcp(const McpOptions& o) {
  tools::RegistryOptions options;
  if (!o.store.empty()) options.store_dir = o.store;
  const std::filesystem::path config =
      o.config.empty() ? tools::default_config_path() : std::filesystem::path(o.config);
  auto registry = tools::Registry::load(config, options);
  if (!registry) return report_error("mcp", registry.error().message);
  auto id = server::new_session_id();
  if (!id) return report_error("mcp", id.error().message);

  const server::McpServer mcp(*registry);
  server::McpSession session{*id, ""};
  std::cerr << "recur mcp: " << registry->list().size() << " tools on stdio, session " << *id
            << std::endl;
  std::string line;
  while (std::getline(std::cin, line)) {
    if (!line.empty() && line.back() == '\r') line.pop_back();
    if (line.find_first_not_of(" \t") == std::string::npos) continue;
    if (auto response = mcp.handle_text(line, session))
      std::cout << server::json_rpc_text(*response) << '\n' << std::flush;
  }
  return 0;
}

}  // namespace

void add_mcp_command(CLI::App& app, int& exit_code) {
  auto o = std::make_shared<McpOptions>();
  auto* mcp = app.add_subcommand("mcp", "Serve the configured tools to an MCP client on stdio");
  mcp->add_option("--store", o->store, "Store directory for the memory tool");
  mcp->add_option("--config", o->config,
                  "Tool configuration (default: $RECUR_CONFIG, else configs/tools.json)");
  mcp->callback([o, &exit_code] { exit_code = run_mcp(*o); });
}

}  // namespace recur::cli
