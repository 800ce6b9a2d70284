// The vectors of every scope of one store, for the memory tool's vec_add and vec_search.
//
// In the store each scope's vectors are a log of additions (id and components, in the order they
// were made); in memory each scope has a VectorIndex built by replaying that log the first time the
// scope is used. Because the index is a deterministic function of the additions it saw, a reopened
// store answers every search exactly as before it was closed.
#pragma once

#include <map>
#include <memory>
#include <mutex>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "store/store.hpp"
#include "tools/memory/vector_index.hpp"

namespace recur::tools {

class VectorMemory {
 public:
  // Scope S keeps its log under key_prefix({S, "vectors"}) of `store`.
  VectorMemory(Store store, VectorIndexOptions options);
  ~VectorMemory();

  struct Added {
    std::size_t dims = 0;
    std::size_t count = 0;  // vectors in the scope after the addition
  };
  // Adds or replaces the vector `id` of `scope`, durably, then in memory. The first vector of a
  // scope fixes its dimension; a vector of another dimension, with a non-finite component or of
  // zero length is refused as invalid_argument, with a message that starts "vector: ". Only the
  // vector is refused so: a damaged record in the store is data_loss, and the store's own failures
  // keep their codes.
  Result<Added> add(std::string_view scope, const std::string& id, std::span<const float> vector);

  struct Found {
    std::vector<VectorMatch> matches;
    bool exhaustive = true;  // false when the HNSW graph answered
  };
  // The k nearest vectors of `scope` to `query` (an empty scope finds nothing). A query the scope
  // refuses is invalid_argument, "vector: ...", as in add.
  Result<Found> search(std::string_view scope, std::span<const float> query, std::size_t k,
                       bool exact);

 private:
  struct Scope;
  Result<Scope*> open_scope(std::string_view scope);

  Store store_;
  VectorIndexOptions options_;
  std::mutex mutex_;  // guards scopes_ (each scope has its own lock)
  std::map<std::string, std::unique_ptr<Scope>, std::less<>> scopes_;
};

}  // namespace recur::tools
