#include "cllm/common/json.hpp"

#include <gtest/gtest.h>

namespace cllm {
namespace {

TEST(Json, ParsesAndReadsTypedFields) {
  auto j = parse_json(R"({"name":"cllm","n":42,"ok":true,"x":1.5})");
  ASSERT_TRUE(j.ok());
  EXPECT_EQ(*json_string(*j, "name"), "cllm");
  EXPECT_EQ(*json_int(*j, "n"), 42);
  EXPECT_TRUE(*json_bool(*j, "ok"));
  EXPECT_DOUBLE_EQ(*json_number(*j, "x"), 1.5);
}

TEST(Json, ErrorsNameTheField) {
  auto j = parse_json(R"({"n":"42"})");
  ASSERT_TRUE(j.ok());
  auto n = json_int(*j, "n");
  ASSERT_FALSE(n.ok());
  EXPECT_NE(n.error().message().find("field 'n' must be an integer, got string"),
            std::string::npos);
  auto missing = json_string(*j, "model");
  ASSERT_FALSE(missing.ok());
  EXPECT_NE(missing.error().message().find("missing field 'model'"), std::string::npos);
}

TEST(Json, RejectsMalformedTrailingGarbageAndDeepNesting) {
  EXPECT_FALSE(parse_json("{").ok());
  EXPECT_FALSE(parse_json("{} x").ok());
  std::string deep(100, '[');
  deep += std::string(100, ']');
  auto r = parse_json(deep, 64);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code(), ErrorCode::kLimit);
  // Brackets inside strings do not count as nesting.
  EXPECT_TRUE(parse_json(R"({"s":")" + std::string(100, '[') + R"("})", 64).ok());
}

TEST(Json, CanonicalFormSortsKeysWithoutWhitespace) {
  Json j = {{"b", 1}, {"a", {{"d", true}, {"c", "x"}}}};
  EXPECT_EQ(*canonical_json(j), R"({"a":{"c":"x","d":true},"b":1})");
  Json bad = std::string("\xff");
  EXPECT_FALSE(canonical_json(bad).ok());
}

}  // namespace
}  // namespace cllm
