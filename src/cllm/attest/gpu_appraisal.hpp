// The GPU factors of an attestation report's appraisal (docs/VERIFYING.md):
//   gpu_evidence_binding   SHA-256(nvidia_payload) == claims.gpu_evidence_sha256, so the quote
//                          commits to exactly this GPU evidence;
//   gpu_nonce_binding      the payload's nonce is gpu_nonce(claims.tls_spki_sha256, the request
//                          nonce): made for this node's TLS key and this request (gpu_binding.hpp);
//   gpu_count              at least the number of GPUs the verifier requires;
//   gpu_simulated_allowed  simulated GPU evidence (the report's gpu_collateral names simulator
//                          roots) only with allow_simulated;
//   gpu_evidence           every GPU's evidence verified: locally (device chain, FWID, nonce,
//                          signature, RIMs, measurements) or by NRAS, naming the first failed
//                          check as "gpu<i>.<check>".
// A report without GPU evidence skips them (not required) unless GPUs are required.
#pragma once

#include <cstddef>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>

#include "cllm/attest/claims.hpp"
#include "cllm/common/json.hpp"
#include "cllm/common/result.hpp"
#include "cllm/gpu/gpu_evidence.hpp"
#include "cllm/gpu/local_verifier.hpp"
#include "cllm/gpu/nras_client.hpp"
#include "cllm/gpu/ocsp_checker.hpp"
#include "cllm/gpu/rim_store.hpp"

namespace cllm::attest {

struct Verdict;

struct GpuAppraisalOptions {
  // The report must carry evidence of at least this many GPUs (0: GPUs are optional).
  std::size_t require_gpus = 0;
  enum class Verifier { kLocal, kNras };
  Verifier verifier = Verifier::kLocal;
  // Local: where RIMs not carried by the report's gpu_collateral come from (nullptr: only the
  // report's). skip_rims turns the RIM and measurement checks off (evidence checks remain).
  std::shared_ptr<const gpu::RimStore> rim_store;
  bool skip_rims = false;
  // Local: revocation of device and RIM chains (null: not checked, the checks say so).
  std::shared_ptr<const gpu::OcspChecker> ocsp;
  // NRAS: sends the evidence and verifies the answer (gpu::NrasClient::attest).
  std::function<Result<gpu::NrasAttestation>(ByteView nonce, const gpu::GpuEvidenceList&)> nras;
};

// The report's GPU parts, as parsed by parse_report.
struct GpuEvidenceInReport {
  const std::optional<std::string>* nvidia_payload = nullptr;
  const std::optional<Json>* gpu_collateral = nullptr;
};

// Adds the GPU factors to v. allow_simulated and now come from the appraisal options.
void appraise_gpu_factors(Verdict& v, const Claims& claims, const GpuEvidenceInReport& report,
                          const GpuAppraisalOptions& options, bool allow_simulated,
                          std::int64_t now);

// What a node attaches as gpu_collateral: the RIMs by id, and for simulated GPUs the
// simulator's device and RIM roots (PEM).
struct GpuCollateral {
  std::map<std::string, Bytes> rims;
  std::optional<std::string> sim_device_root_pem;
  std::optional<std::string> sim_rim_root_pem;
};
Json gpu_collateral_to_json(const GpuCollateral& collateral);
Result<GpuCollateral> gpu_collateral_from_json(const Json& json);

}  // namespace cllm::attest
