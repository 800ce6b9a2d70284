// recur: a runtime for tool-using state-space-model agents. See README.md for the commands.
#include <iostream>

#include "cli/commands.hpp"

int main(int argc, char** argv) {
  CLI::App app{"recur: a runtime for tool-using state-space-model agents"};
  app.require_subcommand(1);
  app.set_version_flag("--version", "recur 0.1.0");
  int exit_code = 0;
  recur::cli::add_generate_command(app, exit_code);
  recur::cli::add_logits_command(app, exit_code);
  recur::cli::add_tokenize_commands(app, exit_code);
  recur::cli::add_tool_command(app, exit_code);
  recur::cli::add_agent_command(app, exit_code);
  recur::cli::add_eval_command(app, exit_code);
  recur::cli::add_run_command(app, exit_code);
  recur::cli::add_jobs_command(app, exit_code);
  recur::cli::add_plot_command(app, exit_code);
  recur::cli::add_mcp_command(app, exit_code);
  recur::cli::add_token_command(app, exit_code);
  recur::cli::add_serve_command(app, exit_code);
  recur::cli::add_cluster_command(app, exit_code);
  recur::cli::add_node_command(app, exit_code);
  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForAllHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForVersion& e) {
    return app.exit(e);
  } catch (const CLI::ParseError& e) {
    std::string message = e.what();
    for (auto& c : message)
      if (c == '\n') c = ' ';
    std::cerr << "recur: " << message << " (see recur --help)" << std::endl;
    return 2;
  }
  return exit_code;
}
