// The certificates of a cluster: a cluster CA, the coordinator's certificate and key, and one per
// node, as `recur cluster init --out DIR --nodes N` writes them (PEM files):
//
//   DIR/ca.pem                 the cluster CA's certificate: every member trusts it, and only it
//   DIR/ca.key                 the CA's key (0600), to certify nodes added later; keep it off nodes
//   DIR/coordinator.pem|key    the coordinator's certificate and key (0600)
//   DIR/node-K.pem|key         node K's, K = 1..N
//
// Keys are ECDSA P-256, unencrypted; certificates are X.509 v3, valid for ten years, named by
// their member (CN=coordinator, CN=node-K) and signed by the CA. A member's identity is checked
// before the network layer sees it (check_member_identity), so that a wrong file, a key of another
// certificate or an encrypted key is an error at start that names the file.
#pragma once

#include <filesystem>
#include <string>
#include <vector>

#include "base/result.hpp"

namespace recur::server {

// Writes a new cluster's CA and the certificates of the coordinator and `nodes` nodes into `out`
// (created when missing). Refuses to write over an existing ca.pem. Returns the files written.
Result<std::vector<std::filesystem::path>> init_cluster(const std::filesystem::path& out,
                                                        std::size_t nodes);

// The files of member `name` (coordinator, node-K) in a cluster directory.
struct MemberFiles {
  std::filesystem::path ca, certificate, key;
};
MemberFiles member_files(const std::filesystem::path& dir, const std::string& name);

// Checks that `name`'s files in `dir` are there and readable, that its key is unencrypted and
// belongs to its certificate, and that the certificate is signed by the cluster CA and valid now.
// An error names the file and what is wrong.
Result<MemberFiles> check_member_identity(const std::filesystem::path& dir,
                                          const std::string& name);

}  // namespace recur::server
