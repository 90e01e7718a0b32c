#include "cllm/gpu/jwks.hpp"

#include "cllm/common/base64.hpp"
#include "cllm/common/json.hpp"
#include "cllm/common/printable.hpp"

namespace cllm::gpu {

namespace {

constexpr std::size_t kCoordinateSize = 48;  // P-384
constexpr std::size_t kMaxX5cCertificates = 8;

std::string printable(std::string_view text) {
  return printable_ascii(text, 80);
}

Result<Bytes> coordinate(const Json& key, std::string_view name) {
  CLLM_ASSIGN_OR_RETURN(std::string text, json_string(key, name));
  if (text.find('=') != std::string::npos) {
    return make_error(ErrorCode::kParse, std::string(name) + " carries base64 padding");
  }
  CLLM_ASSIGN_OR_RETURN(Bytes value, base64url_decode(text));
  if (value.size() != kCoordinateSize) {
    return make_error(ErrorCode::kParse, std::string(name) + " is " + std::to_string(value.size()) +
                                             " bytes, expected 48");
  }
  return value;
}

// One JWK. kUnsupported marks a well-formed key we do not use (other kty/crv): it is skipped.
Result<Jwk> parse_key(const Json& key, const std::string& kid) {
  CLLM_ASSIGN_OR_RETURN(std::string kty, json_string(key, "kty"));
  if (kty != "EC") {
    return make_error(ErrorCode::kUnsupported, "kty '" + printable(kty) + "' is not EC");
  }
  CLLM_ASSIGN_OR_RETURN(std::string crv, json_string(key, "crv"));
  if (crv != "P-384") {
    return make_error(ErrorCode::kUnsupported, "crv '" + printable(crv) + "' is not P-384");
  }
  if (auto alg = key.find("alg"); alg != key.end() && *alg != "ES384") {
    return make_error(ErrorCode::kUnsupported, "alg is not ES384");
  }
  if (auto use = key.find("use"); use != key.end() && *use != "sig") {
    return make_error(ErrorCode::kUnsupported, "use is not sig");
  }
  CLLM_ASSIGN_OR_RETURN(Bytes x, coordinate(key, "x"));
  CLLM_ASSIGN_OR_RETURN(Bytes y, coordinate(key, "y"));
  const Bytes xy = concat({x, y});
  CLLM_ASSIGN_OR_RETURN(crypto::EcdsaPublicKey public_key,
                        crypto::EcdsaPublicKey::from_raw_xy(crypto::EcCurve::kP384, xy));
  Jwk jwk{kid, std::move(public_key), {}};
  if (auto x5c = key.find("x5c"); x5c != key.end()) {
    if (!x5c->is_array() || x5c->empty() || x5c->size() > kMaxX5cCertificates) {
      return make_error(
          ErrorCode::kParse,
          "x5c must be an array of 1.." + std::to_string(kMaxX5cCertificates) + " certificates");
    }
    for (const Json& entry : *x5c) {
      if (!entry.is_string()) return make_error(ErrorCode::kParse, "x5c entry is not a string");
      // RFC 7517 §4.7: standard base64 (padded) DER, not base64url.
      CLLM_ASSIGN_OR_RETURN(Bytes der, base64_decode(entry.get_ref<const std::string&>()));
      CLLM_ASSIGN_OR_RETURN(crypto::Certificate cert, crypto::Certificate::from_der(der));
      jwk.x5c.push_back(std::move(cert));
    }
    auto cert_key = jwk.x5c.front().ecdsa_public_key();
    if (!cert_key || cert_key->curve() != crypto::EcCurve::kP384 || cert_key->to_raw_xy() != xy) {
      return make_error(ErrorCode::kVerification,
                        "the key of x5c[0] is not the key given by x and y");
    }
  }
  return jwk;
}

}  // namespace

Result<Jwks> Jwks::parse(std::string_view json_text) {
  if (json_text.size() > kMaxJwksSize) {
    return make_error(ErrorCode::kLimit,
                      "jwks: document exceeds " + std::to_string(kMaxJwksSize) + " bytes");
  }
  auto doc = parse_json(json_text, 16);
  if (!doc) return std::move(doc).error().context("jwks");
  auto keys = json_field(*doc, "keys");
  if (!keys) return std::move(keys).error().context("jwks");
  const Json& list = **keys;
  if (!list.is_array()) return make_error(ErrorCode::kParse, "jwks: keys is not an array");
  if (list.size() > kMaxJwksKeys) {
    return make_error(ErrorCode::kLimit,
                      "jwks: more than " + std::to_string(kMaxJwksKeys) + " keys");
  }
  Jwks out;
  for (std::size_t i = 0; i < list.size(); ++i) {
    const Json& key = list[i];
    auto kid = json_string(key, "kid");
    if (!kid || kid->empty() || kid->size() > 256) {
      return make_error(ErrorCode::kParse,
                        "jwks: keys[" + std::to_string(i) + "] has no valid kid");
    }
    for (const Jwk& seen : out.keys_) {
      if (seen.kid == *kid) {
        return make_error(ErrorCode::kParse, "jwks: kid '" + printable(*kid) + "' appears twice");
      }
    }
    auto jwk = parse_key(key, *kid);
    if (!jwk) {
      out.rejected_.push_back(printable(*kid) + ": " + jwk.error().message());
      continue;
    }
    out.keys_.push_back(std::move(jwk).value());
  }
  return out;
}

const Jwk* Jwks::find(std::string_view kid) const {
  for (const Jwk& jwk : keys_) {
    if (jwk.kid == kid) return &jwk;
  }
  return nullptr;
}

Result<std::string> make_jwks_json(std::span<const JwkSpec> keys) {
  Json list = Json::array();
  for (const JwkSpec& spec : keys) {
    if (spec.key.curve() != crypto::EcCurve::kP384) {
      return make_error(ErrorCode::kInvalidArgument, "jwks: key '" + spec.kid + "' is not P-384");
    }
    const Bytes xy = spec.key.to_raw_xy();
    const ByteView view(xy);
    Json key = {{"kid", spec.kid},
                {"kty", "EC"},
                {"crv", "P-384"},
                {"x", base64url_encode(view.first(kCoordinateSize))},
                {"y", base64url_encode(view.last(kCoordinateSize))}};
    if (!spec.x5c.empty()) {
      Json x5c = Json::array();
      for (const crypto::Certificate& cert : spec.x5c)
        x5c.push_back(base64_encode(cert.der()));
      key["x5c"] = std::move(x5c);
    }
    list.push_back(std::move(key));
  }
  return canonical_json(Json{{"keys", std::move(list)}});
}

}  // namespace cllm::gpu
