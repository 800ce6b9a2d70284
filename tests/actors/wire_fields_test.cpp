// The fields CAF cannot carry as they are: JSON travels as text (invalid UTF-8 replaced, text that
// does not parse refused), enums as codes checked against their range, deadlines as the time left.
#include "actors/wire_fields.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <limits>

#include "wire_samples.hpp"

namespace recur::actors::wire {
namespace {

using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;
using Int64 = std::numeric_limits<std::int64_t>;

class WireFields : public ::testing::Test {
 protected:
  RuntimeConfig config_{2};
  caf::actor_system system_{config_};
};

TEST_F(WireFields, JsonTravelsAsCompactText) {
  EXPECT_EQ(json_text(Json{{"a", {1, "ü"}}}), "{\"a\":[1,\"ü\"]}");
  Json value;
  ASSERT_FALSE(parse_json_text("{\"a\": [1, \"\\u00fc\"]}", "field", value));
  EXPECT_EQ(value, (Json{{"a", {1, "ü"}}}));
}

TEST_F(WireFields, InvalidUtf8InAJsonStringArrivesAsReplacementCharacters) {
  tools::ToolCall call{"id",
                       "name",
                       {{"text",
                         "a\xff\xfe"
                         "b"}}};
  auto back = from_bytes<tools::ToolCall>(system_, to_bytes(system_, call));
  ASSERT_TRUE(back) << caf::to_string(back.error());
  EXPECT_EQ(back->arguments.at("text"),
            "a\xEF\xBF\xBD\xEF\xBF\xBD"
            "b");
}

TEST_F(WireFields, NumbersJsonCannotWriteArriveAsNull) {
  tools::ToolResult result = tools::ToolResult::text("x");
  result.structured = {{"nan", std::nan("")}, {"inf", HUGE_VAL}};
  auto back = from_bytes<tools::ToolResult>(system_, to_bytes(system_, result));
  ASSERT_TRUE(back) << caf::to_string(back.error());
  EXPECT_EQ(back->structured, (Json{{"nan", nullptr}, {"inf", nullptr}}));
}

TEST_F(WireFields, JsonTextThatDoesNotParseIsAnError) {
  Json value = 7;
  auto error = parse_json_text("{\"a\": ", "ToolCall.arguments", value);
  ASSERT_TRUE(error);
  EXPECT_EQ(error_text(error), "ToolCall.arguments: not a JSON value (6 bytes)");
  EXPECT_EQ(value, 7);
  EXPECT_TRUE(parse_json_text("", "x", value));
  EXPECT_TRUE(parse_json_text("1 2", "x", value));

  // The same inside a message: the arguments' text replaced by bytes that are not JSON.
  auto bytes = to_bytes(system_, tools::ToolCall{"id", "name", Json::object()});
  auto tail = to_bytes(system_, std::string("{}"));
  auto broken = to_bytes(system_, std::string("{]"));
  ASSERT_GE(bytes.size(), tail.size());
  std::copy(broken.begin(), broken.end(), bytes.end() - static_cast<std::ptrdiff_t>(tail.size()));
  auto back = from_bytes<tools::ToolCall>(system_, bytes);
  ASSERT_FALSE(back);
  EXPECT_EQ(error_text(back.error()), "ToolCall.arguments: not a JSON value (2 bytes)");
}

TEST_F(WireFields, EnumsTravelAsTheirCodes) {
  auto status = agent::SessionStatus::failed;
  auto code = agent::wire_code(status);
  auto bytes = to_bytes(system_, code);
  EXPECT_EQ(bytes, to_bytes(system_, std::int32_t{6}));
  auto admission = agent::Admission::recover;
  auto admission_code = agent::wire_code(admission);
  EXPECT_EQ(to_bytes(system_, admission_code), to_bytes(system_, std::uint8_t{2}));
  auto job = jobs::JobStatus::cancelled;
  auto job_code = jobs::wire_code(job);
  EXPECT_EQ(to_bytes(system_, job_code), to_bytes(system_, std::uint8_t{5}));
}

// Deserializes `bytes` into `value` through its enum code; the error, if any.
template <class Enum>
caf::error load_code(caf::actor_system& system, const std::vector<char>& bytes, Enum& value) {
  caf::binary_deserializer source{system, bytes};
  auto code = wire_code(value);
  return source(code);
}

TEST_F(WireFields, EnumCodesOutsideTheEnumAreErrors) {
  auto status = agent::SessionStatus::running;
  EXPECT_FALSE(load_code(system_, to_bytes(system_, std::int32_t{6}), status));
  EXPECT_EQ(status, agent::SessionStatus::failed);
  auto error = load_code(system_, to_bytes(system_, std::int32_t{7}), status);
  ASSERT_TRUE(error);
  EXPECT_EQ(error_text(error), "enum code 7 is outside 0..6");
  EXPECT_EQ(status, agent::SessionStatus::failed);
  EXPECT_TRUE(load_code(system_, to_bytes(system_, std::int32_t{-1}), status));
  EXPECT_TRUE(load_code(system_, to_bytes(system_, Int64::max()), status));

  auto admission = agent::Admission::fresh;
  EXPECT_FALSE(load_code(system_, to_bytes(system_, std::uint8_t{2}), admission));
  EXPECT_EQ(admission, agent::Admission::recover);
  EXPECT_TRUE(load_code(system_, to_bytes(system_, std::uint8_t{3}), admission));
  EXPECT_TRUE(load_code(system_, to_bytes(system_, std::uint8_t{255}), admission));

  auto job = jobs::JobStatus::queued;
  EXPECT_FALSE(load_code(system_, to_bytes(system_, std::uint8_t{5}), job));
  EXPECT_EQ(job, jobs::JobStatus::cancelled);
  EXPECT_TRUE(load_code(system_, to_bytes(system_, std::uint8_t{6}), job));
}

TEST_F(WireFields, AnOutOfRangeStatusInAMessageIsAnError) {
  // PipelineOutcome's status is its first byte.
  auto bytes = to_bytes(system_, sample_pipeline_outcome());
  ASSERT_EQ(bytes[0], 5);
  bytes[0] = 6;
  auto back = from_bytes<jobs::PipelineOutcome>(system_, bytes);
  ASSERT_FALSE(back);
  EXPECT_EQ(error_text(back.error()), "enum code 6 is outside 0..5");

  // SessionOutcome's status follows the session id.
  auto outcome = to_bytes(system_, sample_outcome());
  const auto at = static_cast<std::ptrdiff_t>(to_bytes(system_, sample_outcome().result.id).size());
  auto six = to_bytes(system_, std::int32_t{6});
  ASSERT_TRUE(std::equal(six.begin(), six.end(), outcome.begin() + at));
  auto seven = to_bytes(system_, std::int32_t{7});
  std::copy(seven.begin(), seven.end(), outcome.begin() + at);
  auto broken = from_bytes<agent::SessionOutcome>(system_, outcome);
  ASSERT_FALSE(broken);
  EXPECT_EQ(error_text(broken.error()), "enum code 7 is outside 0..6");
}

TEST_F(WireFields, DeadlinesTravelAsTheTimeLeft) {
  const auto now = Clock::now();
  EXPECT_EQ(remaining_ns(now + 1500ms, now), 1'500'000'000);
  EXPECT_EQ(remaining_ns(now - 2ms, now), -2'000'000);
  EXPECT_EQ(deadline_after(1'500'000'000, now), now + 1500ms);
  EXPECT_EQ(deadline_after(-2'000'000, now), now - 2ms);
}

TEST_F(WireFields, DeadlinesSaturateAndNeverStaysNever) {
  const auto now = Clock::now();
  EXPECT_EQ(remaining_ns(Clock::time_point::max(), now), Int64::max());
  EXPECT_EQ(deadline_after(Int64::max(), now), Clock::time_point::max());
  EXPECT_EQ(deadline_after(Int64::max() - 1, now), Clock::time_point::max());
  EXPECT_LT(deadline_after(Int64::min(), now), now - 1000h);
  EXPECT_EQ(remaining_ns(Clock::time_point::min(), now), Int64::min());

  RunnerJob job = sample_runner_job(Clock::time_point::max());
  auto back = from_bytes<RunnerJob>(system_, to_bytes(system_, job));
  ASSERT_TRUE(back) << caf::to_string(back.error());
  EXPECT_EQ(back->deadline, Clock::time_point::max());
}

TEST_F(WireFields, ARunnerJobsDeadlineIsAsFarAwayAfterTheTrip) {
  const auto deadline = Clock::now() + 3s;
  const auto before = Clock::now();
  auto back = from_bytes<RunnerJob>(system_, to_bytes(system_, sample_runner_job(deadline)));
  const auto after = Clock::now();
  ASSERT_TRUE(back) << caf::to_string(back.error());
  // Later by the time between serializing and deserializing, which the wire does not count.
  EXPECT_GE(back->deadline, deadline);
  EXPECT_LE(back->deadline, deadline + (after - before));
}

}  // namespace
}  // namespace recur::actors::wire
