#include "cllm/attest/gpu_binding.hpp"

#include <gtest/gtest.h>

#include "cllm/attest/report.hpp"
#include "cllm/common/hex.hpp"
#include "unit/attest/node_fixture.hpp"

namespace cllm::attest {
namespace {

using testing::kNonce;
using testing::SimNode;

TEST(GpuBinding, NonceIsTheTaggedHashOfTlsKeyAndFreshness) {
  // Python: sha256(b"cllm/gpu-nonce/v1" + bytes.fromhex("ab"*32) + bytes.fromhex(kNonce))
  auto nonce = gpu_nonce(std::string(64, 'a'), kNonce);
  ASSERT_TRUE(nonce.ok());
  std::string spki;
  for (int i = 0; i < 32; ++i)
    spki += "ab";
  auto expected = gpu_nonce(spki, kNonce);
  ASSERT_TRUE(expected.ok());
  EXPECT_EQ(to_hex(*expected), "8fd7e1bfc4a9b85c841ef9bdb7d5aa00c95ec131b5e473f9cd4b9f4020b94489");
  // Upper-case input is the same key; another key or freshness is another nonce.
  std::string upper = spki;
  for (char& c : upper)
    c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  EXPECT_EQ(*gpu_nonce(upper, kNonce), *expected);
  EXPECT_NE(*nonce, *expected);
  EXPECT_FALSE(gpu_nonce("abcd", kNonce).ok());
  EXPECT_FALSE(gpu_nonce(spki, "zz").ok());
}

TEST(GpuBinding, EvidenceHashIsTheSha256OfThePayloadText) {
  EXPECT_EQ(*gpu_evidence_sha256(R"({"nonce":"00"})"),
            "65663f6dcf79c018ab371f58a42722d90499c74d5258076a8078137826f9a5c5");
}

TEST(GpuBinding, ReportCarriesThePayloadItsClaimsHash) {
  SimNode node;
  Claims claims = node.claims(kPurposeReport);
  const std::string payload = R"({"nonce":"00","evidence_list":[],"arch":"HOPPER"})";
  ReportOptions options;
  options.nvidia_payload = payload;
  options.gpu_collateral = Json{{"rims", Json::object()}};
  // The builder refuses a payload the claims do not commit to, and claims without a payload.
  EXPECT_FALSE(build_report(node.attester(), claims, options).ok());
  claims.gpu_evidence_sha256 = std::string(64, '0');
  EXPECT_FALSE(build_report(node.attester(), claims, options).ok());
  EXPECT_FALSE(build_report(node.attester(), claims).ok());
  claims.gpu_evidence_sha256 = *gpu_evidence_sha256(payload);
  auto json = build_report(node.attester(), claims, options);
  ASSERT_TRUE(json.ok()) << json.error().message();
  auto report = parse_report(json->dump());
  ASSERT_TRUE(report.ok()) << report.error().message();
  EXPECT_EQ(report->nvidia_payload, payload);
  ASSERT_TRUE(report->gpu_collateral.has_value());
  EXPECT_TRUE((*report->gpu_collateral)["rims"].is_object());
  // Wrong types are named.
  Json bad = *json;
  bad["nvidia_payload"] = 5;
  auto rejected = parse_report(bad.dump());
  ASSERT_FALSE(rejected.ok());
  EXPECT_NE(rejected.error().message().find("report.nvidia_payload"), std::string::npos);
  bad = *json;
  bad["gpu_collateral"] = "x";
  EXPECT_FALSE(parse_report(bad.dump()).ok());
}

}  // namespace
}  // namespace cllm::attest
