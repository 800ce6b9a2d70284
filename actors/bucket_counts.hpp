// Observations counted in fixed buckets: the shape of a Prometheus histogram, cheap enough to keep
// where the work happens (a binary search over a dozen bounds and two additions per value), summed
// since the counting actor started. The bounds are not stored with the counts: each kind of
// observation has its constant bounds, and whoever exposes the counts pairs them again.
#pragma once

#include <algorithm>
#include <cstdint>
#include <numeric>
#include <span>
#include <vector>

namespace recur::actors {

struct BucketCounts {
  // counts[i]: values in (bounds[i-1], bounds[i]]; the last one: values above every bound. Empty
  // until the first observation.
  std::vector<std::uint64_t> counts;
  double sum = 0;  // of every value observed

  // Counts `value` in its bucket of `bounds` (increasing upper bounds).
  void observe(double value, std::span<const double> bounds) {
    if (counts.size() != bounds.size() + 1) counts.assign(bounds.size() + 1, 0);
    ++counts[static_cast<std::size_t>(std::lower_bound(bounds.begin(), bounds.end(), value) -
                                      bounds.begin())];
    sum += value;
  }
  // Values observed.
  std::uint64_t count() const { return std::accumulate(counts.begin(), counts.end(), 0ull); }
};

}  // namespace recur::actors
