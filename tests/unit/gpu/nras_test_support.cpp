#include "unit/gpu/nras_test_support.hpp"

#include <openssl/pem.h>
#include <openssl/x509v3.h>

#include <stdexcept>

#include "cllm/common/hex.hpp"
#include "cllm/crypto/hash.hpp"
#include "cllm/crypto/x509_ptr.hpp"
#include "cllm/gpu/jws.hpp"

namespace cllm::gpu::nras_test {

namespace {

void check(bool ok, const char* what) {
  if (!ok) throw std::runtime_error(std::string("nras test support: ") + what);
}

void add_ext(X509* cert, int nid, const std::string& value) {
  X509V3_CTX ctx;
  X509V3_set_ctx(&ctx, cert, cert, nullptr, nullptr, 0);
  X509_EXTENSION* ext = X509V3_EXT_conf_nid(nullptr, &ctx, nid, value.c_str());
  check(ext != nullptr, "extension");
  check(X509_add_ext(cert, ext, -1) == 1, "add extension");
  X509_EXTENSION_free(ext);
}

}  // namespace

crypto::Certificate self_signed(const crypto::EcdsaPrivateKey& key, const std::string& cn,
                                const std::string& san) {
  static long serial = 1;
  crypto::X509Ptr owner(X509_new());
  X509* cert = owner.get();
  check(X509_set_version(cert, 2) == 1, "version");
  ASN1_INTEGER_set(X509_get_serialNumber(cert), serial++);
  X509_gmtime_adj(X509_getm_notBefore(cert), -3600);
  X509_gmtime_adj(X509_getm_notAfter(cert), 86400);
  X509_NAME* name = X509_get_subject_name(cert);
  X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC,
                             reinterpret_cast<const unsigned char*>(cn.c_str()), -1, -1, 0);
  check(X509_set_issuer_name(cert, name) == 1, "issuer");
  check(X509_set_pubkey(cert, key.pkey()) == 1, "pubkey");
  add_ext(cert, NID_basic_constraints, "critical,CA:TRUE");
  add_ext(cert, NID_subject_key_identifier, "hash");
  add_ext(cert, NID_key_usage, "critical,digitalSignature,keyCertSign");
  if (!san.empty()) add_ext(cert, NID_subject_alt_name, san);
  check(X509_sign(cert, key.pkey(), EVP_sha384()) > 0, "sign");
  const int len = i2d_X509(cert, nullptr);
  check(len > 0, "der");
  Bytes der(static_cast<std::size_t>(len));
  unsigned char* p = der.data();
  i2d_X509(cert, &p);
  auto parsed = crypto::Certificate::from_der(der);
  check(parsed.ok(), "parse");
  return std::move(parsed).value();
}

std::string certificate_pem(const crypto::Certificate& cert) {
  crypto::BioPtr bio(BIO_new(BIO_s_mem()));
  check(PEM_write_bio_X509(bio.get(), cert.get()) == 1, "pem");
  char* data = nullptr;
  const long len = BIO_get_mem_data(bio.get(), &data);
  return std::string(data, static_cast<std::size_t>(len));
}

Json good_gpu_claims(const std::string& nonce_hex, const std::string& issuer, std::int64_t iat) {
  return Json{{"iss", issuer},
              {"eat_nonce", nonce_hex},
              {"iat", iat},
              {"nbf", iat},
              {"exp", iat + 3600},
              {"jti", "00000000-0000-0000-0000-000000000001"},
              {"measres", "success"},
              {"secboot", true},
              {"dbgstat", "disabled"},
              {"hwmodel", "GH100 A01 GSP BROM"},
              {"ueid", "478176379286082186618948445787393647364802107249"},
              {"x-nvidia-gpu-arch-check", true},
              {"x-nvidia-gpu-attestation-report-nonce-match", true},
              {"x-nvidia-gpu-attestation-report-signature-verified", true},
              {"x-nvidia-gpu-driver-version", "550.90.07"},
              {"x-nvidia-gpu-vbios-version", "96.00.9F.00.01"},
              {"x-nvidia-attestation-warning", nullptr}};
}

Json good_overall_claims(const std::string& nonce_hex, const std::string& issuer,
                         std::int64_t iat) {
  return Json{{"sub", "NVIDIA-PLATFORM-ATTESTATION"},
              {"x-nvidia-ver", "3.0"},
              {"iss", issuer},
              {"eat_nonce", nonce_hex},
              {"iat", iat},
              {"nbf", iat},
              {"exp", iat + 3600},
              {"jti", "00000000-0000-0000-0000-000000000000"},
              {"x-nvidia-overall-att-result", true}};
}

std::string make_detached_eat(const crypto::EcdsaPrivateKey& key, const std::string& kid,
                              Json overall, const std::vector<Json>& devices,
                              const std::string& device_prefix) {
  Json tokens = Json::object();
  Json submods = Json::object();
  for (std::size_t i = 0; i < devices.size(); ++i) {
    auto token = sign_jws_es384(devices[i], kid, key);
    check(token.ok(), "sign device token");
    auto digest = crypto::sha256(as_bytes(*token));
    check(digest.ok(), "digest");
    const std::string name = device_prefix + "-" + std::to_string(i);
    submods[name] = Json::array({"DIGEST", Json::array({"SHA-256", to_hex(*digest)})});
    tokens[name] = *token;
  }
  if (!overall.contains("submods")) overall["submods"] = submods;
  auto token = sign_jws_es384(overall, kid, key);
  check(token.ok(), "sign overall token");
  return Json::array({Json::array({"JWT", *token}), tokens}).dump();
}

}  // namespace cllm::gpu::nras_test
