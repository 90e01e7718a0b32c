#include "cllm/gpu/jwks.hpp"

#include <gtest/gtest.h>

#include "cllm/common/base64.hpp"
#include "cllm/common/json.hpp"
#include "unit/gpu/nras_test_support.hpp"

namespace cllm::gpu {
namespace {

crypto::EcdsaPrivateKey p384() {
  auto key = crypto::EcdsaPrivateKey::generate(crypto::EcCurve::kP384);
  EXPECT_TRUE(key.ok());
  return std::move(key).value();
}

TEST(Jwks, RoundTripWithX5c) {
  auto a = p384();
  auto b = p384();
  std::vector<JwkSpec> specs = {
      {"kid-a", a.public_key(), {nras_test::self_signed(a, "NRAS test signer A")}},
      {"kid-b", b.public_key(), {}}};
  auto json = make_jwks_json(specs);
  ASSERT_TRUE(json.ok()) << json.error().message();
  auto jwks = Jwks::parse(*json);
  ASSERT_TRUE(jwks.ok()) << jwks.error().message();
  ASSERT_EQ(jwks->keys().size(), 2u);
  EXPECT_TRUE(jwks->rejected().empty());
  const Jwk* found = jwks->find("kid-a");
  ASSERT_NE(found, nullptr);
  EXPECT_EQ(found->key.to_raw_xy(), a.public_key().to_raw_xy());
  ASSERT_EQ(found->x5c.size(), 1u);
  EXPECT_EQ(found->x5c[0].subject_common_name(), "NRAS test signer A");
  ASSERT_NE(jwks->find("kid-b"), nullptr);
  EXPECT_TRUE(jwks->find("kid-b")->x5c.empty());
  EXPECT_EQ(jwks->find("kid-c"), nullptr);
  EXPECT_EQ(jwks->find(""), nullptr);
}

TEST(Jwks, DropsKeyWhoseX5cDisagreesWithXY) {
  auto a = p384();
  auto b = p384();
  // x/y of a, certificate of b: NVIDIA's SDKs would use b's key, we would use a's.
  std::vector<JwkSpec> specs = {{"mixed", a.public_key(), {nras_test::self_signed(b, "other")}},
                                {"good", b.public_key(), {}}};
  auto json = make_jwks_json(specs);
  ASSERT_TRUE(json.ok());
  auto jwks = Jwks::parse(*json);
  ASSERT_TRUE(jwks.ok()) << jwks.error().message();
  EXPECT_EQ(jwks->find("mixed"), nullptr);
  EXPECT_NE(jwks->find("good"), nullptr);
  ASSERT_EQ(jwks->rejected().size(), 1u);
  EXPECT_NE(jwks->rejected()[0].find("mixed: "), std::string::npos);
  EXPECT_NE(jwks->rejected()[0].find("x5c[0]"), std::string::npos);
}

TEST(Jwks, SkipsKeysOfOtherTypes) {
  auto a = p384();
  std::vector<JwkSpec> specs = {{"ec", a.public_key(), {}}};
  auto json = make_jwks_json(specs);
  ASSERT_TRUE(json.ok());
  auto doc = parse_json(*json);
  ASSERT_TRUE(doc.ok());
  (*doc)["keys"].push_back(Json{{"kid", "rsa"}, {"kty", "RSA"}, {"n", "AQAB"}, {"e", "AQAB"}});
  Json p256 = (*doc)["keys"][0];
  p256["kid"] = "p256";
  p256["crv"] = "P-256";
  (*doc)["keys"].push_back(p256);
  Json enc = (*doc)["keys"][0];
  enc["kid"] = "enc";
  enc["use"] = "enc";
  (*doc)["keys"].push_back(enc);
  auto jwks = Jwks::parse(doc->dump());
  ASSERT_TRUE(jwks.ok()) << jwks.error().message();
  EXPECT_EQ(jwks->keys().size(), 1u);
  EXPECT_EQ(jwks->rejected().size(), 3u);
}

TEST(Jwks, RejectsMalformedSets) {
  auto a = p384();
  std::vector<JwkSpec> specs = {{"k", a.public_key(), {nras_test::self_signed(a, "s")}}};
  auto json = make_jwks_json(specs);
  ASSERT_TRUE(json.ok());
  auto doc = parse_json(*json);
  ASSERT_TRUE(doc.ok());
  const Json key = (*doc)["keys"][0];

  EXPECT_FALSE(Jwks::parse("").ok());
  EXPECT_FALSE(Jwks::parse("[]").ok());
  EXPECT_FALSE(Jwks::parse(R"({"keys":{}})").ok());
  EXPECT_TRUE(Jwks::parse(R"({"keys":[]})").ok());
  // A kid twice is ambiguous: which key signed?
  EXPECT_FALSE(Jwks::parse(Json{{"keys", Json::array({key, key})}}.dump()).ok());
  // No kid.
  Json no_kid = key;
  no_kid.erase("kid");
  EXPECT_FALSE(Jwks::parse(Json{{"keys", Json::array({no_kid})}}.dump()).ok());

  auto rejected_alone = [](const Json& k) {
    auto jwks = Jwks::parse(Json{{"keys", Json::array({k})}}.dump());
    return jwks.ok() && jwks->keys().empty() && jwks->rejected().size() == 1;
  };
  Json padded = key;
  padded["x"] = padded["x"].get<std::string>() + "=";
  EXPECT_TRUE(rejected_alone(padded));
  Json short_x = key;
  short_x["x"] = base64url_encode(Bytes(47, 1));
  EXPECT_TRUE(rejected_alone(short_x));
  Json off_curve = key;
  off_curve["y"] = base64url_encode(Bytes(48, 1));
  EXPECT_TRUE(rejected_alone(off_curve));
  Json bad_x5c = key;
  bad_x5c["x5c"] = Json::array({"bm90IGEgY2VydA=="});
  EXPECT_TRUE(rejected_alone(bad_x5c));
  Json empty_x5c = key;
  empty_x5c["x5c"] = Json::array();
  EXPECT_TRUE(rejected_alone(empty_x5c));

  Json many = Json::array();
  for (std::size_t i = 0; i <= kMaxJwksKeys; ++i) {
    Json k = key;
    k["kid"] = "k" + std::to_string(i);
    many.push_back(k);
  }
  auto too_many = Jwks::parse(Json{{"keys", many}}.dump());
  ASSERT_FALSE(too_many.ok());
  EXPECT_EQ(too_many.error().code(), ErrorCode::kLimit);
  EXPECT_FALSE(Jwks::parse(std::string(kMaxJwksSize + 1, ' ')).ok());
}

}  // namespace
}  // namespace cllm::gpu
