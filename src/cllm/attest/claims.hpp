// The claims a cllm node makes about itself, and how they are bound into TDX report_data.
//
// Claims are a flat JSON object; their canonical form is common/json's canonical_json (keys
// sorted by bytes, no whitespace, UTF-8 as is) of claims_to_json(). report_data is
//   SHA-512(tag || 0x00 || canonical claims)
// with one tag per purpose, so that a quote made for one protocol (an attestation report)
// can never be replayed as evidence for another (an RA-TLS certificate), and vice versa.
//
// Every field has one valid spelling (lower-case hex, EIP-55 address, fixed lengths), so a
// parsed claims object re-serializes to exactly the bytes that were hashed. docs/API.md
// ("Claims") is the normative description.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "cllm/common/json.hpp"
#include "cllm/common/result.hpp"
#include "cllm/tdx/quote.hpp"

namespace cllm::attest {

inline constexpr std::string_view kClaimsVersion = "cllm.claims.v1";
inline constexpr std::string_view kPurposeRatls = "ratls";
inline constexpr std::string_view kPurposeReport = "report";
// report_data domain tags (one per purpose).
inline constexpr std::string_view kRatlsTag = "cllm/ratls/v1";
inline constexpr std::string_view kReportTag = "cllm/report/v1";
// Bound on a claims JSON text from outside (real claims are under 1 KiB).
inline constexpr std::size_t kMaxClaimsJsonSize = 16 * 1024;
inline constexpr std::size_t kMaxModelIdSize = 256;

struct Claims {
  std::string version = std::string(kClaimsVersion);
  std::string purpose;               // "ratls" | "report"
  std::string tee_type;              // "tdx" | "dstack" | "sim"
  std::string tls_spki_sha256;       // 64 hex: SHA-256 of the DER SubjectPublicKeyInfo
  std::string signing_address;       // EIP-55 0x-address of the secp256k1 key
  std::string secp256k1_public_key;  // 130 hex: 65-byte uncompressed 0x04||x||y
  std::string ed25519_public_key;    // 64 hex: 32 bytes
  std::string model_id;              // 1..256 bytes of UTF-8
  std::string model_sha256;          // 64 hex; "" in upstream mode
  std::int64_t issued_at = 0;        // unix seconds, > 0
  std::optional<std::string> nonce;  // 64 hex (32 bytes); report claims only, required there
  std::optional<std::string> gpu_evidence_sha256;  // 64 hex (issue 5)

  bool operator==(const Claims&) const = default;
};

// The report_data tag for a purpose ("ratls" -> kRatlsTag, "report" -> kReportTag); an
// error for anything else.
Result<std::string_view> tag_for_purpose(std::string_view purpose);

// Checks every field's format (see Claims); errors name the field ("claims.nonce: ...").
Status validate_claims(const Claims& claims);

// Absent optionals are omitted. Does not validate (canonical_claims does).
Json claims_to_json(const Claims& claims);
// Strict: an object with exactly the known keys, each of its type, then validate_claims.
// Unknown keys are rejected, so a verifier never hashes something it did not understand.
Result<Claims> claims_from_json(const Json& json);
// Parses a claims text (bounded by kMaxClaimsJsonSize) and requires it to be canonical:
// canonical_claims(result) == text byte for byte (no duplicate keys, no whitespace, ...).
Result<Claims> parse_canonical_claims(std::string_view text);

// validate_claims, then canonical_json(claims_to_json(claims)).
Result<std::string> canonical_claims(const Claims& claims);

// SHA-512(tag || 0x00 || canonical_claims(claims)).
Result<tdx::ReportData> claims_report_data(std::string_view tag, const Claims& claims);

}  // namespace cllm::attest
