// OCSP (RFC 6960) requests and responses over OpenSSL 3, for checking that the certificates
// of attestation chains (NVIDIA's device and RIM chains) are not revoked.
//
// Responses come from outside (a responder, or a file stored earlier), so parsing is bounded
// and verification never trusts anything the response carries: the signer must be the
// certificate's issuer itself or a responder the issuer delegated (RFC 6960 §4.2.2.2), and it
// must chain to the caller's pinned anchor; the time is the caller's (a stored response is
// re-verified "as of" each use).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "cllm/common/bytes.hpp"
#include "cllm/common/result.hpp"
#include "cllm/crypto/x509.hpp"

namespace cllm::crypto {

inline constexpr std::size_t kMaxOcspResponseSize = 64 * 1024;
inline constexpr std::size_t kMaxOcspNonceSize = 128;

// The hash of the CertID (issuer name and key hashes). NVIDIA's C++ tools use SHA-1, its
// Python tools SHA-384; responders answer with the CertID of the request.
enum class OcspHash { kSha1, kSha384 };

enum class OcspCertStatus { kGood, kRevoked, kUnknown };
std::string_view ocsp_cert_status_name(OcspCertStatus status);  // "good" / "revoked" / "unknown"

// The OCSP responder URIs of the certificate's Authority Information Access extension, in
// order (empty when it has none).
std::vector<std::string> ocsp_uris(const Certificate& cert);

// The DER CertID of cert (issued by issuer) under hash: what requests and responses name.
Result<Bytes> ocsp_cert_id_der(const Certificate& cert, const Certificate& issuer, OcspHash hash);

// A DER OCSPRequest for one certificate, with a nonce extension when nonce is given
// (1..kMaxOcspNonceSize bytes). Fails when issuer did not sign cert.
Result<Bytes> build_ocsp_request(const Certificate& cert, const Certificate& issuer, OcspHash hash,
                                 std::optional<ByteView> nonce);

struct OcspVerifyOptions {
  std::int64_t now = 0;  // unix seconds
  // Tolerance for thisUpdate in the future and nextUpdate in the past.
  std::int64_t max_clock_skew = 300;
  // A response without nextUpdate is accepted for this long after its thisUpdate.
  std::int64_t max_age_without_next_update = 7 * 24 * 3600;
  // When set, the response must carry this nonce unless require_nonce is false, in which
  // case a response without one passes (OcspResponse::nonce_echoed says so); a different
  // nonce always fails. Absent: nonces are not checked (stored responses).
  std::optional<Bytes> expected_nonce;
  bool require_nonce = true;
  // The pinned trust anchor the issuer (and a delegated responder) must chain to, and the
  // certificates between the issuer and the anchor (empty when the anchor issued `issuer`,
  // or is the issuer). The anchor is the only trusted certificate.
  std::optional<Certificate> anchor;
  std::vector<Certificate> intermediates;
};

struct OcspResponse {
  OcspCertStatus status = OcspCertStatus::kUnknown;
  // Revoked only: the CRLReason name ("keyCompromise", "certificateHold", ...), or empty
  // when the responder gave none; and the revocation time.
  std::string revocation_reason;
  std::optional<std::int64_t> revocation_time;
  std::int64_t this_update = 0;
  std::optional<std::int64_t> next_update;
  std::int64_t produced_at = 0;
  bool delegated_responder = false;  // signed by a delegated responder, not the issuer
  bool nonce_echoed = false;         // the expected nonce was present and matched
  Bytes der;                         // the raw response, for storing and re-verifying
};

// Parses and verifies an OCSPResponse for cert (issued by issuer): status successful; a
// basic response signed by issuer or by a certificate issuer issued with the OCSPSigning
// EKU; issuer / responder chain to options.anchor at options.now; exactly the CertID of
// cert (under the hash the response used) with thisUpdate <= now + skew and nextUpdate (when
// present) >= now - skew; the nonce per options. Revoked and unknown are results, not errors.
// Errors (kParse, kLimit, kVerification) name the failed check.
Result<OcspResponse> parse_and_verify_ocsp_response(ByteView der, const Certificate& cert,
                                                    const Certificate& issuer,
                                                    const OcspVerifyOptions& options);

}  // namespace cllm::crypto
