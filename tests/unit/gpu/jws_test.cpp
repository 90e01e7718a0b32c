#include "cllm/gpu/jws.hpp"

#include <gtest/gtest.h>

#include "cllm/common/base64.hpp"
#include "cllm/common/file.hpp"
#include "support/test_paths.hpp"

namespace cllm::gpu {
namespace {

crypto::EcdsaPrivateKey p384() {
  auto key = crypto::EcdsaPrivateKey::generate(crypto::EcCurve::kP384);
  EXPECT_TRUE(key.ok());
  return std::move(key).value();
}

std::string b64u(std::string_view text) {
  return base64url_encode(as_bytes(text));
}

// A token with the given header and payload text and a 96-byte signature of zeros.
std::string forged(std::string_view header, std::string_view payload) {
  return b64u(header) + "." + b64u(payload) + "." + base64url_encode(Bytes(96, 1));
}

TEST(Jws, SignParseVerifyRoundTrip) {
  auto key = p384();
  Json claims = {{"iss", "https://nras.test"}, {"measres", "success"}};
  auto token = sign_jws_es384(claims, "kid-1", key);
  ASSERT_TRUE(token.ok()) << token.error().message();
  auto jws = parse_jws(*token);
  ASSERT_TRUE(jws.ok()) << jws.error().message();
  EXPECT_EQ(jws->kid, "kid-1");
  EXPECT_EQ(jws->header["alg"], "ES384");
  EXPECT_EQ(jws->payload, claims);
  EXPECT_EQ(jws->signature.size(), 96u);
  EXPECT_EQ(jws->compact, *token);
  EXPECT_EQ(jws->signing_input(), token->substr(0, token->rfind('.')));
  EXPECT_TRUE(verify_jws(*jws, key.public_key()).ok());
}

TEST(Jws, WrongKeyAndTamperedPayloadFail) {
  auto key = p384();
  auto other = p384();
  auto token = sign_jws_es384(Json{{"a", 1}}, "k", key);
  ASSERT_TRUE(token.ok());
  auto jws = parse_jws(*token);
  ASSERT_TRUE(jws.ok());
  auto wrong = verify_jws(*jws, other.public_key());
  ASSERT_FALSE(wrong.ok());
  EXPECT_EQ(wrong.error().code(), ErrorCode::kVerification);
  EXPECT_NE(wrong.error().message().find("kid 'k'"), std::string::npos);

  // Same header and signature, another payload.
  const std::size_t dot1 = token->find('.');
  const std::size_t dot2 = token->rfind('.');
  std::string tampered = token->substr(0, dot1 + 1) + b64u(R"({"a":2})") + token->substr(dot2);
  auto tampered_jws = parse_jws(tampered);
  ASSERT_TRUE(tampered_jws.ok());
  EXPECT_FALSE(verify_jws(*tampered_jws, key.public_key()).ok());
}

TEST(Jws, RejectsOtherAlgorithms) {
  for (const char* header : {R"({"alg":"none","kid":"k"})", R"({"alg":"HS256","kid":"k"})",
                             R"({"alg":"ES256","kid":"k"})", R"({"alg":"es384","kid":"k"})",
                             R"({"kid":"k"})", R"({"alg":384,"kid":"k"})"}) {
    auto jws = parse_jws(forged(header, "{}"));
    ASSERT_FALSE(jws.ok()) << header;
    EXPECT_NE(jws.error().message().find("alg"), std::string::npos) << jws.error().message();
  }
  // "none" with an empty signature, the classic downgrade.
  EXPECT_FALSE(parse_jws(b64u(R"({"alg":"none","kid":"k"})") + "." + b64u("{}") + ".").ok());
}

TEST(Jws, RejectsMalformedForms) {
  const std::string good_header = R"({"alg":"ES384","kid":"k"})";
  EXPECT_TRUE(parse_jws(forged(good_header, "{}")).ok());
  // Missing or empty kid, critical extensions.
  EXPECT_FALSE(parse_jws(forged(R"({"alg":"ES384"})", "{}")).ok());
  EXPECT_FALSE(parse_jws(forged(R"({"alg":"ES384","kid":""})", "{}")).ok());
  EXPECT_FALSE(parse_jws(forged(R"({"alg":"ES384","kid":7})", "{}")).ok());
  EXPECT_FALSE(parse_jws(forged(R"({"alg":"ES384","kid":"k","crit":["b64"]})", "{}")).ok());
  auto long_kid =
      parse_jws(forged(R"({"alg":"ES384","kid":")" + std::string(300, 'k') + "\"}", "{}"));
  EXPECT_FALSE(long_kid.ok());
  // Payload and header must be JSON objects.
  EXPECT_FALSE(parse_jws(forged(good_header, "[1]")).ok());
  EXPECT_FALSE(parse_jws(forged(good_header, "not json")).ok());
  EXPECT_FALSE(parse_jws(forged("[]", "{}")).ok());
  // Part count.
  const std::string token = forged(good_header, "{}");
  EXPECT_FALSE(parse_jws(token + ".x").ok());
  EXPECT_FALSE(parse_jws(token.substr(0, token.rfind('.'))).ok());
  EXPECT_FALSE(parse_jws("").ok());
  EXPECT_FALSE(parse_jws("..").ok());
  // Strict base64url: padding, the standard alphabet, whitespace.
  EXPECT_FALSE(parse_jws(token + "=").ok());
  EXPECT_FALSE(
      parse_jws(b64u(good_header) + "=." + b64u("{}") + "." + base64url_encode(Bytes(96, 1))).ok());
  std::string with_plus = token;
  with_plus.back() = '+';
  EXPECT_FALSE(parse_jws(with_plus).ok());
  EXPECT_FALSE(parse_jws(" " + token).ok());
  // Signature length: ES384 is 96 bytes raw, not DER.
  EXPECT_FALSE(
      parse_jws(b64u(good_header) + "." + b64u("{}") + "." + base64url_encode(Bytes(95, 1))).ok());
  EXPECT_FALSE(
      parse_jws(b64u(good_header) + "." + b64u("{}") + "." + base64url_encode(Bytes(104, 1))).ok());
}

TEST(Jws, BoundsTheTokenSize) {
  const std::string big_payload = "{\"x\":\"" + std::string(kMaxJwsSize, 'a') + "\"}";
  auto jws = parse_jws(forged(R"({"alg":"ES384","kid":"k"})", big_payload));
  ASSERT_FALSE(jws.ok());
  EXPECT_EQ(jws.error().code(), ErrorCode::kLimit);
}

TEST(Jws, SignerRefusesWrongInputs) {
  auto p256 = crypto::EcdsaPrivateKey::generate(crypto::EcCurve::kP256);
  ASSERT_TRUE(p256.ok());
  EXPECT_FALSE(sign_jws_es384(Json::object(), "k", *p256).ok());
  auto key = p384();
  EXPECT_FALSE(sign_jws_es384(Json::array(), "k", key).ok());
  EXPECT_FALSE(sign_jws_es384(Json::object(), "", key).ok());
  // A P-256 key cannot verify an ES384 token.
  auto token = sign_jws_es384(Json::object(), "k", key);
  ASSERT_TRUE(token.ok());
  auto jws = parse_jws(*token);
  ASSERT_TRUE(jws.ok());
  EXPECT_FALSE(verify_jws(*jws, p256->public_key()).ok());
}

TEST(Jws, ParsesRealNrasTokens) {
  CLLM_REQUIRE_SHARED_FILE(path, "testdata/nvidia/nvat_sdk/eat/hopperClaimsv3_detached_eat.json");
  auto text = read_text_file(path);
  ASSERT_TRUE(text.ok());
  auto doc = parse_json(*text);
  ASSERT_TRUE(doc.ok());
  auto overall = parse_jws((*doc)[0][1].get<std::string>());
  ASSERT_TRUE(overall.ok()) << overall.error().message();
  EXPECT_EQ(overall->kid, "nv-eat-kid-prod-20250609211310110-93b13aa1-17e4-4c14-9d33-dba2323329f2");
  EXPECT_EQ(overall->payload["iss"], "https://nras.attestation.nvidia.com");
  EXPECT_EQ(overall->payload["x-nvidia-overall-att-result"], true);
  auto gpu = parse_jws((*doc)[1]["GPU-0"].get<std::string>());
  ASSERT_TRUE(gpu.ok()) << gpu.error().message();
  EXPECT_EQ(gpu->payload["measres"], "success");
  EXPECT_EQ(gpu->payload["x-nvidia-gpu-driver-version"], "550.90.07");
  // NVIDIA's key is not ours: the signature must not verify with a random key.
  EXPECT_FALSE(verify_jws(*gpu, p384().public_key()).ok());
}

}  // namespace
}  // namespace cllm::gpu
