#include "cllm/crypto/x509.hpp"

#include <openssl/asn1.h>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/x509v3.h>

#include <algorithm>
#include <ctime>

#include "cllm/common/hex.hpp"
#include "cllm/crypto/x509_ptr.hpp"

namespace cllm::crypto {

namespace {

// --- time ---

// Days since 1970-01-01 of a proleptic Gregorian date (the era-based civil-day algorithm);
// avoids timegm, whose range and time-zone handling vary between libcs.
std::int64_t days_from_civil(std::int64_t year, int month, int day) {
  year -= month <= 2 ? 1 : 0;
  const std::int64_t era = (year >= 0 ? year : year - 399) / 400;
  const std::int64_t year_of_era = year - era * 400;  // [0, 399]
  const std::int64_t day_of_year = (153 * (month + (month > 2 ? -3 : 9)) + 2) / 5 + day - 1;
  const std::int64_t day_of_era =
      year_of_era * 365 + year_of_era / 4 - year_of_era / 100 + day_of_year;  // [0, 146096]
  return era * 146097 + day_of_era - 719468;
}

Result<std::int64_t> to_unix(const ASN1_TIME* time, std::string_view what) {
  std::tm tm{};
  if (time == nullptr || ASN1_TIME_to_tm(time, &tm) != 1) {
    ERR_clear_error();
    return make_error(ErrorCode::kParse, "x509: " + std::string(what) + " is not a valid time");
  }
  return days_from_civil(std::int64_t{tm.tm_year} + 1900, tm.tm_mon + 1, tm.tm_mday) * 86400 +
         tm.tm_hour * 3600 + tm.tm_min * 60 + tm.tm_sec;
}

// --- text ---

std::string bio_text(BIO* bio) {
  char* data = nullptr;
  // BIO_get_mem_data without its C-style cast.
  const long len = BIO_ctrl(bio, BIO_CTRL_INFO, 0, &data);
  if (len <= 0 || data == nullptr) return {};
  return std::string(data, static_cast<std::size_t>(len));
}

std::string name_to_string(const X509_NAME* name) {
  BioPtr bio(BIO_new(BIO_s_mem()));
  if (!bio || name == nullptr || X509_NAME_print_ex(bio.get(), name, 0, XN_FLAG_RFC2253) < 0) {
    ERR_clear_error();
    return "<unprintable name>";
  }
  return bio_text(bio.get());
}

std::string common_name(const X509_NAME* name) {
  if (name == nullptr) return {};
  const int index = X509_NAME_get_index_by_NID(name, NID_commonName, -1);
  if (index < 0) return {};
  const ASN1_STRING* value = X509_NAME_ENTRY_get_data(X509_NAME_get_entry(name, index));
  BioPtr bio(BIO_new(BIO_s_mem()));
  if (!bio || value == nullptr ||
      ASN1_STRING_print_ex(bio.get(), value, ASN1_STRFLGS_RFC2253) < 0) {
    ERR_clear_error();
    return {};
  }
  return bio_text(bio.get());
}

// "CN=<cn>" when there is a common name, else the whole RFC 2253 name.
std::string describe(X509* cert) {
  if (cert == nullptr) return "unknown certificate";
  const std::string cn = common_name(X509_get_subject_name(cert));
  return cn.empty() ? name_to_string(X509_get_subject_name(cert)) : "CN=" + cn;
}

// --- PEM ---

struct PemBlock {
  std::string label;
  std::string_view text;  // from "-----BEGIN" through the END line's closing dashes
};

bool is_space(char c) {
  return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

// Splits text into PEM blocks. Only whitespace may separate blocks; trailing NULs and
// whitespace after the last block are dropped.
Result<std::vector<PemBlock>> split_pem(std::string_view text, std::size_t max_blocks) {
  while (!text.empty() && (text.back() == '\0' || is_space(text.back())))
    text.remove_suffix(1);
  constexpr std::string_view kBegin = "-----BEGIN ";
  constexpr std::string_view kDashes = "-----";
  std::vector<PemBlock> blocks;
  std::size_t pos = 0;
  while (true) {
    while (pos < text.size() && is_space(text[pos]))
      ++pos;
    if (pos == text.size()) break;
    if (text.substr(pos, kBegin.size()) != kBegin) {
      return make_error(ErrorCode::kParse, "pem: unexpected data at offset " + std::to_string(pos) +
                                               " (expected -----BEGIN)");
    }
    const std::size_t label_start = pos + kBegin.size();
    const std::size_t label_end = text.find(kDashes, label_start);
    const std::size_t line_end = text.find('\n', label_start);
    if (label_end == std::string_view::npos || label_end > line_end ||
        label_end - label_start > 64) {
      return make_error(ErrorCode::kParse,
                        "pem: malformed BEGIN line at offset " + std::to_string(pos));
    }
    const std::string label(text.substr(label_start, label_end - label_start));
    const std::string end_marker = "-----END " + label + "-----";
    const std::size_t end = text.find(end_marker, label_end);
    if (end == std::string_view::npos) {
      return make_error(ErrorCode::kParse, "pem: " + label + " block at offset " +
                                               std::to_string(pos) + " has no END line");
    }
    if (blocks.size() == max_blocks) {
      return make_error(ErrorCode::kLimit,
                        "pem: more than " + std::to_string(max_blocks) + " blocks");
    }
    blocks.push_back({label, text.substr(pos, end + end_marker.size() - pos)});
    pos = end + end_marker.size();
  }
  return blocks;
}

// The DER inside one PEM block, which must carry want_label and no headers.
Result<Bytes> decode_pem_block(const PemBlock& block, std::string_view want_label) {
  if (block.label != want_label) {
    return make_error(ErrorCode::kParse,
                      "pem: expected a " + std::string(want_label) + " block, got " + block.label);
  }
  BioPtr bio(BIO_new_mem_buf(block.text.data(), static_cast<int>(block.text.size())));
  char* name = nullptr;
  char* header = nullptr;
  unsigned char* data = nullptr;
  long len = 0;
  const bool read = bio && PEM_read_bio(bio.get(), &name, &header, &data, &len) == 1;
  const bool has_header = read && header != nullptr && header[0] != '\0';
  Bytes der;
  if (read && len > 0) der.assign(data, data + len);
  OPENSSL_free(name);
  OPENSSL_free(header);
  OPENSSL_free(data);
  if (!read || der.empty()) {
    return make_error(ErrorCode::kParse,
                      openssl_error("pem: bad base64 in " + block.label + " block").message());
  }
  if (has_header) {
    return make_error(ErrorCode::kParse, "pem: unexpected headers in " + block.label + " block");
  }
  return der;
}

Result<Bytes> single_pem(std::string_view pem, std::string_view label, std::size_t max_size) {
  if (pem.size() > max_size) {
    return make_error(ErrorCode::kLimit, "pem: input larger than " + std::to_string(max_size));
  }
  CLLM_ASSIGN_OR_RETURN(std::vector<PemBlock> blocks, split_pem(pem, 1));
  if (blocks.empty()) {
    return make_error(ErrorCode::kParse, "pem: no " + std::string(label) + " block");
  }
  return decode_pem_block(blocks.front(), label);
}

std::string_view as_text(ByteView bytes) {
  return {reinterpret_cast<const char*>(bytes.data()), bytes.size()};
}

// --- DER ---

template <class T>
using D2i = T* (*)(T**, const unsigned char**, long);
template <class T>
using I2d = int (*)(const T*, unsigned char**);

// Parses exactly one object and insists that re-encoding gives the same bytes, so that the
// bytes we keep (and hash, and compare) are the DER that was signed.
template <class T, void (*Free)(T*)>
Result<OpensslPtr<T, Free>> parse_der(ByteView der, D2i<T> d2i, I2d<T> i2d, std::string_view what,
                                      std::size_t max_size) {
  const std::string w(what);
  if (der.empty()) return make_error(ErrorCode::kParse, "x509: empty " + w);
  if (der.size() > max_size) {
    return make_error(ErrorCode::kLimit,
                      "x509: " + w + " larger than " + std::to_string(max_size) + " bytes");
  }
  const unsigned char* p = der.data();
  OpensslPtr<T, Free> obj(d2i(nullptr, &p, static_cast<long>(der.size())));
  if (!obj)
    return make_error(ErrorCode::kParse, openssl_error("x509: " + w + " does not parse").message());
  if (p != der.data() + der.size()) {
    return make_error(ErrorCode::kParse, "x509: trailing bytes after the " + w);
  }
  const int len = i2d(obj.get(), nullptr);
  Bytes again(len > 0 ? static_cast<std::size_t>(len) : 0);
  unsigned char* out = again.data();
  if (len <= 0 || i2d(obj.get(), &out) != len ||
      !std::equal(again.begin(), again.end(), der.begin(), der.end())) {
    ERR_clear_error();
    return make_error(ErrorCode::kParse, "x509: " + w + " is not in canonical DER");
  }
  return obj;
}

using AuthorityKeyIdPtr = OpensslPtr<AUTHORITY_KEYID, AUTHORITY_KEYID_free>;

// STACK_OF(X509_REVOKED) access without the sk_ macros' C-style casts.
int x509_revoked_stack_size(const STACK_OF(X509_REVOKED) * sk) {
  return sk == nullptr ? 0 : OPENSSL_sk_num(ossl_check_const_X509_REVOKED_sk_type(sk));
}
const X509_REVOKED* x509_revoked_stack_at(const STACK_OF(X509_REVOKED) * sk, int i) {
  return static_cast<const X509_REVOKED*>(
      OPENSSL_sk_value(ossl_check_const_X509_REVOKED_sk_type(sk), i));
}

Status check_oid_text(std::string_view oid) {
  const bool ok = !oid.empty() && oid.size() <= 128 && oid.front() != '.' && oid.back() != '.' &&
                  std::all_of(oid.begin(), oid.end(),
                              [](char c) { return (c >= '0' && c <= '9') || c == '.'; }) &&
                  oid.find("..") == std::string_view::npos;
  if (!ok) {
    return make_error(ErrorCode::kInvalidArgument,
                      "x509: not a dotted-decimal OID: \"" + std::string(oid.substr(0, 64)) + "\"");
  }
  return ok_status();
}

}  // namespace

// --- Certificate ---

Result<Certificate> Certificate::from_der(ByteView der) {
  CLLM_ASSIGN_OR_RETURN(
      X509Ptr x509,
      (parse_der<X509, X509_free>(der, d2i_X509, i2d_X509, "certificate", kMaxCertificateSize)));
  CLLM_ASSIGN_OR_RETURN(std::int64_t not_before,
                        to_unix(X509_get0_notBefore(x509.get()), "certificate notBefore"));
  CLLM_ASSIGN_OR_RETURN(std::int64_t not_after,
                        to_unix(X509_get0_notAfter(x509.get()), "certificate notAfter"));
  std::shared_ptr<X509> shared(x509.release(), X509_free);
  return Certificate(std::move(shared), Bytes(der.begin(), der.end()), not_before, not_after);
}

Result<Certificate> Certificate::from_pem(std::string_view pem) {
  CLLM_ASSIGN_OR_RETURN(Bytes der, single_pem(pem, "CERTIFICATE", kMaxPemChainSize));
  return from_der(der);
}

std::string Certificate::subject() const {
  return name_to_string(X509_get_subject_name(get()));
}

std::string Certificate::issuer() const {
  return name_to_string(X509_get_issuer_name(get()));
}

std::string Certificate::subject_common_name() const {
  return common_name(X509_get_subject_name(get()));
}

Bytes Certificate::serial() const {
  const ASN1_INTEGER* serial = X509_get0_serialNumber(get());
  const unsigned char* data = ASN1_STRING_get0_data(serial);
  const int len = ASN1_STRING_length(serial);
  Bytes out(data, data + std::max(len, 0));
  const auto first = std::find_if(out.begin(), out.end(), [](std::uint8_t b) { return b != 0; });
  out.erase(out.begin(), first);
  if (out.empty()) out.push_back(0);
  return out;
}

std::string Certificate::serial_hex() const {
  const bool negative = ASN1_STRING_type(X509_get0_serialNumber(get())) == V_ASN1_NEG_INTEGER;
  return (negative ? "-" : "") + to_hex(serial());
}

Bytes Certificate::spki_der() const {
  const X509_PUBKEY* pub = X509_get_X509_PUBKEY(get());
  const int len = i2d_X509_PUBKEY(pub, nullptr);
  if (len <= 0) return {};
  Bytes out(static_cast<std::size_t>(len));
  unsigned char* p = out.data();
  i2d_X509_PUBKEY(pub, &p);
  return out;
}

EVP_PKEY* Certificate::public_key() const {
  return X509_get0_pubkey(get());
}

Result<EcdsaPublicKey> Certificate::ecdsa_public_key() const {
  EVP_PKEY* pkey = public_key();
  if (pkey == nullptr) {
    return make_error(ErrorCode::kParse,
                      openssl_error("x509: certificate public key does not decode").message());
  }
  auto key = EcdsaPublicKey::from_pkey(pkey);
  if (!key.ok()) return std::move(key).error().context("x509: " + describe(get()));
  return key;
}

Result<Bytes> Certificate::extension(std::string_view oid) const {
  CLLM_TRY(check_oid_text(oid));
  const std::string oid_text(oid);
  Asn1ObjectPtr obj(OBJ_txt2obj(oid_text.c_str(), 1));
  if (!obj) {
    ERR_clear_error();
    return make_error(ErrorCode::kInvalidArgument, "x509: invalid OID " + oid_text);
  }
  const int index = X509_get_ext_by_OBJ(get(), obj.get(), -1);
  if (index < 0) {
    return make_error(ErrorCode::kNotFound,
                      "x509: no extension " + oid_text + " in " + describe(get()));
  }
  if (X509_get_ext_by_OBJ(get(), obj.get(), index) >= 0) {
    return make_error(ErrorCode::kParse,
                      "x509: extension " + oid_text + " appears twice in " + describe(get()));
  }
  const ASN1_OCTET_STRING* value = X509_EXTENSION_get_data(X509_get_ext(get(), index));
  if (value == nullptr) return make_error(ErrorCode::kParse, "x509: extension has no value");
  const unsigned char* data = ASN1_STRING_get0_data(value);
  return Bytes(data, data + std::max(ASN1_STRING_length(value), 0));
}

bool Certificate::is_signed_by(const Certificate& issuer) const {
  EVP_PKEY* key = issuer.public_key();
  const bool ok = key != nullptr && X509_verify(get(), key) == 1;
  ERR_clear_error();
  return ok;
}

bool Certificate::is_ca() const {
  const bool ca = X509_check_ca(get()) != 0;
  ERR_clear_error();
  return ca;
}

bool Certificate::may_sign_documents() const {
  // UINT32_MAX when the certificate has no keyUsage extension (any use allowed).
  const bool ok = (X509_get_key_usage(get()) & KU_DIGITAL_SIGNATURE) != 0;
  ERR_clear_error();
  return ok;
}

Result<EcCurve> Certificate::ecdsa_curve() const {
  EVP_PKEY* pkey = public_key();
  char name[64] = {};
  std::size_t len = 0;
  if (pkey == nullptr || EVP_PKEY_is_a(pkey, "EC") != 1 ||
      EVP_PKEY_get_group_name(pkey, name, sizeof name, &len) != 1) {
    ERR_clear_error();
    return make_error(ErrorCode::kUnsupported, "x509: " + describe(get()) + " has no EC key");
  }
  const std::string_view group(name, len);
  if (group == "prime256v1") return EcCurve::kP256;
  if (group == "secp384r1") return EcCurve::kP384;
  return make_error(ErrorCode::kUnsupported,
                    "x509: " + describe(get()) + " has an unsupported curve " + std::string(group));
}

Status Certificate::verify_ecdsa(EcCurve curve, ByteView message, ByteView raw_signature) const {
  auto actual = ecdsa_curve();
  if (!actual.ok()) return make_error(ErrorCode::kVerification, actual.error().message());
  if (*actual != curve) {
    return make_error(ErrorCode::kVerification, "x509: " + describe(get()) + " key is not on " +
                                                    std::string(ec_curve_name(curve)));
  }
  auto der = ecdsa_raw_to_der(curve, raw_signature);
  if (!der.ok()) return make_error(ErrorCode::kVerification, der.error().message());
  // Fetched once per process: OpenSSL 3 otherwise looks the digest up in the provider on
  // every initialisation.
  static EVP_MD* const sha256 = EVP_MD_fetch(nullptr, "SHA256", nullptr);
  static EVP_MD* const sha384 = EVP_MD_fetch(nullptr, "SHA384", nullptr);
  const EVP_MD* md = curve == EcCurve::kP256 ? sha256 : sha384;
  EvpMdCtxPtr ctx(EVP_MD_CTX_new());
  static const unsigned char kEmpty = 0;
  const int rc = md != nullptr && ctx &&
                         EVP_DigestVerifyInit(ctx.get(), nullptr, md, nullptr, public_key()) == 1
                     ? EVP_DigestVerify(ctx.get(), der->data(), der->size(),
                                        message.empty() ? &kEmpty : message.data(), message.size())
                     : -1;
  ERR_clear_error();
  if (rc != 1) {
    return make_error(ErrorCode::kVerification,
                      "x509: signature does not verify with the key of " + describe(get()));
  }
  return ok_status();
}

std::optional<Bytes> Certificate::subject_key_id() const {
  const ASN1_OCTET_STRING* id = X509_get0_subject_key_id(get());
  ERR_clear_error();
  if (id == nullptr) return std::nullopt;
  const unsigned char* data = ASN1_STRING_get0_data(id);
  return Bytes(data, data + std::max(ASN1_STRING_length(id), 0));
}

Result<std::vector<Bytes>> pem_chain_der(std::string_view pem) {
  if (pem.size() > kMaxPemChainSize) {
    return make_error(ErrorCode::kLimit,
                      "pem: chain larger than " + std::to_string(kMaxPemChainSize) + " bytes");
  }
  CLLM_ASSIGN_OR_RETURN(std::vector<PemBlock> blocks, split_pem(pem, kMaxChainCertificates));
  if (blocks.empty()) return make_error(ErrorCode::kParse, "pem: no certificate in chain");
  std::vector<Bytes> out;
  out.reserve(blocks.size());
  for (std::size_t i = 0; i < blocks.size(); ++i) {
    auto der = decode_pem_block(blocks[i], "CERTIFICATE");
    if (!der.ok()) return std::move(der).error().context("certificate " + std::to_string(i));
    out.push_back(std::move(der).value());
  }
  return out;
}

Result<std::vector<Certificate>> parse_pem_chain(std::string_view pem) {
  CLLM_ASSIGN_OR_RETURN(std::vector<Bytes> ders, pem_chain_der(pem));
  std::vector<Certificate> out;
  out.reserve(ders.size());
  for (std::size_t i = 0; i < ders.size(); ++i) {
    auto cert = Certificate::from_der(ders[i]);
    if (!cert.ok()) return std::move(cert).error().context("certificate " + std::to_string(i));
    out.push_back(std::move(cert).value());
  }
  return out;
}

Result<std::vector<Certificate>> parse_pem_chain(ByteView pem) {
  return parse_pem_chain(as_text(pem));
}

// --- Crl ---

Result<Crl> Crl::from_der(ByteView der) {
  CLLM_ASSIGN_OR_RETURN(X509CrlPtr crl, (parse_der<X509_CRL, X509_CRL_free>(
                                            der, d2i_X509_CRL, i2d_X509_CRL, "CRL", kMaxCrlSize)));
  CLLM_ASSIGN_OR_RETURN(std::int64_t this_update,
                        to_unix(X509_CRL_get0_lastUpdate(crl.get()), "CRL thisUpdate"));
  std::optional<std::int64_t> next_update;
  if (const ASN1_TIME* next = X509_CRL_get0_nextUpdate(crl.get()); next != nullptr) {
    CLLM_ASSIGN_OR_RETURN(next_update, to_unix(next, "CRL nextUpdate"));
  }
  std::shared_ptr<X509_CRL> shared(crl.release(), X509_CRL_free);
  return Crl(std::move(shared), Bytes(der.begin(), der.end()), this_update, next_update);
}

Result<Crl> Crl::from_pem(std::string_view pem) {
  CLLM_ASSIGN_OR_RETURN(Bytes der, single_pem(pem, "X509 CRL", 2 * kMaxCrlSize));
  return from_der(der);
}

Result<Crl> Crl::parse(ByteView data) {
  const std::string_view text = as_text(data);
  const std::size_t first = text.find_first_not_of(" \t\r\n");
  if (first != std::string_view::npos && text.substr(first, 10) == "-----BEGIN") {
    return from_pem(text);
  }
  return from_der(data);
}

std::string Crl::issuer() const {
  return name_to_string(X509_CRL_get_issuer(get()));
}

bool Crl::is_revoked(ByteView serial) const {
  BignumPtr bn(BN_bin2bn(serial.empty() ? nullptr : serial.data(), static_cast<int>(serial.size()),
                         nullptr));
  if (!bn) return false;
  Asn1IntegerPtr integer(BN_to_ASN1_INTEGER(bn.get(), nullptr));
  X509_REVOKED* entry = nullptr;
  // 1: listed; 2: listed with reason removeFromCRL (delta CRLs), i.e. no longer revoked.
  const bool revoked = integer && X509_CRL_get0_by_serial(get(), &entry, integer.get()) == 1;
  ERR_clear_error();
  return revoked;
}

bool Crl::is_revoked(const Certificate& cert) const {
  X509_REVOKED* entry = nullptr;
  // Matches the serial and requires this CRL's issuer to be the certificate's issuer.
  const bool revoked = X509_CRL_get0_by_cert(get(), &entry, cert.get()) == 1;
  ERR_clear_error();
  return revoked;
}

std::optional<Bytes> Crl::authority_key_id() const {
  int critical = 0;
  AuthorityKeyIdPtr akid(static_cast<AUTHORITY_KEYID*>(
      X509_CRL_get_ext_d2i(get(), NID_authority_key_identifier, &critical, nullptr)));
  ERR_clear_error();
  if (!akid || akid->keyid == nullptr) return std::nullopt;
  const unsigned char* data = ASN1_STRING_get0_data(akid->keyid);
  return Bytes(data, data + std::max(ASN1_STRING_length(akid->keyid), 0));
}

bool Crl::has_crl_number() const {
  const bool present = X509_CRL_get_ext_by_NID(get(), NID_crl_number, -1) >= 0;
  ERR_clear_error();
  return present;
}

Status Crl::verify_signature(const Certificate& issuer_cert) const {
  if (X509_NAME_cmp(X509_CRL_get_issuer(get()), X509_get_subject_name(issuer_cert.get())) != 0) {
    return make_error(ErrorCode::kVerification, "x509: CRL issuer (" + issuer() +
                                                    ") is not the certificate's subject (" +
                                                    issuer_cert.subject() + ")");
  }
  // X509_get_key_usage is UINT32_MAX when the certificate has no keyUsage extension.
  if ((X509_get_key_usage(issuer_cert.get()) & KU_CRL_SIGN) == 0) {
    ERR_clear_error();
    return make_error(ErrorCode::kVerification, "x509: CRL issuer " + describe(issuer_cert.get()) +
                                                    " lacks the cRLSign key usage");
  }
  EVP_PKEY* key = issuer_cert.public_key();
  const bool ok = key != nullptr && X509_CRL_verify(get(), key) == 1;
  ERR_clear_error();
  if (!ok) {
    return make_error(
        ErrorCode::kVerification,
        "x509: CRL signature does not verify with the key of " + describe(issuer_cert.get()));
  }
  if (const std::optional<Bytes> aki = authority_key_id()) {
    const std::optional<Bytes> ski = issuer_cert.subject_key_id();
    if (!ski || *ski != *aki) {
      return make_error(ErrorCode::kVerification,
                        "x509: CRL authority key identifier " + to_hex(*aki) +
                            " is not the subject key identifier of " + describe(issuer_cert.get()) +
                            " (" + (ski ? to_hex(*ski) : std::string("none")) + ")");
    }
  }
  return ok_status();
}

Status Crl::check_complete() const {
  X509_CRL* crl = get();
  for (int i = 0; i < X509_CRL_get_ext_count(crl); ++i) {
    X509_EXTENSION* ext = X509_CRL_get_ext(crl, i);
    const int nid = OBJ_obj2nid(X509_EXTENSION_get_object(ext));
    if (nid == NID_delta_crl) {
      return make_error(ErrorCode::kUnsupported, "x509: delta CRLs are not supported");
    }
    if (nid == NID_issuing_distribution_point) {
      return make_error(ErrorCode::kUnsupported,
                        "x509: CRLs with an issuing distribution point (partitioned or indirect) "
                        "are not supported");
    }
    if (X509_EXTENSION_get_critical(ext) != 0 && nid != NID_crl_number &&
        nid != NID_authority_key_identifier) {
      return make_error(ErrorCode::kUnsupported, "x509: CRL has an unhandled critical extension");
    }
  }
  const STACK_OF(X509_REVOKED)* revoked = X509_CRL_get_REVOKED(crl);
  for (int i = 0; i < x509_revoked_stack_size(revoked); ++i) {
    const X509_REVOKED* entry = x509_revoked_stack_at(revoked, i);
    const STACK_OF(X509_EXTENSION)* exts = X509_REVOKED_get0_extensions(entry);
    for (int j = 0; j < X509v3_get_ext_count(exts); ++j) {
      if (X509_EXTENSION_get_critical(X509v3_get_ext(exts, j)) != 0) {
        return make_error(ErrorCode::kUnsupported,
                          "x509: CRL entry " + std::to_string(i) + " has a critical extension");
      }
    }
  }
  return ok_status();
}

// --- chain verification ---

Result<std::vector<Certificate>> verify_chain(const Certificate& leaf,
                                              std::span<const Certificate> intermediates,
                                              const Certificate& root,
                                              const ChainVerifyOptions& options) {
  if (intermediates.size() + 2 > kMaxChainCertificates) {
    return make_error(
        ErrorCode::kLimit,
        "x509: chain longer than " + std::to_string(kMaxChainCertificates) + " certificates");
  }
  // The pinned root is the store's only certificate: no system paths are ever loaded.
  X509StorePtr store(X509_STORE_new());
  if (!store || X509_STORE_add_cert(store.get(), root.get()) != 1) {
    return openssl_error("x509: building the trust store");
  }
  for (const Crl& crl : options.crls) {
    if (X509_STORE_add_crl(store.get(), crl.get()) != 1) {
      return openssl_error("x509: adding a CRL to the trust store");
    }
  }
  X509StackPtr untrusted = new_x509_stack();
  if (!untrusted) return openssl_error("x509: allocating the chain");
  for (const Certificate& cert : intermediates) {
    if (!x509_stack_push(untrusted.get(), cert.get()))
      return openssl_error("x509: building the chain");
  }
  X509StoreCtxPtr ctx(X509_STORE_CTX_new());
  if (!ctx || X509_STORE_CTX_init(ctx.get(), store.get(), leaf.get(), untrusted.get()) != 1) {
    return openssl_error("x509: initializing verification");
  }
  X509_VERIFY_PARAM* param = X509_STORE_CTX_get0_param(ctx.get());
  X509_VERIFY_PARAM_set_time(param, static_cast<time_t>(options.at_time));
  // Depth counts intermediates; the bound stops pathological chains early.
  X509_VERIFY_PARAM_set_depth(param, static_cast<int>(kMaxChainCertificates));
  unsigned long flags = 0;
  if (!options.crls.empty()) flags |= X509_V_FLAG_CRL_CHECK | X509_V_FLAG_CRL_CHECK_ALL;
  if (options.x509_strict) flags |= X509_V_FLAG_X509_STRICT;
  // Deliberately absent: X509_V_FLAG_PARTIAL_CHAIN (the chain must end at the pinned
  // self-signed root) and X509_V_FLAG_NO_CHECK_TIME.
  if (flags != 0) X509_VERIFY_PARAM_set_flags(param, flags);

  const int rc = X509_verify_cert(ctx.get());
  if (rc != 1) {
    const int err = X509_STORE_CTX_get_error(ctx.get());
    if (err == X509_V_OK) return openssl_error("x509: chain verification could not run");
    ERR_clear_error();
    const int depth = X509_STORE_CTX_get_error_depth(ctx.get());
    return make_error(ErrorCode::kVerification,
                      "x509: chain verification failed at depth " + std::to_string(depth) + " (" +
                          describe(X509_STORE_CTX_get_current_cert(ctx.get())) +
                          "): " + X509_verify_cert_error_string(err));
  }

  // Map OpenSSL's chain back to our objects (the store holds root.get() itself).
  const STACK_OF(X509)* chain = X509_STORE_CTX_get0_chain(ctx.get());
  std::vector<Certificate> out;
  const int n = x509_stack_size(chain);
  for (int i = 0; i < n; ++i) {
    X509* x = x509_stack_at(chain, i);
    if (x == leaf.get()) {
      out.push_back(leaf);
    } else if (x == root.get()) {
      out.push_back(root);
    } else {
      auto it = std::find_if(intermediates.begin(), intermediates.end(),
                             [x](const Certificate& c) { return c.get() == x; });
      if (it == intermediates.end()) {
        return make_error(ErrorCode::kInternal, "x509: verified chain has an unknown certificate");
      }
      out.push_back(*it);
    }
  }
  // Belt and braces: the anchor must be the pinned root, byte for byte.
  if (out.empty() || out.back().der() != root.der()) {
    return make_error(ErrorCode::kVerification, "x509: chain does not end at the pinned root");
  }
  return out;
}

Result<std::vector<Certificate>> verify_chain(std::span<const Certificate> chain,
                                              const Certificate& root,
                                              const ChainVerifyOptions& options) {
  if (chain.empty()) return make_error(ErrorCode::kInvalidArgument, "x509: empty chain");
  return verify_chain(chain.front(), chain.subspan(1), root, options);
}

}  // namespace cllm::crypto
