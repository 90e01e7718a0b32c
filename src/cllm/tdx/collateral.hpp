// DCAP collateral: what a verifier needs besides the quote and the trusted root.
// Interchange format: dcap-qvl's QuoteCollateralV3 JSON (the test vectors use it): byte
// fields are hex, chains are PEM, tcb_info / qe_identity are the exact signed JSON texts.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "cllm/common/bytes.hpp"
#include "cllm/common/result.hpp"

namespace cllm::tdx {

struct Collateral {
  std::string pck_crl_issuer_chain;  // PEM: PCK CA, root
  Bytes root_ca_crl;                 // DER
  Bytes pck_crl;                     // DER
  std::string tcb_info_issuer_chain;  // PEM: TCB signing cert, root
  std::string tcb_info;               // the signed text of the tcbInfo object, byte-exact
  Bytes tcb_info_signature;           // 64 bytes r||s
  std::string qe_identity_issuer_chain;
  std::string qe_identity;  // the signed text of the enclaveIdentity object, byte-exact
  Bytes qe_identity_signature;
  std::optional<std::string> pck_certificate_chain;  // overrides the quote's chain if present
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

}  // namespace cllm::tdx
