#include "cllm/ratls/certificate.hpp"

#include <arpa/inet.h>
#include <openssl/asn1.h>
#include <openssl/err.h>
#include <openssl/objects.h>
#include <openssl/pem.h>
#include <openssl/x509v3.h>

#include <algorithm>
#include <ctime>

#include "cllm/common/base64.hpp"
#include "cllm/common/hex.hpp"
#include "cllm/crypto/certificate_issuer.hpp"
#include "cllm/crypto/hash.hpp"
#include "cllm/crypto/x509_ptr.hpp"
#include "cllm/tdx/quote.hpp"

namespace cllm::ratls {

namespace {

using crypto::openssl_error;
using X509ExtensionPtr = crypto::OpensslPtr<X509_EXTENSION, X509_EXTENSION_free>;
using X509NamePtr = crypto::OpensslPtr<X509_NAME, X509_NAME_free>;
using Asn1StringPtr = crypto::OpensslPtr<ASN1_STRING, ASN1_STRING_free>;
using Asn1OctetStringPtr = crypto::OpensslPtr<ASN1_OCTET_STRING, ASN1_OCTET_STRING_free>;

Error cert_error(std::string_view what) {
  return make_error(ErrorCode::kParse, "ratls: " + std::string(what));
}

Status add_conf_extension(X509* cert, X509V3_CTX* ctx, int nid, const std::string& value) {
  X509ExtensionPtr ext(X509V3_EXT_nconf_nid(nullptr, ctx, nid, value.c_str()));
  if (!ext) return openssl_error("ratls: extension " + value);
  if (X509_add_ext(cert, ext.get(), -1) != 1) return openssl_error("ratls: X509_add_ext");
  return ok_status();
}

// Names go into an OpenSSL config string, so only characters that cannot change its meaning
// (no ',', ':' or spaces) are let through.
Status check_dns_name(std::string_view name) {
  std::string_view rest = name.substr(0, 2) == "*." ? name.substr(2) : name;
  const bool ok =
      !rest.empty() && name.size() <= 253 && std::all_of(rest.begin(), rest.end(), [](char c) {
        return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
               c == '-' || c == '.';
      });
  if (!ok)
    return make_error(ErrorCode::kInvalidArgument,
                      "ratls: bad DNS name '" + std::string(name) + "'");
  return ok_status();
}

Status check_ip(const std::string& ip) {
  unsigned char buf[16];
  if (inet_pton(AF_INET, ip.c_str(), buf) != 1 && inet_pton(AF_INET6, ip.c_str(), buf) != 1) {
    return make_error(ErrorCode::kInvalidArgument, "ratls: bad IP address '" + ip + "'");
  }
  return ok_status();
}

Result<std::string> sha256_hex(ByteView data) {
  CLLM_ASSIGN_OR_RETURN(Bytes digest, crypto::sha256(data));
  return to_hex(digest);
}

// One CMW record [media type, base64url value] of the collection.
Result<Bytes> record(const Json& collection, std::string_view key, std::string_view media_type) {
  auto it = collection.find(key);
  if (it == collection.end())
    return cert_error("CMW collection lacks \"" + std::string(key) + "\"");
  if (!it->is_array() || it->size() != 2 || !(*it)[0].is_string() || !(*it)[1].is_string()) {
    return cert_error("CMW record \"" + std::string(key) + "\" must be [media type, base64url]");
  }
  if ((*it)[0].get_ref<const std::string&>() != media_type) {
    return cert_error("CMW record \"" + std::string(key) + "\" has media type " +
                      (*it)[0].get<std::string>() + ", expected " + std::string(media_type));
  }
  auto value = base64url_decode((*it)[1].get_ref<const std::string&>());
  if (!value.ok()) return cert_error("CMW record \"" + std::string(key) + "\" is not base64url");
  return std::move(value).value();
}

}  // namespace

Result<crypto::EvpPkeyPtr> generate_tls_key() {
  crypto::EvpPkeyPtr key(EVP_PKEY_Q_keygen(nullptr, nullptr, "EC", "P-256"));
  if (!key) return openssl_error("ratls: generating the P-256 TLS key");
  return key;
}

Result<std::string> public_key_spki_sha256(EVP_PKEY* key) {
  if (key == nullptr) return make_error(ErrorCode::kInvalidArgument, "ratls: no key");
  unsigned char* der = nullptr;
  const int size = i2d_PUBKEY(key, &der);
  if (size <= 0) return openssl_error("ratls: i2d_PUBKEY");
  auto out = sha256_hex(ByteView(der, static_cast<std::size_t>(size)));
  OPENSSL_free(der);
  return out;
}

Result<std::string> certificate_spki_sha256(const crypto::Certificate& certificate) {
  return sha256_hex(certificate.spki_der());
}

Result<std::string> certificate_spki_sha256(ByteView certificate_der) {
  CLLM_ASSIGN_OR_RETURN(crypto::Certificate certificate,
                        crypto::Certificate::from_der(certificate_der));
  return certificate_spki_sha256(certificate);
}

Result<SecretBytes> private_key_pem(EVP_PKEY* key) {
  crypto::BioPtr bio(BIO_new(BIO_s_mem()));
  if (!bio) return openssl_error("ratls: BIO_new");
  if (PEM_write_bio_PrivateKey(bio.get(), key, nullptr, nullptr, 0, nullptr, nullptr) != 1) {
    return openssl_error("ratls: PEM_write_bio_PrivateKey");
  }
  char* data = nullptr;
  const long size = BIO_get_mem_data(bio.get(), &data);
  if (size <= 0 || data == nullptr) return openssl_error("ratls: BIO_get_mem_data");
  SecretBytes out(
      ByteView(reinterpret_cast<const std::uint8_t*>(data), static_cast<std::size_t>(size)));
  // The memory BIO frees (but does not wipe) its buffer; clear it first.
  secure_zero(data, static_cast<std::size_t>(size));
  return out;
}

Result<std::string> encode_cmw_collection(ByteView quote, std::string_view event_log_json,
                                          std::string_view canonical_claims) {
  Json collection = Json::object();
  collection["__cmwc_t"] = kCmwCollectionType;
  collection["tdx"] = Json::array({kMediaTypeQuote, base64url_encode(quote)});
  collection["evlog"] =
      Json::array({kMediaTypeEventLog, base64url_encode(as_bytes(event_log_json))});
  collection["claims"] =
      Json::array({kMediaTypeClaims, base64url_encode(as_bytes(canonical_claims))});
  return canonical_json(collection);
}

Result<Bytes> issue_self_signed_certificate(EVP_PKEY* key, std::string_view cmw_collection_json,
                                            const CertificateNames& names, std::int64_t not_before,
                                            std::int64_t not_after) {
  if (key == nullptr) return make_error(ErrorCode::kInvalidArgument, "ratls: no key");
  if (not_after <= not_before) {
    return make_error(ErrorCode::kInvalidArgument, "ratls: notAfter must follow notBefore");
  }
  crypto::X509Ptr cert(X509_new());
  if (!cert) return openssl_error("ratls: X509_new");
  if (X509_set_version(cert.get(), 2) != 1) return openssl_error("ratls: X509_set_version");

  CLLM_ASSIGN_OR_RETURN(Bytes serial, crypto::random_serial());
  crypto::BignumPtr bn(BN_bin2bn(serial.data(), static_cast<int>(serial.size()), nullptr));
  if (!bn) return openssl_error("ratls: BN_bin2bn");
  crypto::Asn1IntegerPtr integer(BN_to_ASN1_INTEGER(bn.get(), nullptr));
  if (!integer || X509_set_serialNumber(cert.get(), integer.get()) != 1) {
    return openssl_error("ratls: serial");
  }

  X509NamePtr name(X509_NAME_new());
  if (!name ||
      X509_NAME_add_entry_by_txt(
          name.get(), "CN", MBSTRING_UTF8,
          reinterpret_cast<const unsigned char*>(kCertificateCommonName.data()),
          static_cast<int>(kCertificateCommonName.size()), -1, 0) != 1 ||
      X509_set_subject_name(cert.get(), name.get()) != 1 ||
      X509_set_issuer_name(cert.get(), name.get()) != 1) {
    return openssl_error("ratls: names");
  }
  if (ASN1_TIME_set(X509_getm_notBefore(cert.get()), static_cast<std::time_t>(not_before)) ==
          nullptr ||
      ASN1_TIME_set(X509_getm_notAfter(cert.get()), static_cast<std::time_t>(not_after)) ==
          nullptr) {
    return openssl_error("ratls: validity");
  }
  if (X509_set_pubkey(cert.get(), key) != 1) return openssl_error("ratls: X509_set_pubkey");

  X509V3_CTX ctx;
  X509V3_set_ctx(&ctx, cert.get(), cert.get(), nullptr, nullptr, 0);
  CLLM_TRY(add_conf_extension(cert.get(), &ctx, NID_basic_constraints, "critical,CA:FALSE"));
  CLLM_TRY(add_conf_extension(cert.get(), &ctx, NID_key_usage, "critical,digitalSignature"));
  CLLM_TRY(add_conf_extension(cert.get(), &ctx, NID_ext_key_usage, "serverAuth"));
  CLLM_TRY(add_conf_extension(cert.get(), &ctx, NID_subject_key_identifier, "hash"));
  std::string san;
  for (const auto& dns : names.dns_names) {
    CLLM_TRY(check_dns_name(dns));
    san += (san.empty() ? "" : ",") + std::string("DNS:") + dns;
  }
  for (const auto& ip : names.ip_addresses) {
    CLLM_TRY(check_ip(ip));
    san += (san.empty() ? "" : ",") + std::string("IP:") + ip;
  }
  if (!san.empty()) CLLM_TRY(add_conf_extension(cert.get(), &ctx, NID_subject_alt_name, san));

  // id-pe-cmw: extnValue = DER UTF8String (the JSON CMW choice), non-critical.
  Asn1StringPtr utf8(ASN1_STRING_type_new(V_ASN1_UTF8STRING));
  if (!utf8 || ASN1_STRING_set(utf8.get(), cmw_collection_json.data(),
                               static_cast<int>(cmw_collection_json.size())) != 1) {
    return openssl_error("ratls: UTF8String");
  }
  unsigned char* der = nullptr;
  const int der_size = i2d_ASN1_UTF8STRING(utf8.get(), &der);
  if (der_size <= 0) return openssl_error("ratls: i2d_ASN1_UTF8STRING");
  Bytes value(der, der + der_size);
  OPENSSL_free(der);
  if (value.size() > kMaxEvidenceExtensionSize) {
    return make_error(ErrorCode::kLimit, "ratls: evidence of " + std::to_string(value.size()) +
                                             " bytes exceeds " +
                                             std::to_string(kMaxEvidenceExtensionSize));
  }
  Asn1OctetStringPtr octets(ASN1_OCTET_STRING_new());
  crypto::Asn1ObjectPtr oid(OBJ_txt2obj(std::string(kCmwOid).c_str(), 1));
  if (!octets || !oid ||
      ASN1_OCTET_STRING_set(octets.get(), value.data(), static_cast<int>(value.size())) != 1) {
    return openssl_error("ratls: id-pe-cmw value");
  }
  X509ExtensionPtr ext(X509_EXTENSION_create_by_OBJ(nullptr, oid.get(), 0, octets.get()));
  if (!ext || X509_add_ext(cert.get(), ext.get(), -1) != 1) {
    return openssl_error("ratls: adding id-pe-cmw");
  }

  if (X509_sign(cert.get(), key, EVP_sha256()) <= 0) return openssl_error("ratls: X509_sign");
  unsigned char* cert_der = nullptr;
  const int cert_size = i2d_X509(cert.get(), &cert_der);
  if (cert_size <= 0) return openssl_error("ratls: i2d_X509");
  Bytes out(cert_der, cert_der + cert_size);
  OPENSSL_free(cert_der);
  if (out.size() > crypto::kMaxCertificateSize) {
    return make_error(ErrorCode::kLimit, "ratls: certificate of " + std::to_string(out.size()) +
                                             " bytes exceeds " +
                                             std::to_string(crypto::kMaxCertificateSize));
  }
  return out;
}

Result<IssuedCertificate> issue_ratls_certificate(const RatlsCertificateRequest& request) {
  if (request.key == nullptr) return make_error(ErrorCode::kInvalidArgument, "ratls: no key");
  char group[32] = {};
  std::size_t group_size = 0;
  if (EVP_PKEY_is_a(request.key, "EC") != 1 ||
      EVP_PKEY_get_group_name(request.key, group, sizeof(group), &group_size) != 1 ||
      std::string_view(group, group_size) != "prime256v1") {
    ERR_clear_error();
    return make_error(ErrorCode::kInvalidArgument, "ratls: the TLS key must be ECDSA P-256");
  }
  if (request.validity_seconds <= 0) {
    return make_error(ErrorCode::kInvalidArgument, "ratls: validity must be positive");
  }
  const attest::Claims& claims = request.claims;
  CLLM_ASSIGN_OR_RETURN(std::string canonical, attest::canonical_claims(claims));
  if (claims.purpose != attest::kPurposeRatls) {
    return make_error(ErrorCode::kInvalidArgument, "ratls: claims purpose must be ratls");
  }
  CLLM_ASSIGN_OR_RETURN(std::string spki, public_key_spki_sha256(request.key));
  if (spki != claims.tls_spki_sha256) {
    return make_error(ErrorCode::kInvalidArgument,
                      "ratls: claims.tls_spki_sha256 is not the SPKI hash of the key");
  }
  auto quote = tdx::parse_quote(request.quote);
  if (!quote.ok()) return std::move(quote).error().context("ratls: the quote");
  CLLM_ASSIGN_OR_RETURN(tdx::ReportData expected,
                        attest::claims_report_data(attest::kRatlsTag, claims));
  const tdx::TdReport* td = quote->td_report();
  if (td == nullptr || td->report_data != expected) {
    return make_error(ErrorCode::kInvalidArgument,
                      "ratls: the quote's report_data does not commit to the claims");
  }
  CLLM_ASSIGN_OR_RETURN(std::string collection,
                        encode_cmw_collection(request.quote, request.event_log_json, canonical));
  CLLM_ASSIGN_OR_RETURN(Bytes der,
                        issue_self_signed_certificate(request.key, collection, request.names,
                                                      claims.issued_at - kNotBeforeBackdateSeconds,
                                                      claims.issued_at + request.validity_seconds));
  CLLM_ASSIGN_OR_RETURN(crypto::Certificate certificate, crypto::Certificate::from_der(der));
  CLLM_ASSIGN_OR_RETURN(std::string pem, crypto::certificate_pem(certificate));
  IssuedCertificate out;
  out.der = std::move(der);
  out.pem = std::move(pem);
  if (EVP_PKEY_up_ref(request.key) != 1) return openssl_error("ratls: EVP_PKEY_up_ref");
  out.key.reset(request.key);
  out.claims = claims;
  return out;
}

Result<IssuedCertificate> make_ratls_certificate(tdx::Attester& attester, EVP_PKEY* key,
                                                 attest::Claims claims,
                                                 const RatlsIssueOptions& options) {
  crypto::EvpPkeyPtr generated;
  if (key == nullptr) {
    CLLM_ASSIGN_OR_RETURN(generated, generate_tls_key());
    key = generated.get();
  }
  claims.purpose = std::string(attest::kPurposeRatls);
  claims.nonce.reset();
  CLLM_ASSIGN_OR_RETURN(claims.tls_spki_sha256, public_key_spki_sha256(key));
  CLLM_ASSIGN_OR_RETURN(tdx::ReportData report_data,
                        attest::claims_report_data(attest::kRatlsTag, claims));
  CLLM_ASSIGN_OR_RETURN(Bytes quote, attester.get_quote(report_data));
  CLLM_ASSIGN_OR_RETURN(tdx::RuntimeEventLog log, attester.event_log());
  RatlsCertificateRequest request;
  request.key = key;
  request.claims = std::move(claims);
  request.quote = std::move(quote);
  request.event_log_json = log.to_json().dump();
  request.names = options.names;
  request.validity_seconds = options.validity_seconds;
  return issue_ratls_certificate(request);
}

Result<RatlsEvidence> parse_ratls_evidence(ByteView certificate_der) {
  auto certificate = crypto::Certificate::from_der(certificate_der);
  if (!certificate.ok()) return std::move(certificate).error().context("ratls: certificate");
  return parse_ratls_evidence(*certificate);
}

Result<RatlsEvidence> parse_ratls_evidence(const crypto::Certificate& certificate) {
  crypto::Asn1ObjectPtr oid(OBJ_txt2obj(std::string(kCmwOid).c_str(), 1));
  if (!oid) return openssl_error("ratls: OBJ_txt2obj");
  X509* x509 = certificate.get();
  const int index = X509_get_ext_by_OBJ(x509, oid.get(), -1);
  if (index < 0) return make_error(ErrorCode::kNotFound, "ratls: no id-pe-cmw extension");
  if (X509_get_ext_by_OBJ(x509, oid.get(), index) >= 0) {
    return cert_error("more than one id-pe-cmw extension");
  }
  X509_EXTENSION* ext = X509_get_ext(x509, index);
  if (ext == nullptr) return cert_error("id-pe-cmw extension unreadable");
  if (X509_EXTENSION_get_critical(ext) != 0) return cert_error("id-pe-cmw must not be critical");
  const ASN1_OCTET_STRING* data = X509_EXTENSION_get_data(ext);
  if (data == nullptr) return cert_error("id-pe-cmw has no value");
  const int size = ASN1_STRING_length(data);
  if (size <= 0 || static_cast<std::size_t>(size) > kMaxEvidenceExtensionSize) {
    return make_error(ErrorCode::kLimit, "ratls: id-pe-cmw value size out of bounds");
  }
  const unsigned char* begin = ASN1_STRING_get0_data(data);
  const unsigned char* cursor = begin;
  Asn1StringPtr utf8(d2i_ASN1_UTF8STRING(nullptr, &cursor, size));
  if (!utf8) {
    ERR_clear_error();
    return cert_error("id-pe-cmw value is not a DER UTF8String");
  }
  if (cursor != begin + size) return cert_error("trailing bytes after the id-pe-cmw UTF8String");
  const std::string_view text(reinterpret_cast<const char*>(ASN1_STRING_get0_data(utf8.get())),
                              static_cast<std::size_t>(ASN1_STRING_length(utf8.get())));

  auto collection = parse_json(text, 4);
  if (!collection.ok()) return std::move(collection).error().context("ratls: CMW collection");
  if (!collection->is_object()) return cert_error("the CMW collection must be a JSON object");
  for (const auto& item : collection->items()) {
    if (item.key() != "__cmwc_t" && item.key() != "tdx" && item.key() != "evlog" &&
        item.key() != "claims") {
      return cert_error("unknown CMW collection key \"" + item.key() + "\"");
    }
  }
  auto type = collection->find("__cmwc_t");
  if (type == collection->end() || !type->is_string() ||
      type->get_ref<const std::string&>() != kCmwCollectionType) {
    return cert_error("the CMW collection type must be " + std::string(kCmwCollectionType));
  }
  RatlsEvidence out;
  CLLM_ASSIGN_OR_RETURN(out.quote, record(*collection, "tdx", kMediaTypeQuote));
  CLLM_ASSIGN_OR_RETURN(Bytes event_log, record(*collection, "evlog", kMediaTypeEventLog));
  CLLM_ASSIGN_OR_RETURN(Bytes claims, record(*collection, "claims", kMediaTypeClaims));
  out.event_log_text = cllm::to_string(ByteView(event_log));
  auto log_json = parse_json(out.event_log_text, 8);
  if (!log_json.ok()) return std::move(log_json).error().context("ratls: event log");
  out.event_log = std::move(log_json).value();
  out.claims_text = cllm::to_string(ByteView(claims));
  auto parsed = attest::parse_canonical_claims(out.claims_text);
  if (!parsed.ok()) return std::move(parsed).error().context("ratls");
  out.claims = std::move(parsed).value();
  return out;
}

}  // namespace cllm::ratls
