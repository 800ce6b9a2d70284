// recur tool list | describe NAME | call NAME JSON: the tools of a configuration, from the shell.
// A call prints the tool's result and exits 0 whenever the tool ran, its errors (isError) included;
// an unknown tool, arguments that are not a JSON object, or a bad configuration exit 1.
#include <filesystem>
#include <iostream>
#include <memory>

#include "cli/commands.hpp"
#include "cli/common.hpp"
#include "tools/registry/registry.hpp"

namespace recur::cli {
namespace {

struct ToolOptions {
  std::string config;  // empty: tools::default_config_path()
  std::string store;   // empty: the configuration's store directories
  std::string scope = "default";
  std::string name;
  std::string arguments;
  bool json = true;  // the output is always JSON
};

Result<tools::Registry> open_registry(const ToolOptions& o) {
  tools::RegistryOptions options;
  if (!o.store.empty()) options.store_dir = o.store;
  std::filesystem::path config =
      o.config.empty() ? tools::default_config_path() : std::filesystem::path(o.config);
  return tools::Registry::load(config, options);
}

int run_list(const ToolOptions& o) {
  auto registry = open_registry(o);
  if (!registry) return report_error("tool list", registry.error().message);
  Json tools = Json::array();
  for (const auto& d : registry->list()) tools.push_back(d.to_json());
  print_json({{"tools", tools}});
  return 0;
}

int run_describe(const ToolOptions& o) {
  auto registry = open_registry(o);
  if (!registry) return report_error("tool describe", registry.error().message);
  auto description = registry->describe(o.name);
  if (!description) return report_error("tool describe", description.error().message);
  print_json(description->to_json());
  return 0;
}

int run_call(const ToolOptions& o) {
  auto registry = open_registry(o);
  if (!registry) return report_error("tool call", registry.error().message);
  tools::CallContext context;
  context.scope = o.scope;
  auto result = registry->call(o.name, o.arguments, context);
  if (!result) return report_error("tool call", result.error().message);
  print_json(result->to_json());
  return 0;
}

}  // namespace

void add_tool_command(CLI::App& app, int& exit_code) {
  auto o = std::make_shared<ToolOptions>();
  auto* tool = app.add_subcommand("tool", "List, describe and call the configured tools");
  tool->require_subcommand(1);
  auto add_config = [o](CLI::App* c) {
    c->add_option("--config", o->config,
                  "Tool configuration (default: $RECUR_CONFIG, else configs/tools.json)");
    c->add_flag("--json", o->json, "The output is always JSON; accepted for uniformity");
  };

  auto* list = tool->add_subcommand("list", "Print every tool's description as JSON");
  add_config(list);
  list->callback([o, &exit_code] { exit_code = run_list(*o); });

  auto* describe = tool->add_subcommand("describe", "Print one tool's description as JSON");
  describe->add_option("name", o->name, "Tool name")->required();
  add_config(describe);
  describe->callback([o, &exit_code] { exit_code = run_describe(*o); });

  auto* call = tool->add_subcommand("call", "Call a tool and print its result as JSON");
  call->add_option("name", o->name, "Tool name")->required();
  call->add_option("arguments", o->arguments, "Arguments: a JSON object")->required();
  call->add_option("--store", o->store, "Store directory for the memory tool");
  call->add_option("--scope", o->scope, "Scope (session) the call belongs to");
  add_config(call);
  call->callback([o, &exit_code] { exit_code = run_call(*o); });
}

}  // namespace recur::cli
