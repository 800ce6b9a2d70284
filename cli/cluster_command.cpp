// recur cluster init --out DIR --nodes N: a cluster's CA and the certificates and keys of its
// coordinator and nodes (server/cluster_certificates.hpp says which files and what they hold).
#include <iostream>

#include "cli/commands.hpp"
#include "cli/common.hpp"
#include "server/cluster_certificates.hpp"

namespace recur::cli {
namespace {

struct ClusterInitOptions {
  std::string out;
  std::size_t nodes = 0;
  bool json = false;
};

int run_init(const ClusterInitOptions& o) {
  auto written = server::init_cluster(o.out, o.nodes);
  if (!written) return report_error("cluster init", written.error().message);
  if (o.json) {
    Json files = Json::array();
    for (const auto& f : *written) files.push_back(f.string());
    print_json({{"out", o.out}, {"nodes", o.nodes}, {"files", files}});
    return 0;
  }
  std::cout << "cluster CA, coordinator and " << o.nodes << " node certificates written to "
            << o.out << std::endl;
  std::cerr << "recur cluster init: give each member ca.pem and its own NAME.pem and NAME.key; "
               "keep ca.key off the nodes"
            << std::endl;
  return 0;
}

}  // namespace

void add_cluster_command(CLI::App& app, int& exit_code) {
  auto o = std::make_shared<ClusterInitOptions>();
  auto* c = app.add_subcommand("cluster", "The certificates of a cluster of recur processes");
  c->require_subcommand(1);
  auto* init = c->add_subcommand(
      "init", "Make a cluster CA and the coordinator's and N nodes' certificates and keys");
  init->add_option("--out", o->out, "Directory to write them to (must not hold a cluster)")
      ->required();
  init->add_option("--nodes", o->nodes, "Number of node certificates (node-1 ... node-N)")
      ->required();
  init->add_flag("--json", o->json, "JSON output");
  init->callback([o, &exit_code] { exit_code = run_init(*o); });
}

}  // namespace recur::cli
