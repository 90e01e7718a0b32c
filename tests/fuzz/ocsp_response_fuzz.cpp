// OCSP responses from outside (a responder over plain http, or a stored file): parsing and
// verification must survive arbitrary bytes, and nothing unsigned by the test PKI may pass.
// The PKI (root -> intermediate -> leaf, P-384) is made once per process.
// Seeds (tests/fuzz/seeds/ocsp_response_fuzz): real responses made with `openssl ocsp` (OpenSSL
// 3.0) by a throwaway P-384 CA whose keys were discarded: good (key-hash responder id), good
// with a nonce, revoked (keyCompromise), certificateHold, signed by a delegated responder
// (id-kp-OCSPSigning, ocsp-nocheck), an unknown serial, and the bare tryLater status. None can
// verify here; they start the fuzzer inside every branch of the DER parser.
#include <cstdint>
#include <cstdlib>
#include <optional>

#include "cllm/crypto/certificate_issuer.hpp"
#include "cllm/crypto/ocsp.hpp"

namespace {

using cllm::crypto::Certificate;

constexpr std::int64_t kNow = 1767225600;  // 2026-01-01T00:00:00Z

struct Pki {
  Certificate root;
  Certificate intermediate;
  Certificate leaf;
};

cllm::crypto::CertificateSpec spec(const char* cn, cllm::crypto::BasicConstraints bc) {
  cllm::crypto::CertificateSpec s;
  s.subject = {{"CN", cn}};
  s.serial = cllm::Bytes{0x01, 0x23};
  s.not_before = kNow - 86400;
  s.not_after = kNow + 86400;
  s.basic_constraints = bc;
  s.key_usage = bc == cllm::crypto::BasicConstraints::kCa ? "critical,keyCertSign,cRLSign"
                                                          : "critical,digitalSignature";
  s.ocsp_uri = "http://ocsp.example.invalid";
  s.signature_hash = cllm::crypto::HashAlgorithm::kSha384;
  return s;
}

Certificate must(cllm::Result<Certificate> r) {
  if (!r.ok()) std::abort();
  return std::move(r).value();
}

const Pki& pki() {
  static const Pki p = [] {
    using cllm::crypto::BasicConstraints;
    using cllm::crypto::EcCurve;
    using cllm::crypto::EcdsaPrivateKey;
    auto root_key = EcdsaPrivateKey::generate(EcCurve::kP384);
    auto int_key = EcdsaPrivateKey::generate(EcCurve::kP384);
    auto leaf_key = EcdsaPrivateKey::generate(EcCurve::kP384);
    if (!root_key.ok() || !int_key.ok() || !leaf_key.ok()) std::abort();
    Certificate root = must(cllm::crypto::issue_certificate(
        spec("Root", BasicConstraints::kCa), root_key->public_key(), nullptr, *root_key));
    Certificate intermediate = must(cllm::crypto::issue_certificate(
        spec("Intermediate", BasicConstraints::kCa), int_key->public_key(), &root, *root_key));
    Certificate leaf =
        must(cllm::crypto::issue_certificate(spec("Leaf", BasicConstraints::kEndEntity),
                                             leaf_key->public_key(), &intermediate, *int_key));
    return Pki{root, intermediate, leaf};
  }();
  return p;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const Pki& p = pki();
  cllm::crypto::OcspVerifyOptions options;
  options.now = kNow;
  options.anchor = p.root;
  options.expected_nonce = cllm::Bytes(32, 0x5A);
  options.require_nonce = false;
  cllm::ByteView bytes(data, size);
  // Nobody but the fuzzer's own keys could sign these bytes: any success is a forgery.
  if (cllm::crypto::parse_and_verify_ocsp_response(bytes, p.leaf, p.intermediate, options).ok())
    std::abort();
  if (cllm::crypto::parse_and_verify_ocsp_response(bytes, p.intermediate, p.root, options).ok())
    std::abort();
  return 0;
}
