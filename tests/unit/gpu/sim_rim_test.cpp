// Simulated RIMs through the real RIM path: written to a folder as <id>.xml, found by a
// RimStore folder lookup under the ids the evidence verifier derives from a simulated
// report, verified (structure, XML signature, chain to the simulator's RIM root, version),
// and their golden values match the simulated measurements. Tampering, the wrong root and a
// firmware update without new RIMs are each caught by the right check.
#include "cllm/gpu/sim_rim.hpp"

#include <gtest/gtest.h>
#include <sys/stat.h>

#include "cllm/common/clock.hpp"
#include "cllm/common/file.hpp"
#include "cllm/common/hex.hpp"
#include "cllm/crypto/random.hpp"
#include "cllm/gpu/evidence_verifier.hpp"
#include "cllm/gpu/measurement_comparison.hpp"
#include "cllm/gpu/nvidia_roots.hpp"
#include "cllm/gpu/rim_store.hpp"
#include "cllm/gpu/rim_verifier.hpp"
#include "cllm/gpu/sim_gpu_attester.hpp"
#include "support/temp_dir.hpp"

namespace cllm::gpu {
namespace {

constexpr std::int64_t kNow = 1767225600;  // 2026-01-01T00:00:00Z

std::string first_failure(const CheckList& checks) {
  const Check* failure = checks.first_failure();
  return failure ? failure->name + ": " + failure->detail : "";
}

class SimRimTest : public ::testing::Test {
 protected:
  void SetUp() override {
    SimGpuAttesterOptions options;
    options.sim_dir = dir_.path();
    options.gpu_count = 1;
    options.clock = &clock_;
    auto attester = SimGpuAttester::create(options);
    ASSERT_TRUE(attester.ok()) << attester.error().message();
    attester_ = std::move(attester).value();
  }

  RimVerifyOptions rim_options(std::string version) const {
    RimVerifyOptions options;
    options.trust_anchor = attester_->pki().rim_root();
    options.now = kNow;
    options.expected_version = std::move(version);
    return options;
  }

  test::TempDir dir_{"cllm-gpu-rim"};
  FixedClock clock_ = FixedClock::at_unix(kNow);
  std::unique_ptr<SimGpuAttester> attester_;
};

TEST_F(SimRimTest, RimsForTheSimulatedFirmwareVerifyAndMatchItsReports) {
  const std::string rim_dir = dir_.path() + "/rims";
  auto files = write_sim_rims(rim_dir, attester_->firmware(), attester_->pki());
  ASSERT_TRUE(files.ok()) << files.error().message();
  struct stat st {};
  ASSERT_EQ(::stat(rim_dir.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0700u);

  // Evidence, appraised: the ids the verifier derives are the files' names.
  SpdmNonce nonce{};
  auto random = crypto::random_bytes(nonce.size());
  ASSERT_TRUE(random.ok());
  std::copy(random->begin(), random->end(), nonce.begin());
  auto evidence = attester_->collect(nonce);
  ASSERT_TRUE(evidence.ok());
  GpuEvidenceVerifier verifier(attester_->pki().device_root());
  EvidenceOptions evidence_options;
  evidence_options.expected_nonce = nonce;
  evidence_options.now = kNow;
  const EvidenceAppraisal appraisal = verifier.appraise((*evidence)[0], evidence_options);
  ASSERT_TRUE(appraisal.passed()) << first_failure(appraisal.checks);
  ASSERT_TRUE(appraisal.driver_rim_id && appraisal.vbios_rim_id);
  EXPECT_EQ(*appraisal.driver_rim_id, files->driver_id);
  EXPECT_EQ(*appraisal.vbios_rim_id, files->vbios_id);

  RimStoreOptions store_options;
  store_options.local_dir = rim_dir;
  store_options.service_url.reset();
  RimStore store(store_options);
  auto driver = store.fetch(*appraisal.driver_rim_id);
  auto vbios = store.fetch(*appraisal.vbios_rim_id);
  ASSERT_TRUE(driver.ok()) << driver.error().message();
  ASSERT_TRUE(vbios.ok()) << vbios.error().message();
  EXPECT_EQ(driver->source, RimSource::kLocal);

  const RimAppraisal driver_rim = verify_rim(driver->xml, rim_options(*appraisal.driver_version));
  const RimAppraisal vbios_rim = verify_rim(vbios->xml, rim_options(*appraisal.vbios_version));
  EXPECT_TRUE(driver_rim.passed()) << first_failure(driver_rim.checks);
  EXPECT_TRUE(vbios_rim.passed()) << first_failure(vbios_rim.checks);
  ASSERT_TRUE(driver_rim.document && vbios_rim.document);
  EXPECT_EQ(driver_rim.document->colloquial_version, kSimDriverVersion);
  EXPECT_EQ(driver_rim.document->firmware_manufacturer_id, "5703");
  EXPECT_EQ(driver_rim.cert_chain.status, RimCertStatus::kValid);
  ASSERT_EQ(driver_rim.certificates.size(), 4u);

  ASSERT_TRUE(appraisal.report.has_value());
  const MeasurementComparison comparison =
      compare_measurements(*driver_rim.document, *vbios_rim.document, appraisal.report->blocks,
                           {appraisal.report->opaque.nvdec0_status()});
  EXPECT_TRUE(comparison.success) << first_failure(comparison.checks);
  EXPECT_TRUE(comparison.mismatches.empty());
  // Driver 22 active entries + VBIOS 12, less NVDEC0's index 35 (disabled on H100s).
  EXPECT_EQ(comparison.compared, 22u + 12u - 1u);
}

TEST_F(SimRimTest, NvidiasRimRootDoesNotTrustSimulatedRims) {
  auto xml = build_sim_rim(SimRimKind::kDriver, attester_->firmware(), attester_->pki());
  ASSERT_TRUE(xml.ok()) << xml.error().message();
  RimVerifyOptions options = rim_options(std::string(kSimDriverVersion));
  options.trust_anchor = nvidia_corim_signing_root_ca();
  const RimAppraisal appraisal = verify_rim(as_bytes(*xml), options);
  EXPECT_FALSE(appraisal.passed());
  const Check* chain = appraisal.checks.find(kCheckRimCertChainValidated);
  ASSERT_NE(chain, nullptr);
  EXPECT_EQ(chain->outcome, CheckOutcome::kFail);
  // The signature itself is fine.
  const Check* signature = appraisal.checks.find(kCheckRimSignatureVerified);
  ASSERT_NE(signature, nullptr);
  EXPECT_EQ(signature->outcome, CheckOutcome::kPass);
}

TEST_F(SimRimTest, AnEditedGoldenValueBreaksTheSignature) {
  auto xml = build_sim_rim(SimRimKind::kVbios, attester_->firmware(), attester_->pki());
  ASSERT_TRUE(xml.ok());
  auto value = sim_measurement_value(attester_->firmware(), 3);
  ASSERT_TRUE(value.ok());
  std::string edited = *xml;
  const std::string hex = to_hex(*value);
  const auto at = edited.find(hex);
  ASSERT_NE(at, std::string::npos);
  edited[at] = edited[at] == '0' ? '1' : '0';
  const RimAppraisal appraisal =
      verify_rim(as_bytes(edited), rim_options(std::string(kSimVbiosVersion)));
  const Check* signature = appraisal.checks.find(kCheckRimSignatureVerified);
  ASSERT_NE(signature, nullptr);
  EXPECT_EQ(signature->outcome, CheckOutcome::kFail);
}

TEST_F(SimRimTest, ADriverUpdateWithoutItsRimIsAMismatchByIndex) {
  // RIMs for the installed driver, evidence from a newer one.
  SimGpuFirmware newer = attester_->firmware();
  newer.driver_version = "580.999.02";
  auto driver_xml = build_sim_rim(SimRimKind::kDriver, attester_->firmware(), attester_->pki());
  auto vbios_xml = build_sim_rim(SimRimKind::kVbios, attester_->firmware(), attester_->pki());
  ASSERT_TRUE(driver_xml.ok() && vbios_xml.ok());
  auto driver = parse_rim_document(as_bytes(*driver_xml));
  auto vbios = parse_rim_document(as_bytes(*vbios_xml));
  ASSERT_TRUE(driver.ok() && vbios.ok()) << (driver.ok() ? "" : driver.error().message());

  SimGpuReportInput input;
  Bytes nonce(32, 7);
  input.nonce = nonce;
  input.firmware = newer;
  input.fwid = sim_gsp_fmc_fwid();
  auto report = build_sim_gpu_report(input, attester_->pki().gpu(0).attestation_key);
  ASSERT_TRUE(report.ok());
  auto parsed = parse_spdm_report(*report, DeviceKind::kGpu);
  ASSERT_TRUE(parsed.ok());
  const MeasurementComparison comparison =
      compare_measurements(*driver, *vbios, parsed->blocks, {parsed->opaque.nvdec0_status()});
  EXPECT_FALSE(comparison.success);
  ASSERT_FALSE(comparison.mismatches.empty());
  for (const MeasurementMismatch& mismatch : comparison.mismatches) {
    EXPECT_EQ(mismatch.source, MeasurementSource::kDriver) << mismatch.rim_index;
  }
  EXPECT_EQ(comparison.mismatches.front().rim_index, 7u);
  EXPECT_EQ(comparison.mismatches.size(), 22u - 1u);  // every driver index but NVDEC0's
}

}  // namespace
}  // namespace cllm::gpu
