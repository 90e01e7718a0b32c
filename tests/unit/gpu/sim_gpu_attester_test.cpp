// The GPU simulator end to end: evidence for 1 and 8 GPUs collected for a nonce passes the
// real evidence verifier (chain to the simulator root, FWID, nonce, signature), a report
// for another nonce or under another root is rejected by the named check, and the GPU
// identities survive a restart.
#include "cllm/gpu/sim_gpu_attester.hpp"

#include <gtest/gtest.h>

#include <set>

#include "cllm/common/clock.hpp"
#include "cllm/crypto/random.hpp"
#include "cllm/gpu/evidence_verifier.hpp"
#include "cllm/gpu/gpu_attester.hpp"
#include "support/temp_dir.hpp"

namespace cllm::gpu {
namespace {

constexpr std::int64_t kNow = 1767225600;  // 2026-01-01T00:00:00Z

SpdmNonce random_nonce() {
  SpdmNonce nonce{};
  auto bytes = crypto::random_bytes(nonce.size());
  EXPECT_TRUE(bytes.ok());
  std::copy(bytes->begin(), bytes->end(), nonce.begin());
  return nonce;
}

class SimGpuAttesterTest : public ::testing::Test {
 protected:
  std::unique_ptr<SimGpuAttester> make(std::size_t gpus) {
    SimGpuAttesterOptions options;
    options.sim_dir = dir_.path();
    options.gpu_count = gpus;
    options.clock = &clock_;
    auto attester = SimGpuAttester::create(options);
    EXPECT_TRUE(attester.ok()) << attester.error().message();
    return attester.ok() ? std::move(attester).value() : nullptr;
  }

  void expect_round_trip(std::size_t gpus) {
    auto attester = make(gpus);
    ASSERT_NE(attester, nullptr);
    EXPECT_EQ(attester->kind(), "sim");
    EXPECT_TRUE(attester->simulated());
    const SpdmNonce nonce = random_nonce();
    auto evidence = attester->collect(nonce);
    ASSERT_TRUE(evidence.ok()) << evidence.error().message();
    ASSERT_EQ(evidence->size(), gpus);
    GpuEvidenceVerifier verifier(attester->pki().device_root());
    EvidenceOptions options;
    options.expected_nonce = nonce;
    options.now = kNow;
    std::set<std::string> ueids;
    for (const GpuEvidence& item : *evidence) {
      EXPECT_EQ(item.arch, GpuArch::kHopper);
      const EvidenceAppraisal appraisal = verifier.appraise(item, options);
      const Check* failure = appraisal.checks.first_failure();
      EXPECT_TRUE(appraisal.passed()) << (failure ? failure->name + ": " + failure->detail : "");
      for (std::string_view name : {kCheckReportParsed, kCheckGpuArch, kCheckChainValidated,
                                    kCheckFwidMatch, kCheckNonceMatch, kCheckSignature}) {
        const Check* check = appraisal.checks.find(name);
        ASSERT_NE(check, nullptr) << name;
        EXPECT_EQ(check->outcome, CheckOutcome::kPass) << name << ": " << check->detail;
      }
      EXPECT_EQ(appraisal.driver_version, std::string(kSimDriverVersion));
      EXPECT_EQ(appraisal.vbios_version, std::string(kSimVbiosVersion));
      EXPECT_EQ(appraisal.driver_rim_id, sim_driver_rim_id(attester->firmware()));
      EXPECT_EQ(appraisal.vbios_rim_id, sim_vbios_rim_id(attester->firmware()));
      EXPECT_EQ(appraisal.hwmodel, kSimBromName);
      ASSERT_TRUE(appraisal.report.has_value());
      EXPECT_EQ(appraisal.report->opaque.protected_pcie_status(),
                gpus > 1 ? kOpaqueStatusEnabled : kOpaqueStatusDisabled);
      ueids.insert(appraisal.ueid);
    }
    EXPECT_EQ(ueids.size(), gpus) << "every GPU has its own leaf";
  }

  test::TempDir dir_{"cllm-gpu-sim"};
  FixedClock clock_ = FixedClock::at_unix(kNow);
};

TEST_F(SimGpuAttesterTest, OneGpuRoundTripsThroughTheVerifier) {
  expect_round_trip(1);
}

TEST_F(SimGpuAttesterTest, EightGpusRoundTripThroughTheVerifier) {
  expect_round_trip(8);
}

TEST_F(SimGpuAttesterTest, EvidenceForAnotherNonceFailsTheNonceCheck) {
  auto attester = make(2);
  ASSERT_NE(attester, nullptr);
  const SpdmNonce ours = random_nonce();
  const SpdmNonce theirs = random_nonce();
  auto a = attester->collect(ours);
  auto b = attester->collect(theirs);
  ASSERT_TRUE(a.ok() && b.ok());
  EXPECT_NE((*a)[0].report, (*b)[0].report);
  EXPECT_EQ((*a)[0].certificate_chain, (*b)[0].certificate_chain);
  GpuEvidenceVerifier verifier(attester->pki().device_root());
  EvidenceOptions options;
  options.expected_nonce = ours;
  options.now = kNow;
  const EvidenceAppraisal appraisal = verifier.appraise((*b)[0], options);
  EXPECT_FALSE(appraisal.passed());
  const Check* nonce = appraisal.checks.find(kCheckNonceMatch);
  ASSERT_NE(nonce, nullptr);
  EXPECT_EQ(nonce->outcome, CheckOutcome::kFail);
  // The report itself is still genuinely signed.
  const Check* signature = appraisal.checks.find(kCheckSignature);
  ASSERT_NE(signature, nullptr);
  EXPECT_EQ(signature->outcome, CheckOutcome::kPass);
}

TEST_F(SimGpuAttesterTest, ATamperedReportFailsTheSignatureCheck) {
  auto attester = make(1);
  ASSERT_NE(attester, nullptr);
  const SpdmNonce nonce = random_nonce();
  auto evidence = attester->collect(nonce);
  ASSERT_TRUE(evidence.ok());
  GpuEvidence tampered = (*evidence)[0];
  tampered.report[37 + 8 + 7] ^= 0x01;  // first byte of measurement block 1's digest
  GpuEvidenceVerifier verifier(attester->pki().device_root());
  EvidenceOptions options;
  options.expected_nonce = nonce;
  options.now = kNow;
  const EvidenceAppraisal appraisal = verifier.appraise(tampered, options);
  const Check* signature = appraisal.checks.find(kCheckSignature);
  ASSERT_NE(signature, nullptr);
  EXPECT_EQ(signature->outcome, CheckOutcome::kFail);
}

TEST_F(SimGpuAttesterTest, TheRealNvidiaRootRejectsSimulatedEvidence) {
  auto attester = make(1);
  ASSERT_NE(attester, nullptr);
  const SpdmNonce nonce = random_nonce();
  auto evidence = attester->collect(nonce);
  ASSERT_TRUE(evidence.ok());
  GpuEvidenceVerifier nvidia;  // pinned NVIDIA Device Identity CA
  EvidenceOptions options;
  options.expected_nonce = nonce;
  options.now = kNow;
  const EvidenceAppraisal appraisal = nvidia.appraise((*evidence)[0], options);
  EXPECT_FALSE(appraisal.passed());
  const Check* chain = appraisal.checks.find(kCheckChainValidated);
  ASSERT_NE(chain, nullptr);
  EXPECT_EQ(chain->outcome, CheckOutcome::kFail);
}

TEST_F(SimGpuAttesterTest, IdentitiesPersistAcrossRestarts) {
  std::vector<std::string> chains;
  {
    auto first = make(8);
    ASSERT_NE(first, nullptr);
    auto evidence = first->collect(random_nonce());
    ASSERT_TRUE(evidence.ok());
    for (const auto& item : *evidence)
      chains.push_back(item.certificate_chain);
  }
  auto second = make(3);
  ASSERT_NE(second, nullptr);
  const SpdmNonce nonce = random_nonce();
  auto evidence = second->collect(nonce);
  ASSERT_TRUE(evidence.ok());
  ASSERT_EQ(evidence->size(), 3u);
  for (std::size_t i = 0; i < 3; ++i)
    EXPECT_EQ((*evidence)[i].certificate_chain, chains[i]);
  // And the reloaded keys still sign verifiable reports.
  GpuEvidenceVerifier verifier(second->pki().device_root());
  EvidenceOptions options;
  options.expected_nonce = nonce;
  options.now = kNow;
  EXPECT_TRUE(verifier.appraise((*evidence)[2], options).passed());
}

TEST_F(SimGpuAttesterTest, BadCountsNoncesAndVersionsAreRefused) {
  SimGpuAttesterOptions options;
  options.sim_dir = dir_.path();
  options.gpu_count = 0;
  EXPECT_FALSE(SimGpuAttester::create(options).ok());
  options.gpu_count = kSimMaxGpus + 1;
  EXPECT_FALSE(SimGpuAttester::create(options).ok());
  options.gpu_count = 1;
  options.firmware.vbios_version = "96.00";
  EXPECT_FALSE(SimGpuAttester::create(options).ok());
  options.firmware = SimGpuFirmware{};
  options.sim_dir.clear();
  EXPECT_FALSE(SimGpuAttester::create(options).ok());

  auto attester = make(1);
  ASSERT_NE(attester, nullptr);
  EXPECT_FALSE(attester->collect(Bytes(31, 0)).ok());
  EXPECT_FALSE(attester->collect(Bytes(33, 0)).ok());
}

TEST_F(SimGpuAttesterTest, FactoryBuildsTheSimulatorOnlyWhenAsked) {
  GpuAttesterOptions options;
  options.sim_dir = dir_.path();
  options.sim_gpus = 4;
  options.clock = &clock_;
  auto sim = make_gpu_attester(GpuAttesterMode::kSim, options);
  ASSERT_TRUE(sim.ok()) << sim.error().message();
  ASSERT_NE(*sim, nullptr);
  EXPECT_EQ((*sim)->kind(), "sim");
  auto evidence = (*sim)->collect(random_nonce());
  ASSERT_TRUE(evidence.ok());
  EXPECT_EQ(evidence->size(), 4u);

  auto none = make_gpu_attester(GpuAttesterMode::kNone, options);
  ASSERT_TRUE(none.ok());
  EXPECT_EQ(*none, nullptr);

  options.sim_dir.clear();
  EXPECT_FALSE(make_gpu_attester(GpuAttesterMode::kSim, options).ok());

  EXPECT_EQ(parse_gpu_attester_mode("sim"), GpuAttesterMode::kSim);
  EXPECT_EQ(parse_gpu_attester_mode("auto"), GpuAttesterMode::kAuto);
  EXPECT_EQ(parse_gpu_attester_mode("nvml"), GpuAttesterMode::kNvml);
  EXPECT_EQ(parse_gpu_attester_mode("none"), GpuAttesterMode::kNone);
  EXPECT_EQ(parse_gpu_attester_mode("SIM"), std::nullopt);
  EXPECT_EQ(gpu_attester_mode_name(GpuAttesterMode::kAuto), "auto");
}

}  // namespace
}  // namespace cllm::gpu
