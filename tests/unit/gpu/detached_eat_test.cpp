#include "cllm/gpu/detached_eat.hpp"

#include <gtest/gtest.h>

#include <limits>

#include "cllm/common/file.hpp"
#include "cllm/common/hex.hpp"
#include "support/test_paths.hpp"
#include "unit/gpu/nras_test_support.hpp"

namespace cllm::gpu {
namespace {

constexpr std::int64_t kIat = 1'750'000'000;
const std::string kKid = "nv-eat-kid-test-1";

crypto::EcdsaPrivateKey p384() {
  auto key = crypto::EcdsaPrivateKey::generate(crypto::EcCurve::kP384);
  EXPECT_TRUE(key.ok());
  return std::move(key).value();
}

Bytes nonce_of(std::uint8_t fill) {
  return Bytes(32, fill);
}

Jwks jwks_of(const crypto::EcdsaPrivateKey& key, const std::string& kid) {
  std::vector<JwkSpec> specs = {{kid, key.public_key(), {}}};
  auto json = make_jwks_json(specs);
  EXPECT_TRUE(json.ok());
  auto jwks = Jwks::parse(*json);
  EXPECT_TRUE(jwks.ok());
  return std::move(jwks).value();
}

EatExpectations expect_for(const Bytes& nonce, std::int64_t now = kIat + 10) {
  EatExpectations e;
  e.issuer = nras_test::kTestIssuer;
  e.nonce = nonce;
  e.now_unix = now;
  return e;
}

std::string outcome(const EatVerification& v, std::string_view name) {
  const Check* c = v.checks.find(name);
  return c == nullptr ? "missing" : std::string(check_outcome_name(c->outcome));
}

std::string detail(const EatVerification& v, std::string_view name) {
  const Check* c = v.checks.find(name);
  return c == nullptr ? "" : c->detail;
}

// A signed answer for `gpus` GPUs that passes every check; callers edit the claims.
struct Answer {
  Json overall;
  std::vector<Json> devices;
};

Answer good_answer(const Bytes& nonce, std::size_t gpus) {
  Answer a;
  a.overall = nras_test::good_overall_claims(to_hex(nonce), nras_test::kTestIssuer, kIat);
  for (std::size_t i = 0; i < gpus; ++i)
    a.devices.push_back(nras_test::good_gpu_claims(to_hex(nonce), nras_test::kTestIssuer, kIat));
  return a;
}

EatVerification verify_answer(const Answer& a, const crypto::EcdsaPrivateKey& key,
                              const EatExpectations& expect) {
  auto eat = parse_detached_eat(nras_test::make_detached_eat(key, kKid, a.overall, a.devices));
  EXPECT_TRUE(eat.ok()) << eat.error().message();
  return verify_detached_eat(*eat, jwks_of(key, kKid), expect);
}

TEST(DetachedEat, AcceptsAGoodAnswerForEightGpus) {
  auto key = p384();
  const Bytes nonce = nonce_of(0x42);
  auto expect = expect_for(nonce);
  expect.expected_devices = 8;
  auto v = verify_answer(good_answer(nonce, 8), key, expect);
  EXPECT_TRUE(v.accepted()) << v.status().error().message();
  EXPECT_TRUE(v.status().ok());
  ASSERT_EQ(v.devices.size(), 8u);
  for (std::size_t i = 0; i < 8; ++i) {
    EXPECT_EQ(v.devices[i].name, "GPU-" + std::to_string(i));
    EXPECT_EQ(v.devices[i].index, i);
    EXPECT_EQ(v.devices[i].claims["measres"], "success");
    EXPECT_EQ(outcome(v, "nras-gpu-" + std::to_string(i) + "-token-signature"), "pass");
  }
  for (const char* name :
       {"nras-token-signature", "nras-token-issuer", "nras-token-time", "nras-eat-nonce",
        "nras-overall-result", "nras-device-count", "nras-submods-count", "nras-submods-digest",
        "nras-gpu-7-measres", "nras-gpu-7-nonce-match", "nras-gpu-7-error-details"}) {
    EXPECT_EQ(outcome(v, name), "pass") << name;
  }
  EXPECT_EQ(v.overall_claims["x-nvidia-ver"], "3.0");
}

TEST(DetachedEat, OrdersDevicesByNumberNotByText) {
  auto key = p384();
  const Bytes nonce = nonce_of(1);
  auto eat = parse_detached_eat(nras_test::make_detached_eat(
      key, kKid, good_answer(nonce, 0).overall, good_answer(nonce, 12).devices));
  ASSERT_TRUE(eat.ok()) << eat.error().message();
  ASSERT_EQ(eat->devices.size(), 12u);
  for (std::size_t i = 0; i < 12; ++i)
    EXPECT_EQ(eat->devices[i].name, "GPU-" + std::to_string(i));
}

TEST(DetachedEat, RejectsWrongNonceEverywhere) {
  auto key = p384();
  auto v = verify_answer(good_answer(nonce_of(1), 1), key, expect_for(nonce_of(2)));
  EXPECT_FALSE(v.accepted());
  EXPECT_EQ(outcome(v, "nras-eat-nonce"), "fail");
  EXPECT_EQ(outcome(v, "nras-gpu-0-eat-nonce"), "fail");
  EXPECT_EQ(outcome(v, "nras-token-signature"), "pass");
  EXPECT_NE(v.status().error().message().find("nras-eat-nonce"), std::string::npos);
}

TEST(DetachedEat, RejectsExpiredAndFutureTokens) {
  auto key = p384();
  const Bytes nonce = nonce_of(3);
  auto late = verify_answer(good_answer(nonce, 1), key, expect_for(nonce, kIat + 3600 + 61));
  EXPECT_EQ(outcome(late, "nras-token-time"), "fail");
  EXPECT_NE(detail(late, "nras-token-time").find("expired"), std::string::npos);
  EXPECT_EQ(outcome(late, "nras-gpu-0-token-time"), "fail");
  // Within the leeway.
  auto edge = verify_answer(good_answer(nonce, 1), key, expect_for(nonce, kIat + 3600 + 59));
  EXPECT_TRUE(edge.accepted());
  auto early = verify_answer(good_answer(nonce, 1), key, expect_for(nonce, kIat - 120));
  EXPECT_EQ(outcome(early, "nras-token-time"), "fail");
  EXPECT_NE(detail(early, "nras-token-time").find("not valid before"), std::string::npos);

  Answer no_exp = good_answer(nonce, 1);
  no_exp.overall.erase("exp");
  EXPECT_EQ(outcome(verify_answer(no_exp, key, expect_for(nonce)), "nras-token-time"), "fail");
  Answer text_exp = good_answer(nonce, 1);
  text_exp.devices[0]["exp"] = "soon";
  EXPECT_EQ(outcome(verify_answer(text_exp, key, expect_for(nonce)), "nras-gpu-0-token-time"),
            "fail");
}

TEST(DetachedEat, RejectsTimesOutsideInt64AndHugeExpiry) {
  auto key = p384();
  const Bytes nonce = nonce_of(4);
  // 2^64-1 read as int64 would be -1: "valid before" the epoch, so it must be refused.
  Answer wrapped = good_answer(nonce, 1);
  wrapped.overall["nbf"] = std::numeric_limits<std::uint64_t>::max();
  auto v = verify_answer(wrapped, key, expect_for(nonce));
  EXPECT_EQ(outcome(v, "nras-token-time"), "fail");
  EXPECT_NE(detail(v, "nras-token-time").find("out of range"), std::string::npos);
  // exp at INT64_MAX: no overflow (UBSan would say), simply not expired.
  Answer late = good_answer(nonce, 1);
  late.overall["exp"] = std::numeric_limits<std::int64_t>::max();
  EXPECT_EQ(outcome(verify_answer(late, key, expect_for(nonce)), "nras-token-time"), "pass");
}

TEST(DetachedEat, EmptyExpectationsOrNoDevicesNeverPass) {
  auto key = p384();
  const Bytes nonce = nonce_of(5);
  EatExpectations no_nonce = expect_for(nonce);
  no_nonce.nonce.clear();
  Answer empty_nonce = good_answer(nonce, 1);
  empty_nonce.overall["eat_nonce"] = "";
  EXPECT_FALSE(verify_answer(empty_nonce, key, no_nonce).accepted());
  EatExpectations no_issuer = expect_for(nonce);
  no_issuer.issuer.clear();
  Answer empty_iss = good_answer(nonce, 1);
  empty_iss.overall["iss"] = "";
  auto v = verify_answer(empty_iss, key, no_issuer);
  EXPECT_FALSE(v.accepted());
  EXPECT_EQ(outcome(v, "nras-expectations"), "fail");
  // A signed overall "true" without a single device token.
  auto none = verify_answer(good_answer(nonce, 0), key, expect_for(nonce));
  EXPECT_FALSE(none.accepted());
  EXPECT_NE(detail(none, "nras-expectations").find("no device token"), std::string::npos);
}

TEST(DetachedEat, RejectsWrongIssuer) {
  auto key = p384();
  const Bytes nonce = nonce_of(4);
  Answer a = good_answer(nonce, 1);
  a.devices[0]["iss"] = "https://evil.example";
  auto v = verify_answer(a, key, expect_for(nonce));
  EXPECT_EQ(outcome(v, "nras-token-issuer"), "pass");
  EXPECT_EQ(outcome(v, "nras-gpu-0-token-issuer"), "fail");
  EXPECT_FALSE(v.accepted());
}

TEST(DetachedEat, RejectsBadSubmodsDigestAndCount) {
  auto key = p384();
  const Bytes nonce = nonce_of(5);
  Answer a = good_answer(nonce, 2);
  a.overall["submods"] =
      Json{{"GPU-0", Json::array({"DIGEST", Json::array({"SHA-256", std::string(64, '0')})})},
           {"GPU-1", Json::array({"DIGEST", Json::array({"SHA256", std::string(64, '0')})})}};
  auto v = verify_answer(a, key, expect_for(nonce));
  EXPECT_EQ(outcome(v, "nras-submods-count"), "pass");
  EXPECT_EQ(outcome(v, "nras-submods-digest"), "fail");
  EXPECT_NE(detail(v, "nras-submods-digest").find("GPU-0: digest differs"), std::string::npos);
  EXPECT_NE(detail(v, "nras-submods-digest").find("GPU-1: submods entry is not"),
            std::string::npos);

  Answer extra = good_answer(nonce, 1);
  extra.overall["submods"] =
      Json{{"GPU-0", Json::array({"DIGEST", Json::array({"SHA-256", std::string(64, '0')})})},
           {"GPU-1", Json::array({"DIGEST", Json::array({"SHA-256", std::string(64, '0')})})}};
  auto w = verify_answer(extra, key, expect_for(nonce));
  EXPECT_EQ(outcome(w, "nras-submods-count"), "fail");

  // A device token swapped for another validly signed one breaks the digest.
  auto eat = parse_detached_eat(nras_test::make_detached_eat(
      key, kKid, good_answer(nonce, 0).overall, good_answer(nonce, 2).devices));
  ASSERT_TRUE(eat.ok());
  auto other = parse_jws(*sign_jws_es384(good_answer(nonce, 1).devices[0], kKid, key));
  ASSERT_TRUE(other.ok());
  eat->devices[1].token = *other;
  auto swapped = verify_detached_eat(*eat, jwks_of(key, kKid), expect_for(nonce));
  EXPECT_EQ(outcome(swapped, "nras-gpu-1-token-signature"), "pass");
  EXPECT_EQ(outcome(swapped, "nras-submods-digest"), "fail");
}

TEST(DetachedEat, ChecksDeviceCountAgainstEvidenceSent) {
  auto key = p384();
  const Bytes nonce = nonce_of(6);
  auto expect = expect_for(nonce);
  expect.expected_devices = 2;
  auto v = verify_answer(good_answer(nonce, 1), key, expect);
  EXPECT_EQ(outcome(v, "nras-device-count"), "fail");
  EXPECT_FALSE(v.accepted());
}

TEST(DetachedEat, TurnsErrorDetailsIntoAClearError) {
  auto key = p384();
  const Bytes nonce = nonce_of(7);
  Answer a = good_answer(nonce, 1);
  a.overall["x-nvidia-overall-att-result"] = false;
  a.devices[0]["measres"] = "fail";
  a.devices[0]["x-nvidia-gpu-attestation-report-nonce-match"] = false;
  a.devices[0]["x-nvidia-error-details"] = Json{{"code", 4010},
                                                {"message", "NONCE_NOT_MATCHING"},
                                                {"httpStatus", 400},
                                                {"description", "Nonce does not match"},
                                                {"fieldName", "nonce"}};
  auto v = verify_answer(a, key, expect_for(nonce));
  EXPECT_FALSE(v.accepted());
  EXPECT_EQ(outcome(v, "nras-gpu-0-nonce-match"), "fail");
  EXPECT_EQ(outcome(v, "nras-gpu-0-measres"), "fail");
  EXPECT_EQ(outcome(v, "nras-gpu-0-error-details"), "fail");
  // The first failure, hence the status, already names the code.
  const std::string message = v.status().error().message();
  EXPECT_NE(message.find("nras-overall-result"), std::string::npos) << message;
  EXPECT_NE(message.find("GPU-0: NRAS error 4010 (the evidence nonce does not match"),
            std::string::npos)
      << message;
  EXPECT_NE(message.find("NONCE_NOT_MATCHING"), std::string::npos);
  EXPECT_NE(message.find("(field nonce)"), std::string::npos);
}

TEST(DetachedEat, DescribesErrorCodes) {
  EXPECT_EQ(describe_nras_error(Json{{"code", "4013"}, {"message", "bad sig"}}),
            "NRAS error 4013 (invalid evidence signature): bad sig");
  EXPECT_EQ(describe_nras_error(Json{{"code", 9999}}), "NRAS error 9999 (unrecognised code)");
  EXPECT_EQ(describe_nras_error(Json{{"message", "x\ny"}}),
            "NRAS error ? (unrecognised code): x?y");
  const std::string huge = describe_nras_error(Json{{"message", std::string(10000, 'a')}});
  EXPECT_LT(huge.size(), 400u);
  EXPECT_NE(describe_nras_error(Json("text")).find("text"), std::string::npos);
}

TEST(DetachedEat, UnknownKidFailsTheSignatureCheck) {
  auto key = p384();
  const Bytes nonce = nonce_of(8);
  auto eat = parse_detached_eat(nras_test::make_detached_eat(
      key, kKid, good_answer(nonce, 0).overall, good_answer(nonce, 1).devices));
  ASSERT_TRUE(eat.ok());
  const Jwks other = jwks_of(p384(), "nv-eat-kid-other");
  EXPECT_EQ(unknown_kids(*eat, other), std::vector<std::string>{kKid});
  EXPECT_TRUE(unknown_kids(*eat, jwks_of(key, kKid)).empty());
  auto v = verify_detached_eat(*eat, other, expect_for(nonce));
  EXPECT_EQ(outcome(v, "nras-token-signature"), "fail");
  EXPECT_NE(detail(v, "nras-token-signature").find("unknown kid"), std::string::npos);
  // Right kid, wrong key.
  auto wrong = verify_detached_eat(*eat, jwks_of(p384(), kKid), expect_for(nonce));
  EXPECT_EQ(outcome(wrong, "nras-token-signature"), "fail");
  EXPECT_NE(detail(wrong, "nras-token-signature").find("does not verify"), std::string::npos);
}

TEST(DetachedEat, RejectsMalformedStructure) {
  auto key = p384();
  const std::string token = *sign_jws_es384(Json{{"a", 1}}, "k", key);
  EXPECT_TRUE(
      parse_detached_eat(Json::array({Json::array({"JWT", token}), Json::object()}).dump()).ok());
  for (const Json& bad :
       {Json::object(), Json::array({Json::array({"JWT", token})}),
        Json::array({Json::array({"JWS", token}), Json::object()}),
        Json::array({Json::array({"JWT", 5}), Json::object()}),
        Json::array({Json::array({"JWT", token}), Json::array()}),
        Json::array({Json::array({"JWT", token}), Json{{"GPU-0", 1}}}),
        Json::array({Json::array({"JWT", token}), Json{{"CPU-0", token}}}),
        Json::array({Json::array({"JWT", token}), Json{{"GPU-1", token}}}),
        Json::array({Json::array({"JWT", token}), Json{{"GPU-01", token}}}),
        Json::array({Json::array({"JWT", token}), Json{{"GPU-", token}}}),
        Json::array({Json::array({"JWT", token}), Json{{"GPU-0", token}, {"SWITCH-1", token}}}),
        Json::array({Json::array({"JWT", "a.b.c"}), Json::object()})}) {
    EXPECT_FALSE(parse_detached_eat(bad.dump()).ok()) << bad.dump();
  }
  EXPECT_FALSE(parse_detached_eat("not json").ok());
  EXPECT_FALSE(parse_detached_eat(std::string(kMaxDetachedEatSize + 1, ' ')).ok());
}

TEST(DetachedEat, RealHopperAnswerWithoutItsKey) {
  CLLM_REQUIRE_SHARED_FILE(path, "testdata/nvidia/nvat_sdk/eat/hopperClaimsv3_detached_eat.json");
  auto text = read_text_file(path);
  ASSERT_TRUE(text.ok());
  auto eat = parse_detached_eat(*text);
  ASSERT_TRUE(eat.ok()) << eat.error().message();
  ASSERT_EQ(eat->devices.size(), 1u);
  EXPECT_EQ(eat->devices[0].name, "GPU-0");
  EXPECT_EQ(eat->devices[0].kind, DeviceKind::kGpu);

  EatExpectations expect;
  expect.issuer = "https://nras.attestation.nvidia.com";
  expect.nonce = *from_hex("931d8dd0add203ac3d8b4fbde75e115278eefcdceac5b87671a748f32364dfcb");
  expect.now_unix = 1749601858 + 60;
  expect.expected_devices = 1;
  auto v = verify_detached_eat(*eat, Jwks{}, expect);
  // NVIDIA's JWKS for this kid is not published any more: the signatures cannot be checked,
  // and say so; everything else about the real answer holds.
  EXPECT_FALSE(v.accepted());
  EXPECT_EQ(outcome(v, "nras-token-signature"), "fail");
  EXPECT_NE(
      detail(v, "nras-token-signature").find("unknown kid 'nv-eat-kid-prod-20250609211310110"),
      std::string::npos);
  EXPECT_EQ(outcome(v, "nras-gpu-0-token-signature"), "fail");
  EXPECT_NE(v.status().error().message().find("unknown kid"), std::string::npos);
  for (const char* name :
       {"nras-token-issuer", "nras-token-time", "nras-eat-nonce", "nras-overall-result",
        "nras-device-count", "nras-submods-count", "nras-submods-digest", "nras-gpu-0-token-issuer",
        "nras-gpu-0-token-time", "nras-gpu-0-eat-nonce", "nras-gpu-0-nonce-match",
        "nras-gpu-0-measres", "nras-gpu-0-error-details"}) {
    EXPECT_EQ(outcome(v, name), "pass") << name << ": " << detail(v, name);
  }
  ASSERT_EQ(v.devices.size(), 1u);
  const Json& claims = v.devices[0].claims;
  EXPECT_EQ(claims["ueid"], "478176379286082186618948445787393647364802107249");
  EXPECT_EQ(claims["hwmodel"], "GH100 A01 GSP BROM");
  EXPECT_EQ(claims["x-nvidia-gpu-vbios-version"], "96.00.9F.00.01");
  EXPECT_EQ(claims["x-nvidia-gpu-attestation-report-cert-chain"]["x-nvidia-cert-status"], "valid");
  // A day later the tokens have expired.
  expect.now_unix += 86400;
  EXPECT_EQ(outcome(verify_detached_eat(*eat, Jwks{}, expect), "nras-token-time"), "fail");
}

TEST(DetachedEat, RealSwitchAnswer) {
  CLLM_REQUIRE_SHARED_FILE(path, "testdata/nvidia/nvat_sdk/eat/switch_detached_eat.json");
  auto text = read_text_file(path);
  ASSERT_TRUE(text.ok());
  auto eat = parse_detached_eat(*text);
  ASSERT_TRUE(eat.ok()) << eat.error().message();
  ASSERT_EQ(eat->devices.size(), 1u);
  EXPECT_EQ(eat->devices[0].name, "SWITCH-0");
  EXPECT_EQ(eat->devices[0].kind, DeviceKind::kSwitch);
  EatExpectations expect;
  expect.issuer = "https://nras.attestation-stg.nvidia.com";
  expect.nonce = *from_hex("931d8dd0add203ac3d8b4fbde75e115278eefcdceac5b87671a748f32364dfcb");
  expect.now_unix = 1751155060 + 5;
  auto v = verify_detached_eat(*eat, Jwks{}, expect);
  EXPECT_EQ(outcome(v, "nras-token-signature"), "fail");
  for (const char* name : {"nras-submods-digest", "nras-overall-result", "nras-switch-0-measres",
                           "nras-switch-0-nonce-match", "nras-switch-0-eat-nonce"}) {
    EXPECT_EQ(outcome(v, name), "pass") << name << ": " << detail(v, name);
  }
  // Production's issuer is not staging's.
  expect.issuer = "https://nras.attestation.nvidia.com";
  EXPECT_EQ(outcome(verify_detached_eat(*eat, Jwks{}, expect), "nras-token-issuer"), "fail");
}

}  // namespace
}  // namespace cllm::gpu
