#include "cllm/net/http_types.hpp"

#include <gtest/gtest.h>

namespace cllm::net {
namespace {

TEST(Headers, LookupIgnoresCase) {
  Headers h;
  h.add("Content-Type", "application/json");
  h.add("X-Multi", "a");
  h.add("x-multi", "b");
  EXPECT_EQ(h.get("content-type"), "application/json");
  EXPECT_EQ(h.get("CONTENT-TYPE"), "application/json");
  EXPECT_FALSE(h.get("Content-Length").has_value());
  ASSERT_EQ(h.get_all("X-MULTI").size(), 2u);
  EXPECT_EQ(h.get_all("X-MULTI")[1], "b");
}

TEST(Headers, SetReplacesEveryFieldOfTheName) {
  Headers h;
  h.add("A", "1");
  h.add("a", "2");
  h.set("A", "3");
  EXPECT_EQ(h.size(), 1u);
  EXPECT_EQ(h.get("a"), "3");
  h.remove("A");
  EXPECT_TRUE(h.empty());
}

TEST(Request, PathAndQuery) {
  Request r;
  r.target = "/v1/models?limit=2&x=y";
  EXPECT_EQ(r.path(), "/v1/models");
  EXPECT_EQ(r.query(), "limit=2&x=y");
  r.target = "/plain";
  EXPECT_EQ(r.path(), "/plain");
  EXPECT_EQ(r.query(), "");
}

TEST(Response, JsonAndTextSetContentType) {
  EXPECT_EQ(Response::json(201, "{}").headers.get("content-type"), "application/json");
  EXPECT_EQ(Response::text(200, "hi").headers.get("content-type"), "text/plain; charset=utf-8");
  EXPECT_EQ(reason_phrase(413), "Content Too Large");
  EXPECT_EQ(reason_phrase(799), "");
}

}  // namespace
}  // namespace cllm::net
