// Certificates and CRLs from outside (quote certification data, GPU chains, collateral):
// DER and PEM parsing and every accessor must survive arbitrary bytes.
#include <cstdint>
#include <string_view>

#include "cllm/crypto/x509.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  cllm::ByteView bytes(data, size);
  if (auto cert = cllm::crypto::Certificate::from_der(bytes); cert.ok()) {
    (void)cert->subject();
    (void)cert->issuer();
    (void)cert->serial_hex();
    (void)cert->spki_der();
    (void)cert->extension("1.2.840.113741.1.13.1");
    (void)cert->ecdsa_public_key();
  }
  std::string_view text(reinterpret_cast<const char*>(data), size);
  if (auto chain = cllm::crypto::parse_pem_chain(text); chain.ok()) {
    for (const auto& c : *chain)
      (void)c.subject();
  }
  if (auto crl = cllm::crypto::Crl::parse(bytes); crl.ok()) {
    (void)crl->issuer();
    (void)crl->next_update();
  }
  return 0;
}
