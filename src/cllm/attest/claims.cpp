#include "cllm/attest/claims.hpp"

#include <algorithm>
#include <array>

#include "cllm/common/hex.hpp"
#include "cllm/common/utf8.hpp"
#include "cllm/crypto/ethereum.hpp"
#include "cllm/crypto/hash.hpp"

namespace cllm::attest {

namespace {

Error field_error(std::string_view field, std::string_view what) {
  return make_error(ErrorCode::kParse, "claims." + std::string(field) + ": " + std::string(what));
}

bool is_lower_hex(std::string_view text) {
  return std::all_of(text.begin(), text.end(),
                     [](char c) { return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'); });
}

// Exactly `bytes` bytes as lower-case hex: one spelling per value, so canonical text is unique.
Status check_hex(std::string_view field, std::string_view value, std::size_t bytes) {
  if (value.size() != 2 * bytes || !is_lower_hex(value)) {
    return field_error(field, "must be " + std::to_string(2 * bytes) + " lower-case hex digits");
  }
  return ok_status();
}

constexpr std::array<std::string_view, 12> kKeys = {"version",
                                                    "purpose",
                                                    "tee_type",
                                                    "tls_spki_sha256",
                                                    "signing_address",
                                                    "secp256k1_public_key",
                                                    "ed25519_public_key",
                                                    "model_id",
                                                    "model_sha256",
                                                    "issued_at",
                                                    "nonce",
                                                    "gpu_evidence_sha256"};

Result<std::string> string_field(const Json& json, std::string_view key) {
  auto it = json.find(key);
  if (it == json.end()) return field_error(key, "missing");
  if (!it->is_string()) return field_error(key, "must be a string");
  return it->get<std::string>();
}

Result<std::optional<std::string>> optional_string_field(const Json& json, std::string_view key) {
  auto it = json.find(key);
  if (it == json.end()) return std::optional<std::string>();
  if (!it->is_string()) return field_error(key, "must be a string");
  return std::optional<std::string>(it->get<std::string>());
}

}  // namespace

Result<std::string_view> tag_for_purpose(std::string_view purpose) {
  if (purpose == kPurposeRatls) return kRatlsTag;
  if (purpose == kPurposeReport) return kReportTag;
  return field_error("purpose", "unknown purpose '" + std::string(purpose) + "'");
}

Status validate_claims(const Claims& c) {
  if (c.version != kClaimsVersion) {
    return field_error("version", "must be \"" + std::string(kClaimsVersion) + "\"");
  }
  if (c.purpose != kPurposeRatls && c.purpose != kPurposeReport) {
    return field_error("purpose", "must be \"ratls\" or \"report\"");
  }
  if (c.tee_type != "tdx" && c.tee_type != "dstack" && c.tee_type != "sim") {
    return field_error("tee_type", "must be \"tdx\", \"dstack\" or \"sim\"");
  }
  CLLM_TRY(check_hex("tls_spki_sha256", c.tls_spki_sha256, 32));
  CLLM_TRY(check_hex("secp256k1_public_key", c.secp256k1_public_key, 65));
  CLLM_TRY(check_hex("ed25519_public_key", c.ed25519_public_key, 32));
  // The address must be the EIP-55 spelling of some address (not necessarily of this key:
  // that is the verifier's signing_key_binding check, reported on its own line).
  auto address = crypto::parse_eth_address(c.signing_address);
  if (!address.ok() || crypto::eip55_checksum_address(*address) != c.signing_address) {
    return field_error("signing_address", "must be a 0x-prefixed EIP-55 address");
  }
  if (c.model_id.empty() || c.model_id.size() > kMaxModelIdSize || !is_valid_utf8(c.model_id)) {
    return field_error("model_id",
                       "must be 1.." + std::to_string(kMaxModelIdSize) + " bytes of UTF-8");
  }
  if (!c.model_sha256.empty()) CLLM_TRY(check_hex("model_sha256", c.model_sha256, 32));
  if (c.issued_at <= 0) return field_error("issued_at", "must be a positive unix time");
  if (c.purpose == kPurposeReport && !c.nonce) {
    return field_error("nonce", "required in report claims");
  }
  if (c.purpose == kPurposeRatls && c.nonce) {
    return field_error("nonce", "not allowed in RA-TLS claims");
  }
  if (c.nonce) CLLM_TRY(check_hex("nonce", *c.nonce, 32));
  if (c.gpu_evidence_sha256) CLLM_TRY(check_hex("gpu_evidence_sha256", *c.gpu_evidence_sha256, 32));
  return ok_status();
}

Json claims_to_json(const Claims& c) {
  Json j = Json::object();
  j["version"] = c.version;
  j["purpose"] = c.purpose;
  j["tee_type"] = c.tee_type;
  j["tls_spki_sha256"] = c.tls_spki_sha256;
  j["signing_address"] = c.signing_address;
  j["secp256k1_public_key"] = c.secp256k1_public_key;
  j["ed25519_public_key"] = c.ed25519_public_key;
  j["model_id"] = c.model_id;
  j["model_sha256"] = c.model_sha256;
  j["issued_at"] = c.issued_at;
  if (c.nonce) j["nonce"] = *c.nonce;
  if (c.gpu_evidence_sha256) j["gpu_evidence_sha256"] = *c.gpu_evidence_sha256;
  return j;
}

Result<Claims> claims_from_json(const Json& json) {
  if (!json.is_object()) return make_error(ErrorCode::kParse, "claims: must be a JSON object");
  for (const auto& item : json.items()) {
    if (std::find(kKeys.begin(), kKeys.end(), item.key()) == kKeys.end()) {
      return field_error(item.key(), "unknown key");
    }
  }
  Claims c;
  CLLM_ASSIGN_OR_RETURN(c.version, string_field(json, "version"));
  CLLM_ASSIGN_OR_RETURN(c.purpose, string_field(json, "purpose"));
  CLLM_ASSIGN_OR_RETURN(c.tee_type, string_field(json, "tee_type"));
  CLLM_ASSIGN_OR_RETURN(c.tls_spki_sha256, string_field(json, "tls_spki_sha256"));
  CLLM_ASSIGN_OR_RETURN(c.signing_address, string_field(json, "signing_address"));
  CLLM_ASSIGN_OR_RETURN(c.secp256k1_public_key, string_field(json, "secp256k1_public_key"));
  CLLM_ASSIGN_OR_RETURN(c.ed25519_public_key, string_field(json, "ed25519_public_key"));
  CLLM_ASSIGN_OR_RETURN(c.model_id, string_field(json, "model_id"));
  CLLM_ASSIGN_OR_RETURN(c.model_sha256, string_field(json, "model_sha256"));
  auto issued_at = json.find("issued_at");
  if (issued_at == json.end()) return field_error("issued_at", "missing");
  // Integers only: 1.7e9 as a float would re-serialize differently from what was hashed.
  if (!issued_at->is_number_integer()) return field_error("issued_at", "must be an integer");
  if (issued_at->is_number_unsigned() && issued_at->get<std::uint64_t>() > INT64_MAX) {
    return field_error("issued_at", "out of range");
  }
  c.issued_at = issued_at->get<std::int64_t>();
  CLLM_ASSIGN_OR_RETURN(c.nonce, optional_string_field(json, "nonce"));
  CLLM_ASSIGN_OR_RETURN(c.gpu_evidence_sha256, optional_string_field(json, "gpu_evidence_sha256"));
  CLLM_TRY(validate_claims(c));
  return c;
}

Result<Claims> parse_canonical_claims(std::string_view text) {
  if (text.size() > kMaxClaimsJsonSize) {
    return make_error(ErrorCode::kLimit, "claims: " + std::to_string(text.size()) +
                                             " bytes exceed " + std::to_string(kMaxClaimsJsonSize));
  }
  CLLM_ASSIGN_OR_RETURN(Json json, parse_json(text, 4));
  CLLM_ASSIGN_OR_RETURN(Claims claims, claims_from_json(json));
  CLLM_ASSIGN_OR_RETURN(std::string canonical, canonical_claims(claims));
  if (canonical != text) {
    return make_error(ErrorCode::kParse, "claims: the text is not in canonical form");
  }
  return claims;
}

Result<std::string> canonical_claims(const Claims& claims) {
  CLLM_TRY(validate_claims(claims));
  return canonical_json(claims_to_json(claims));
}

Result<tdx::ReportData> claims_report_data(std::string_view tag, const Claims& claims) {
  CLLM_ASSIGN_OR_RETURN(std::string canonical, canonical_claims(claims));
  const std::uint8_t separator = 0;
  CLLM_ASSIGN_OR_RETURN(
      Bytes digest,
      crypto::sha512(concat({as_bytes(tag), ByteView(&separator, 1), as_bytes(canonical)})));
  tdx::ReportData out{};
  if (digest.size() != out.size()) return make_error(ErrorCode::kInternal, "claims: SHA-512 size");
  std::copy(digest.begin(), digest.end(), out.begin());
  return out;
}

}  // namespace cllm::attest
