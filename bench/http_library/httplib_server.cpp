// cpp-httplib's server for http_library_bench: handlers on a thread pool; an event stream is a
// chunked content provider that blocks its pool thread until the hub hands it the next event.
#include <sys/socket.h>

#include <condition_variable>
#include <limits>

#include <httplib.h>

#include "bench/http_library/servers.hpp"

namespace recur::bench {

namespace {

// The events waiting for one stream: filled by the hub's thread, drained by the stream's thread.
class EventQueue {
 public:
  void push(EventHub::Event event) {
    {
      std::lock_guard lock(mutex_);
      events_.push_back(std::move(event));
    }
    ready_.notify_one();
  }

  // The next event, or null when none came within `wait`.
  EventHub::Event pop(std::chrono::milliseconds wait) {
    std::unique_lock lock(mutex_);
    if (!ready_.wait_for(lock, wait, [&] { return !events_.empty(); })) return nullptr;
    EventHub::Event event = std::move(events_.front());
    events_.pop_front();
    return event;
  }

 private:
  std::mutex mutex_;
  std::condition_variable ready_;
  std::deque<EventHub::Event> events_;
};

void answer(const ApiResponse& api, httplib::Response& res) {
  res.status = api.status;
  res.set_content(api.body, "application/json");
}

}  // namespace

void serve_with_httplib(const ServerConfig& config, JobTable& jobs, EventHub& hub,
                        const OnListening& on_listening) {
  httplib::Server server;
  if (!config.library_defaults) {
    const std::size_t threads = config.threads;
    server.new_task_queue = [threads] { return new httplib::ThreadPool(threads); };
    server.set_keep_alive_max_count(std::numeric_limits<int>::max());
    server.set_tcp_nodelay(true);
  }
  server.set_payload_max_length(kMaxRequestBody);
  server.set_read_timeout(std::chrono::seconds(5));
  server.set_write_timeout(std::chrono::seconds(5));

  server.Get(R"(/v1/jobs/([A-Za-z0-9-]+))",
             [&](const httplib::Request& req, httplib::Response& res) {
               answer(jobs.get(req.matches[1].str()), res);
             });
  server.Post("/v1/jobs", [&](const httplib::Request& req, httplib::Response& res) {
    answer(jobs.submit(req.body), res);
  });
  server.Get(R"(/v1/jobs/([A-Za-z0-9-]+)/events)",
             [&](const httplib::Request&, httplib::Response& res) {
               auto queue = std::make_shared<EventQueue>();
               hub.subscribe([weak = std::weak_ptr(queue)](const EventHub::Event& event) {
                 const auto q = weak.lock();
                 if (q) q->push(event);
                 return q != nullptr;
               });
               res.set_header("Cache-Control", "no-cache");
               res.set_chunked_content_provider(
                   "text/event-stream", [queue](std::size_t, httplib::DataSink& sink) {
                     const EventHub::Event event = queue->pop(std::chrono::seconds(1));
                     return !event || sink.write(event->data(), event->size());
                   });
             });

  // Debian's build listens with a backlog of 5 (CPPHTTPLIB_LISTEN_BACKLOG, fixed when the library
  // was compiled): clients connecting at once overflow it and wait for the kernel's SYN-ACK
  // retransmits, 1 s, 3 s, 7 s later. Listening again on the bound socket raises the backlog.
  int listener = -1;
  server.set_socket_options([&listener](socket_t sock) {
    const int one = 1;
    setsockopt(sock, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    listener = sock;
  });
  const int port = server.bind_to_any_port("127.0.0.1");
  if (!config.library_defaults) ::listen(listener, SOMAXCONN);
  on_listening(port);
  server.listen_after_bind();
}

}  // namespace recur::bench
