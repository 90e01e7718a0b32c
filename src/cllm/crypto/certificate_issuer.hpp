// Issuing X.509 certificates and CRLs with our own keys, for the simulators' PKIs (TDX: P-256,
// SHA-256, shaped like Intel's; GPU: P-384, SHA-384, shaped like NVIDIA's device chains) and
// RA-TLS. The caller states every name attribute, extension and the signature hash, so each
// simulator can mirror the real chain that verifiers are written against.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "cllm/common/bytes.hpp"
#include "cllm/common/result.hpp"
#include "cllm/crypto/ecdsa.hpp"
#include "cllm/crypto/hash.hpp"
#include "cllm/crypto/x509.hpp"

namespace cllm::crypto {

// One attribute of a distinguished name: OpenSSL's short name ("CN", "O", "C",
// "serialNumber") and a UTF-8 value. A name is encoded in the order given.
struct NameAttribute {
  std::string type;
  std::string value;
};

enum class BasicConstraints {
  kAbsent,     // no extension (NVIDIA's per-boot attestation leaf has none)
  kEndEntity,  // critical CA:FALSE
  kCa,         // critical CA:TRUE (+ pathlen when path_length is set)
};

// An extension given as its DER value (the contents of extnValue), under a dotted OID.
struct RawExtension {
  std::string oid;
  bool critical = false;
  Bytes value;
};

struct CertificateSpec {
  std::vector<NameAttribute> subject;
  Bytes serial;                 // big-endian magnitude, 1..20 bytes, non-zero
  std::int64_t not_before = 0;  // unix seconds
  std::int64_t not_after = 0;
  BasicConstraints basic_constraints = BasicConstraints::kEndEntity;
  std::optional<int> path_length;  // kCa only
  // keyUsage in OpenSSL's config syntax ("critical,keyCertSign,cRLSign"); empty: none.
  std::string key_usage;
  std::optional<std::string> crl_distribution_point;  // URI
  std::optional<std::string> ocsp_uri;                // Authority Information Access
  std::vector<RawExtension> extensions;               // added last, in order
  HashAlgorithm signature_hash = HashAlgorithm::kSha256;
};

// Issues a certificate for subject_key, signed by issuer_key, with a Subject Key Identifier
// and an Authority Key Identifier. issuer == nullptr makes it self-signed (issuer_key must
// then be the subject's own private key).
Result<Certificate> issue_certificate(const CertificateSpec& spec,
                                      const EcdsaPublicKey& subject_key, const Certificate* issuer,
                                      const EcdsaPrivateKey& issuer_key);

// An empty (nothing revoked) v2 CRL from issuer with a CRL Number and the issuer's AKI.
Result<Crl> issue_empty_crl(const Certificate& issuer, const EcdsaPrivateKey& issuer_key,
                            std::int64_t crl_number, std::int64_t this_update,
                            std::int64_t next_update,
                            HashAlgorithm signature_hash = HashAlgorithm::kSha256);

// A random positive serial of 16 bytes (top bit clear, never zero).
Result<Bytes> random_serial();

// PEM text of a certificate ("-----BEGIN CERTIFICATE-----...").
Result<std::string> certificate_pem(const Certificate& certificate);

}  // namespace cllm::crypto
