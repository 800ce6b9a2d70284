// Nearest neighbours by cosine similarity over a set of named vectors, in memory.
//
// Exact search compares the query with every vector and is always correct. Once the set reaches
// `hnsw_threshold` vectors an HNSW graph (hnswlib) is built beside it and answers ordinary
// searches; its results are re-scored exactly, so a vector found by both paths has the same score.
// The index is a deterministic function of the sequence of upserts it has seen: replaying that
// sequence into a fresh index (as the memory tool does when a store is reopened) gives the same
// answers.
#pragma once

#include <cstddef>
#include <memory>
#include <span>
#include <string>
#include <unordered_map>
#include <vector>

#include "base/result.hpp"

namespace recur::tools {

// The defaults reach recall@10 >= 0.95 even on random 128-d vectors, the hardest case for HNSW
// (bench/vector_recall_bench); below the threshold the exact search is as fast.
struct VectorIndexOptions {
  std::size_t hnsw_threshold = 100000;  // vectors at which the HNSW graph is built
  std::size_t m = 32;                   // HNSW links per node
  std::size_t ef_construction = 200;    // HNSW candidate list while building
  std::size_t ef_search = 768;          // HNSW candidate list while searching (at least k)
  std::size_t seed = 100;               // HNSW level generator
};

struct VectorMatch {
  std::string id;
  float score = 0;  // cosine similarity in [-1, 1]
};

class VectorIndex {
 public:
  VectorIndex(std::size_t dims, VectorIndexOptions options = {});
  ~VectorIndex();
  VectorIndex(VectorIndex&&) noexcept;
  VectorIndex& operator=(VectorIndex&&) noexcept;

  std::size_t dims() const { return dims_; }
  std::size_t size() const { return ids_.size(); }
  bool uses_hnsw() const { return graph_ != nullptr; }

  // Adds `vector` under `id`, or replaces the vector already there. Fails when the dimension is
  // wrong, a component is not finite, or the vector has zero length. Should the HNSW graph fail
  // (out of memory), the vector is still added and searches stay exact from then on.
  Status upsert(const std::string& id, std::span<const float> vector);

  // The k most similar vectors, best first (ties by id). `exact` forces the exhaustive search.
  // Fails on a query of the wrong dimension, non-finite or of zero length.
  Result<std::vector<VectorMatch>> search(std::span<const float> query, std::size_t k,
                                          bool exact = false) const;

  // Changes the HNSW search effort without rebuilding the graph. Not safe while searches run.
  void set_ef_search(std::size_t ef);

  // Checks a vector the way upsert and search do; the message names the problem.
  Status check(std::span<const float> vector) const;

  // Why the HNSW graph was given up, empty while it is healthy or not yet needed.
  const std::string& graph_error() const { return graph_error_; }

 private:
  struct Graph;
  std::vector<VectorMatch> search_exact(const std::vector<float>& unit, std::size_t k) const;
  std::vector<VectorMatch> search_graph(const std::vector<float>& unit, std::size_t k) const;
  void build_graph();
  void drop_graph(const std::string& why);

  std::size_t dims_;
  VectorIndexOptions options_;
  std::vector<std::string> ids_;                        // by slot
  std::vector<float> unit_;                             // slot-major unit vectors
  std::unordered_map<std::string, std::size_t> slots_;  // id -> slot
  std::unique_ptr<Graph> graph_;
  std::string graph_error_;
};

}  // namespace recur::tools
