#include "cllm/crypto/ecdsa.hpp"

#include <openssl/core_names.h>
#include <openssl/err.h>

#include <array>
#include <cstdint>
#include <string>

#include "cllm/crypto/x509_ptr.hpp"

namespace cllm::crypto {

namespace {

// Group orders, from SEC 2 / FIPS 186-4 D.1.2.3 and D.1.2.4 (a test compares them with
// OpenSSL's EC_GROUP_get0_order).
constexpr std::array<std::uint8_t, 32> kP256Order = {
    0xff, 0xff, 0xff, 0xff, 0x00, 0x00, 0x00, 0x00, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
    0xbc, 0xe6, 0xfa, 0xad, 0xa7, 0x17, 0x9e, 0x84, 0xf3, 0xb9, 0xca, 0xc2, 0xfc, 0x63, 0x25, 0x51};
constexpr std::array<std::uint8_t, 48> kP384Order = {
    0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
    0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xc7, 0x63, 0x4d, 0x81, 0xf4, 0x37, 0x2d, 0xdf,
    0x58, 0x1a, 0x0d, 0xb2, 0x48, 0xb0, 0xa7, 0x7a, 0xec, 0xec, 0x19, 0x6a, 0xcc, 0xc5, 0x29, 0x73};

// The OpenSSL names: accepted by OSSL_PKEY_PARAM_GROUP_NAME and returned by
// EVP_PKEY_get_group_name.
const char* openssl_group_name(EcCurve curve) {
  return curve == EcCurve::kP256 ? "prime256v1" : "secp384r1";
}

int curve_nid(EcCurve curve) {
  return curve == EcCurve::kP256 ? NID_X9_62_prime256v1 : NID_secp384r1;
}

const EVP_MD* curve_md(EcCurve curve) {
  return curve == EcCurve::kP256 ? EVP_sha256() : EVP_sha384();
}

std::string curve_prefix(EcCurve curve) {
  return "ecdsa " + std::string(ec_curve_name(curve));
}

// OpenSSL's EVP calls want a non-null pointer even for an empty input.
const std::uint8_t* nonnull(ByteView b) {
  static constexpr std::uint8_t kEmpty = 0;
  return b.empty() ? &kEmpty : b.data();
}

// a < b for equal-length big-endian numbers, in time independent of the values: it is used
// on private scalars too.
bool be_less_than(ByteView a, ByteView b) {
  unsigned lt = 0;
  unsigned decided = 0;
  for (std::size_t i = 0; i < a.size(); ++i) {
    const unsigned x = a[i];
    const unsigned y = b[i];
    const unsigned less = (x - y) >> 31;     // 1 when x < y (both < 256)
    const unsigned greater = (y - x) >> 31;  // 1 when x > y
    lt |= less & ~decided & 1U;
    decided |= (less | greater) & 1U;
  }
  return lt == 1;
}

bool is_zero(ByteView a) {
  unsigned acc = 0;
  for (auto byte : a)
    acc |= byte;
  return acc == 0;
}

// Checks 1 <= v < n for a fixed-width big-endian value.
Status check_scalar_range(EcCurve curve, ByteView v, std::string_view what) {
  if (is_zero(v)) return make_error(ErrorCode::kParse, std::string(what) + " is zero");
  if (!be_less_than(v, ec_curve_order(curve))) {
    return make_error(ErrorCode::kParse, std::string(what) + " is not below the group order");
  }
  return ok_status();
}

// --- DER ECDSA-Sig-Value ::= SEQUENCE { r INTEGER, s INTEGER } ---

// Lengths here never reach 128 (an INTEGER is at most 49 + 2 bytes, the SEQUENCE content
// at most 102), so the short form is the canonical one.
void append_der_length(Bytes& out, std::size_t len) {
  out.push_back(static_cast<std::uint8_t>(len));
}

// A positive INTEGER from a fixed-width magnitude: minimal, with a 0x00 pad when the top bit
// is set so it does not read as negative.
Bytes der_integer(ByteView magnitude) {
  std::size_t start = 0;
  while (start + 1 < magnitude.size() && magnitude[start] == 0)
    ++start;
  Bytes content;
  if ((magnitude[start] & 0x80) != 0) content.push_back(0x00);
  content.insert(content.end(), magnitude.begin() + static_cast<std::ptrdiff_t>(start),
                 magnitude.end());
  Bytes out{0x02};
  append_der_length(out, content.size());
  out.insert(out.end(), content.begin(), content.end());
  return out;
}

// Reads one INTEGER at der[pos] into a left-padded field-size magnitude.
Status read_der_integer(ByteView der, std::size_t& pos, std::size_t field, Bytes& out,
                        std::string_view name) {
  const std::string n(name);
  if (pos + 2 > der.size()) return make_error(ErrorCode::kParse, "DER: " + n + " truncated");
  if (der[pos] != 0x02) return make_error(ErrorCode::kParse, "DER: " + n + " is not an INTEGER");
  const std::size_t len = der[pos + 1];
  // Our integers are at most 49 bytes, so only the short length form is canonical.
  if (len >= 0x80) return make_error(ErrorCode::kParse, "DER: " + n + " length form invalid");
  if (len == 0) return make_error(ErrorCode::kParse, "DER: " + n + " is empty");
  pos += 2;
  if (len > der.size() - pos) return make_error(ErrorCode::kParse, "DER: " + n + " truncated");
  ByteView content = der.subspan(pos, len);
  pos += len;
  if ((content[0] & 0x80) != 0) return make_error(ErrorCode::kParse, "DER: " + n + " is negative");
  if (content.size() > 1 && content[0] == 0x00 && (content[1] & 0x80) == 0) {
    return make_error(ErrorCode::kParse, "DER: " + n + " has a non-minimal leading zero");
  }
  if (content[0] == 0x00) content = content.subspan(1);
  if (content.size() > field) {
    return make_error(ErrorCode::kParse, "DER: " + n + " is wider than the curve");
  }
  out.assign(field - content.size(), 0);
  out.insert(out.end(), content.begin(), content.end());
  return ok_status();
}

// --- keys ---

Result<EvpPkeyPtr> pkey_fromdata(const OSSL_PARAM* params, int selection, std::string_view what) {
  EvpPkeyCtxPtr ctx(EVP_PKEY_CTX_new_from_name(nullptr, "EC", nullptr));
  if (!ctx || EVP_PKEY_fromdata_init(ctx.get()) != 1) return openssl_error(what);
  EVP_PKEY* raw = nullptr;
  // fromdata only reads the params; the API lacks const.
  if (EVP_PKEY_fromdata(ctx.get(), &raw, selection, const_cast<OSSL_PARAM*>(params)) != 1) {
    return openssl_error(what);
  }
  return EvpPkeyPtr(raw);
}

Result<EcCurve> curve_of(EVP_PKEY* pkey) {
  if (pkey == nullptr || EVP_PKEY_is_a(pkey, "EC") != 1) {
    return make_error(ErrorCode::kUnsupported, "ecdsa: key is not an EC key");
  }
  std::array<char, 64> name{};
  std::size_t len = 0;
  if (EVP_PKEY_get_group_name(pkey, name.data(), name.size(), &len) != 1) {
    ERR_clear_error();
    return make_error(ErrorCode::kUnsupported, "ecdsa: EC key has no named curve");
  }
  const std::string_view group(name.data(), len);
  if (group == openssl_group_name(EcCurve::kP256)) return EcCurve::kP256;
  if (group == openssl_group_name(EcCurve::kP384)) return EcCurve::kP384;
  return make_error(ErrorCode::kUnsupported,
                    "ecdsa: unsupported curve " + std::string(group) + " (want P-256 or P-384)");
}

// 0x04 || x || y of any EC key, whatever point form it was imported with.
Result<Bytes> sec1_of(EVP_PKEY* pkey, EcCurve curve) {
  const std::size_t field = ec_field_size(curve);
  BIGNUM* x_raw = nullptr;
  BIGNUM* y_raw = nullptr;
  const bool got_x = EVP_PKEY_get_bn_param(pkey, OSSL_PKEY_PARAM_EC_PUB_X, &x_raw) == 1;
  BignumPtr x(x_raw);
  const bool got_y = EVP_PKEY_get_bn_param(pkey, OSSL_PKEY_PARAM_EC_PUB_Y, &y_raw) == 1;
  BignumPtr y(y_raw);
  if (!got_x || !got_y) return openssl_error("ecdsa: reading the public point");
  Bytes out(1 + 2 * field);
  out[0] = 0x04;
  if (BN_bn2binpad(x.get(), out.data() + 1, static_cast<int>(field)) < 0 ||
      BN_bn2binpad(y.get(), out.data() + 1 + field, static_cast<int>(field)) < 0) {
    return openssl_error("ecdsa: encoding the public point");
  }
  return out;
}

// d * G, uncompressed, for a private scalar already range-checked.
Result<Bytes> public_point_of(EcCurve curve, const BIGNUM* d) {
  EcGroupPtr group(EC_GROUP_new_by_curve_name(curve_nid(curve)));
  BnCtxPtr bn_ctx(BN_CTX_new());
  if (!group || !bn_ctx) return openssl_error("ecdsa: allocating the group");
  EcPointPtr point(EC_POINT_new(group.get()));
  if (!point || EC_POINT_mul(group.get(), point.get(), d, nullptr, nullptr, bn_ctx.get()) != 1) {
    return openssl_error("ecdsa: computing the public key");
  }
  Bytes out(1 + 2 * ec_field_size(curve));
  if (EC_POINT_point2oct(group.get(), point.get(), POINT_CONVERSION_UNCOMPRESSED, out.data(),
                         out.size(), bn_ctx.get()) != out.size()) {
    return openssl_error("ecdsa: encoding the public key");
  }
  return out;
}

Status verify_der_signature(EVP_PKEY* pkey, EcCurve curve, ByteView message, ByteView der) {
  EvpMdCtxPtr ctx(EVP_MD_CTX_new());
  if (!ctx || EVP_DigestVerifyInit(ctx.get(), nullptr, curve_md(curve), nullptr, pkey) != 1) {
    return openssl_error(curve_prefix(curve) + " verify init");
  }
  const int rc =
      EVP_DigestVerify(ctx.get(), der.data(), der.size(), nonnull(message), message.size());
  // A bad signature leaves entries on the error queue; they are expected, not news.
  ERR_clear_error();
  if (rc != 1) {
    return make_error(ErrorCode::kVerification,
                      curve_prefix(curve) + ": signature does not match the message and key");
  }
  return ok_status();
}

}  // namespace

std::size_t ec_field_size(EcCurve curve) {
  return curve == EcCurve::kP256 ? 32 : 48;
}
std::size_t ec_digest_size(EcCurve curve) {
  return curve == EcCurve::kP256 ? 32 : 48;
}
std::string_view ec_curve_name(EcCurve curve) {
  return curve == EcCurve::kP256 ? "P-256" : "P-384";
}
ByteView ec_curve_order(EcCurve curve) {
  if (curve == EcCurve::kP256) return ByteView(kP256Order);
  return ByteView(kP384Order);
}

Result<Bytes> ecdsa_raw_to_der(EcCurve curve, ByteView raw) {
  const std::size_t field = ec_field_size(curve);
  if (raw.size() != 2 * field) {
    return make_error(ErrorCode::kParse, curve_prefix(curve) + ": raw signature must be " +
                                             std::to_string(2 * field) + " bytes, got " +
                                             std::to_string(raw.size()));
  }
  const ByteView r = raw.first(field);
  const ByteView s = raw.subspan(field);
  CLLM_TRY(check_scalar_range(curve, r, curve_prefix(curve) + ": signature r"));
  CLLM_TRY(check_scalar_range(curve, s, curve_prefix(curve) + ": signature s"));
  const Bytes r_der = der_integer(r);
  const Bytes s_der = der_integer(s);
  Bytes out{0x30};
  append_der_length(out, r_der.size() + s_der.size());
  out.insert(out.end(), r_der.begin(), r_der.end());
  out.insert(out.end(), s_der.begin(), s_der.end());
  return out;
}

Result<Bytes> ecdsa_der_to_raw(EcCurve curve, ByteView der) {
  const std::size_t field = ec_field_size(curve);
  const std::string prefix = curve_prefix(curve) + ": ";
  // Each INTEGER is at most 2 + field + 1 bytes, so the SEQUENCE content stays below 128
  // bytes and its canonical length is always the one-byte short form.
  const std::size_t max_size = 2 + 2 * (3 + field);
  if (der.size() < 8 || der.size() > max_size) {
    return make_error(ErrorCode::kParse, prefix + "DER signature has an impossible size (" +
                                             std::to_string(der.size()) + " bytes)");
  }
  if (der[0] != 0x30) return make_error(ErrorCode::kParse, prefix + "DER: not a SEQUENCE");
  if (der[1] >= 0x80) {
    return make_error(ErrorCode::kParse, prefix + "DER: SEQUENCE length is not in short form");
  }
  std::size_t pos = 2;
  if (pos + der[1] != der.size()) {
    return make_error(ErrorCode::kParse,
                      prefix + "DER: SEQUENCE length does not match the signature size");
  }
  Bytes r;
  Bytes s;
  auto with_prefix = [&](Status st) -> Status {
    if (st.ok()) return st;
    return make_error(st.error().code(), prefix + st.error().message());
  };
  CLLM_TRY(with_prefix(read_der_integer(der, pos, field, r, "r")));
  CLLM_TRY(with_prefix(read_der_integer(der, pos, field, s, "s")));
  if (pos != der.size()) {
    return make_error(ErrorCode::kParse, prefix + "DER: trailing bytes after s");
  }
  CLLM_TRY(check_scalar_range(curve, r, prefix + "signature r"));
  CLLM_TRY(check_scalar_range(curve, s, prefix + "signature s"));
  Bytes raw = std::move(r);
  raw.insert(raw.end(), s.begin(), s.end());
  return raw;
}

// --- EcdsaPublicKey ---

Result<EcdsaPublicKey> EcdsaPublicKey::from_sec1(EcCurve curve, ByteView point) {
  const std::size_t want = 1 + 2 * ec_field_size(curve);
  const std::string prefix = curve_prefix(curve) + ": public key";
  if (point.size() != want) {
    return make_error(ErrorCode::kParse, prefix + " must be " + std::to_string(want) +
                                             " bytes (uncompressed SEC1), got " +
                                             std::to_string(point.size()));
  }
  if (point[0] != 0x04) {
    return make_error(ErrorCode::kParse, prefix + " is not an uncompressed point (0x04 prefix)");
  }
  // Both params only borrow; fromdata copies what it keeps.
  const std::array<OSSL_PARAM, 3> params = {
      OSSL_PARAM_construct_utf8_string(OSSL_PKEY_PARAM_GROUP_NAME,
                                       const_cast<char*>(openssl_group_name(curve)), 0),
      OSSL_PARAM_construct_octet_string(OSSL_PKEY_PARAM_PUB_KEY,
                                        const_cast<std::uint8_t*>(point.data()), point.size()),
      OSSL_PARAM_construct_end()};
  // OpenSSL rejects a point that is not on the curve while decoding it.
  auto pkey = pkey_fromdata(params.data(), EVP_PKEY_PUBLIC_KEY, prefix + " is not a valid point");
  if (!pkey.ok()) return make_error(ErrorCode::kParse, std::move(pkey).error().message());
  // The quick check (on the curve, not the point at infinity) is the whole check on P-256 and
  // P-384: both have cofactor 1, so every point on the curve other than infinity has the
  // group's order, and the full check's extra "order x point = infinity" test cannot fail
  // (it costs a scalar multiplication per key).
  EvpPkeyCtxPtr check(EVP_PKEY_CTX_new_from_pkey(nullptr, pkey->get(), nullptr));
  if (!check || EVP_PKEY_public_check_quick(check.get()) != 1) {
    return make_error(ErrorCode::kParse,
                      openssl_error(prefix + " failed the point check").message());
  }
  std::shared_ptr<EVP_PKEY> shared(pkey->release(), EVP_PKEY_free);
  return EcdsaPublicKey(curve, std::move(shared), Bytes(point.begin(), point.end()));
}

Result<EcdsaPublicKey> EcdsaPublicKey::from_raw_xy(EcCurve curve, ByteView xy) {
  const std::size_t want = 2 * ec_field_size(curve);
  if (xy.size() != want) {
    return make_error(ErrorCode::kParse, curve_prefix(curve) + ": raw public key must be " +
                                             std::to_string(want) + " bytes (x||y), got " +
                                             std::to_string(xy.size()));
  }
  Bytes sec1{0x04};
  sec1.insert(sec1.end(), xy.begin(), xy.end());
  return from_sec1(curve, sec1);
}

Result<EcdsaPublicKey> EcdsaPublicKey::from_pkey(EVP_PKEY* pkey) {
  CLLM_ASSIGN_OR_RETURN(EcCurve curve, curve_of(pkey));
  CLLM_ASSIGN_OR_RETURN(Bytes sec1, sec1_of(pkey, curve));
  // Re-import from the point rather than sharing pkey: it may hold a private key too, and
  // this also runs the same point checks as from_sec1.
  return from_sec1(curve, sec1);
}

Bytes EcdsaPublicKey::to_sec1() const {
  return sec1_;
}

Bytes EcdsaPublicKey::to_raw_xy() const {
  return Bytes(sec1_.begin() + 1, sec1_.end());
}

Status EcdsaPublicKey::verify(ByteView message, ByteView raw_signature) const {
  auto der = ecdsa_raw_to_der(curve_, raw_signature);
  if (!der.ok()) return make_error(ErrorCode::kVerification, der.error().message());
  return verify_der_signature(pkey_.get(), curve_, message, *der);
}

Status EcdsaPublicKey::verify_der(ByteView message, ByteView der_signature) const {
  // Parse strictly first: OpenSSL alone would accept some non-canonical encodings.
  auto raw = ecdsa_der_to_raw(curve_, der_signature);
  if (!raw.ok()) return make_error(ErrorCode::kVerification, raw.error().message());
  return verify_der_signature(pkey_.get(), curve_, message, der_signature);
}

Status EcdsaPublicKey::verify_prehashed(ByteView digest, ByteView raw_signature) const {
  const std::string prefix = curve_prefix(curve_);
  if (digest.size() != ec_digest_size(curve_)) {
    return make_error(ErrorCode::kVerification, prefix + ": digest must be " +
                                                    std::to_string(ec_digest_size(curve_)) +
                                                    " bytes, got " + std::to_string(digest.size()));
  }
  auto der = ecdsa_raw_to_der(curve_, raw_signature);
  if (!der.ok()) return make_error(ErrorCode::kVerification, der.error().message());
  EvpPkeyCtxPtr ctx(EVP_PKEY_CTX_new_from_pkey(nullptr, pkey_.get(), nullptr));
  if (!ctx || EVP_PKEY_verify_init(ctx.get()) != 1 ||
      EVP_PKEY_CTX_set_signature_md(ctx.get(), curve_md(curve_)) != 1) {
    return openssl_error(prefix + " verify init");
  }
  const int rc = EVP_PKEY_verify(ctx.get(), der->data(), der->size(), digest.data(), digest.size());
  ERR_clear_error();
  if (rc != 1) {
    return make_error(ErrorCode::kVerification,
                      prefix + ": signature does not match the digest and key");
  }
  return ok_status();
}

// --- EcdsaPrivateKey ---

Result<EcdsaPrivateKey> EcdsaPrivateKey::generate(EcCurve curve) {
  EvpPkeyCtxPtr ctx(EVP_PKEY_CTX_new_from_name(nullptr, "EC", nullptr));
  EVP_PKEY* raw = nullptr;
  if (!ctx || EVP_PKEY_keygen_init(ctx.get()) != 1 ||
      EVP_PKEY_CTX_set_group_name(ctx.get(), openssl_group_name(curve)) != 1 ||
      EVP_PKEY_generate(ctx.get(), &raw) != 1) {
    return openssl_error(curve_prefix(curve) + ": key generation");
  }
  EvpPkeyPtr pkey(raw);
  CLLM_ASSIGN_OR_RETURN(Bytes sec1, sec1_of(pkey.get(), curve));
  CLLM_ASSIGN_OR_RETURN(EcdsaPublicKey pub, EcdsaPublicKey::from_sec1(curve, sec1));
  return EcdsaPrivateKey(std::move(pkey), std::move(pub));
}

Result<EcdsaPrivateKey> EcdsaPrivateKey::from_scalar(EcCurve curve, ByteView scalar) {
  const std::string prefix = curve_prefix(curve) + ": private scalar";
  if (scalar.size() != ec_field_size(curve)) {
    return make_error(ErrorCode::kInvalidArgument,
                      prefix + " must be " + std::to_string(ec_field_size(curve)) + " bytes, got " +
                          std::to_string(scalar.size()));
  }
  if (is_zero(scalar) || !be_less_than(scalar, ec_curve_order(curve))) {
    return make_error(ErrorCode::kInvalidArgument, prefix + " is not in [1, n-1]");
  }
  // Secure-heap BIGNUM, constant-time flag for the scalar multiplication; freed with clearing.
  BignumPtr d(BN_secure_new());
  if (!d || BN_bin2bn(scalar.data(), static_cast<int>(scalar.size()), d.get()) == nullptr) {
    return openssl_error(prefix);
  }
  BN_set_flags(d.get(), BN_FLG_CONSTTIME);
  CLLM_ASSIGN_OR_RETURN(Bytes sec1, public_point_of(curve, d.get()));

  OsslParamBldPtr bld(OSSL_PARAM_BLD_new());
  if (!bld ||
      OSSL_PARAM_BLD_push_utf8_string(bld.get(), OSSL_PKEY_PARAM_GROUP_NAME,
                                      openssl_group_name(curve), 0) != 1 ||
      OSSL_PARAM_BLD_push_BN(bld.get(), OSSL_PKEY_PARAM_PRIV_KEY, d.get()) != 1 ||
      OSSL_PARAM_BLD_push_octet_string(bld.get(), OSSL_PKEY_PARAM_PUB_KEY, sec1.data(),
                                       sec1.size()) != 1) {
    return openssl_error(prefix);
  }
  // OSSL_PARAM_free clears the block that holds the private value.
  OsslParamPtr params(OSSL_PARAM_BLD_to_param(bld.get()));
  if (!params) return openssl_error(prefix);
  CLLM_ASSIGN_OR_RETURN(EvpPkeyPtr pkey, pkey_fromdata(params.get(), EVP_PKEY_KEYPAIR, prefix));
  CLLM_ASSIGN_OR_RETURN(EcdsaPublicKey pub, EcdsaPublicKey::from_sec1(curve, sec1));
  return EcdsaPrivateKey(std::move(pkey), std::move(pub));
}

Result<SecretBytes> EcdsaPrivateKey::export_scalar() const {
  BIGNUM* raw = nullptr;
  if (EVP_PKEY_get_bn_param(pkey_.get(), OSSL_PKEY_PARAM_PRIV_KEY, &raw) != 1) {
    return openssl_error(curve_prefix(curve()) + ": exporting the private scalar");
  }
  BignumPtr d(raw);
  SecretBytes out(ec_field_size(curve()));
  if (BN_bn2binpad(d.get(), out.data(), static_cast<int>(out.size())) < 0) {
    return openssl_error(curve_prefix(curve()) + ": exporting the private scalar");
  }
  return out;
}

Result<Bytes> EcdsaPrivateKey::sign(ByteView message) const {
  const std::string prefix = curve_prefix(curve());
  EvpMdCtxPtr ctx(EVP_MD_CTX_new());
  if (!ctx ||
      EVP_DigestSignInit(ctx.get(), nullptr, curve_md(curve()), nullptr, pkey_.get()) != 1) {
    return openssl_error(prefix + " sign init");
  }
  std::size_t len = 0;
  if (EVP_DigestSign(ctx.get(), nullptr, &len, nonnull(message), message.size()) != 1) {
    return openssl_error(prefix + " sign");
  }
  Bytes der(len);
  if (EVP_DigestSign(ctx.get(), der.data(), &len, nonnull(message), message.size()) != 1) {
    return openssl_error(prefix + " sign");
  }
  der.resize(len);
  return ecdsa_der_to_raw(curve(), der);
}

Result<Bytes> EcdsaPrivateKey::sign_prehashed(ByteView digest) const {
  const std::string prefix = curve_prefix(curve());
  if (digest.size() != ec_digest_size(curve())) {
    return make_error(ErrorCode::kInvalidArgument,
                      prefix + ": digest must be " + std::to_string(ec_digest_size(curve())) +
                          " bytes, got " + std::to_string(digest.size()));
  }
  EvpPkeyCtxPtr ctx(EVP_PKEY_CTX_new_from_pkey(nullptr, pkey_.get(), nullptr));
  if (!ctx || EVP_PKEY_sign_init(ctx.get()) != 1 ||
      EVP_PKEY_CTX_set_signature_md(ctx.get(), curve_md(curve())) != 1) {
    return openssl_error(prefix + " sign init");
  }
  std::size_t len = 0;
  if (EVP_PKEY_sign(ctx.get(), nullptr, &len, digest.data(), digest.size()) != 1) {
    return openssl_error(prefix + " sign");
  }
  Bytes der(len);
  if (EVP_PKEY_sign(ctx.get(), der.data(), &len, digest.data(), digest.size()) != 1) {
    return openssl_error(prefix + " sign");
  }
  der.resize(len);
  return ecdsa_der_to_raw(curve(), der);
}

}  // namespace cllm::crypto
