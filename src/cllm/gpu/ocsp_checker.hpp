// OCSP revocation checks for NVIDIA certificate chains (device chains and RIM signing chains,
// spec §3 "OCSP" and §4.2): every certificate below the root is asked about at its OCSP
// responder, except the GPU's per-boot leaf, which NVIDIA's responder does not know.
//
// Online, each certificate's status is fetched (POST application/ocsp-request) with a fresh
// nonce; offline (no client) or when the responder cannot be reached, a stored response that
// is still valid at `now` stands in. Stored responses are the raw signed DER, re-verified on
// every use, so the store is a cache, not a trust input.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "cllm/common/result.hpp"
#include "cllm/crypto/ocsp.hpp"
#include "cllm/crypto/x509.hpp"
#include "cllm/gpu/check.hpp"
#include "cllm/net/http_client.hpp"

namespace cllm::gpu {

// NVIDIA's certificates name http://ocsp.ndis.nvidia.com; NVIDIA's tools POST to this.
inline constexpr std::string_view kNvidiaOcspUrl = "https://ocsp.ndis.nvidia.com/";
inline constexpr std::size_t kOcspNonceSize = 32;  // as NVIDIA's Python verifier sends

struct OcspCheckerOptions {
  // Used instead of the certificates' AIA OCSP URIs when set. Unset: a certificate's own
  // URI, else the first URI another certificate of the chain names (NVIDIA's GPU BROM
  // certificate has none; its issuer says http://ocsp.ndis.nvidia.com).
  std::optional<std::string> responder_url;
  // Null: offline, only stored responses are used.
  std::shared_ptr<const net::HttpClient> client;
  // Folder of stored responses (<sha256 of the CertID DER, hex>.der); unset: none kept.
  std::optional<std::string> store_dir;
  bool use_nonce = true;
  // NVIDIA's responder may not echo the nonce: by default a fresh response without one is
  // accepted (it is still signed and time-checked); a different nonce always fails.
  bool require_nonce_echo = false;
  // certificateHold is accepted only when set (NVIDIA's "allow hold cert").
  bool allow_hold = false;
  crypto::OcspHash hash = crypto::OcspHash::kSha384;
  std::int64_t max_clock_skew = 300;
};

// The outcome for one certificate, for callers that report per-certificate status
// (claims 3.0 x-nvidia-cert-ocsp-status).
struct OcspCertResult {
  std::string common_name;
  std::optional<crypto::OcspResponse> response;  // absent when none could be had
  std::string source;                            // "responder" / "stored" / ""
  std::string error;                             // why there is no usable response
};

class OcspChecker {
 public:
  explicit OcspChecker(OcspCheckerOptions options);

  // chain: leaf first, ending at the pinned root (the chain as verify_chain returned it).
  // Checks every certificate except the root (and the leaf when skip_leaf) against the next
  // one. One check named check_name: pass "good: <n> certificates"; fail naming the
  // certificate and why (revoked with reason, unknown, unreachable without a valid stored
  // response, bad response); skip when no certificate of the chain names an OCSP responder
  // and there is no override (simulated chains).
  CheckList check_chain(const std::vector<crypto::Certificate>& chain, std::string_view check_name,
                        std::int64_t now, bool skip_leaf) const;

  // One certificate (issued by chain[index + 1]) of such a chain: a verified response, from
  // the responder or the store, or the error saying why there is none.
  OcspCertResult check_certificate(const std::vector<crypto::Certificate>& chain, std::size_t index,
                                   std::int64_t now) const;

 private:
  Result<crypto::OcspResponse> fetch(const std::string& url, const crypto::Certificate& cert,
                                     const crypto::Certificate& issuer,
                                     const crypto::OcspVerifyOptions& base) const;

  OcspCheckerOptions options_;
};

}  // namespace cllm::gpu
