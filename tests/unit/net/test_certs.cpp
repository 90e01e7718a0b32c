#include "unit/net/test_certs.hpp"

#include <openssl/ec.h>
#include <openssl/pem.h>
#include <openssl/x509v3.h>

#include <stdexcept>

namespace cllm::net::test {
namespace {

void check(bool ok, const char* what) {
  if (!ok) throw std::runtime_error(std::string("test cert: ") + what);
}

std::string bio_text(BIO* bio) {
  char* data = nullptr;
  const long len = BIO_ctrl(bio, BIO_CTRL_INFO, 0, &data);
  return std::string(data, static_cast<std::size_t>(len));
}

void add_ext(X509* cert, X509* issuer, int nid, const std::string& value) {
  X509V3_CTX ctx;
  X509V3_set_ctx(&ctx, issuer, cert, nullptr, nullptr, 0);
  X509_EXTENSION* ext = X509V3_EXT_conf_nid(nullptr, &ctx, nid, value.c_str());
  check(ext != nullptr, "extension");
  check(X509_add_ext(cert, ext, -1) == 1, "add extension");
  X509_EXTENSION_free(ext);
}

}  // namespace

TestCert make_cert(const std::string& cn, const TestCert* issuer, bool ca, const std::string& san) {
  static long serial = 1;
  TestCert out;
  out.key.reset(EVP_EC_gen("P-256"));
  check(out.key != nullptr, "keygen");
  out.cert.reset(X509_new());
  X509* cert = out.cert.get();
  check(X509_set_version(cert, 2) == 1, "version");
  ASN1_INTEGER_set(X509_get_serialNumber(cert), serial++);
  X509_gmtime_adj(X509_getm_notBefore(cert), -3600);
  X509_gmtime_adj(X509_getm_notAfter(cert), 86400);
  X509_NAME* name = X509_get_subject_name(cert);
  X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC,
                             reinterpret_cast<const unsigned char*>(cn.c_str()), -1, -1, 0);
  X509* issuer_cert = issuer != nullptr ? issuer->cert.get() : cert;
  EVP_PKEY* signing_key = issuer != nullptr ? issuer->key.get() : out.key.get();
  check(X509_set_issuer_name(cert, X509_get_subject_name(issuer_cert)) == 1, "issuer");
  check(X509_set_pubkey(cert, out.key.get()) == 1, "pubkey");
  add_ext(cert, issuer_cert, NID_basic_constraints, ca ? "critical,CA:TRUE" : "CA:FALSE");
  add_ext(cert, issuer_cert, NID_subject_key_identifier, "hash");
  if (ca) add_ext(cert, issuer_cert, NID_key_usage, "critical,keyCertSign,cRLSign");
  if (!san.empty()) add_ext(cert, issuer_cert, NID_subject_alt_name, san);
  check(X509_sign(cert, signing_key, EVP_sha256()) > 0, "sign");

  crypto::BioPtr cert_bio(BIO_new(BIO_s_mem()));
  check(PEM_write_bio_X509(cert_bio.get(), cert) == 1, "cert pem");
  out.cert_pem = bio_text(cert_bio.get());
  crypto::BioPtr key_bio(BIO_new(BIO_s_mem()));
  check(PEM_write_bio_PrivateKey(key_bio.get(), out.key.get(), nullptr, nullptr, 0, nullptr,
                                 nullptr) == 1,
        "key pem");
  out.key_pem = bio_text(key_bio.get());
  const int len = i2d_X509(cert, nullptr);
  out.der.resize(static_cast<std::size_t>(len));
  unsigned char* p = out.der.data();
  i2d_X509(cert, &p);
  return out;
}

}  // namespace cllm::net::test
