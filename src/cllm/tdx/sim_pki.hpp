// X.509 issuing for the TDX simulator's own PKI: certificates and CRLs shaped like Intel's
// SGX provisioning PKI (P-256, ECDSA-SHA256, SKI/AKI, critical basicConstraints and
// keyUsage, CRL Number), so that the real DCAP verifier and OpenSSL's strict chain checks
// accept them. Nothing here knows or uses an Intel key: every key is the simulator's own.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "cllm/common/bytes.hpp"
#include "cllm/common/result.hpp"
#include "cllm/crypto/ecdsa.hpp"
#include "cllm/crypto/x509.hpp"

namespace cllm::tdx {

// Organisation of every simulator certificate, so nobody mistakes one for Intel's.
inline constexpr std::string_view kSimOrganization = "cllm TDX Simulator";

enum class SimKeyUsage {
  kCa,    // critical keyCertSign, cRLSign
  kLeaf,  // critical digitalSignature, nonRepudiation
};

struct SimCertificateSpec {
  std::string common_name;
  Bytes serial;                 // big-endian magnitude, non-zero
  std::int64_t not_before = 0;  // unix seconds
  std::int64_t not_after = 0;
  bool is_ca = false;
  std::optional<int> path_length;  // CA only
  SimKeyUsage key_usage = SimKeyUsage::kLeaf;
  std::optional<std::string> crl_distribution_point;  // URI
  // The DER value of a non-critical extension with this dotted OID (the SGX extension).
  std::optional<std::string> custom_extension_oid;
  Bytes custom_extension_value;
};

// Issues a certificate for subject_key, signed by issuer_key. issuer == nullptr makes it
// self-signed (issuer_key must then be the subject's own private key).
Result<crypto::Certificate> issue_certificate(const SimCertificateSpec& spec,
                                              const crypto::EcdsaPublicKey& subject_key,
                                              const crypto::Certificate* issuer,
                                              const crypto::EcdsaPrivateKey& issuer_key);

// An empty (nothing revoked) v2 CRL from issuer with a CRL Number and the issuer's AKI.
Result<crypto::Crl> issue_empty_crl(const crypto::Certificate& issuer,
                                    const crypto::EcdsaPrivateKey& issuer_key,
                                    std::int64_t crl_number, std::int64_t this_update,
                                    std::int64_t next_update);

// A random positive serial of 16 bytes (top bit clear, never zero).
Result<Bytes> random_serial();

// PEM text of a certificate ("-----BEGIN CERTIFICATE-----...").
Result<std::string> certificate_pem(const crypto::Certificate& certificate);

}  // namespace cllm::tdx
