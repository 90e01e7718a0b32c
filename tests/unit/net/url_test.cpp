#include "cllm/net/url.hpp"

#include <gtest/gtest.h>

namespace cllm::net {
namespace {

TEST(ParseUrl, HttpDefaults) {
  auto url = parse_url("http://example.com");
  ASSERT_TRUE(url.ok()) << url.error().message();
  EXPECT_EQ(url->scheme, Scheme::kHttp);
  EXPECT_EQ(url->host, "example.com");
  EXPECT_EQ(url->port, 80);
  EXPECT_EQ(url->target, "/");
  EXPECT_EQ(url->host_header(), "example.com");
}

TEST(ParseUrl, HttpsWithPortPathQueryAndFragment) {
  auto url = parse_url(
      "HTTPS://api.trustedservices.intel.com:8443/tdx/certification/v4/tcb"
      "?fmspc=00806F050000&x=1#frag");
  ASSERT_TRUE(url.ok()) << url.error().message();
  EXPECT_EQ(url->scheme, Scheme::kHttps);
  EXPECT_EQ(url->port, 8443);
  EXPECT_EQ(url->target, "/tdx/certification/v4/tcb?fmspc=00806F050000&x=1");
  EXPECT_EQ(url->host_header(), "api.trustedservices.intel.com:8443");
  EXPECT_FALSE(url->host_is_ip_literal());
}

TEST(ParseUrl, QueryWithoutPath) {
  auto url = parse_url("http://h?x=1");
  ASSERT_TRUE(url.ok());
  EXPECT_EQ(url->target, "/?x=1");
}

TEST(ParseUrl, IpLiterals) {
  auto v4 = parse_url("https://127.0.0.1:9000/x");
  ASSERT_TRUE(v4.ok());
  EXPECT_TRUE(v4->host_is_ip_literal());
  auto v6 = parse_url("http://[::1]:8080/");
  ASSERT_TRUE(v6.ok()) << v6.error().message();
  EXPECT_EQ(v6->host, "::1");
  EXPECT_EQ(v6->port, 8080);
  EXPECT_TRUE(v6->host_is_ip_literal());
  EXPECT_EQ(v6->host_header(), "[::1]:8080");
  EXPECT_FALSE(parse_url("http://[zz::1]/").ok());
  EXPECT_FALSE(parse_url("http://[::1/").ok());
}

TEST(ParseUrl, UnixSockets) {
  auto plain = parse_url("unix:///var/run/dstack.sock");
  ASSERT_TRUE(plain.ok()) << plain.error().message();
  EXPECT_EQ(plain->scheme, Scheme::kUnix);
  EXPECT_EQ(plain->socket_path, "/var/run/dstack.sock");
  EXPECT_EQ(plain->target, "/");
  EXPECT_EQ(plain->host_header(), "localhost");

  auto encoded = parse_url("http+unix://%2Fvar%2Frun%2Fdstack.sock/GetQuote?report_data=ab");
  ASSERT_TRUE(encoded.ok()) << encoded.error().message();
  EXPECT_EQ(encoded->scheme, Scheme::kUnix);
  EXPECT_EQ(encoded->socket_path, "/var/run/dstack.sock");
  EXPECT_EQ(encoded->target, "/GetQuote?report_data=ab");

  EXPECT_FALSE(parse_url("unix://relative.sock").ok());
  EXPECT_FALSE(parse_url("unix:///a.sock?x=1").ok());
  EXPECT_FALSE(parse_url("http+unix://relative/x").ok());
  EXPECT_FALSE(parse_url("http+unix://%2Fa%00b/x").ok());
}

TEST(ParseUrl, RejectsMalformed) {
  for (const char* bad :
       {"", "example.com", "ftp://x/", "http://", "http://:80/", "http://h:0/", "http://h:65536/",
        "http://h:/", "http://h:8x/", "http://user:pw@h/", "http://h/a b", "http://h/\x01",
        "http://h\xff/", "http://h^/", "http://h%41/"}) {
    EXPECT_FALSE(parse_url(bad).ok()) << bad;
  }
  EXPECT_EQ(parse_url("http://h:99999/").error().code(), ErrorCode::kParse);
  EXPECT_NE(parse_url("http://h:99999/").error().message().find("offset 9"), std::string::npos);
  EXPECT_EQ(parse_url(std::string(kMaxUrlLength + 1, 'a')).error().code(), ErrorCode::kLimit);
}

TEST(PercentDecode, DecodesAndRejectsBadEscapes) {
  EXPECT_EQ(percent_decode("a%20b%2Fc").value(), "a b/c");
  EXPECT_EQ(percent_decode("a+b").value(), "a+b");
  EXPECT_EQ(percent_decode("a+b", true).value(), "a b");
  EXPECT_EQ(percent_decode("%e2%82%AC").value(), "\xE2\x82\xAC");
  auto truncated = percent_decode("ab%4");
  ASSERT_FALSE(truncated.ok());
  EXPECT_NE(truncated.error().message().find("offset 2"), std::string::npos);
  EXPECT_FALSE(percent_decode("%").ok());
  EXPECT_FALSE(percent_decode("%zz").ok());
}

TEST(PercentEncode, RoundTrips) {
  const std::string text = "/var/run/a b?&=\x01\xff";
  const std::string encoded = percent_encode(text);
  EXPECT_EQ(encoded.find_first_of("/ ?&="), std::string::npos);
  EXPECT_EQ(percent_decode(encoded).value(), text);
}

TEST(ParseQuery, SplitsAndDecodes) {
  auto q = parse_query("a=1&b=x%20y+z&&c&d=&a=2");
  ASSERT_TRUE(q.ok()) << q.error().message();
  ASSERT_EQ(q->size(), 5u);
  EXPECT_EQ((*q)[0], (std::pair<std::string, std::string>("a", "1")));
  EXPECT_EQ((*q)[1].second, "x y z");
  EXPECT_EQ((*q)[2], (std::pair<std::string, std::string>("c", "")));
  EXPECT_EQ((*q)[3], (std::pair<std::string, std::string>("d", "")));
  EXPECT_EQ((*q)[4].second, "2");
  EXPECT_TRUE(parse_query("").value().empty());
  EXPECT_FALSE(parse_query("a=%G1").ok());
  std::string many;
  for (std::size_t i = 0; i <= kMaxQueryParameters; ++i)
    many += "k=v&";
  EXPECT_EQ(parse_query(many).error().code(), ErrorCode::kLimit);
}

}  // namespace
}  // namespace cllm::net
