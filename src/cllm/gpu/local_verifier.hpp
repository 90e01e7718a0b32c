// NVIDIA's "local verifier", ours: the full appraisal of a set of GPUs from their evidence
// alone (no NRAS). Per GPU it runs, and names, every check NVIDIA's verifiers run:
//   evidence    report parsed, arch, device chain to the pinned root, FWID, nonce, signature
//               (GpuEvidenceVerifier, chain cached);
//   RIMs        the driver and VBIOS RIMs named by the report (RimStore, or documents supplied
//               with the evidence such as a report's gpu_collateral), each through verify_rim:
//               structure, XML signature, signer chain to the pinned CoRIM root, version;
//   measurements the report's blocks against the RIMs' golden values (compare_measurements).
// and over the set: at least one GPU, one nonce, one arch. The result is a CheckList per GPU
// (names prefixed "driver-"/"vbios-" for the RIM checks, as NVIDIA's claims) plus claims in the
// shape of NVIDIA's EAT claims (x-nvidia-..., measres, hwmodel, ueid, oemid), so tools that
// read NRAS answers can read ours.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "cllm/common/bytes.hpp"
#include "cllm/common/json.hpp"
#include "cllm/crypto/x509.hpp"
#include "cllm/gpu/check.hpp"
#include "cllm/gpu/evidence_verifier.hpp"
#include "cllm/gpu/gpu_evidence.hpp"
#include "cllm/gpu/measurement_comparison.hpp"
#include "cllm/gpu/ocsp_checker.hpp"
#include "cllm/gpu/rim_store.hpp"
#include "cllm/gpu/rim_verifier.hpp"

namespace cllm::gpu {

inline constexpr std::string_view kCheckRimsSkipped = "measurements-skipped";
inline constexpr std::string_view kCheckGpuCount = "gpu-count";
inline constexpr std::string_view kCheckSameArch = "gpu-arch-consistent";
inline constexpr std::string_view kCheckChainOcsp = "attestation-report-cert-chain-ocsp";
inline constexpr std::string_view kCheckRimChainOcsp = "rim-cert-chain-ocsp";

struct LocalVerifierOptions {
  // An NVSwitch (LS10) report: same SPDM checks under the same root; its BIOS RIM id needs the
  // project and SKU that NSCQ reports (the SPDM report has none), so RIMs are not compared.
  DeviceKind kind = DeviceKind::kGpu;
  SpdmNonce expected_nonce{};
  // False: the nonce check is skipped with that reason (offline inspection of stored
  // evidence whose nonce the caller does not know). Freshness is then not established.
  bool check_nonce = true;
  std::int64_t now = 0;  // unix seconds
  // RIM documents by id (e.g. a report's gpu_collateral), verified exactly like fetched ones
  // but consulted only when `rim_store` is unset or has none: they come from the party being
  // verified, which could pick among several NVIDIA-signed documents for one id.
  std::map<std::string, Bytes> supplied_rims;
  const RimStore* rim_store = nullptr;
  // The RIM signing root; unset: the pinned NVIDIA CoRIM signing Root CA.
  std::optional<crypto::Certificate> rim_anchor;
  // Skip the RIM and measurement checks (an explicit operator choice; each GPU then says
  // "measurements-skipped" and NVIDIA's measres is absent). Evidence checks still run.
  bool skip_rims = false;
  // Minimum number of GPUs in the set (0: any number, at least one).
  std::size_t require_gpus = 0;
  // Revocation of the device chain's intermediates and of the RIM signing chains. Null: the
  // "*-cert-chain-ocsp" checks are skipped, saying so (an explicit operator choice).
  const OcspChecker* ocsp = nullptr;
  // What the skipped OCSP checks say when ocsp is null.
  std::string ocsp_skip_reason = "OCSP turned off: revocation not checked";
};

struct GpuVerdict {
  std::size_t index = 0;
  GpuArch arch = GpuArch::kHopper;
  EvidenceAppraisal evidence;
  std::optional<RimAppraisal> driver_rim;
  std::optional<RimAppraisal> vbios_rim;
  std::optional<MeasurementComparison> measurements;
  CheckList checks;  // evidence checks, then driver-/vbios- RIM checks, then measurements
  bool accepted = false;

  // NVIDIA-style claims of this GPU (claims 3.0 names where they exist).
  Json claims() const;
};

struct GpuSetVerdict {
  std::vector<GpuVerdict> gpus;
  CheckList checks;  // over the set: gpu-count, gpu-arch-consistent
  bool accepted = false;

  // The first failure, named "gpu<i>.<check>" or the set check's name; nullptr if accepted.
  std::optional<Check> first_failure() const;
  // {"accepted", "checks":[...], "gpus":[{"index","arch","accepted","checks":[...],"claims"}]}
  Json to_json() const;
};

class LocalGpuVerifier {
 public:
  // Device evidence is checked against the pinned NVIDIA Device Identity CA ...
  LocalGpuVerifier();
  // ... or against another root (the GPU simulator's).
  explicit LocalGpuVerifier(crypto::Certificate device_anchor);

  GpuVerdict verify(const GpuEvidence& evidence, const LocalVerifierOptions& options) const;
  GpuSetVerdict verify_all(const GpuEvidenceList& evidence,
                           const LocalVerifierOptions& options) const;

  const GpuEvidenceVerifier& evidence_verifier() const { return evidence_; }

 private:
  GpuVerdict verify_one(std::size_t index, const GpuEvidence& evidence,
                        const LocalVerifierOptions& options,
                        std::map<std::string, RimAppraisal>& rim_cache) const;

  GpuEvidenceVerifier evidence_;
};

// CheckList -> [{"name","result","detail"}...]
Json checks_to_json(const CheckList& checks);

}  // namespace cllm::gpu
