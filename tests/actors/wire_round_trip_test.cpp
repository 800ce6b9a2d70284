// Every registered message type goes through caf::binary_serializer and caf::binary_deserializer
// with every field intact, on its own and as the element of a caf::message (which names its
// elements by their registered names); a type registered without a sample fails.
#include <gtest/gtest.h>

#include <chrono>
#include <set>
#include <string>

#include "actors/message_types.hpp"
#include "wire_samples.hpp"

namespace recur::actors::wire {
namespace {

using namespace std::chrono_literals;

// Checks `value` against its copy through bytes, then through bytes as a message's one element.
template <class T, class Compare>
void check_round_trip(caf::actor_system& system, const T& value, const Compare& compare) {
  auto back = from_bytes<T>(system, to_bytes(system, value));
  ASSERT_TRUE(back) << caf::to_string(back.error());
  compare(value, *back);

  auto message = from_bytes<caf::message>(system, to_bytes(system, caf::make_message(value)));
  ASSERT_TRUE(message) << caf::to_string(message.error());
  ASSERT_TRUE(message->template match_elements<T>()) << caf::to_string(*message);
  compare(value, message->template get_as<T>(0));
}

class WireRoundTrip : public ::testing::TestWithParam<std::string> {
 protected:
  RuntimeConfig config_{2};
  caf::actor_system system_{config_};
};

TEST_P(WireRoundTrip, KeepsEveryField) {
  SampleActors actors(system_);
  int samples = 0;
  for_each_sample(actors, 2s, [&](const std::string& name, const auto& value, const auto& compare) {
    if (name != GetParam()) return;
    ++samples;
    check_round_trip(system_, value, compare);
  });
  EXPECT_EQ(samples, 1) << GetParam() << " is registered but has no sample";
}

INSTANTIATE_TEST_SUITE_P(Registered, WireRoundTrip, ::testing::ValuesIn(message_type_names()),
                         [](const ::testing::TestParamInfo<std::string>& info) {
                           std::string name = info.param;
                           for (char& c : name)
                             if (c == '.') c = '_';
                           return name;
                         });

TEST(WireRegistration, NamesAreUniqueKnownToTheConfigAndEachHasOneSample) {
  const auto names = message_type_names();
  const std::set<std::string> registered(names.begin(), names.end());
  EXPECT_EQ(registered.size(), names.size());
  EXPECT_EQ(names.size(), 20u);

  RuntimeConfig config;
  for (const auto& name : names) EXPECT_EQ(config.value_factories_by_name.count(name), 1u) << name;

  caf::actor_system system{config};
  SampleActors actors(system);
  std::multiset<std::string> sampled;
  for_each_sample(actors, 2s,
                  [&](const std::string& name, const auto&, const auto&) { sampled.insert(name); });
  EXPECT_EQ(sampled, std::multiset<std::string>(names.begin(), names.end()));
}

TEST(WireText, MessagesPrintWithTheirJsonTextAndEnumCodes) {
  const std::string call = caf::deep_to_string(sample_call(1));
  EXPECT_NE(call.find("ToolCall("), std::string::npos) << call;
  EXPECT_NE(call.find("2*pi*r^2"), std::string::npos) << call;
  const std::string outcome = caf::deep_to_string(sample_pipeline_outcome());
  EXPECT_EQ(outcome.rfind("PipelineOutcome(5, ", 0), 0u) << outcome;
}

}  // namespace
}  // namespace recur::actors::wire
