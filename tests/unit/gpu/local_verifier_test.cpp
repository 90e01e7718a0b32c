// The local verifier over simulated GPUs (the same code as for real ones, pinned to the
// simulator's roots) and over the real H100 evidence in ../shared.
#include "cllm/gpu/local_verifier.hpp"

#include <gtest/gtest.h>

#include <map>
#include <set>
#include <string>

#include "cllm/common/clock.hpp"
#include "cllm/common/file.hpp"
#include "cllm/common/hex.hpp"
#include "cllm/gpu/report_encoding.hpp"
#include "cllm/gpu/rim_store.hpp"
#include "cllm/gpu/sim_gpu_attester.hpp"
#include "cllm/gpu/sim_rim.hpp"
#include "support/temp_dir.hpp"
#include "support/test_paths.hpp"

namespace cllm::gpu {
namespace {

constexpr std::int64_t kNow = 1764115200;  // 2025-11-26

SpdmNonce nonce_of(std::uint8_t fill) {
  SpdmNonce n{};
  n.fill(fill);
  return n;
}

struct SimBoard {
  test::TempDir dir{"cllm-local-verifier"};
  std::unique_ptr<SimGpuAttester> attester;
  std::map<std::string, Bytes> rims;

  explicit SimBoard(std::size_t gpus, SimGpuFirmware rim_firmware = {}) {
    SimGpuAttesterOptions options;
    options.sim_dir = dir.path();
    options.gpu_count = gpus;
    auto made = SimGpuAttester::create(options);
    EXPECT_TRUE(made.ok()) << (made.ok() ? "" : made.error().message());
    if (!made.ok()) return;
    attester = std::move(made).value();
    // RIMs for rim_firmware (by default the firmware the GPUs run).
    auto files = write_sim_rims(dir.path() + "/rims", rim_firmware, attester->pki());
    EXPECT_TRUE(files.ok());
    if (!files.ok()) return;
    rims[files->driver_id] = *read_file(files->driver_path);
    rims[files->vbios_id] = *read_file(files->vbios_path);
  }

  LocalGpuVerifier verifier() const { return LocalGpuVerifier(attester->pki().device_root()); }

  LocalVerifierOptions options(const SpdmNonce& nonce) const {
    LocalVerifierOptions o;
    o.expected_nonce = nonce;
    // The simulator issued its RIM signer today (system clock), so verify as of now.
    o.now = SystemClock::instance().now_unix();
    o.supplied_rims = rims;
    o.rim_anchor = attester->pki().rim_root();
    return o;
  }

  GpuEvidenceList collect(const SpdmNonce& nonce) const {
    auto evidence = attester->collect(ByteView(nonce.data(), nonce.size()));
    EXPECT_TRUE(evidence.ok());
    return evidence.ok() ? *evidence : GpuEvidenceList{};
  }
};

TEST(LocalVerifier, OneSimulatedGpuRoundTrips) {
  SimBoard board(1);
  ASSERT_TRUE(board.attester);
  const SpdmNonce nonce = nonce_of(0x11);
  GpuSetVerdict verdict = board.verifier().verify_all(board.collect(nonce), board.options(nonce));
  ASSERT_EQ(verdict.gpus.size(), 1U);
  EXPECT_TRUE(verdict.accepted) << verdict.to_json().dump(2);
  const GpuVerdict& gpu = verdict.gpus[0];
  for (const char* name :
       {"attestation-report-signature-verified", "attestation-report-nonce-match",
        "attestation-report-cert-chain-fwid-match", "driver-rim-signature-verified",
        "vbios-rim-cert-chain-validated", "vbios-rim-version-match", "measurements-match"}) {
    const Check* c = gpu.checks.find(name);
    ASSERT_NE(c, nullptr) << name;
    EXPECT_EQ(c->outcome, CheckOutcome::kPass) << name << ": " << c->detail;
  }
  Json claims = gpu.claims();
  EXPECT_EQ(claims["measres"], "success");
  EXPECT_EQ(claims["secboot"], true);
  EXPECT_EQ(claims["x-nvidia-gpu-attestation-report-signature-verified"], true);
  EXPECT_EQ(claims["x-nvidia-mismatch-measurement-records"].size(), 0U);
}

TEST(LocalVerifier, EightSimulatedGpusRoundTripAndCountIsEnforced) {
  SimBoard board(8);
  ASSERT_TRUE(board.attester);
  const SpdmNonce nonce = nonce_of(0x22);
  GpuEvidenceList evidence = board.collect(nonce);
  ASSERT_EQ(evidence.size(), 8U);
  LocalVerifierOptions options = board.options(nonce);
  options.require_gpus = 8;
  GpuSetVerdict verdict = board.verifier().verify_all(evidence, options);
  EXPECT_TRUE(verdict.accepted) << verdict.to_json().dump(2);
  // Eight GPUs have eight identities.
  std::set<std::string> ueids;
  for (const auto& g : verdict.gpus)
    ueids.insert(g.evidence.ueid);
  EXPECT_EQ(ueids.size(), 8U);

  options.require_gpus = 9;
  verdict = board.verifier().verify_all(evidence, options);
  EXPECT_FALSE(verdict.accepted);
  ASSERT_TRUE(verdict.first_failure());
  EXPECT_EQ(verdict.first_failure()->name, kCheckGpuCount);
}

TEST(LocalVerifier, OneGpuWithAnotherNoncesEvidenceIsNamed) {
  SimBoard board(4);
  ASSERT_TRUE(board.attester);
  const SpdmNonce nonce = nonce_of(0x33);
  GpuEvidenceList evidence = board.collect(nonce);
  evidence[2] = board.collect(nonce_of(0x44))[2];
  GpuSetVerdict verdict = board.verifier().verify_all(evidence, board.options(nonce));
  EXPECT_FALSE(verdict.accepted);
  ASSERT_TRUE(verdict.first_failure());
  EXPECT_EQ(verdict.first_failure()->name, "gpu2.attestation-report-nonce-match");
  EXPECT_TRUE(verdict.gpus[0].accepted);
}

TEST(LocalVerifier, RimsOfOtherFirmwareReportMismatchesByIndex) {
  SimGpuFirmware other;
  other.driver_version = "999.99.99";
  SimBoard board(1, other);
  ASSERT_TRUE(board.attester);
  const SpdmNonce nonce = nonce_of(0x55);
  // The driver RIM id the report names is not among the supplied RIMs.
  GpuSetVerdict verdict = board.verifier().verify_all(board.collect(nonce), board.options(nonce));
  EXPECT_FALSE(verdict.accepted);
  ASSERT_TRUE(verdict.first_failure());
  EXPECT_EQ(verdict.first_failure()->name, "gpu0.driver-rim-fetched");

  // The same RIM under the name the report asks for: signature fine, version and values wrong.
  LocalVerifierOptions options = board.options(nonce);
  const GpuEvidenceList evidence = board.collect(nonce);
  auto id = evidence.empty() ? std::string()
                             : std::string("NV_GPU_DRIVER_GH100_") + std::string(kSimDriverVersion);
  for (const auto& [rim_id, xml] : board.rims) {
    if (rim_id.rfind("NV_GPU_DRIVER_", 0) == 0) options.supplied_rims[id] = xml;
  }
  verdict = board.verifier().verify_all(evidence, options);
  EXPECT_FALSE(verdict.accepted);
  const GpuVerdict& gpu = verdict.gpus[0];
  EXPECT_EQ(gpu.checks.find("driver-rim-version-match")->outcome, CheckOutcome::kFail);
  ASSERT_TRUE(gpu.measurements.has_value());
  EXPECT_FALSE(gpu.measurements->success);
  ASSERT_FALSE(gpu.measurements->mismatches.empty());
  for (const auto& m : gpu.measurements->mismatches)
    EXPECT_EQ(m.source, MeasurementSource::kDriver);
  EXPECT_EQ(gpu.claims()["measres"], "fail");
}

TEST(LocalVerifier, TheVerifiersRimStoreWinsOverRimsSuppliedWithTheEvidence) {
  SimBoard board(1);
  ASSERT_TRUE(board.attester);
  const SpdmNonce nonce = nonce_of(0x66);
  const GpuEvidenceList evidence = board.collect(nonce);
  // Genuinely signed RIMs of other firmware, filed under the ids the report names: what a host
  // could pick among several signed documents and send along.
  SimGpuFirmware other;
  other.driver_version = "999.99.99";
  auto files = write_sim_rims(board.dir.path() + "/other", other, board.attester->pki());
  ASSERT_TRUE(files.ok());
  LocalVerifierOptions options = board.options(nonce);
  for (auto& [id, xml] : options.supplied_rims) {
    if (id.rfind("NV_GPU_DRIVER_", 0) == 0) xml = *read_file(files->driver_path);
  }
  EXPECT_FALSE(board.verifier().verify_all(evidence, options).accepted);

  // The verifier's own store holds the right RIMs: they are used, the supplied ones are not.
  RimStoreOptions store_options;
  store_options.local_dir = board.dir.path() + "/rims";
  store_options.service_url.reset();
  const RimStore store(store_options);
  options.rim_store = &store;
  GpuSetVerdict verdict = board.verifier().verify_all(evidence, options);
  EXPECT_TRUE(verdict.accepted) << (verdict.first_failure() ? verdict.first_failure()->detail : "");
  EXPECT_NE(verdict.gpus[0].checks.find("driver-rim-fetched")->detail.find("local"),
            std::string::npos);
}

TEST(LocalVerifier, GoldenValuesOfARimWhoseSignatureFailsAreNotCompared) {
  SimBoard board(1);
  ASSERT_TRUE(board.attester);
  const SpdmNonce nonce = nonce_of(0x77);
  LocalVerifierOptions options = board.options(nonce);
  for (auto& [id, xml] : options.supplied_rims) {
    if (id.rfind("NV_GPU_VBIOS_", 0) != 0) continue;
    // Edit a golden value: the signature no longer verifies.
    std::string text(xml.begin(), xml.end());
    const auto pos = text.find("Hash0=\"");
    ASSERT_NE(pos, std::string::npos);
    const std::size_t digit = pos + 7;
    text[digit] = text[digit] == '0' ? '1' : '0';
    xml = Bytes(text.begin(), text.end());
  }
  GpuSetVerdict verdict = board.verifier().verify_all(board.collect(nonce), options);
  EXPECT_FALSE(verdict.accepted);
  const GpuVerdict& gpu = verdict.gpus[0];
  EXPECT_EQ(gpu.checks.find("vbios-rim-signature-verified")->outcome, CheckOutcome::kFail);
  EXPECT_NE(gpu.checks.find("measurements-match")->detail.find("not compared"), std::string::npos);
  EXPECT_NE(gpu.claims()["measres"], "success");
}

TEST(LocalVerifier, SimulatedEvidenceFailsAgainstNvidiasRoots) {
  SimBoard board(1);
  ASSERT_TRUE(board.attester);
  const SpdmNonce nonce = nonce_of(0x66);
  LocalGpuVerifier nvidia;  // the pinned NVIDIA Device Identity CA
  GpuSetVerdict verdict = nvidia.verify_all(board.collect(nonce), board.options(nonce));
  EXPECT_FALSE(verdict.accepted);
  EXPECT_EQ(verdict.gpus[0].checks.find("attestation-report-cert-chain-validated")->outcome,
            CheckOutcome::kFail);
}

TEST(LocalVerifier, RealH100EvidenceWithoutRimsAndWithoutANonce) {
  CLLM_REQUIRE_SHARED_FILE(report_path,
                           "testdata/nvidia/nvat_sdk/gpu/hopper_580.159.03_AttestationReport.txt");
  CLLM_REQUIRE_SHARED_FILE(chain_path,
                           "testdata/nvidia/nvat_sdk/gpu/hopper_580.159.03_CertChain.txt");
  GpuEvidence evidence;
  evidence.report = *decode_report_file(*read_file(report_path));
  evidence.certificate_chain = *read_text_file(chain_path);
  LocalVerifierOptions options;
  options.now = kNow;
  options.skip_rims = true;
  options.check_nonce = false;
  GpuVerdict verdict = LocalGpuVerifier().verify(evidence, options);
  EXPECT_TRUE(verdict.accepted) << verdict.claims().dump(2);
  EXPECT_EQ(verdict.checks.find("attestation-report-nonce-match")->outcome, CheckOutcome::kSkip);
  EXPECT_EQ(verdict.checks.find(kCheckRimsSkipped)->outcome, CheckOutcome::kSkip);
  EXPECT_TRUE(verdict.claims()["measres"].is_null());

  // No RIM source at all: the verifier fails closed, naming the RIM check.
  options.skip_rims = false;
  verdict = LocalGpuVerifier().verify(evidence, options);
  EXPECT_FALSE(verdict.accepted);
  EXPECT_EQ(verdict.checks.first_failure()->name, "driver-rim-fetched");
}

}  // namespace
}  // namespace cllm::gpu
