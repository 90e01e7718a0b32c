// RA-TLS server certificates: a self-signed P-256 leaf whose non-critical id-pe-cmw
// extension (1.3.6.1.5.5.7.1.35) carries the node's evidence as a JSON CMW collection
// (docs/API.md "RA-TLS certificate"):
//
//   extnValue = DER UTF8String holding
//   {"__cmwc_t":"tag:cllm.dev,2026:ratls-evidence/v1",
//    "tdx":   ["application/vnd.cllm.tdx-quote", "<base64url quote>"],
//    "evlog": ["application/vnd.cllm.runtime-event-log+json", "<base64url event log JSON>"],
//    "claims":["application/vnd.cllm.claims+json", "<base64url canonical claims>"]}
//
// The claims (purpose "ratls") commit to SHA-256 of the certificate's SubjectPublicKeyInfo,
// and the quote's report_data is claims_report_data(kRatlsTag, claims). Trust comes only
// from appraising that evidence (client_verifier.hpp), never from the certificate's
// signature, which only proves possession of the key the claims name.
#pragma once

#include <openssl/evp.h>

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "cllm/attest/claims.hpp"
#include "cllm/common/bytes.hpp"
#include "cllm/common/json.hpp"
#include "cllm/common/result.hpp"
#include "cllm/crypto/evp_ptr.hpp"
#include "cllm/crypto/x509.hpp"
#include "cllm/tdx/attester.hpp"

namespace cllm::ratls {

inline constexpr std::string_view kCmwOid = "1.3.6.1.5.5.7.1.35";  // id-pe-cmw
inline constexpr std::string_view kCmwCollectionType = "tag:cllm.dev,2026:ratls-evidence/v1";
inline constexpr std::string_view kMediaTypeQuote = "application/vnd.cllm.tdx-quote";
inline constexpr std::string_view kMediaTypeEventLog =
    "application/vnd.cllm.runtime-event-log+json";
inline constexpr std::string_view kMediaTypeClaims = "application/vnd.cllm.claims+json";
// Bound on the extension's value (and so on the evidence a certificate can carry). The whole
// certificate must also fit crypto::kMaxCertificateSize (64 KiB).
inline constexpr std::size_t kMaxEvidenceExtensionSize = 64 * 1024;
inline constexpr std::int64_t kDefaultCertificateValiditySeconds = 24 * 3600;
// notBefore = issued_at - this, so a client whose clock is a little behind still accepts.
inline constexpr std::int64_t kNotBeforeBackdateSeconds = 60;
inline constexpr std::string_view kCertificateCommonName = "cllm node";

// A fresh ECDSA P-256 key for the TLS leaf.
Result<crypto::EvpPkeyPtr> generate_tls_key();
// SHA-256 of the DER SubjectPublicKeyInfo, as 64 lower-case hex digits.
Result<std::string> public_key_spki_sha256(EVP_PKEY* key);
Result<std::string> certificate_spki_sha256(ByteView certificate_der);
Result<std::string> certificate_spki_sha256(const crypto::Certificate& certificate);
// The private key as unencrypted PKCS#8 PEM (for TlsServerContext::from_pem).
Result<SecretBytes> private_key_pem(EVP_PKEY* key);

struct CertificateNames {
  std::vector<std::string> dns_names;     // letters, digits, '-', '.', leading "*." allowed
  std::vector<std::string> ip_addresses;  // IPv4 or IPv6 literals
};

struct IssuedCertificate {
  Bytes der;
  std::string pem;
  crypto::EvpPkeyPtr key;  // the leaf's private key (a reference of its own)
  attest::Claims claims;   // the claims it carries
};

struct RatlsCertificateRequest {
  EVP_PKEY* key = nullptr;     // required: the P-256 key whose SPKI the claims bind (not owned)
  attest::Claims claims;       // purpose "ratls", tls_spki_sha256 of key
  Bytes quote;                 // report_data must be claims_report_data(kRatlsTag, claims)
  std::string event_log_json;  // the runtime event log JSON (RuntimeEventLog::to_json().dump())
  CertificateNames names;
  std::int64_t validity_seconds = kDefaultCertificateValiditySeconds;
};

// Issues the certificate after checking that the request is coherent (claims valid and for
// RA-TLS, SPKI hash of key, the quote parses and carries the claims' report_data), so a
// node never serves evidence that cannot verify. notBefore = issued_at - 60 s, notAfter =
// issued_at + validity_seconds.
Result<IssuedCertificate> issue_ratls_certificate(const RatlsCertificateRequest& request);

struct RatlsIssueOptions {
  CertificateNames names;
  std::int64_t validity_seconds = kDefaultCertificateValiditySeconds;
};

// The whole node-side flow: key (nullptr: generate one), claims with purpose "ratls", no
// nonce and tls_spki_sha256 of the key; a quote over claims_report_data(kRatlsTag, claims)
// and the event log from the attester; then issue_ratls_certificate. claims.issued_at must
// be set by the caller (its clock).
Result<IssuedCertificate> make_ratls_certificate(tdx::Attester& attester, EVP_PKEY* key,
                                                 attest::Claims claims,
                                                 const RatlsIssueOptions& options = {});

// Low level, no evidence checks (issue_ratls_certificate validates first; tests use this to
// forge certificates): the CMW collection JSON text for these three blobs...
Result<std::string> encode_cmw_collection(ByteView quote, std::string_view event_log_json,
                                          std::string_view canonical_claims);
// ...and a self-signed certificate for key carrying it (a random 16-byte serial, CN=cllm
// node, SANs, keyUsage digitalSignature, EKU serverAuth, CA:FALSE, SHA-256 signature).
Result<Bytes> issue_self_signed_certificate(EVP_PKEY* key, std::string_view cmw_collection_json,
                                            const CertificateNames& names, std::int64_t not_before,
                                            std::int64_t not_after);

// What a certificate's id-pe-cmw extension carries.
struct RatlsEvidence {
  Bytes quote;
  std::string event_log_text;  // as carried (JSON)
  Json event_log;              // parsed
  std::string claims_text;     // canonical claims, as carried
  attest::Claims claims;       // validated
};

// Strict: the certificate parses (at most 64 KiB), carries exactly one id-pe-cmw extension,
// non-critical, whose value (at most 64 KiB) is one DER UTF8String with no trailing bytes,
// holding a JSON object with exactly the four keys above; each entry is [media type,
// base64url] with the expected media type; the claims are valid and in canonical form.
Result<RatlsEvidence> parse_ratls_evidence(ByteView certificate_der);
Result<RatlsEvidence> parse_ratls_evidence(const crypto::Certificate& certificate);

}  // namespace cllm::ratls
