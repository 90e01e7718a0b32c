// DCAP collateral: what a verifier needs besides the quote and the trusted root.
// Interchange format: dcap-qvl's QuoteCollateralV3 JSON (the test vectors use it): byte
// fields are hex, chains are PEM, tcb_info / qe_identity are the exact signed JSON texts.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "cllm/common/bytes.hpp"
#include "cllm/common/result.hpp"

namespace cllm::tdx {

struct Collateral {
  std::string pck_crl_issuer_chain;   // PEM: PCK CA, root
  Bytes root_ca_crl;                  // DER
  Bytes pck_crl;                      // DER
  std::string tcb_info_issuer_chain;  // PEM: TCB signing cert, root
  std::string tcb_info;               // the signed text of the tcbInfo object, byte-exact
  Bytes tcb_info_signature;           // 64 bytes r||s
  std::string qe_identity_issuer_chain;
  std::string qe_identity;  // the signed text of the enclaveIdentity object, byte-exact
  Bytes qe_identity_signature;
  std::optional<std::string> pck_certificate_chain;  // overrides the quote's chain if present

  bool operator==(const Collateral&) const = default;
};

// Reads dcap-qvl JSON. CRLs may be hex of DER (dcap-qvl), or PEM; signatures hex.
Result<Collateral> parse_collateral_json(std::string_view json);
// Writes dcap-qvl JSON (hex DER CRLs), readable by dcap-qvl and by parse_collateral_json.
std::string collateral_to_json(const Collateral& collateral);

// Splits a PCS response body {"tcbInfo":{...},"signature":"..."} (or "enclaveIdentity") into
// the exact signed object text and the signature bytes, without re-serializing the JSON.
struct SignedJson {
  std::string body;  // the exact bytes of the inner object
  Bytes signature;   // 64 bytes r||s
};
Result<SignedJson> split_pcs_signed_json(std::string_view response, std::string_view key);

// Bounds on outside input (real documents are a few KiB; PCK CRLs up to a few hundred KiB).
inline constexpr std::size_t kMaxSignedJsonSize = 1024 * 1024;  // a PCS body or its inner text
inline constexpr std::size_t kMaxCollateralBundleSize = 16 * 1024 * 1024;

// A CRL as found in collateral or a PCS/PCCS response, as DER: accepts DER, PEM, hex of DER
// (dcap-qvl JSON; PCCS rootcacrl), and hex of PEM or of hex text (a hex text body stored as
// bytes). The result parses as a CRL. `what` names the field in errors.
Result<Bytes> normalize_crl(ByteView data, std::string_view what);

// The earliest nextUpdate (unix seconds) among tcb_info, qe_identity and both CRLs: the time
// the collateral stops being usable. An error when a document lacks a parseable nextUpdate.
Result<std::int64_t> collateral_next_update(const Collateral& collateral);

}  // namespace cllm::tdx
