// Appraisal policy for DCAP verification results (../shared/research/dcap-tdx.md §2 step 13
// acceptance and step 14 report checks). verify_quote() says what the evidence is;
// appraise() decides whether to accept it. Fail closed: anything not allowed is rejected,
// and every rejection names the policy check.
//
// Policy file format (JSON, version 1). Every key is optional except "version"; unknown keys
// are errors (a typo must never loosen a policy). Defaults are the strict values shown.
//
//   {
//     "version": 1,
//     "allowed_tcb_statuses": ["UpToDate"],       // any of UpToDate, SWHardeningNeeded,
//                                                 // ConfigurationNeeded,
//                                                 // ConfigurationAndSWHardeningNeeded,
//                                                 // OutOfDate, OutOfDateConfigurationNeeded,
//                                                 // TDRelaunchAdvised,
//                                                 // TDRelaunchAdvisedConfigurationNeeded
//                                                 // (Revoked is never accepted)
//     "allowed_advisory_ids": [],                 // e.g. ["INTEL-SA-00615"]; every advisory
//                                                 // of the result must be listed here, so
//                                                 // the default rejects any advisory
//     "allow_debug": false,                       // accept DEBUG TDs / enclaves
//     "require_sept_ve_disable": true,            // TD attribute SEPT_VE_DISABLE must be set
//     "allow_service_td": false,                  // accept a non-zero mr_service_td (TD 1.5)
//     "allow_simulated": false,                   // accept evidence from the simulator root
//     "expected": {                               // exact values, lower- or upper-case hex
//       "mr_td": "<96 hex>", "mr_config_id": "<96 hex>", "mr_owner": "<96 hex>",
//       "rtmr0": "<96 hex>", "rtmr1": "...", "rtmr2": "...", "rtmr3": "...",
//       "report_data": "<128 hex>"
//     }
//   }
//
// Reserved TD attribute bits are always rejected. A policy naming TD measurements rejects
// SGX quotes.
#pragma once

#include <array>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "cllm/common/bytes.hpp"
#include "cllm/common/result.hpp"
#include "cllm/tdx/tcb_status.hpp"
#include "cllm/tdx/verifier.hpp"

namespace cllm::tdx {

inline constexpr std::size_t kMaxPolicyJsonSize = 64 * 1024;

struct Policy {
  std::set<TcbStatus> allowed_statuses = {TcbStatus::kUpToDate};
  std::set<std::string> allowed_advisories;  // every advisory of a result must be listed
  bool allow_debug = false;
  bool require_sept_ve_disable = true;
  bool allow_service_td = false;
  bool allow_simulated = false;
  std::optional<Measurement> mr_td;
  std::optional<Measurement> mr_config_id;
  std::optional<Measurement> mr_owner;
  std::array<std::optional<Measurement>, 4> rtmr;
  std::optional<ReportData> report_data;
};

struct Appraisal {
  bool accepted = false;
  std::vector<std::string> errors;  // each "policy.<check>: what was wrong"
};

// Parses the policy file format above. Errors name the key.
Result<Policy> parse_policy_json(std::string_view text);

// Applies the policy to a verification result. A result that did not verify is always
// rejected ("policy.verification"), whatever the policy says.
Appraisal appraise(const VerificationResult& result, const Policy& policy);

}  // namespace cllm::tdx
