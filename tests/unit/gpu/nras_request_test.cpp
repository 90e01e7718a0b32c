#include "cllm/gpu/nras_request.hpp"

#include <gtest/gtest.h>

#include "cllm/common/base64.hpp"
#include "cllm/common/file.hpp"
#include "cllm/common/hex.hpp"
#include "cllm/common/json.hpp"
#include "support/test_paths.hpp"

namespace cllm::gpu {
namespace {

GpuEvidence evidence(std::uint8_t fill, std::string chain = "-----BEGIN CERTIFICATE-----\n") {
  GpuEvidence e;
  e.report = Bytes(100, fill);
  // NVML pads the chain with NULs; the payload carries them verbatim.
  e.certificate_chain = std::move(chain) + std::string(3, '\0');
  return e;
}

TEST(NrasRequest, BuildsPhalasShapeAndParsesItBack) {
  const Bytes nonce(32, 0xab);
  GpuEvidenceList list = {evidence(1), evidence(2)};
  auto body = build_nras_request(nonce, list, GpuArch::kHopper);
  ASSERT_TRUE(body.ok()) << body.error().message();
  // Phala's key order: nonce, evidence_list (certificate, evidence, arch), arch.
  EXPECT_EQ(
      body->rfind("{\"nonce\":\"" + to_hex(nonce) + "\",\"evidence_list\":[{\"certificate\":", 0),
      0u)
      << *body;
  EXPECT_NE(body->find("\",\"arch\":\"HOPPER\"}],\"arch\":\"HOPPER\"}"), std::string::npos)
      << *body;
  EXPECT_EQ(body->find("claims_version"), std::string::npos);

  auto doc = parse_json(*body);
  ASSERT_TRUE(doc.ok());
  EXPECT_EQ((*doc)["evidence_list"][0]["evidence"], base64_encode(list[0].report));
  EXPECT_EQ((*doc)["evidence_list"][1]["certificate"],
            base64_encode(as_bytes(list[1].certificate_chain)));

  auto parsed = parse_nras_request(*body);
  ASSERT_TRUE(parsed.ok()) << parsed.error().message();
  EXPECT_EQ(parsed->nonce, nonce);
  EXPECT_EQ(parsed->arch, GpuArch::kHopper);
  ASSERT_EQ(parsed->evidence.size(), 2u);
  EXPECT_EQ(parsed->evidence[1].report, list[1].report);
  EXPECT_EQ(parsed->evidence[1].certificate_chain, list[1].certificate_chain);
  EXPECT_FALSE(parsed->claims_version.has_value());
}

TEST(NrasRequest, ClaimsVersionAndBlackwell) {
  GpuEvidenceList list = {evidence(1)};
  list[0].arch = GpuArch::kBlackwell;
  auto body = build_nras_request(Bytes(32, 1), list, GpuArch::kBlackwell, "3.0");
  ASSERT_TRUE(body.ok());
  EXPECT_NE(body->find(R"("arch":"BLACKWELL","claims_version":"3.0"})"), std::string::npos);
  auto parsed = parse_nras_request(*body);
  ASSERT_TRUE(parsed.ok());
  EXPECT_EQ(parsed->claims_version, "3.0");
  EXPECT_EQ(parsed->evidence[0].arch, GpuArch::kBlackwell);
  EXPECT_FALSE(build_nras_request(Bytes(32, 1), list, GpuArch::kBlackwell, "3").ok());
  EXPECT_FALSE(build_nras_request(Bytes(32, 1), list, GpuArch::kBlackwell, "x.0").ok());
}

TEST(NrasRequest, BuildRefusesBadInput) {
  GpuEvidenceList list = {evidence(1)};
  EXPECT_FALSE(build_nras_request(Bytes(31, 1), list, GpuArch::kHopper).ok());
  EXPECT_FALSE(build_nras_request(Bytes(32, 1), {}, GpuArch::kHopper).ok());
  EXPECT_FALSE(build_nras_request(Bytes(32, 1), list, GpuArch::kBlackwell).ok());
  list[0].report.clear();
  EXPECT_FALSE(build_nras_request(Bytes(32, 1), list, GpuArch::kHopper).ok());
}

TEST(NrasRequest, ParseAcceptsPerItemNonceAndArch) {
  const std::string nonce = std::string(64, 'a');
  const std::string item = R"({"certificate":"QUJD","evidence":"AQID")";
  auto ok = parse_nras_request(R"({"nonce":")" + nonce + R"(","arch":"HOPPER","evidence_list":[)" +
                               item + R"(,"nonce":")" + nonce + R"(","arch":"hopper"}]})");
  ASSERT_TRUE(ok.ok()) << ok.error().message();
  EXPECT_EQ(ok->evidence[0].certificate_chain, "ABC");
  EXPECT_EQ(ok->evidence[0].report, (Bytes{1, 2, 3}));

  auto mismatch =
      parse_nras_request(R"({"nonce":")" + nonce + R"(","arch":"HOPPER","evidence_list":[)" + item +
                         R"(,"nonce":")" + std::string(64, 'b') + R"("}]})");
  ASSERT_FALSE(mismatch.ok());
  EXPECT_NE(mismatch.error().message().find("evidence_list[0]: nonce differs"), std::string::npos);

  auto unknown =
      parse_nras_request(R"({"nonce":")" + nonce + R"(","arch":"HOPPER","evidence_list":[)" + item +
                         R"(,"arch":"AMPERE"}]})");
  ASSERT_FALSE(unknown.ok());
  EXPECT_NE(unknown.error().message().find("unknown arch 'AMPERE'"), std::string::npos);
}

TEST(NrasRequest, ParseRejectsMalformedBodies) {
  const std::string nonce = std::string(64, 'a');
  const std::string head = R"({"nonce":")" + nonce + R"(","arch":"HOPPER","evidence_list":)";
  EXPECT_TRUE(parse_nras_request(head + R"([{"certificate":"QUJD","evidence":"AQID"}]})").ok());
  for (
      const std::string& bad : {
          head + "[]}",
          head + "{}}",
          head + R"([{"certificate":"QUJD"}]})",
          head + R"([{"certificate":"QUJD","evidence":""}]})",
          head + R"([{"certificate":"QUJD","evidence":"AQI"}]})",  // unpadded base64
          head + R"([{"certificate":"QUJD","evidence":"AQ I="}]})",
          head + R"([{"certificate":7,"evidence":"AQID"}]})",
          head + R"([5]})",
          std::string(
              R"({"nonce":"abcd","arch":"HOPPER","evidence_list":[{"certificate":"QUJD","evidence":"AQID"}]})"),
          R"({"nonce":")" + std::string(64, 'g') +
              R"(","arch":"HOPPER","evidence_list":[{"certificate":"QUJD","evidence":"AQID"}]})",
          R"({"nonce":")" + nonce +
              R"(","evidence_list":[{"certificate":"QUJD","evidence":"AQID"}]})",
          R"({"nonce":")" + nonce +
              R"(","arch":"HOPPER","claims_version":3,"evidence_list":[{"certificate":"QUJD","evidence":"AQID"}]})",
          std::string("[]"),
          std::string("nonsense"),
      }) {
    EXPECT_FALSE(parse_nras_request(bad).ok()) << bad;
  }
  EXPECT_FALSE(parse_nras_request(std::string(kMaxNrasRequestSize + 1, ' ')).ok());
  const std::string huge = base64_encode(Bytes(kMaxNrasItemBytes + 10, 1));
  EXPECT_FALSE(
      parse_nras_request(head + R"([{"certificate":"QUJD","evidence":")" + huge + "\"}]}").ok());
}

TEST(NrasRequest, ParsesNvatSerializedEvidence) {
  CLLM_REQUIRE_SHARED_FILE(one, "testdata/nvidia/nvat_sdk/evidence_json/hopper_evidence.json");
  CLLM_REQUIRE_SHARED_FILE(four, "testdata/nvidia/nvat_sdk/evidence_json/multi_gpu_hopper.json");
  auto text = read_text_file(one);
  ASSERT_TRUE(text.ok());
  auto items = parse_nvat_evidence_json(*text);
  ASSERT_TRUE(items.ok()) << items.error().message();
  ASSERT_EQ(items->size(), 1u);
  const SerializedEvidence& e = (*items)[0];
  EXPECT_EQ(to_hex(e.nonce), "e97b23a1718095a0e9e35edca810768c70a6a5a389b705e753b197912bc11576");
  EXPECT_EQ(e.evidence.arch, GpuArch::kHopper);
  // The report is SPDM GET_MEASUREMENTS (0x11 0xE0) carrying the same nonce at offset 4.
  ASSERT_GT(e.evidence.report.size(), 37u);
  EXPECT_EQ(e.evidence.report[0], 0x11);
  EXPECT_EQ(e.evidence.report[1], 0xE0);
  EXPECT_EQ(Bytes(e.evidence.report.begin() + 4, e.evidence.report.begin() + 36), e.nonce);
  EXPECT_EQ(e.evidence.certificate_chain.rfind("-----BEGIN CERTIFICATE-----", 0), 0u);

  auto four_text = read_text_file(four);
  ASSERT_TRUE(four_text.ok());
  auto many = parse_nvat_evidence_json(*four_text);
  ASSERT_TRUE(many.ok()) << many.error().message();
  ASSERT_EQ(many->size(), 4u);

  // Serialized evidence turns into an NRAS body and back without loss.
  GpuEvidenceList list;
  for (const auto& item : *many)
    list.push_back(item.evidence);
  auto body = build_nras_request((*many)[0].nonce, list, GpuArch::kHopper);
  ASSERT_TRUE(body.ok());
  auto parsed = parse_nras_request(*body);
  ASSERT_TRUE(parsed.ok());
  ASSERT_EQ(parsed->evidence.size(), 4u);
  EXPECT_EQ(parsed->evidence[3].report, list[3].report);
  EXPECT_EQ(parsed->evidence[3].certificate_chain, list[3].certificate_chain);
}

TEST(NrasRequest, NvatFormatNeedsEveryField) {
  const std::string nonce = std::string(64, 'a');
  EXPECT_TRUE(parse_nvat_evidence_json(R"([{"arch":"HOPPER","nonce":")" + nonce +
                                       R"(","evidence":"AQID","certificate":"QUJD"}])")
                  .ok());
  EXPECT_FALSE(parse_nvat_evidence_json(R"([{"nonce":")" + nonce +
                                        R"(","evidence":"AQID","certificate":"QUJD"}])")
                   .ok());
  EXPECT_FALSE(
      parse_nvat_evidence_json(R"([{"arch":"HOPPER","evidence":"AQID","certificate":"QUJD"}])")
          .ok());
  EXPECT_FALSE(parse_nvat_evidence_json("[]").ok());
  EXPECT_FALSE(parse_nvat_evidence_json("{}").ok());
}

}  // namespace
}  // namespace cllm::gpu
