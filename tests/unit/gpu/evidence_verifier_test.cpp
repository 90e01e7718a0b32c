// GpuEvidenceVerifier on real NVIDIA evidence: the checks pass for genuine evidence and each
// kind of tampering fails the check that names it; the chain cache is hit when warm, left
// alone when cold, bounded, and safe to share between threads.
#include "cllm/gpu/evidence_verifier.hpp"

#include <gtest/gtest.h>

#include <thread>

#include "cllm/common/file.hpp"
#include "cllm/common/hex.hpp"
#include "cllm/gpu/nvidia_roots.hpp"
#include "cllm/gpu/report_encoding.hpp"
#include "support/test_paths.hpp"

namespace cllm::gpu {
namespace {

constexpr std::int64_t kNow = 1795000000;  // 2026-11-18
constexpr const char* k580Nonce =
    "5bb22e377702d4e1e8215a903ba094826b9ac7f731dee1fe8102958bf2840aca";
constexpr const char* k535Nonce =
    "27a328247bf7935c993341cf587be6f05986ccce4fe7ba2c54100bd616a58f66";

std::optional<GpuEvidence> load(const std::string& report_rel, const std::string& chain_rel,
                                GpuArch arch) {
  auto report_path = test::shared_file("testdata/nvidia/" + report_rel);
  auto chain_path = test::shared_file("testdata/nvidia/" + chain_rel);
  if (!report_path || !chain_path) return std::nullopt;
  auto file = read_file(*report_path);
  auto chain = read_text_file(*chain_path);
  if (!file.ok() || !chain.ok()) return std::nullopt;
  auto report = decode_report_file(*file);
  if (!report.ok()) return std::nullopt;
  return GpuEvidence{arch, *report, *chain};
}

EvidenceOptions options_for(const char* nonce_hex) {
  EvidenceOptions options;
  auto nonce = from_hex(nonce_hex);
  std::copy(nonce->begin(), nonce->end(), options.expected_nonce.begin());
  options.now = kNow;
  return options;
}

CheckOutcome outcome(const EvidenceAppraisal& a, std::string_view name) {
  const Check* c = a.checks.find(name);
  EXPECT_NE(c, nullptr) << name;
  return c ? c->outcome : CheckOutcome::kSkip;
}

class EvidenceVerifierTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto h580 = load("nvat_sdk/gpu/hopper_580.159.03_AttestationReport.txt",
                     "nvat_sdk/gpu/hopper_580.159.03_CertChain.txt", GpuArch::kHopper);
    auto h535 = load("nvat_sdk/gpu/hopper_535.86.09_AttestationReport.txt",
                     "nvat_sdk/gpu/hopper_535.86.09_CertChain.txt", GpuArch::kHopper);
    if (!h580 || !h535) GTEST_SKIP() << "SKIPPED LOUDLY: shared NVIDIA test data missing";
    h580_ = *h580;
    h535_ = *h535;
  }
  GpuEvidence h580_;
  GpuEvidence h535_;
};

TEST_F(EvidenceVerifierTest, GenuineEvidencePassesEveryCheck) {
  const GpuEvidenceVerifier verifier;
  const EvidenceAppraisal a = verifier.appraise(h580_, options_for(k580Nonce));
  EXPECT_TRUE(a.passed());
  std::vector<std::string> names;
  for (const Check& c : a.checks.checks()) {
    names.push_back(c.name);
    EXPECT_EQ(c.outcome, CheckOutcome::kPass) << c.name << ": " << c.detail;
  }
  EXPECT_EQ(names,
            (std::vector<std::string>{
                "attestation-report-parsed", "attestation-report-cert-chain-validated",
                "gpu-arch-check", "attestation-report-signature-verified",
                "attestation-report-cert-chain-fwid-match", "attestation-report-nonce-match"}));
  ASSERT_TRUE(a.report.has_value());
  EXPECT_EQ(a.report->blocks.size(), 64U);
  EXPECT_EQ(a.driver_version, "580.159.03");
  EXPECT_EQ(a.vbios_version, "96.00.74.00.20");
  EXPECT_EQ(a.driver_rim_id, "NV_GPU_DRIVER_GH100_580.159.03");
  EXPECT_EQ(a.vbios_rim_id, "NV_GPU_VBIOS_1010_0205_862_9600740020");
  EXPECT_EQ(a.ueid, "509096176156678437554566035365892618958504054724");
  EXPECT_EQ(a.hwmodel, "GH100 A01 GSP BROM");
  EXPECT_EQ(a.chain_status, CertStatus::kValid);
  EXPECT_EQ(a.chain_expiration, 253402300799);
  EXPECT_FALSE(a.chain_from_cache);
}

TEST_F(EvidenceVerifierTest, WarmAppraisalUsesTheCacheAndColdLeavesItAlone) {
  const GpuEvidenceVerifier verifier;
  const EvidenceAppraisal cold = verifier.appraise_uncached(h580_, options_for(k580Nonce));
  EXPECT_TRUE(cold.passed());
  EXPECT_FALSE(cold.chain_from_cache);
  EXPECT_EQ(verifier.cache_size(), 0U);
  const EvidenceAppraisal first = verifier.appraise(h580_, options_for(k580Nonce));
  EXPECT_FALSE(first.chain_from_cache);
  EXPECT_EQ(verifier.cache_size(), 1U);
  const EvidenceAppraisal warm = verifier.appraise(h580_, options_for(k580Nonce));
  EXPECT_TRUE(warm.chain_from_cache);
  EXPECT_TRUE(warm.passed());
  EXPECT_EQ(warm.ueid, first.ueid);
  // Extra NUL padding changes the text, not the certificates: still a hit.
  GpuEvidence padded = h580_;
  padded.certificate_chain += std::string(5, '\0');
  EXPECT_TRUE(verifier.appraise(padded, options_for(k580Nonce)).chain_from_cache);
  // The same chain claimed as another arch is a different entry (its FWID differs).
  GpuEvidence blackwell = h580_;
  blackwell.arch = GpuArch::kBlackwell;
  EXPECT_FALSE(verifier.appraise(blackwell, options_for(k580Nonce)).chain_from_cache);
  EXPECT_EQ(verifier.cache_size(), 2U);
  // Status is computed per call from the cached expiry.
  EvidenceOptions late = options_for(k580Nonce);
  late.now = 253402300800;
  const EvidenceAppraisal expired = verifier.appraise(h580_, late);
  EXPECT_TRUE(expired.chain_from_cache);
  EXPECT_EQ(expired.chain_status, CertStatus::kExpired);
}

TEST_F(EvidenceVerifierTest, CacheIsBounded) {
  const GpuEvidenceVerifier verifier(nvidia_device_identity_ca(), 1);
  EXPECT_TRUE(verifier.appraise(h580_, options_for(k580Nonce)).passed());
  EXPECT_TRUE(verifier.appraise(h535_, options_for(k535Nonce)).passed());
  EXPECT_EQ(verifier.cache_size(), 1U);
  EXPECT_FALSE(verifier.appraise(h580_, options_for(k580Nonce)).chain_from_cache);
  EXPECT_TRUE(verifier.appraise(h580_, options_for(k580Nonce)).chain_from_cache);
  const GpuEvidenceVerifier no_cache(nvidia_device_identity_ca(), 0);
  EXPECT_TRUE(no_cache.appraise(h580_, options_for(k580Nonce)).passed());
  EXPECT_EQ(no_cache.cache_size(), 0U);
}

TEST_F(EvidenceVerifierTest, WrongNonceFailsNonceMatch) {
  const GpuEvidenceVerifier verifier;
  const EvidenceAppraisal a = verifier.appraise(h580_, options_for(k535Nonce));
  EXPECT_FALSE(a.passed());
  ASSERT_NE(a.checks.first_failure(), nullptr);
  EXPECT_EQ(a.checks.first_failure()->name, kCheckNonceMatch);
  EXPECT_EQ(outcome(a, kCheckSignature), CheckOutcome::kPass);
}

TEST_F(EvidenceVerifierTest, WrongArchFailsArchCheck) {
  const GpuEvidenceVerifier verifier;
  GpuEvidence claimed = h580_;
  claimed.arch = GpuArch::kBlackwell;
  const EvidenceAppraisal a = verifier.appraise(claimed, options_for(k580Nonce));
  EXPECT_FALSE(a.passed());
  EXPECT_EQ(a.checks.first_failure()->name, kCheckGpuArch);
  EXPECT_NE(a.checks.first_failure()->detail.find("GH100 A01 GSP BROM"), std::string::npos);
  EXPECT_EQ(a.driver_rim_id, "NV_GPU_CC_DRIVER_GB100_580.159.03");  // as claimed
  EXPECT_EQ(outcome(a, kCheckFwidMatch), CheckOutcome::kFail);      // no Blackwell FWID extension
}

TEST_F(EvidenceVerifierTest, TamperedReportFailsSignature) {
  const GpuEvidenceVerifier verifier;
  for (std::size_t at :
       {std::size_t{40}, std::size_t{500}, h580_.report.size() - 97, h580_.report.size() - 1}) {
    GpuEvidence tampered = h580_;
    tampered.report[at] ^= 0x01;
    const EvidenceAppraisal a = verifier.appraise(tampered, options_for(k580Nonce));
    EXPECT_FALSE(a.passed()) << at;
    EXPECT_EQ(outcome(a, kCheckReportParsed), CheckOutcome::kPass) << at;
    EXPECT_EQ(outcome(a, kCheckSignature), CheckOutcome::kFail) << at;
  }
}

TEST_F(EvidenceVerifierTest, AnotherDevicesChainFailsSignatureAndFwid) {
  const GpuEvidenceVerifier verifier;
  GpuEvidence swapped = h580_;
  swapped.certificate_chain = h535_.certificate_chain;
  const EvidenceAppraisal a = verifier.appraise(swapped, options_for(k580Nonce));
  EXPECT_FALSE(a.passed());
  EXPECT_EQ(outcome(a, kCheckChainValidated), CheckOutcome::kPass);
  EXPECT_EQ(a.checks.first_failure()->name, kCheckSignature);
  EXPECT_EQ(outcome(a, kCheckFwidMatch), CheckOutcome::kFail);
}

TEST_F(EvidenceVerifierTest, UntrustedAnchorFailsTheChain) {
  const GpuEvidenceVerifier verifier(nvidia_corim_signing_root_ca());
  const EvidenceAppraisal a = verifier.appraise(h580_, options_for(k580Nonce));
  EXPECT_FALSE(a.passed());
  EXPECT_EQ(a.checks.first_failure()->name, kCheckChainValidated);
  EXPECT_EQ(outcome(a, kCheckGpuArch), CheckOutcome::kSkip);
  EXPECT_EQ(a.chain_status, CertStatus::kInvalid);
  EXPECT_EQ(verifier.cache_size(), 0U);  // failures are not cached
}

TEST_F(EvidenceVerifierTest, GarbageInputsFailTheirCheckAndSkipDependents) {
  const GpuEvidenceVerifier verifier;
  GpuEvidence bad_chain = h580_;
  bad_chain.certificate_chain = "not a chain";
  const EvidenceAppraisal a = verifier.appraise(bad_chain, options_for(k580Nonce));
  EXPECT_FALSE(a.passed());
  EXPECT_EQ(outcome(a, kCheckChainValidated), CheckOutcome::kFail);
  EXPECT_EQ(outcome(a, kCheckSignature), CheckOutcome::kSkip);
  EXPECT_EQ(outcome(a, kCheckNonceMatch), CheckOutcome::kPass);

  GpuEvidence too_many = h580_;
  too_many.certificate_chain = h580_.certificate_chain + "\n" + h580_.certificate_chain;  // 10
  const EvidenceAppraisal c = verifier.appraise(too_many, options_for(k580Nonce));
  ASSERT_NE(c.checks.first_failure(), nullptr);
  EXPECT_EQ(c.checks.first_failure()->name, kCheckChainValidated);
  EXPECT_NE(c.checks.first_failure()->detail.find("10 certificates exceeds 8"), std::string::npos)
      << c.checks.first_failure()->detail;
  GpuEvidence too_big = h580_;
  too_big.certificate_chain += std::string(kMaxDeviceChainPemSize, '\0');
  const EvidenceAppraisal d = verifier.appraise(too_big, options_for(k580Nonce));
  ASSERT_NE(d.checks.first_failure(), nullptr);
  EXPECT_NE(d.checks.first_failure()->detail.find("PEM larger than"), std::string::npos);

  GpuEvidence bad_report = h580_;
  bad_report.report.resize(100);
  const EvidenceAppraisal b = verifier.appraise(bad_report, options_for(k580Nonce));
  EXPECT_FALSE(b.passed());
  EXPECT_EQ(b.checks.first_failure()->name, kCheckReportParsed);
  EXPECT_EQ(outcome(b, kCheckChainValidated), CheckOutcome::kPass);
  EXPECT_EQ(outcome(b, kCheckSignature), CheckOutcome::kSkip);
  EXPECT_EQ(outcome(b, kCheckNonceMatch), CheckOutcome::kSkip);
  EXPECT_FALSE(b.report.has_value());
}

TEST_F(EvidenceVerifierTest, AbsentFwidIsSkippedNotFailed) {
  const GpuEvidenceVerifier verifier;
  const EvidenceAppraisal a = verifier.appraise(h535_, options_for(k535Nonce));
  EXPECT_TRUE(a.passed());
  const Check* fwid = a.checks.find(kCheckFwidMatch);
  ASSERT_NE(fwid, nullptr);
  EXPECT_EQ(fwid->outcome, CheckOutcome::kSkip);
  EXPECT_NE(fwid->detail.find("no FWID"), std::string::npos);
}

TEST_F(EvidenceVerifierTest, SharedBetweenThreads) {
  const GpuEvidenceVerifier verifier(nvidia_device_identity_ca(), 1);
  std::atomic<int> passed{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < 4; ++i) {
        const bool use_580 = (t + i) % 2 == 0;
        const EvidenceAppraisal a = verifier.appraise(use_580 ? h580_ : h535_,
                                                      options_for(use_580 ? k580Nonce : k535Nonce));
        if (a.passed()) ++passed;
      }
    });
  }
  for (auto& th : threads)
    th.join();
  EXPECT_EQ(passed.load(), 16);
  EXPECT_EQ(verifier.cache_size(), 1U);
}

}  // namespace
}  // namespace cllm::gpu
