#include "cllm/tdx/verifier_context.hpp"

#include <algorithm>
#include <string>
#include <utility>

namespace cllm::tdx::detail {

VerifyContext::VerifyContext(std::span<const crypto::Certificate> roots) : roots_(roots) {}

Result<std::vector<crypto::Certificate>> VerifyContext::parse_chain(std::string_view pem) {
  // The TCB info and QE identity issuer chains are usually the same text.
  for (const auto& entry : texts_) {
    if (entry.text == pem) return entry.result;
  }
  auto result = parse_distinct(pem);
  texts_.push_back({pem, result});
  return result;
}

Result<std::vector<crypto::Certificate>> VerifyContext::parse_distinct(std::string_view pem) {
  CLLM_ASSIGN_OR_RETURN(std::vector<Bytes> ders, crypto::pem_chain_der(pem));
  std::vector<crypto::Certificate> out;
  out.reserve(ders.size());
  for (std::size_t i = 0; i < ders.size(); ++i) {
    const auto same = [&](const crypto::Certificate& c) { return c.der() == ders[i]; };
    if (auto it = std::find_if(roots_.begin(), roots_.end(), same); it != roots_.end()) {
      out.push_back(*it);
      continue;
    }
    if (auto it = std::find_if(known_.begin(), known_.end(), same); it != known_.end()) {
      out.push_back(*it);
      continue;
    }
    auto cert = crypto::Certificate::from_der(ders[i]);
    if (!cert.ok()) return std::move(cert).error().context("certificate " + std::to_string(i));
    known_.push_back(*cert);
    out.push_back(std::move(cert).value());
  }
  return out;
}

Result<std::vector<crypto::Certificate>> VerifyContext::verify_chain(
    const crypto::Certificate& leaf, const std::vector<crypto::Certificate>& others,
    const crypto::Certificate& root, std::int64_t now) {
  // Certificates come from parse_chain, so equal DER means the same OpenSSL object; now is
  // the same for the whole call.
  std::vector<const X509*> key{leaf.get(), root.get()};
  for (const auto& cert : others)
    key.push_back(cert.get());
  for (const auto& entry : chains_) {
    if (entry.key == key) return entry.result;
  }
  crypto::ChainVerifyOptions options;
  options.at_time = now;
  options.x509_strict = true;
  auto result = crypto::verify_chain(leaf, others, root, options);
  chains_.push_back({std::move(key), result});
  return result;
}

Status check_revocation(std::span<const crypto::Certificate> chain,
                        std::span<const TrustedCrl> crls) {
  for (std::size_t i = 0; i < chain.size(); ++i) {
    const crypto::Certificate& cert = chain[i];
    const crypto::Certificate& issuer = i + 1 < chain.size() ? chain[i + 1] : chain[i];
    const auto crl = std::find_if(crls.begin(), crls.end(), [&](const TrustedCrl& c) {
      return c.crl != nullptr && c.issuer.der() == issuer.der();
    });
    if (crl == crls.end()) {
      return make_error(ErrorCode::kVerification,
                        "no valid CRL from \"" + issuer.subject_common_name() + "\" covers \"" +
                            cert.subject_common_name() + "\"");
    }
    if (crl->crl->is_revoked(cert)) {
      return make_error(ErrorCode::kVerification, "\"" + cert.subject_common_name() +
                                                      "\" (serial " + cert.serial_hex() +
                                                      ") is revoked by its issuer's CRL");
    }
  }
  return ok_status();
}

}  // namespace cllm::tdx::detail
