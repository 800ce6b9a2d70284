// Vector search of the memory tool: HNSW (hnswlib) against the exact search. Prints the build time
// of both indexes, then for each HNSW search effort (ef_search) the recall@k against the exact
// answer, the mean query latency of both and their ratio. The memory tool's goal is recall@10 >=
// 0.95 on 100k random 128-d vectors. Random vectors are the hardest case for a graph index; with
// --latent D the vectors are a random linear image of D-dimensional ones plus 5% noise, closer to
// real embeddings. M, ef_construction and the first ef_search default to VectorIndexOptions'.
//
// Run: build/bench/vector_recall_bench [--n 100000] [--dims 128] [--latent 0] [--queries 200]
//        [--k 10] [--m M] [--ef-construction E] [--ef-search E1,E2,...]
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <random>
#include <set>
#include <string>
#include <vector>

#include "tools/memory/vector_index.hpp"

namespace {

using recur::tools::VectorIndex;
using recur::tools::VectorIndexOptions;
using clock_type = std::chrono::steady_clock;

double seconds_since(clock_type::time_point t) {
  return std::chrono::duration<double>(clock_type::now() - t).count();
}

// Search efforts from 64 to 1024 and the configured one, in increasing order.
std::vector<std::size_t> sweep_around(std::size_t configured) {
  std::set<std::size_t> efforts = {64, 128, 256, 512, 1024, configured};
  return {efforts.begin(), efforts.end()};
}

struct Settings {
  std::size_t n = 100000, dims = 128, latent = 0, queries = 200, k = 10;
  VectorIndexOptions hnsw;
  std::vector<std::size_t> ef_search = sweep_around(hnsw.ef_search);
};

std::vector<std::size_t> parse_list(const char* text) {
  std::vector<std::size_t> out;
  for (char* end = nullptr;; ++text) {
    out.push_back(std::strtoull(text, &end, 10));
    text = end;
    if (*text != ',') return out;
  }
}

bool parse(int argc, char** argv, Settings& s) {
  for (int i = 1; i + 1 < argc; i += 2) {
    std::size_t v = std::strtoull(argv[i + 1], nullptr, 10);
    std::string flag = argv[i];
    if (flag == "--n")
      s.n = v;
    else if (flag == "--dims")
      s.dims = v;
    else if (flag == "--latent")
      s.latent = v;
    else if (flag == "--queries")
      s.queries = v;
    else if (flag == "--k")
      s.k = v;
    else if (flag == "--m")
      s.hnsw.m = v;
    else if (flag == "--ef-construction")
      s.hnsw.ef_construction = v;
    else if (flag == "--ef-search")
      s.ef_search = parse_list(argv[i + 1]);
    else
      return false;
  }
  return argc % 2 == 1;
}

std::vector<float> random_vector(std::mt19937& rng, std::size_t dims) {
  std::normal_distribution<float> normal;
  std::vector<float> v(dims);
  for (auto& x : v) x = normal(rng);
  return v;
}

// Random vectors, or (latent > 0) projection * a random latent vector + 5% noise.
struct Source {
  std::size_t dims, latent;
  std::vector<std::vector<float>> projection;  // dims rows of latent

  std::vector<float> next(std::mt19937& rng) const {
    if (latent == 0) return random_vector(rng, dims);
    std::vector<float> z = random_vector(rng, latent), v = random_vector(rng, dims);
    float scale = 0.05f * std::sqrt(static_cast<float>(latent));
    for (std::size_t i = 0; i < dims; ++i) {
      float x = 0;
      for (std::size_t j = 0; j < latent; ++j) x += projection[i][j] * z[j];
      v[i] = x + scale * v[i];
    }
    return v;
  }
};

struct Built {
  VectorIndex index;
  double build_s;
};

Built build(const std::vector<std::vector<float>>& data, const VectorIndexOptions& options) {
  auto t = clock_type::now();
  VectorIndex index(data[0].size(), options);
  for (std::size_t i = 0; i < data.size(); ++i)
    if (!index.upsert(std::to_string(i), data[i])) std::abort();
  return {std::move(index), seconds_since(t)};
}

}  // namespace

int main(int argc, char** argv) {
  Settings s;
  if (!parse(argc, argv, s)) {
    std::fprintf(stderr,
                 "usage: %s [--n N] [--dims D] [--latent D] [--queries Q] [--k K] [--m M] "
                 "[--ef-construction E] [--ef-search E1,E2,...]\n",
                 argv[0]);
    return 2;
  }
  std::mt19937 rng(42);
  Source source{s.dims, s.latent, {}};
  for (std::size_t i = 0; s.latent > 0 && i < s.dims; ++i)
    source.projection.push_back(random_vector(rng, s.latent));
  std::vector<std::vector<float>> data(s.n), queries(s.queries);
  for (auto& v : data) v = source.next(rng);
  for (auto& q : queries) q = source.next(rng);

  VectorIndexOptions exact_only;
  exact_only.hnsw_threshold = s.n + 1;
  Built exact = build(data, exact_only);
  VectorIndexOptions graph = s.hnsw;
  graph.hnsw_threshold = 1;
  Built hnsw = build(data, graph);

  // The exact answers once; every ef_search is measured against them.
  std::vector<std::set<std::string>> truth;
  double exact_s = 0;
  for (const auto& q : queries) {
    auto t = clock_type::now();
    auto found = exact.index.search(q, s.k);
    exact_s += seconds_since(t);
    if (!found) std::abort();
    truth.emplace_back();
    for (const auto& m : *found) truth.back().insert(m.id);
  }
  double exact_ms = 1e3 * exact_s / s.queries;
  double scanned_mb = static_cast<double>(s.n * s.dims * sizeof(float)) / 1e6;

  std::string kind = s.latent ? "latent dimension " + std::to_string(s.latent) : "random normal";
  std::printf("vectors %zu x %zu (%s), %zu queries, k %zu\n", s.n, s.dims, kind.c_str(), s.queries,
              s.k);
  std::printf("build  exact %.2f s, hnsw (M %zu, ef_construction %zu) %.2f s\n", exact.build_s,
              s.hnsw.m, s.hnsw.ef_construction, hnsw.build_s);
  std::printf("exact  %.3f ms/query (scans %.1f MB: %.2f GB/s)\n", exact_ms, scanned_mb,
              scanned_mb / exact_ms);
  std::printf("%10s %10s %12s %16s\n", "ef_search", "recall@k", "hnsw ms", "exact/hnsw time");
  for (std::size_t ef : s.ef_search) {
    hnsw.index.set_ef_search(ef);
    double hnsw_s = 0;
    std::size_t hits = 0;
    for (std::size_t i = 0; i < queries.size(); ++i) {
      auto t = clock_type::now();
      auto found = hnsw.index.search(queries[i], s.k);
      hnsw_s += seconds_since(t);
      if (!found) std::abort();
      for (const auto& m : *found) hits += truth[i].count(m.id);
    }
    double recall = static_cast<double>(hits) / static_cast<double>(s.k * s.queries);
    double hnsw_ms = 1e3 * hnsw_s / s.queries;
    std::printf("%10zu %10.4f %12.3f %15.1fx%s\n", ef, recall, hnsw_ms, exact_ms / hnsw_ms,
                recall >= 0.95 ? "  (recall goal 0.95 met)" : "");
  }
  return 0;
}
