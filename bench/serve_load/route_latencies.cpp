#include "bench/serve_load/route_latencies.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>

namespace recur::bench {

void RouteLatencies::add(const std::string& route, double ms, bool ok) {
  std::lock_guard lock(mutex_);
  RouteSamples& r = routes_[route];
  r.ms.push_back(ms);
  if (!ok) ++r.errors;
}

std::map<std::string, RouteSamples> RouteLatencies::snapshot() const {
  std::lock_guard lock(mutex_);
  return routes_;
}

double quantile(std::vector<double> ms, double q) {
  if (ms.empty()) return 0;
  std::sort(ms.begin(), ms.end());
  const auto rank = static_cast<std::size_t>(std::ceil(q * static_cast<double>(ms.size())));
  return ms[std::clamp<std::size_t>(rank, 1, ms.size()) - 1];
}

void print_routes(const std::map<std::string, RouteSamples>& routes, double seconds) {
  std::printf("%-42s %9s %7s %8s %8s %8s %8s\n", "route", "requests", "errors", "req/s", "p50 ms",
              "p99 ms", "max ms");
  for (const auto& [route, r] : routes) {
    std::printf("%-42s %9zu %7zu %8.1f %8.2f %8.2f %8.1f\n", route.c_str(), r.ms.size(), r.errors,
                static_cast<double>(r.ms.size()) / seconds, quantile(r.ms, 0.5),
                quantile(r.ms, 0.99), quantile(r.ms, 1.0));
  }
}

}  // namespace recur::bench
