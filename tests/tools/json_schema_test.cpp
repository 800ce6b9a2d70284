// Argument validation: the JSON Schema subset tools use, and error messages that name the field.
#include <gtest/gtest.h>

#include "tools/json_schema.hpp"

namespace recur::tools {
namespace {

using Json = nlohmann::json;

// The error message of validating `value`, or "ok".
std::string check(const Json& value, const Json& schema) {
  Status s = validate_json(value, schema);
  return s ? "ok" : s.error().message;
}

TEST(JsonSchema, TypeNamesTheExpectedType) {
  EXPECT_EQ(check("x", {{"type", "string"}}), "ok");
  EXPECT_EQ(check(3, {{"type", "string"}}), "arguments: must be a string");
  EXPECT_EQ(check({1}, {{"type", "object"}}), "arguments: must be an object");
  EXPECT_EQ(check(nullptr, {{"type", "boolean"}}), "arguments: must be a boolean");
}

TEST(JsonSchema, ArrayOfTypesAcceptsAnyOfThem) {
  Json schema = {{"type", {"string", "null", "integer"}}};
  EXPECT_EQ(check("x", schema), "ok");
  EXPECT_EQ(check(nullptr, schema), "ok");
  EXPECT_EQ(check(7, schema), "ok");
  EXPECT_EQ(check(true, schema), "arguments: must be a string, null or an integer");
}

TEST(JsonSchema, IntegerAcceptsWholeNumbersOnly) {
  Json schema = {{"type", "integer"}};
  EXPECT_EQ(check(3, schema), "ok");
  EXPECT_EQ(check(-3, schema), "ok");
  EXPECT_EQ(check(3.0, schema), "ok");
  EXPECT_EQ(check(3.5, schema), "arguments: must be an integer");
  EXPECT_EQ(check("3", schema), "arguments: must be an integer");
  EXPECT_EQ(check(3.5, {{"type", "number"}}), "ok");
}

TEST(JsonSchema, RequiredFieldIsNamedByItsPath) {
  Json schema = {{"type", "object"}, {"required", {"op", "key"}}};
  EXPECT_EQ(check({{"op", "get"}}, schema), "arguments.key: is required");
  EXPECT_EQ(check({{"op", "get"}, {"key", "k"}}, schema), "ok");
}

TEST(JsonSchema, EnumListsTheAllowedValues) {
  Json schema = {{"type", "object"},
                 {"properties", {{"op", {{"enum", {"put", "get", "delete"}}}}}}};
  EXPECT_EQ(check({{"op", "post"}}, schema), "arguments.op: must be one of put, get, delete");
  EXPECT_EQ(check({{"op", "get"}}, schema), "ok");
  EXPECT_EQ(check(2, {{"enum", {1, "1", nullptr}}}), "arguments: must be one of 1, 1, null");
}

TEST(JsonSchema, ConstRequiresEquality) {
  EXPECT_EQ(check("memory", {{"const", "memory"}}), "ok");
  EXPECT_EQ(check("lua", {{"const", "memory"}}), "arguments: must be memory");
  EXPECT_EQ(check({{"a", 1}}, {{"const", {{"a", 2}}}}), "arguments: must be {\"a\":2}");
}

TEST(JsonSchema, AdditionalPropertiesFalseRejectsUnknownFields) {
  Json schema = {{"type", "object"},
                 {"properties", {{"a", {{"type", "string"}}}, {"b", {{"type", "string"}}}}},
                 {"additionalProperties", false}};
  EXPECT_EQ(check({{"a", "x"}}, schema), "ok");
  EXPECT_EQ(check({{"a", "x"}, {"c", 1}}, schema),
            "arguments.c: is not an allowed field (allowed: a, b)");
}

TEST(JsonSchema, AdditionalPropertiesSchemaChecksEveryExtraField) {
  Json schema = {{"type", "object"},
                 {"properties", {{"name", {{"type", "string"}}}}},
                 {"additionalProperties", {{"type", "number"}}}};
  EXPECT_EQ(check({{"name", "n"}, {"x", 1.5}, {"y", 2}}, schema), "ok");
  EXPECT_EQ(check({{"name", "n"}, {"y", "2"}}, schema), "arguments.y: must be a number");
}

TEST(JsonSchema, ItemsAreCheckedWithTheirIndex) {
  Json schema = {
      {"type", "object"},
      {"properties", {{"vector", {{"type", "array"}, {"items", {{"type", "number"}}}}}}}};
  EXPECT_EQ(check({{"vector", {1, 2.5, -3}}}, schema), "ok");
  EXPECT_EQ(check({{"vector", {1, 2, "x"}}}, schema), "arguments.vector[2]: must be a number");
}

TEST(JsonSchema, NestedPathsJoinWithDots) {
  Json schema = {
      {"type", "object"},
      {"properties",
       {{"outer", {{"type", "object"}, {"properties", {{"inner", {{"type", "integer"}}}}}}}}}};
  EXPECT_EQ(check({{"outer", {{"inner", "7"}}}}, schema),
            "arguments.outer.inner: must be an integer");
}

TEST(JsonSchema, OddFieldNamesAreQuoted) {
  Json schema = {{"type", "object"}, {"additionalProperties", false}};
  EXPECT_EQ(check({{"a b", 1}}, schema), "arguments[\"a b\"]: is not an allowed field");
}

TEST(JsonSchema, ItemCountBounds) {
  Json schema = {{"type", "array"}, {"minItems", 2}, {"maxItems", 3}};
  EXPECT_EQ(check({1}, schema), "arguments: must have at least 2 items");
  EXPECT_EQ(check({1, 2}, schema), "ok");
  EXPECT_EQ(check({1, 2, 3, 4}, schema), "arguments: must have at most 3 items");
}

TEST(JsonSchema, NumericBoundsAreInclusive) {
  Json schema = {{"type", "number"}, {"minimum", 1}, {"maximum", 2.5}};
  EXPECT_EQ(check(1, schema), "ok");
  EXPECT_EQ(check(2.5, schema), "ok");
  EXPECT_EQ(check(0.999, schema), "arguments: must be >= 1");
  EXPECT_EQ(check(3, schema), "arguments: must be <= 2.5");
}

TEST(JsonSchema, NumericBoundsAreExactForLargeIntegers) {
  // 2^53 + 1 is not representable as a double; it must still compare above 2^53.
  Json schema = {{"maximum", 9007199254740992LL}};
  EXPECT_EQ(check(9007199254740992LL, schema), "ok");
  EXPECT_EQ(check(9007199254740993LL, schema), "arguments: must be <= 9007199254740992");
  EXPECT_EQ(check(18446744073709551615ULL, {{"minimum", 0}}), "ok");
}

TEST(JsonSchema, StringLengthCountsCodePoints) {
  Json schema = {{"type", "string"}, {"minLength", 2}, {"maxLength", 3}};
  EXPECT_EQ(check("\xc3\xa9\xc3\xa9", schema), "ok");  // two characters, four bytes
  EXPECT_EQ(check("\xc3\xa9", schema), "arguments: must be at least 2 characters long");
  EXPECT_EQ(check("abcd", schema), "arguments: must be at most 3 characters long");
}

TEST(JsonSchema, KeywordsForOtherTypesDoNotApply) {
  Json schema = {{"minLength", 5}, {"minItems", 5}, {"minimum", 5}};
  EXPECT_EQ(check(true, schema), "ok");
  EXPECT_EQ(check({{"a", 1}}, schema), "ok");
}

TEST(JsonSchema, UncheckedKeywordsAreIgnored) {
  Json schema = {{"type", "string"}, {"pattern", "^[0-9]+$"}, {"description", "digits"}};
  EXPECT_EQ(check("abc", schema), "ok");
}

TEST(JsonSchema, BooleanSchemas) {
  EXPECT_EQ(check(1, true), "ok");
  EXPECT_EQ(check(1, false), "arguments: is not allowed");
}

TEST(JsonSchema, MalformedKeywordsAreReportedNotIgnored) {
  EXPECT_EQ(check(1, {{"type", "strin"}}),
            "arguments: schema keyword 'type' names unknown type 'strin'");
  EXPECT_EQ(check(1, {{"minimum", "0"}}), "arguments: schema keyword 'minimum' must be a number");
  EXPECT_EQ(check(1, {{"enum", Json::array()}}),
            "arguments: schema keyword 'enum' must be a non-empty array");
}

TEST(CheckSchema, AcceptsTheSupportedSubset) {
  Json schema = {{"type", "object"},
                 {"required", {"op"}},
                 {"additionalProperties", false},
                 {"properties",
                  {{"op", {{"type", "string"}, {"enum", {"a", "b"}}}},
                   {"v", {{"type", "array"}, {"items", {{"type", "number"}}}, {"maxItems", 4}}}}}};
  EXPECT_TRUE(check_schema(schema));
}

TEST(CheckSchema, NamesTheBadKeywordAndWhereItIs) {
  Json schema = {{"type", "object"},
                 {"properties", {{"v", {{"type", "array"}, {"items", {{"maxItems", -1}}}}}}}};
  Status s = check_schema(schema);
  ASSERT_FALSE(s);
  EXPECT_EQ(
      s.error().message,
      "inputSchema.properties.v.items: schema keyword 'maxItems' must be a non-negative integer");
  EXPECT_FALSE(check_schema(Json::array()));
  EXPECT_FALSE(check_schema({{"required", "op"}}));
  EXPECT_FALSE(check_schema({{"properties", {{"a", 3}}}}));
}

}  // namespace
}  // namespace recur::tools
