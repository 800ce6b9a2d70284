// The actor system configuration of a cluster member: CAF's middleman over mutual TLS (CAF's
// OpenSSL module) with the cluster CA, BASP heartbeats and a connection timeout so that a silent
// peer (stopped, partitioned) is noticed, and the wire version as the middleman's application
// identifier, so that members of different builds refuse each other at the handshake.
#pragma once

#include <chrono>
#include <string>

#include "actors/messages.hpp"

namespace recur::actors {

// The version of the messages between cluster members; a change to any of them raises it.
inline constexpr const char* kClusterWireVersion = "recur-wire-1";

struct ClusterTls {
  std::string ca;           // the cluster CA's certificate (PEM)
  std::string certificate;  // this member's
  std::string key;          // this member's key: unencrypted (checked before, by the caller)
  std::chrono::milliseconds heartbeat{1000};
  std::chrono::milliseconds timeout{5000};  // no message nor heartbeat for this long: lost
};

// A RuntimeConfig (message types, scheduler, quiet logger) that also loads the middleman and the
// OpenSSL manager with `tls`.
class ClusterConfig : public RuntimeConfig {
 public:
  ClusterConfig(unsigned threads, const ClusterTls& tls);
};

}  // namespace recur::actors
