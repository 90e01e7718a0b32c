// Certificates made at test time with OpenSSL: a CA, intermediates and leaves with SANs.
#pragma once

#include <string>

#include "cllm/common/bytes.hpp"
#include "cllm/crypto/evp_ptr.hpp"
#include "cllm/crypto/x509_ptr.hpp"

namespace cllm::net::test {

struct TestCert {
  crypto::X509Ptr cert;
  crypto::EvpPkeyPtr key;
  std::string cert_pem;
  std::string key_pem;
  Bytes der;
};

// A P-256 certificate for `cn`, signed by issuer (self-signed when null). san is OpenSSL's
// config syntax ("IP:127.0.0.1,DNS:localhost"); empty for none.
TestCert make_cert(const std::string& cn, const TestCert* issuer, bool ca,
                   const std::string& san = "IP:127.0.0.1,DNS:localhost");

}  // namespace cllm::net::test
