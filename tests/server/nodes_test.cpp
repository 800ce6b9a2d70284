// GET /v1/nodes's shape after a known runtime status: the local node with each model worker (its
// model's name, device, state, slots, sessions, its model's queue and its rate), and the node's
// sums; the pipelines' tool supervisor has no workers to show.
#include "server/nodes.hpp"

#include <gtest/gtest.h>

#include "status_sample.hpp"

namespace recur::server {
namespace {

TEST(Nodes, AModelIsNamedByItsBundleDirectory) {
  EXPECT_EQ(model_name("models/bigint"), "bigint");
  EXPECT_EQ(model_name("/srv/recur/models/bigint/"), "bigint");
  EXPECT_EQ(model_name("bigint"), "bigint");
}

TEST(Nodes, TheLocalNodeListsItsWorkersAndTheirSums) {
  const WorkerRates rates{{{"models/bigint", 0}, 12.5}, {{"models/bigint", 1}, 0.5}};
  const auto now = std::chrono::system_clock::time_point(std::chrono::milliseconds(1700000000123));
  const Json node = local_node("n1", testing::sample_status(), rates, now, 123456789);
  const Json expected = {{"name", "n1"},
                         {"workers",
                          {{{"model", "bigint"},
                            {"worker", 0},
                            {"device", "cpu"},
                            {"state", "up"},
                            {"slots_used", 3},
                            {"slots_free", 5},
                            {"sessions", 3},
                            {"queued", 2},
                            {"tokens_per_s", 12.5},
                            {"state_bytes", 1000},
                            {"state_pool_bytes", 8000}},
                           {{"model", "bigint"},
                            {"worker", 1},
                            {"device", "cuda:0"},
                            {"state", "silent"},
                            {"slots_used", 8},
                            {"slots_free", 0},
                            {"sessions", 8},
                            {"queued", 2},
                            {"tokens_per_s", 0.5},
                            {"state_bytes", 1000},
                            {"state_pool_bytes", 8000}}}},
                         {"slots_used", 11},
                         {"slots_free", 5},
                         {"sessions", 11},
                         {"queued", 2},
                         {"tokens_per_s", 13.0},
                         {"state_pool_bytes", 16000},
                         {"resident_bytes", 123456789},
                         {"last_heartbeat_ms", 1700000000123}};
  EXPECT_EQ(node, expected) << node.dump(2);
}

TEST(Nodes, ANodeWithoutModelsHasNoWorkersAndZeros) {
  const Json node = local_node("n2", {}, {}, std::chrono::system_clock::time_point{});
  EXPECT_EQ(node["workers"], Json::array());
  EXPECT_EQ(node["slots_used"], 0);
  EXPECT_EQ(node["slots_free"], 0);
  EXPECT_EQ(node["queued"], 0);
  EXPECT_EQ(node["tokens_per_s"], 0.0);
  EXPECT_EQ(node["last_heartbeat_ms"], 0);
  EXPECT_FALSE(host_name().empty());
  EXPECT_GT(process_resident_bytes(), 1u << 20);
}

}  // namespace
}  // namespace recur::server
