// Inside the HTTP listener (server/http_listener.hpp): what its sessions share. Included only by
// server/http_listener.cpp and server/http_session.hpp.
#pragma once

#include <atomic>
#include <map>
#include <mutex>
#include <optional>
#include <thread>
#include <vector>

#include <boost/asio.hpp>
#include <boost/asio/ssl.hpp>

#include "server/http_listener.hpp"

namespace recur::server {

namespace net = boost::asio;
namespace ssl = net::ssl;
using tcp = net::ip::tcp;

// A session as the listener sees it: closed when the listener stops.
class Connection {
 public:
  virtual ~Connection() = default;
  virtual void close() = 0;
};

// What the sessions share. Members are destroyed in reverse order: what a session touches when it
// ends (the count, the open list, the TLS context) outlives the io_context, whose destruction
// destroys the sessions that a stop left with pending work.
struct HttpListener::State {
  ListenerOptions options;
  RequestHandler handler;
  ResponseObserver observer;
  std::atomic<bool> stopping{false};
  std::atomic<std::size_t> connections{0};
  std::mutex mutex;
  std::map<Connection*, std::weak_ptr<Connection>> open;
  std::optional<ssl::context> tls;
  net::io_context ioc;
  tcp::acceptor acceptor;
  net::thread_pool handlers;
  std::vector<std::thread> io;
  int port = 0;

  State(ListenerOptions o, RequestHandler h, ResponseObserver obs)
      : options(std::move(o)),
        handler(std::move(h)),
        observer(std::move(obs)),
        ioc(static_cast<int>(options.io_threads)),
        acceptor(net::make_strand(ioc)),
        handlers(options.handler_threads) {}

  void accept();
};

}  // namespace recur::server
