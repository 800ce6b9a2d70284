// The commands of the recur executable. Each adds itself as a subcommand of the application and,
// when it runs, stores its process exit status in `exit_code`: 0 on success, 1 when the input was
// bad or the work failed (after printing one line that names what is wrong), 2 for usage errors.
#pragma once

#include <CLI/CLI.hpp>

namespace recur::cli {

void add_generate_command(CLI::App& app, int& exit_code);
void add_logits_command(CLI::App& app, int& exit_code);
void add_tokenize_commands(CLI::App& app, int& exit_code);
void add_tool_command(CLI::App& app, int& exit_code);
void add_agent_command(CLI::App& app, int& exit_code);
void add_eval_command(CLI::App& app, int& exit_code);
void add_run_command(CLI::App& app, int& exit_code);
void add_jobs_command(CLI::App& app, int& exit_code);
void add_plot_command(CLI::App& app, int& exit_code);
void add_mcp_command(CLI::App& app, int& exit_code);
void add_token_command(CLI::App& app, int& exit_code);
void add_cluster_command(CLI::App& app, int& exit_code);
void add_node_command(CLI::App& app, int& exit_code);
void add_serve_command(CLI::App& app, int& exit_code);

}  // namespace recur::cli
