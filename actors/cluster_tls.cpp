#include "actors/cluster_tls.hpp"

#include <dlfcn.h>
#include <openssl/err.h>
#include <openssl/ssl.h>

#include <caf/io/middleman.hpp>
#include <caf/openssl/manager.hpp>

// CAF 0.17's OpenSSL sessions call SSL_read, SSL_write, SSL_connect and SSL_accept without
// clearing OpenSSL's error queue first, which OpenSSL requires ("the current thread's error queue
// must be empty before the TLS/SSL I/O operation is attempted, or SSL_get_error() will not work
// reliably"). All of a process's connections are served by one multiplexer thread, so when one
// peer goes without a TLS close (a killed or stopped node leaves "unexpected eof while reading"
// queued), the next read on every other connection that merely has to wait is taken for a failure
// and the connection is closed: the loss of one node cut every node from the coordinator. These
// definitions stand in for OpenSSL's own in any program that links this file (the dynamic linker
// binds libcaf_openssl's calls to them): each clears the queue and calls OpenSSL's function. For
// every other caller this only does what OpenSSL asks of callers anyway.
namespace {

template <class Fn>
Fn openssl_function(const char* name) {
  return reinterpret_cast<Fn>(::dlsym(RTLD_NEXT, name));
}

}  // namespace

extern "C" {

int SSL_read(SSL* ssl, void* buf, int num) {
  static const auto real = openssl_function<int (*)(SSL*, void*, int)>("SSL_read");
  ERR_clear_error();
  return real(ssl, buf, num);
}

int SSL_write(SSL* ssl, const void* buf, int num) {
  static const auto real = openssl_function<int (*)(SSL*, const void*, int)>("SSL_write");
  ERR_clear_error();
  return real(ssl, buf, num);
}

int SSL_connect(SSL* ssl) {
  static const auto real = openssl_function<int (*)(SSL*)>("SSL_connect");
  ERR_clear_error();
  return real(ssl);
}

int SSL_accept(SSL* ssl) {
  static const auto real = openssl_function<int (*)(SSL*)>("SSL_accept");
  ERR_clear_error();
  return real(ssl);
}

}  // extern "C"

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
