// The RA-TLS client side: a net::PeerChainVerifier that accepts a server's self-signed
// certificate only through the evidence it carries (certificate.hpp), and records the
// verdict for the caller.
//
// Checks, each a named factor (docs/VERIFYING.md): certificate_parses,
// certificate_self_signed (possession of the key the claims bind), certificate_validity (the
// window at now, and a lifetime no longer than allowed), evidence_format (exactly one
// id-pe-cmw extension, strict), then every factor of attest::appraise_evidence with purpose
// "ratls" and tls_key_binding against THIS leaf's SubjectPublicKeyInfo, so a
// man-in-the-middle that copies the evidence into a certificate for its own key fails.
#pragma once

#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <string>

#include "cllm/attest/appraisal.hpp"
#include "cllm/common/bytes.hpp"
#include "cllm/common/clock.hpp"
#include "cllm/net/tls_context.hpp"

namespace cllm::ratls {

// A leaf that claims to be valid for longer than this is rejected (the node re-issues
// daily; a week leaves room for configuration without accepting near-permanent evidence).
inline constexpr std::int64_t kDefaultMaxCertificateLifetimeSeconds = 7 * 24 * 3600;

// Appraises one RA-TLS leaf (DER) at options.now. Never fails: problems are factors.
attest::Verdict appraise_ratls_certificate(
    ByteView certificate_der, const attest::AppraisalOptions& options,
    std::int64_t max_lifetime_seconds = kDefaultMaxCertificateLifetimeSeconds);

struct RatlsVerifierOptions {
  // Policy, collateral (or fetch_collateral), roots, expected model, max age. Its `now` is
  // replaced by clock at each handshake.
  attest::AppraisalOptions appraisal;
  const Clock* clock = nullptr;  // not owned, must outlive the verifier; nullptr: system clock
  std::int64_t max_certificate_lifetime_seconds = kDefaultMaxCertificateLifetimeSeconds;
};

// What the last handshake's verification found; shared between the verifier callback and
// the caller, which reads it after the request. Thread-safe.
class RatlsVerifierState {
 public:
  struct Snapshot {
    attest::Verdict verdict;
    Bytes leaf_der;
    std::string spki_sha256;  // of the leaf, when it parsed
  };
  // The last verification (accepted or not); nullopt before any handshake.
  std::optional<Snapshot> last() const;
  void record(Snapshot snapshot);

 private:
  mutable std::mutex mutex_;
  std::optional<Snapshot> last_;
};

struct RatlsVerifier {
  net::PeerChainVerifier verify;  // put into net::TlsClientOptions::verify_peer
  std::shared_ptr<RatlsVerifierState> state;
};

// The rejection error (kVerification) reads "ratls: <factor>: <detail>" for the first
// failed factor, so the request's error names the check.
RatlsVerifier make_ratls_verifier(RatlsVerifierOptions options);

}  // namespace cllm::ratls
