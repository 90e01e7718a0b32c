// Appraisal of one RIM document (driver, VBIOS or switch BIOS): structure, XML signature,
// signer chain to NVIDIA's CoRIM signing root, and the version it describes. Each step is a
// named check; the caller prefixes them ("driver-", "vbios-") and adds "rim-fetched".
//
// Like NVIDIA's C++ verifier, the chain verdict separates "expired" (the chain verifies to
// the anchor at some time, but `now` is past the earliest notAfter) from "invalid" (it does
// not verify at any time), and reports the earliest expiry. An expired chain fails the
// rim-cert-chain-validated check; whether policy tolerates it is the caller's decision.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "cllm/common/bytes.hpp"
#include "cllm/crypto/x509.hpp"
#include "cllm/gpu/check.hpp"
#include "cllm/gpu/rim_document.hpp"

namespace cllm::gpu {

inline constexpr std::string_view kCheckRimFetched = "rim-fetched";
inline constexpr std::string_view kCheckRimSchemaValidated = "rim-schema-validated";
inline constexpr std::string_view kCheckRimSignatureVerified = "rim-signature-verified";
inline constexpr std::string_view kCheckRimCertChainValidated = "rim-cert-chain-validated";
inline constexpr std::string_view kCheckRimVersionMatch = "rim-version-match";

enum class RimCertStatus { kValid, kExpired, kInvalid };

std::string_view rim_cert_status_name(RimCertStatus status);  // "valid" / "expired" / "invalid"

struct RimVerifyOptions {
  // The pinned root (NVIDIA CoRIM signing Root CA). Required; a root embedded in the RIM is
  // never trusted.
  std::optional<crypto::Certificate> trust_anchor;
  std::int64_t now = 0;  // unix seconds
  // The id the caller asked for (e.g. "NV_GPU_DRIVER_GH100_550.144.03"). NVIDIA's documents
  // do not carry it (tagId is a content hash), so it is not compared here: RimStore binds the
  // id (service JSON id, file name). Kept for the messages.
  std::optional<std::string> expected_rim_id;
  // The driver or VBIOS version the evidence reports; compared case-insensitively with Meta
  // colloquialVersion. Unset: rim-version-match is skipped.
  std::optional<std::string> expected_version;
  // The start of Meta product the GPU family's RIMs carry ("GH1" Hopper, "GB1" Blackwell),
  // checked with the version: a RIM of another family with the same version number must not
  // stand in. Unset: not compared.
  std::optional<std::string> expected_product_prefix;
  // NVIDIA's own tests turn the signature check off for RIMs with edited golden values.
  // Production leaves it on.
  bool verify_signature = true;
};

struct RimCertChainVerdict {
  RimCertStatus status = RimCertStatus::kInvalid;
  // The earliest notAfter of the verified chain (anchor included); unset when invalid.
  std::optional<std::int64_t> earliest_expiry;
  std::string detail;
};

struct RimAppraisal {
  CheckList checks;
  std::optional<RimDocument> document;  // set when the structure checks passed
  RimCertChainVerdict cert_chain;
  // The X509Data certificates, document order (empty when the Signature did not parse).
  std::vector<crypto::Certificate> certificates;
  std::string rim_id;  // expected_rim_id, or "" when none was given

  bool passed() const { return checks.passed(); }
};

// Runs rim-schema-validated, rim-signature-verified, rim-cert-chain-validated and
// rim-version-match. Never fails as a function: every problem is a failed check.
RimAppraisal verify_rim(ByteView xml, const RimVerifyOptions& options);

// The chain verdict alone: signer <- others... <- anchor, at `now`.
RimCertChainVerdict verify_rim_cert_chain(const crypto::Certificate& signer,
                                          const std::vector<crypto::Certificate>& others,
                                          const crypto::Certificate& anchor, std::int64_t now);

}  // namespace cllm::gpu
