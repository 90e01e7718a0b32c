// X.509 certificates, CRLs and chain verification over OpenSSL 3.
//
// Chain verification is for attestation evidence (Intel PCK chains, NVIDIA device chains):
// one pinned root is the only trust anchor (never the system store, never a root copy
// supplied with the chain), the time is the caller's (evidence is checked "as of" a time),
// and with CRLs every certificate below the root must be covered by a valid CRL.
#pragma once

#include <openssl/x509.h>

#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "cllm/common/bytes.hpp"
#include "cllm/common/result.hpp"
#include "cllm/crypto/ecdsa.hpp"

namespace cllm::crypto {

// Bounds on outside input, so a hostile blob cannot make us allocate without limit.
inline constexpr std::size_t kMaxCertificateSize = 64 * 1024;
inline constexpr std::size_t kMaxCrlSize = 4 * 1024 * 1024;  // PCK CRLs list many serials
inline constexpr std::size_t kMaxPemChainSize = 1024 * 1024;
inline constexpr std::size_t kMaxChainCertificates = 16;

// An immutable parsed certificate. Copies share the OpenSSL object (safe across threads).
class Certificate {
 public:
  // Exactly one DER certificate, no trailing bytes.
  static Result<Certificate> from_der(ByteView der);
  // Exactly one "CERTIFICATE" PEM block (whitespace and trailing NULs around it allowed).
  static Result<Certificate> from_pem(std::string_view pem);

  const Bytes& der() const { return der_; }
  // RFC 2253 form: RDNs in reverse of their encoded order, as that RFC defines (a name
  // encoded C, O, CN prints "CN=...,O=...,C=..."; Intel encodes CN first, so its names
  // print "C=US,...,CN=Intel SGX Root CA"). Non-ASCII and control bytes are escaped, so the
  // text is safe to log. For messages, subject_common_name() is usually what you want.
  std::string subject() const;
  std::string issuer() const;
  // The first commonName of the subject, escaped like subject(); empty when there is none.
  std::string subject_common_name() const;
  // The serial number's magnitude, big-endian without leading zeros (at least one byte).
  Bytes serial() const;
  // Lower-case hex of serial(), with a leading '-' for a (non-conforming) negative serial.
  std::string serial_hex() const;
  std::int64_t not_before() const { return not_before_; }  // unix seconds
  std::int64_t not_after() const { return not_after_; }    // unix seconds
  // The DER SubjectPublicKeyInfo.
  Bytes spki_der() const;
  // Borrowed; valid while this certificate (or a copy) lives.
  EVP_PKEY* public_key() const;
  // The key as an ECDSA P-256/P-384 public key (fails for other key types).
  Result<EcdsaPublicKey> ecdsa_public_key() const;
  // The extnValue contents (the DER inside the OCTET STRING) of the extension with this
  // dotted OID, e.g. "1.2.840.113741.1.13.1" (Intel SGX). kNotFound when absent; an error
  // when the certificate carries it twice (ambiguous).
  Result<Bytes> extension(std::string_view oid) const;
  // Whether issuer signed this certificate (signature only: no names, times or CA checks).
  bool is_signed_by(const Certificate& issuer) const;
  // Whether it is a CA (basicConstraints cA, or OpenSSL's legacy rules), and whether its
  // keyUsage, when present, allows digitalSignature: what a document signer must (not) be.
  bool is_ca() const;
  bool may_sign_documents() const;
  // The curve of the certificate's ECDSA key; kUnsupported for other keys and curves.
  Result<EcCurve> ecdsa_curve() const;
  // Verifies raw r||s over message with the certificate's key, which must be on `curve`
  // (hash tied to the curve as in EcdsaPublicKey::verify). Uses the key decoded with the
  // certificate, so it skips the EVP_PKEY_public_check that ecdsa_public_key() runs: OpenSSL
  // already rejects an off-curve point when decoding the certificate, and on these
  // prime-order curves (cofactor 1) that check's extra n*Q == O test cannot fail.
  Status verify_ecdsa(EcCurve curve, ByteView message, ByteView raw_signature) const;
  // The Subject Key Identifier's keyIdentifier; nullopt when the extension is absent.
  std::optional<Bytes> subject_key_id() const;

  X509* get() const { return x509_.get(); }

 private:
  Certificate(std::shared_ptr<X509> x509, Bytes der, std::int64_t not_before,
              std::int64_t not_after)
      : x509_(std::move(x509)),
        der_(std::move(der)),
        not_before_(not_before),
        not_after_(not_after) {}

  std::shared_ptr<X509> x509_;
  Bytes der_;
  std::int64_t not_before_;
  std::int64_t not_after_;
};

// The DER of every "CERTIFICATE" PEM block in order, under the rules of parse_pem_chain
// below, without parsing the certificates (callers that meet the same certificate often
// parse each distinct DER once).
Result<std::vector<Bytes>> pem_chain_der(std::string_view pem);

// Every "CERTIFICATE" PEM block in order. Whitespace between blocks and trailing NUL bytes
// are tolerated (NVIDIA chains are NUL padded, Intel's in quotes end with a NUL); any other
// text, or another PEM type, is an error. At least one certificate is required.
Result<std::vector<Certificate>> parse_pem_chain(std::string_view pem);
Result<std::vector<Certificate>> parse_pem_chain(ByteView pem);

// A parsed certificate revocation list.
class Crl {
 public:
  static Result<Crl> from_der(ByteView der);
  static Result<Crl> from_pem(std::string_view pem);
  // PEM when the data starts (after whitespace) with "-----BEGIN", else DER.
  static Result<Crl> parse(ByteView data);

  const Bytes& der() const { return der_; }
  std::string issuer() const;  // RFC 2253, like Certificate::subject()
  std::int64_t this_update() const { return this_update_; }
  std::optional<std::int64_t> next_update() const { return next_update_; }
  // Whether the serial (big-endian magnitude; leading zeros ignored) is listed.
  bool is_revoked(ByteView serial) const;
  // Whether cert is listed and this CRL's issuer is cert's issuer.
  bool is_revoked(const Certificate& cert) const;
  // The Authority Key Identifier's keyIdentifier; nullopt when absent (or it has none).
  std::optional<Bytes> authority_key_id() const;
  // Whether the CRL carries a CRL Number extension.
  bool has_crl_number() const;
  // Checks that issuer issued this CRL: the issuer names match; issuer may sign CRLs (its
  // keyUsage, when present, has cRLSign); the signature verifies with issuer's key; and,
  // when the CRL carries an Authority Key Identifier, it names issuer's Subject Key
  // Identifier (a CA re-keyed under the same name cannot pass off the other key's CRL).
  Status verify_signature(const Certificate& issuer) const;
  // Checks that this is a complete CRL we can apply without OpenSSL's scope logic: no
  // delta-CRL indicator, no issuing distribution point (no partitioned or indirect CRLs),
  // no critical CRL extension other than CRL Number and AKI, and no critical entry
  // extension. Intel's PCS CRLs and the simulator's pass.
  Status check_complete() const;

  X509_CRL* get() const { return crl_.get(); }

 private:
  Crl(std::shared_ptr<X509_CRL> crl, Bytes der, std::int64_t this_update,
      std::optional<std::int64_t> next_update)
      : crl_(std::move(crl)),
        der_(std::move(der)),
        this_update_(this_update),
        next_update_(next_update) {}

  std::shared_ptr<X509_CRL> crl_;
  Bytes der_;
  std::int64_t this_update_;
  std::optional<std::int64_t> next_update_;
};

struct ChainVerifyOptions {
  // The time to verify at, unix seconds. Certificates (and CRLs) must be valid then.
  std::int64_t at_time = 0;
  // When non-empty, revocation is checked for every certificate below the root
  // (X509_V_FLAG_CRL_CHECK | X509_V_FLAG_CRL_CHECK_ALL): each needs a CRL from its issuer
  // that is valid at at_time and correctly signed.
  std::vector<Crl> crls;
  // OpenSSL's X509_V_FLAG_X509_STRICT (RFC 5280 profile checks such as key identifiers and
  // critical basicConstraints on CAs). Intel's and NVIDIA's real chains pass it.
  bool x509_strict = true;
};

// Verifies leaf <- intermediates... <- root. Intermediates may be in any order and may
// include a copy of the root (NVIDIA chains do); that copy is never trusted, only the pinned
// root is. On success returns the verified chain, leaf first, ending with the pinned root.
// On failure: kVerification, "x509: chain verification failed at depth N (CN=...): <reason>".
Result<std::vector<Certificate>> verify_chain(const Certificate& leaf,
                                              std::span<const Certificate> intermediates,
                                              const Certificate& root,
                                              const ChainVerifyOptions& options);

// The same for a chain given leaf first (chain[0] is the leaf; the rest are intermediates).
Result<std::vector<Certificate>> verify_chain(std::span<const Certificate> chain,
                                              const Certificate& root,
                                              const ChainVerifyOptions& options);

}  // namespace cllm::crypto
