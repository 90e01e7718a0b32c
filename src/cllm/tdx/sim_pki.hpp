// The TDX simulator's certificate profile: certificates and CRLs shaped like Intel's
// SGX provisioning PKI (P-256, ECDSA-SHA256, SKI/AKI, critical basicConstraints and
// keyUsage, CRL Number), so that the real DCAP verifier and OpenSSL's strict chain checks
// accept them. Nothing here knows or uses an Intel key: every key is the simulator's own.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "cllm/common/bytes.hpp"
#include "cllm/common/result.hpp"
#include "cllm/crypto/certificate_issuer.hpp"
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

// Issues a certificate for subject_key, signed by issuer_key (SHA-256), named
// "CN=<common_name>, O=cllm TDX Simulator". issuer == nullptr makes it self-signed (issuer_key
// must then be the subject's own private key). The generic issuing is crypto's.
Result<crypto::Certificate> issue_certificate(const SimCertificateSpec& spec,
                                              const crypto::EcdsaPublicKey& subject_key,
                                              const crypto::Certificate* issuer,
                                              const crypto::EcdsaPrivateKey& issuer_key);

// The generic parts, under the names the TDX simulator has always used.
using crypto::certificate_pem;
using crypto::issue_empty_crl;
using crypto::random_serial;

}  // namespace cllm::tdx
