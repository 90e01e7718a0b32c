// Appraisal of one device's evidence (report + certificate chain) without reference values:
// is the report well formed, signed by a key that chains to NVIDIA (or the simulator's) root,
// fresh for our nonce, from the claimed GPU family, and does the firmware FWID it reports
// match the one certified in the leaf. Comparing measurements with RIMs is a separate step
// that consumes this appraisal's parsed report.
//
// Verified chains are cached (keyed by SHA-256 of their DER certificates and the arch), so
// appraising the same device again costs one report parse and one P-384 verification.
#pragma once

#include <cstddef>
#include <cstdint>
#include <deque>
#include <map>
#include <mutex>
#include <optional>
#include <string>

#include "cllm/common/bytes.hpp"
#include "cllm/crypto/x509.hpp"
#include "cllm/gpu/check.hpp"
#include "cllm/gpu/device_chain.hpp"
#include "cllm/gpu/gpu_arch.hpp"
#include "cllm/gpu/gpu_evidence.hpp"
#include "cllm/gpu/spdm_report.hpp"

namespace cllm::gpu {

// Check names (NVIDIA's claim names without the "x-nvidia-gpu-" prefix).
inline constexpr std::string_view kCheckReportParsed = "attestation-report-parsed";
inline constexpr std::string_view kCheckGpuArch = "gpu-arch-check";
inline constexpr std::string_view kCheckChainValidated = "attestation-report-cert-chain-validated";
inline constexpr std::string_view kCheckFwidMatch = "attestation-report-cert-chain-fwid-match";
inline constexpr std::string_view kCheckNonceMatch = "attestation-report-nonce-match";
inline constexpr std::string_view kCheckSignature = "attestation-report-signature-verified";

struct EvidenceOptions {
  SpdmNonce expected_nonce{};  // the nonce the verifier sent
  std::int64_t now = 0;        // unix seconds, for the chain status
  DeviceKind kind = DeviceKind::kGpu;
};

struct EvidenceAppraisal {
  CheckList checks;
  std::optional<SpdmReport> report;  // when it parsed
  std::optional<std::string> driver_version;
  std::optional<std::string> vbios_version;
  std::optional<std::string> driver_rim_id;  // GPUs only
  std::optional<std::string> vbios_rim_id;   // GPUs only
  std::string ueid;                          // leaf serial, decimal
  std::string hwmodel;                       // CN of the certificate above the leaf
  CertStatus chain_status = CertStatus::kInvalid;
  std::int64_t chain_expiration = 0;  // earliest notAfter, unix seconds (0 if invalid)
  bool chain_from_cache = false;

  // Every check passed; all but the FWID match (skipped on firmware without the field) ran.
  bool passed() const;
};

class GpuEvidenceVerifier {
 public:
  static constexpr std::size_t kDefaultCacheCapacity = 64;

  // The pinned NVIDIA Device Identity CA.
  GpuEvidenceVerifier();
  // Another single trust anchor (the simulator's root).
  explicit GpuEvidenceVerifier(crypto::Certificate anchor,
                               std::size_t cache_capacity = kDefaultCacheCapacity);

  // Thread-safe.
  EvidenceAppraisal appraise(const GpuEvidence& evidence, const EvidenceOptions& options) const;
  // The same, verifying the chain from scratch and leaving the cache untouched.
  EvidenceAppraisal appraise_uncached(const GpuEvidence& evidence,
                                      const EvidenceOptions& options) const;

  std::size_t cache_size() const;
  const crypto::Certificate& anchor() const { return anchor_; }

  // What the cache keeps of a verified chain (public for the implementation's helpers).
  struct VerifiedChain {
    crypto::Certificate leaf;  // its public key signs the report
    std::string leaf_cn;
    std::string hwmodel;
    std::string ueid;
    std::int64_t earliest_not_after = 0;
    std::optional<Bytes> fwid;  // from the leaf extension for the arch
    std::string fwid_error;     // set when that extension is malformed
  };

 private:
  EvidenceAppraisal appraise_impl(const GpuEvidence& evidence, const EvidenceOptions& options,
                                  bool use_cache) const;

  crypto::Certificate anchor_;
  std::size_t cache_capacity_;
  mutable std::mutex mutex_;
  mutable std::map<Bytes, VerifiedChain> cache_;
  mutable std::deque<Bytes> cache_order_;  // insertion order, for eviction
};

}  // namespace cllm::gpu
