#include "cllm/tdx/sim_pki.hpp"

namespace cllm::tdx {

Result<crypto::Certificate> issue_certificate(const SimCertificateSpec& spec,
                                              const crypto::EcdsaPublicKey& subject_key,
                                              const crypto::Certificate* issuer,
                                              const crypto::EcdsaPrivateKey& issuer_key) {
  crypto::CertificateSpec generic;
  // Intel's order: CN first, then O.
  generic.subject = {{"CN", spec.common_name}, {"O", std::string(kSimOrganization)}};
  generic.serial = spec.serial;
  generic.not_before = spec.not_before;
  generic.not_after = spec.not_after;
  generic.basic_constraints =
      spec.is_ca ? crypto::BasicConstraints::kCa : crypto::BasicConstraints::kEndEntity;
  if (spec.is_ca) generic.path_length = spec.path_length;
  generic.key_usage = spec.key_usage == SimKeyUsage::kCa
                          ? "critical,keyCertSign,cRLSign"
                          : "critical,digitalSignature,nonRepudiation";
  generic.crl_distribution_point = spec.crl_distribution_point;
  if (spec.custom_extension_oid) {
    generic.extensions.push_back({*spec.custom_extension_oid, false, spec.custom_extension_value});
  }
  generic.signature_hash = crypto::HashAlgorithm::kSha256;
  auto issued = crypto::issue_certificate(generic, subject_key, issuer, issuer_key);
  if (!issued) return issued.error().context("sim pki: " + spec.common_name);
  return issued;
}

}  // namespace cllm::tdx
