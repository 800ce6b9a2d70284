#include "actors/cluster_tls.hpp"

#include <caf/io/middleman.hpp>
#include <caf/openssl/manager.hpp>

namespace recur::actors {

ClusterConfig::ClusterConfig(unsigned threads, const ClusterTls& tls)
    : RuntimeConfig(threads, Transport::network) {
  load<caf::openssl::manager>();
  openssl_certificate = tls.certificate;
  openssl_key = tls.key;
  openssl_cafile = tls.ca;
  set("middleman.app-identifiers", std::vector<std::string>{kClusterWireVersion});
  set("middleman.heartbeat-interval", caf::timespan(tls.heartbeat));
  set("middleman.connection-timeout", caf::timespan(tls.timeout));
}

}  // namespace recur::actors
