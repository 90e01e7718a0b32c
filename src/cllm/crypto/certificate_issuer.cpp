#include "cllm/crypto/certificate_issuer.hpp"

#include <openssl/asn1.h>
#include <openssl/objects.h>
#include <openssl/pem.h>
#include <openssl/x509v3.h>

#include <ctime>

#include "cllm/crypto/random.hpp"
#include "cllm/crypto/x509_ptr.hpp"

namespace cllm::crypto {

namespace {

using Asn1OctetStringPtr = OpensslPtr<ASN1_OCTET_STRING, ASN1_OCTET_STRING_free>;
using Asn1TimePtr = OpensslPtr<ASN1_TIME, ASN1_TIME_free>;
using X509ExtensionPtr = OpensslPtr<X509_EXTENSION, X509_EXTENSION_free>;
using X509NamePtr = OpensslPtr<X509_NAME, X509_NAME_free>;

Result<X509NamePtr> make_name(const std::vector<NameAttribute>& attributes) {
  if (attributes.empty()) {
    return make_error(ErrorCode::kInvalidArgument, "certificate issuer: empty subject name");
  }
  X509NamePtr name(X509_NAME_new());
  if (!name) return openssl_error("certificate issuer: X509_NAME_new");
  for (const NameAttribute& attribute : attributes) {
    if (X509_NAME_add_entry_by_txt(name.get(), attribute.type.c_str(), MBSTRING_UTF8,
                                   reinterpret_cast<const unsigned char*>(attribute.value.data()),
                                   static_cast<int>(attribute.value.size()), -1, 0) != 1) {
      return openssl_error("certificate issuer: name attribute " + attribute.type);
    }
  }
  return name;
}

// Adds an extension given in OpenSSL's config syntax ("critical,CA:TRUE", "hash", ...).
Status add_conf_extension(X509* cert, X509V3_CTX* ctx, int nid, const std::string& value) {
  X509ExtensionPtr ext(X509V3_EXT_nconf_nid(nullptr, ctx, nid, value.c_str()));
  if (!ext || X509_add_ext(cert, ext.get(), -1) != 1) {
    return openssl_error("certificate issuer: adding extension " + std::string(OBJ_nid2sn(nid)));
  }
  return ok_status();
}

Status add_raw_extension(X509* cert, const RawExtension& extension) {
  Asn1ObjectPtr object(OBJ_txt2obj(extension.oid.c_str(), 1));
  Asn1OctetStringPtr octets(ASN1_OCTET_STRING_new());
  if (!object || !octets ||
      ASN1_OCTET_STRING_set(octets.get(), extension.value.data(),
                            static_cast<int>(extension.value.size())) != 1) {
    return openssl_error("certificate issuer: encoding extension " + extension.oid);
  }
  X509ExtensionPtr ext(X509_EXTENSION_create_by_OBJ(nullptr, object.get(),
                                                    extension.critical ? 1 : 0, octets.get()));
  if (!ext || X509_add_ext(cert, ext.get(), -1) != 1) {
    return openssl_error("certificate issuer: adding extension " + extension.oid);
  }
  return ok_status();
}

Status set_time(ASN1_TIME* field, std::int64_t unix_seconds, const char* what) {
  if (ASN1_TIME_set(field, static_cast<std::time_t>(unix_seconds)) == nullptr) {
    return openssl_error(std::string("certificate issuer: setting ") + what);
  }
  return ok_status();
}

Result<Asn1IntegerPtr> make_integer(ByteView big_endian) {
  BignumPtr bn(BN_bin2bn(big_endian.data(), static_cast<int>(big_endian.size()), nullptr));
  if (!bn) return openssl_error("certificate issuer: BN_bin2bn");
  Asn1IntegerPtr integer(BN_to_ASN1_INTEGER(bn.get(), nullptr));
  if (!integer) return openssl_error("certificate issuer: BN_to_ASN1_INTEGER");
  return integer;
}

}  // namespace

Result<Bytes> random_serial() {
  CLLM_ASSIGN_OR_RETURN(Bytes serial, random_bytes(16));
  serial[0] = static_cast<std::uint8_t>((serial[0] & 0x7F) | 0x01);  // positive, non-zero
  return serial;
}

Result<Certificate> issue_certificate(const CertificateSpec& spec,
                                      const EcdsaPublicKey& subject_key, const Certificate* issuer,
                                      const EcdsaPrivateKey& issuer_key) {
  if (spec.serial.empty() || spec.serial.size() > 20) {
    return make_error(ErrorCode::kInvalidArgument,
                      "certificate issuer: serial must be 1..20 bytes");
  }
  X509Ptr cert(X509_new());
  if (!cert || X509_set_version(cert.get(), 2) != 1) {
    return openssl_error("certificate issuer: X509_new");
  }
  CLLM_ASSIGN_OR_RETURN(auto serial, make_integer(spec.serial));
  if (X509_set_serialNumber(cert.get(), serial.get()) != 1) {
    return openssl_error("certificate issuer: setting serial");
  }
  CLLM_ASSIGN_OR_RETURN(auto subject, make_name(spec.subject));
  if (X509_set_subject_name(cert.get(), subject.get()) != 1) {
    return openssl_error("certificate issuer: setting subject");
  }
  X509_NAME* issuer_name = issuer ? X509_get_subject_name(issuer->get()) : subject.get();
  if (X509_set_issuer_name(cert.get(), issuer_name) != 1) {
    return openssl_error("certificate issuer: setting issuer");
  }
  CLLM_TRY(set_time(X509_getm_notBefore(cert.get()), spec.not_before, "notBefore"));
  CLLM_TRY(set_time(X509_getm_notAfter(cert.get()), spec.not_after, "notAfter"));
  if (X509_set_pubkey(cert.get(), subject_key.pkey()) != 1) {
    return openssl_error("certificate issuer: setting public key");
  }

  X509V3_CTX ctx;
  X509V3_set_ctx_nodb(&ctx);
  // The SKI must exist before the AKI of a self-signed certificate can refer to it.
  X509V3_set_ctx(&ctx, issuer ? issuer->get() : cert.get(), cert.get(), nullptr, nullptr, 0);
  CLLM_TRY(add_conf_extension(cert.get(), &ctx, NID_subject_key_identifier, "hash"));
  CLLM_TRY(add_conf_extension(cert.get(), &ctx, NID_authority_key_identifier, "keyid:always"));
  if (spec.crl_distribution_point) {
    CLLM_TRY(add_conf_extension(cert.get(), &ctx, NID_crl_distribution_points,
                                "URI:" + *spec.crl_distribution_point));
  }
  if (spec.ocsp_uri) {
    CLLM_TRY(add_conf_extension(cert.get(), &ctx, NID_info_access, "OCSP;URI:" + *spec.ocsp_uri));
  }
  if (!spec.key_usage.empty()) {
    CLLM_TRY(add_conf_extension(cert.get(), &ctx, NID_key_usage, spec.key_usage));
  }
  if (spec.basic_constraints != BasicConstraints::kAbsent) {
    const bool ca = spec.basic_constraints == BasicConstraints::kCa;
    std::string basic = ca ? "critical,CA:TRUE" : "critical,CA:FALSE";
    if (ca && spec.path_length) basic += ",pathlen:" + std::to_string(*spec.path_length);
    CLLM_TRY(add_conf_extension(cert.get(), &ctx, NID_basic_constraints, basic));
  }
  for (const RawExtension& extension : spec.extensions) {
    CLLM_TRY(add_raw_extension(cert.get(), extension));
  }

  CLLM_ASSIGN_OR_RETURN(EvpMdPtr md, detail::fetch_md(spec.signature_hash));
  if (X509_sign(cert.get(), issuer_key.pkey(), md.get()) <= 0) {
    return openssl_error("certificate issuer: signing certificate");
  }
  unsigned char* der = nullptr;
  const int der_len = i2d_X509(cert.get(), &der);
  if (der_len <= 0) return openssl_error("certificate issuer: encoding certificate");
  Bytes der_bytes(der, der + der_len);
  OPENSSL_free(der);
  return Certificate::from_der(der_bytes);
}

Result<Crl> issue_empty_crl(const Certificate& issuer, const EcdsaPrivateKey& issuer_key,
                            std::int64_t crl_number, std::int64_t this_update,
                            std::int64_t next_update, HashAlgorithm signature_hash) {
  X509CrlPtr crl(X509_CRL_new());
  if (!crl || X509_CRL_set_version(crl.get(), 1) != 1 ||
      X509_CRL_set_issuer_name(crl.get(), X509_get_subject_name(issuer.get())) != 1) {
    return openssl_error("certificate issuer: creating CRL");
  }
  Asn1TimePtr last(ASN1_TIME_set(nullptr, static_cast<std::time_t>(this_update)));
  Asn1TimePtr next(ASN1_TIME_set(nullptr, static_cast<std::time_t>(next_update)));
  if (!last || !next || X509_CRL_set1_lastUpdate(crl.get(), last.get()) != 1 ||
      X509_CRL_set1_nextUpdate(crl.get(), next.get()) != 1) {
    return openssl_error("certificate issuer: setting CRL times");
  }
  Asn1IntegerPtr number(ASN1_INTEGER_new());
  if (!number || ASN1_INTEGER_set_int64(number.get(), crl_number) != 1 ||
      X509_CRL_add1_ext_i2d(crl.get(), NID_crl_number, number.get(), 0, 0) != 1) {
    return openssl_error("certificate issuer: adding CRL number");
  }
  X509V3_CTX ctx;
  X509V3_set_ctx_nodb(&ctx);
  X509V3_set_ctx(&ctx, issuer.get(), nullptr, nullptr, crl.get(), 0);
  X509ExtensionPtr aki(
      X509V3_EXT_nconf_nid(nullptr, &ctx, NID_authority_key_identifier, "keyid:always"));
  if (!aki || X509_CRL_add_ext(crl.get(), aki.get(), -1) != 1) {
    return openssl_error("certificate issuer: adding CRL authority key identifier");
  }
  CLLM_ASSIGN_OR_RETURN(EvpMdPtr md, detail::fetch_md(signature_hash));
  if (X509_CRL_sign(crl.get(), issuer_key.pkey(), md.get()) <= 0) {
    return openssl_error("certificate issuer: signing CRL");
  }
  unsigned char* der = nullptr;
  const int der_len = i2d_X509_CRL(crl.get(), &der);
  if (der_len <= 0) return openssl_error("certificate issuer: encoding CRL");
  Bytes der_bytes(der, der + der_len);
  OPENSSL_free(der);
  return Crl::from_der(der_bytes);
}

Result<std::string> certificate_pem(const Certificate& certificate) {
  BioPtr bio(BIO_new(BIO_s_mem()));
  if (!bio || PEM_write_bio_X509(bio.get(), certificate.get()) != 1) {
    return openssl_error("certificate issuer: writing PEM");
  }
  char* data = nullptr;
  // BIO_get_mem_data is a macro with a C-style cast; call what it expands to.
  const long size = BIO_ctrl(bio.get(), BIO_CTRL_INFO, 0, static_cast<void*>(&data));
  if (size <= 0 || data == nullptr) return openssl_error("certificate issuer: reading PEM");
  return std::string(data, static_cast<std::size_t>(size));
}

}  // namespace cllm::crypto
