#include "tools/memory/vector_index.hpp"

#include <algorithm>
#include <cmath>
#include <exception>

#include <hnswlib/hnswlib.h>

namespace recur::tools {

struct VectorIndex::Graph {
  hnswlib::InnerProductSpace space;
  hnswlib::HierarchicalNSW<float> hnsw;

  Graph(std::size_t dims, std::size_t capacity, const VectorIndexOptions& o)
      : space(dims), hnsw(&space, capacity, o.m, o.ef_construction, o.seed) {
    hnsw.setEf(o.ef_search);
  }
};

namespace {

// Eight independent partial sums: a fixed summation order, and room for the compiler to pipeline.
float dot(const float* a, const float* b, std::size_t n) {
  float s[8] = {0, 0, 0, 0, 0, 0, 0, 0};
  std::size_t i = 0;
  for (; i + 8 <= n; i += 8)
    for (std::size_t j = 0; j < 8; ++j) s[j] += a[i + j] * b[i + j];
  for (; i < n; ++i) s[0] += a[i] * b[i];
  return ((s[0] + s[1]) + (s[2] + s[3])) + ((s[4] + s[5]) + (s[6] + s[7]));
}

bool better(const VectorMatch& a, const VectorMatch& b) {
  if (a.score != b.score) return a.score > b.score;
  return a.id < b.id;
}

}  // namespace

VectorIndex::VectorIndex(std::size_t dims, VectorIndexOptions options)
    : dims_(dims), options_(options) {}
VectorIndex::~VectorIndex() = default;
VectorIndex::VectorIndex(VectorIndex&&) noexcept = default;
VectorIndex& VectorIndex::operator=(VectorIndex&&) noexcept = default;

void VectorIndex::set_ef_search(std::size_t ef) {
  options_.ef_search = ef;
  if (graph_) graph_->hnsw.setEf(ef);
}

Status VectorIndex::check(std::span<const float> vector) const {
  if (vector.size() != dims_)
    return fail(ErrorCode::invalid_argument, "has " + std::to_string(vector.size()) +
                                                 " dimensions, the index has " +
                                                 std::to_string(dims_));
  double norm = 0;
  for (std::size_t i = 0; i < vector.size(); ++i) {
    if (!std::isfinite(vector[i]))
      return fail(ErrorCode::invalid_argument, "component " + std::to_string(i) + " is not finite");
    norm += static_cast<double>(vector[i]) * vector[i];
  }
  if (!(norm > 0) || !std::isfinite(norm))
    return fail(ErrorCode::invalid_argument, "has zero or non-finite length");
  return {};
}

namespace {
std::vector<float> unit_vector(std::span<const float> v) {
  double norm = 0;
  for (float x : v) norm += static_cast<double>(x) * x;
  double scale = 1.0 / std::sqrt(norm);
  std::vector<float> unit(v.size());
  for (std::size_t i = 0; i < v.size(); ++i) unit[i] = static_cast<float>(v[i] * scale);
  return unit;
}
}  // namespace

Status VectorIndex::upsert(const std::string& id, std::span<const float> vector) {
  if (Status s = check(vector); !s) return s;
  std::vector<float> unit = unit_vector(vector);
  auto [it, added] = slots_.try_emplace(id, ids_.size());
  std::size_t slot = it->second;
  if (added) {
    ids_.push_back(id);
    unit_.insert(unit_.end(), unit.begin(), unit.end());
  } else {
    std::copy(unit.begin(), unit.end(), unit_.begin() + slot * dims_);
  }
  if (!graph_error_.empty()) return {};
  try {
    if (graph_) {
      if (added && slot >= graph_->hnsw.max_elements_) graph_->hnsw.resizeIndex(2 * slot);
      graph_->hnsw.addPoint(unit.data(), slot);
    } else if (ids_.size() >= options_.hnsw_threshold) {
      build_graph();
    }
  } catch (const std::exception& e) {
    drop_graph(e.what());
  }
  return {};
}

void VectorIndex::build_graph() {
  auto graph =
      std::make_unique<Graph>(dims_, std::max<std::size_t>(2 * ids_.size(), 1024), options_);
  for (std::size_t slot = 0; slot < ids_.size(); ++slot)
    graph->hnsw.addPoint(unit_.data() + slot * dims_, slot);
  graph_ = std::move(graph);
}

void VectorIndex::drop_graph(const std::string& why) {
  graph_.reset();
  graph_error_ = "the HNSW graph failed (" + why + "); searches are exact";
}

Result<std::vector<VectorMatch>> VectorIndex::search(std::span<const float> query, std::size_t k,
                                                     bool exact) const {
  if (Status s = check(query); !s) return s.error();
  std::vector<float> unit = unit_vector(query);
  k = std::min(k, ids_.size());
  if (k == 0) return std::vector<VectorMatch>();
  if (graph_ && !exact) {
    try {
      return search_graph(unit, k);
    } catch (const std::exception&) {
      // hnswlib throws only on a damaged graph; the exhaustive search still answers correctly
    }
  }
  return search_exact(unit, k);
}

std::vector<VectorMatch> VectorIndex::search_exact(const std::vector<float>& unit,
                                                   std::size_t k) const {
  std::vector<std::pair<float, std::size_t>> scored(ids_.size());
  for (std::size_t slot = 0; slot < ids_.size(); ++slot)
    scored[slot] = {dot(unit.data(), unit_.data() + slot * dims_, dims_), slot};
  auto order = [&](const auto& a, const auto& b) {
    if (a.first != b.first) return a.first > b.first;
    return ids_[a.second] < ids_[b.second];
  };
  std::partial_sort(scored.begin(), scored.begin() + k, scored.end(), order);
  std::vector<VectorMatch> out;
  out.reserve(k);
  for (std::size_t i = 0; i < k; ++i) out.push_back({ids_[scored[i].second], scored[i].first});
  return out;
}

std::vector<VectorMatch> VectorIndex::search_graph(const std::vector<float>& unit,
                                                   std::size_t k) const {
  auto found = graph_->hnsw.searchKnn(unit.data(), k);
  std::vector<VectorMatch> out;
  out.reserve(found.size());
  for (; !found.empty(); found.pop()) {
    std::size_t slot = found.top().second;
    out.push_back({ids_[slot], dot(unit.data(), unit_.data() + slot * dims_, dims_)});
  }
  std::sort(out.begin(), out.end(), better);
  return out;
}

}  // namespace recur::tools
