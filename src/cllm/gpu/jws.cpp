#include "cllm/gpu/jws.hpp"

#include "cllm/common/base64.hpp"

namespace cllm::gpu {

namespace {

constexpr int kMaxJsonDepth = 16;

// base64url_decode tolerates '=' padding; JWS forbids it (RFC 7515 §2), and a token that can
// be spelled two ways would give two different submods digests for one signed content.
Result<Bytes> decode_part(std::string_view part, std::string_view name) {
  if (part.empty()) return make_error(ErrorCode::kParse, "jws: empty " + std::string(name));
  if (part.find('=') != std::string_view::npos) {
    return make_error(ErrorCode::kParse, "jws: " + std::string(name) + " carries base64 padding");
  }
  auto decoded = base64url_decode(part);
  if (!decoded) return std::move(decoded).error().context("jws: " + std::string(name));
  return decoded;
}

Result<Json> decode_json_object(std::string_view part, std::string_view name) {
  CLLM_ASSIGN_OR_RETURN(Bytes raw, decode_part(part, name));
  auto json = parse_json(to_string(raw), kMaxJsonDepth);
  if (!json) return std::move(json).error().context("jws: " + std::string(name));
  if (!json->is_object()) {
    return make_error(ErrorCode::kParse, "jws: " + std::string(name) + " is not a JSON object");
  }
  return json;
}

Status check_header(const Json& header) {
  auto alg = header.find("alg");
  if (alg == header.end() || !alg->is_string()) {
    return make_error(ErrorCode::kParse, "jws: header has no alg");
  }
  const auto& name = alg->get_ref<const std::string&>();
  if (name != "ES384") {
    // Printed bounded: the name comes from outside.
    return make_error(ErrorCode::kUnsupported,
                      "jws: alg '" + name.substr(0, 16) + "' is not accepted (only ES384)");
  }
  // We understand no critical extension, so any "crit" must be refused (RFC 7515 §4.1.11).
  if (header.contains("crit")) {
    return make_error(ErrorCode::kUnsupported, "jws: header has critical extensions (crit)");
  }
  return ok_status();
}

}  // namespace

Result<Jws> parse_jws(std::string_view compact) {
  if (compact.size() > kMaxJwsSize) {
    return make_error(ErrorCode::kLimit, "jws: token of " + std::to_string(compact.size()) +
                                             " bytes exceeds " + std::to_string(kMaxJwsSize));
  }
  const std::size_t dot1 = compact.find('.');
  if (dot1 == std::string_view::npos) {
    return make_error(ErrorCode::kParse, "jws: not three dot-separated parts");
  }
  const std::size_t dot2 = compact.find('.', dot1 + 1);
  if (dot2 == std::string_view::npos || compact.find('.', dot2 + 1) != std::string_view::npos) {
    return make_error(ErrorCode::kParse, "jws: not three dot-separated parts");
  }
  Jws jws;
  CLLM_ASSIGN_OR_RETURN(jws.header, decode_json_object(compact.substr(0, dot1), "header"));
  CLLM_TRY(check_header(jws.header));
  auto kid = jws.header.find("kid");
  if (kid == jws.header.end() || !kid->is_string() || kid->get_ref<const std::string&>().empty()) {
    return make_error(ErrorCode::kParse, "jws: header has no kid");
  }
  jws.kid = kid->get<std::string>();
  if (jws.kid.size() > kMaxJwsKidSize) {
    return make_error(ErrorCode::kLimit, "jws: kid longer than " + std::to_string(kMaxJwsKidSize));
  }
  CLLM_ASSIGN_OR_RETURN(jws.payload,
                        decode_json_object(compact.substr(dot1 + 1, dot2 - dot1 - 1), "payload"));
  CLLM_ASSIGN_OR_RETURN(jws.signature, decode_part(compact.substr(dot2 + 1), "signature"));
  if (jws.signature.size() != kEs384SignatureSize) {
    return make_error(
        ErrorCode::kParse,
        "jws: ES384 signature is " + std::to_string(jws.signature.size()) + " bytes, expected 96");
  }
  jws.compact = std::string(compact);
  jws.signing_input_size = dot2;
  return jws;
}

Status verify_jws(const Jws& jws, const crypto::EcdsaPublicKey& key) {
  if (key.curve() != crypto::EcCurve::kP384) {
    return make_error(ErrorCode::kVerification, "jws: ES384 needs a P-384 key");
  }
  auto verified = key.verify(as_bytes(jws.signing_input()), jws.signature);
  if (!verified) {
    return make_error(ErrorCode::kVerification,
                      "jws: ES384 signature does not verify with the key of kid '" + jws.kid + "'");
  }
  return ok_status();
}

Result<std::string> sign_jws_es384(const Json& payload, std::string_view kid,
                                   const crypto::EcdsaPrivateKey& key) {
  if (key.curve() != crypto::EcCurve::kP384) {
    return make_error(ErrorCode::kInvalidArgument, "jws: ES384 needs a P-384 key");
  }
  if (!payload.is_object()) {
    return make_error(ErrorCode::kInvalidArgument, "jws: payload must be a JSON object");
  }
  if (kid.empty() || kid.size() > kMaxJwsKidSize) {
    return make_error(ErrorCode::kInvalidArgument,
                      "jws: kid must be 1.." + std::to_string(kMaxJwsKidSize) + " bytes");
  }
  Json header = {{"alg", "ES384"}, {"kid", std::string(kid)}};
  CLLM_ASSIGN_OR_RETURN(std::string header_text, canonical_json(header));
  CLLM_ASSIGN_OR_RETURN(std::string payload_text, canonical_json(payload));
  std::string input =
      base64url_encode(as_bytes(header_text)) + "." + base64url_encode(as_bytes(payload_text));
  CLLM_ASSIGN_OR_RETURN(Bytes signature, key.sign(as_bytes(input)));
  return input + "." + base64url_encode(signature);
}

}  // namespace cllm::gpu
