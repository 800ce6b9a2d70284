// recur token add | list | remove: the bearer tokens of a server's token file (--auth FILE). add
// makes a token, keeps only its salted hash in the file and prints the token this once; list shows
// names, roles and creation times, never hashes; remove revokes a token.
#include <ctime>
#include <iomanip>
#include <iostream>

#include "base/text.hpp"
#include "cli/commands.hpp"
#include "cli/common.hpp"
#include "server/role.hpp"
#include "server/token_file.hpp"

namespace recur::cli {
namespace {

struct TokenOptions {
  std::string name;
  std::string role;
  std::string auth;
  bool json = false;
};

// "2024-06-10T08:15:00Z" for Unix milliseconds.
std::string utc_time(std::uint64_t unix_ms) {
  const std::time_t seconds = static_cast<std::time_t>(unix_ms / 1000);
  std::tm tm{};
  ::gmtime_r(&seconds, &tm);
  char text[32];
  std::strftime(text, sizeof text, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return text;
}

int run_add(const TokenOptions& o) {
  const std::string cmd = "token add";
  auto role = server::parse_role(o.role);
  if (!role) return report_error(cmd, role.error().context("--role").message);
  if (auto s = server::check_token_name(o.name); !s)
    return report_error(cmd, s.error().context("--name").message);
  auto issued = server::add_token(o.auth, o.name, *role, unix_ms());
  if (!issued) return report_error(cmd, issued.error().message);
  if (o.json) {
    print_json({{"name", o.name}, {"role", server::role_name(*role)}, {"token", issued->token}});
  } else {
    std::cout << issued->token << std::endl;
    std::cerr << "recur token add: token '" << o.name << "' (" << server::role_name(*role)
              << ") added to " << o.auth << "; it is shown only this once" << std::endl;
  }
  return 0;
}

int run_list(const TokenOptions& o) {
  auto tokens = server::load_token_file(o.auth);
  if (!tokens) return report_error("token list", tokens.error().message);
  if (o.json) {
    Json out = Json::array();
    for (const auto& t : *tokens)
      out.push_back(
          {{"name", t.name}, {"role", server::role_name(t.role)}, {"created_ms", t.created_ms}});
    print_json({{"tokens", out}});
    return 0;
  }
  std::cout << std::left << std::setw(24) << "name" << std::setw(8) << "role"
            << "created" << std::endl;
  for (const auto& t : *tokens)
    std::cout << std::setw(24) << t.name << std::setw(8) << server::role_name(t.role)
              << utc_time(t.created_ms) << std::endl;
  return 0;
}

int run_remove(const TokenOptions& o) {
  if (auto s = server::remove_token(o.auth, o.name); !s)
    return report_error("token remove", s.error().message);
  if (o.json)
    print_json({{"name", o.name}, {"removed", true}});
  else
    std::cout << "token '" << o.name << "' removed from " << o.auth << std::endl;
  return 0;
}

}  // namespace

void add_token_command(CLI::App& app, int& exit_code) {
  auto o = std::make_shared<TokenOptions>();
  auto* c = app.add_subcommand("token", "The bearer tokens of a server's token file");
  c->require_subcommand(1);
  auto common = [o](CLI::App* sub) {
    sub->add_option("--auth", o->auth, "Token file (created by the first add, mode 0600)")
        ->required();
    sub->add_flag("--json", o->json, "JSON output");
  };
  auto* add_cmd = c->add_subcommand("add", "Make a token and print it, once");
  add_cmd->add_option("--name", o->name, "Token name: letters, digits, '.', '_', '-'")->required();
  add_cmd->add_option("--role", o->role, "read | submit | admin")->required();
  common(add_cmd);
  add_cmd->callback([o, &exit_code] { exit_code = run_add(*o); });
  auto* list_cmd = c->add_subcommand("list", "Names, roles and creation times of the tokens");
  common(list_cmd);
  list_cmd->callback([o, &exit_code] { exit_code = run_list(*o); });
  auto* remove_cmd = c->add_subcommand("remove", "Revoke a token");
  remove_cmd->add_option("--name", o->name, "Token name")->required();
  common(remove_cmd);
  remove_cmd->callback([o, &exit_code] { exit_code = run_remove(*o); });
}

}  // namespace recur::cli
