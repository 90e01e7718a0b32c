// Per-verification working state of the DCAP verifier (internal to verifier.cpp).
//
// One verification meets the same certificates several times: the TCB info and QE identity
// issuer chains are usually the same two certificates, and the PCK CA and the root appear
// in the PCK CRL issuer chain and in the quote's PCK chain. This context parses each
// distinct certificate (by DER) once and verifies each distinct chain once per call. It
// lives for one DcapVerifier::verify call only, so a fresh verifier still parses and
// checks everything; nothing here is a cache of earlier verifications.
//
// Revocation is checked here too, not by OpenSSL's X509_V_FLAG_CRL_CHECK_ALL: OpenSSL
// re-verifies a CRL's signature for every certificate it covers, in every chain, which made
// a cold verification spend most of its ECDSA work on the same two CRLs. Every CRL used
// here has already passed Crl::verify_signature (issuer name, cRLSign, signature,
// AKI == SKI) and Crl::check_complete against the exact issuer certificate, and its
// thisUpdate/nextUpdate window at now (verifier.cpp).
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "cllm/common/result.hpp"
#include "cllm/crypto/x509.hpp"

namespace cllm::tdx::detail {

// A CRL that verified as issued by `issuer` (that very certificate, compared by DER).
struct TrustedCrl {
  const crypto::Crl* crl = nullptr;
  crypto::Certificate issuer;
};

class VerifyContext {
 public:
  // roots: the verifier's trust anchors, parsed once when it was built; a copy of one in a
  // chain maps to it (verification still anchors at the pinned root only).
  explicit VerifyContext(std::span<const crypto::Certificate> roots);

  // parse_pem_chain, reusing certificates already parsed in this call. `pem` must stay
  // alive as long as this context (it is the call's collateral or quote).
  Result<std::vector<crypto::Certificate>> parse_chain(std::string_view pem);

  // crypto::verify_chain at now with x509_strict and without CRLs (see check_revocation),
  // computed once per distinct (leaf, others, root) in this call.
  Result<std::vector<crypto::Certificate>> verify_chain(
      const crypto::Certificate& leaf, const std::vector<crypto::Certificate>& others,
      const crypto::Certificate& root, std::int64_t now);

 private:
  Result<std::vector<crypto::Certificate>> parse_distinct(std::string_view pem);

  struct ChainEntry {
    std::vector<const X509*> key;
    Result<std::vector<crypto::Certificate>> result;
  };
  struct TextEntry {
    std::string_view text;  // the caller's collateral or quote, alive for the whole call
    Result<std::vector<crypto::Certificate>> result;
  };
  std::span<const crypto::Certificate> roots_;
  std::vector<crypto::Certificate> known_;  // parsed in this call
  std::vector<TextEntry> texts_;
  std::vector<ChainEntry> chains_;
};

// Revocation of a verified chain (leaf first, ending at its self-signed root), as
// X509_V_FLAG_CRL_CHECK_ALL would: every certificate, the root included, must be covered
// by a CRL from its issuer (the next certificate; the root issues its own), and must not
// be listed in it. Fails naming the certificate.
Status check_revocation(std::span<const crypto::Certificate> chain,
                        std::span<const TrustedCrl> crls);

}  // namespace cllm::tdx::detail
