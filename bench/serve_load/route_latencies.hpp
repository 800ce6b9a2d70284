// Latencies of serve_load's requests, by route: every answer's time and whether it was a success,
// gathered from many client threads, printed as requests/s and quantiles per route.
#pragma once

#include <cstddef>
#include <map>
#include <mutex>
#include <string>
#include <vector>

namespace recur::bench {

struct RouteSamples {
  std::vector<double> ms;  // one per answered request, successes and errors alike
  std::size_t errors = 0;  // non-2xx answers and requests that got no answer
};

class RouteLatencies {
 public:
  // Adds one request of `route` that took `ms`; `ok`: it got a 2xx answer.
  void add(const std::string& route, double ms, bool ok);
  // The samples so far, by route.
  std::map<std::string, RouteSamples> snapshot() const;

 private:
  mutable std::mutex mutex_;
  std::map<std::string, RouteSamples> routes_;
};

// The q-quantile (nearest rank) of `ms`; 0 when empty.
double quantile(std::vector<double> ms, double q);

// Prints one line per route: requests, errors, requests/s over `seconds`, p50, p99, max.
void print_routes(const std::map<std::string, RouteSamples>& routes, double seconds);

}  // namespace recur::bench
