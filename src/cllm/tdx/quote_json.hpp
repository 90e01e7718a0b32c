// Renderings of a parsed quote for people and tools (`cllm quote inspect [--json]`).
//
// JSON schema "cllm.quote.v1" (stable; a field is only ever added, and a change of meaning
// bumps the schema name). Byte arrays are lower-case hex strings in quote order; integers
// are JSON numbers.
//
//   {
//     "schema": "cllm.quote.v1",
//     "version": 4,                       quote version (3, 4, 5)
//     "tee_type": "TDX",                  "TDX" or "SGX"
//     "body_type": "td_report_1.0",       "td_report_1.0" | "td_report_1.5" |
//                                         "sgx_enclave_report" (v3/v4: implied by tee_type)
//     "body_type_code": 2,                1, 2, 3 as in the v5 body descriptor
//     "size": 4936,                       bytes of the quote itself (trailing padding excluded)
//     "signed_region_size": 632,          bytes covered by "signature"
//     "header": { "version", "att_key_type", "tee_type" (number), "qe_svn", "pce_svn",
//                 "qe_vendor_id" (hex), "qe_vendor_is_intel" (bool), "user_data" (hex) },
//     "td_report": {                      TDX quotes only
//       "tee_tcb_svn", "mr_seam", "mr_signer_seam", "seam_attributes", "td_attributes",
//       "xfam", "mr_td", "mr_config_id", "mr_owner", "mr_owner_config",
//       "rtmr0", "rtmr1", "rtmr2", "rtmr3", "report_data",          (all hex)
//       "tee_tcb_svn_2", "mr_service_td",                            (TD report 1.5 only)
//       "td_attributes_decoded": { "debug", "sept_ve_disable", "pks", "kl", "perfmon",
//                                  "reserved_bits_set" }           (bools)
//     },
//     "enclave_report": { ... },          SGX quotes only; same shape as "qe_report"
//     "signature": hex (64 bytes r||s),
//     "attestation_key": hex (64 bytes x||y),
//     "qe_report": { "cpu_svn", "misc_select" (number), "isv_ext_prod_id", "attributes",
//                    "debug" (bool), "mr_enclave", "mr_signer", "config_id",
//                    "isv_prod_id", "isv_svn", "config_svn" (numbers), "isv_family_id",
//                    "report_data" },
//     "qe_report_signature": hex (64 bytes),
//     "qe_auth_data": hex,
//     "certification_data": { "type": 5, "type_name": "pck_cert_chain", "size": 3678 }
//   }
//
// certification_data.type_name: "ppid_cleartext", "ppid_rsa2048_oaep", "ppid_rsa3072_oaep",
// "pck_leaf_cert", "pck_cert_chain".
#pragma once

#include <string>

#include "cllm/common/json.hpp"
#include "cllm/tdx/quote.hpp"

namespace cllm::tdx {

inline constexpr const char* kQuoteJsonSchema = "cllm.quote.v1";

Json quote_to_json(const Quote& quote);

// Multi-line, aligned, for terminals. Not a stable format; use the JSON for tools.
std::string quote_to_text(const Quote& quote);

}  // namespace cllm::tdx
