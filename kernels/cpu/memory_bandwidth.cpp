#include "kernels/cpu/memory_bandwidth.hpp"

#include <algorithm>
#include <chrono>
#include <vector>

#include "kernels/cpu/linear.hpp"

namespace recur::kernels::cpu {

double measure_read_bandwidth(ThreadPool& pool, std::size_t bytes, int repeats) {
  const std::size_t n = bytes / sizeof(float);
  std::vector<float> data(n, 1.0f);
  std::vector<float> ones(4096, 1.0f);
  volatile float sink = 0;
  double best = 0;
  for (int r = 0; r < repeats; ++r) {
    const auto start = std::chrono::steady_clock::now();
    // The same dot kernel that the engine streams its weights through, over 4096-float rows.
    const MatrixView m{ElementType::f32, n / 4096, 4096, data.data()};
    std::vector<float> out(m.rows);
    linear(m, Rows{ones.data(), 4096}, 1, nullptr, MutableRows{out.data(), m.rows}, pool);
    const double s =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    sink = sink + out[0];
    best = std::max(best, static_cast<double>(m.rows * 4096 * sizeof(float)) / s);
  }
  (void)sink;
  return best;
}

}  // namespace recur::kernels::cpu
