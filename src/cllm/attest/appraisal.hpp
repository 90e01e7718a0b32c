// Appraisal of a cllm node's evidence (an attestation report, or the evidence inside an
// RA-TLS certificate) into named factors: one line per check, pass / fail / skip and why.
// This is what `cllm verify` prints; the names are stable and documented in
// docs/VERIFYING.md ("Verification factors").
//
// Fail closed: anything that does not parse is a failed factor, never a crash or an
// exception, and a factor that could not run because an earlier one failed is a failure
// too ("not checked: ..."), never a skip. The verdict accepts only when no factor failed
// and every required factor passed.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "cllm/attest/claims.hpp"
#include "cllm/attest/gpu_appraisal.hpp"
#include "cllm/attest/report.hpp"
#include "cllm/common/bytes.hpp"
#include "cllm/common/json.hpp"
#include "cllm/common/result.hpp"
#include "cllm/crypto/x509.hpp"
#include "cllm/tdx/collateral.hpp"
#include "cllm/tdx/policy.hpp"
#include "cllm/tdx/quote.hpp"

namespace cllm::attest {

struct Factor {
  enum class Outcome { kPass, kFail, kSkip };
  std::string name;
  Outcome outcome = Outcome::kFail;
  std::string detail;
  // A required factor must pass (a skip rejects); an optional one may be skipped.
  bool required = true;
};

// "pass", "fail", "skip".
std::string_view to_string(Factor::Outcome outcome);

struct Verdict {
  bool accepted = false;
  std::vector<Factor> factors;
  // The claims the evidence carried, when they parsed (meaningful only when accepted).
  std::optional<Claims> claims;

  void add(std::string name, Factor::Outcome outcome, std::string detail, bool required = true);
  // Recomputes accepted from the factors.
  void finish();
  const Factor* find(std::string_view name) const;
  // The first failed factor (or required one that did not pass); nullptr when accepted.
  const Factor* first_failure() const;
};

// {"accepted": bool, "checks": [{"name","result","detail","required"}...]}
Json verdict_to_json(const Verdict& verdict);

// What the verifier observed itself, independently of the evidence.
struct Binding {
  // The nonce this client sent (64 hex). nullopt: nonce_match is skipped (not required).
  std::optional<std::string> expected_nonce;
  // SHA-256 (64 hex) of the SubjectPublicKeyInfo of the certificate of the TLS connection
  // the evidence arrived on. nullopt: tls_key_binding is skipped (not required).
  std::optional<std::string> tls_spki_sha256;
};

struct AppraisalOptions {
  // TCB statuses, advisories, debug, SEPT_VE_DISABLE, allow_simulated, measurement
  // allowlists. policy.report_data is ignored (report_data_binding is computed here).
  tdx::Policy policy;
  // The model hash the user expects (64 hex, either case); nullopt: only compare the
  // measured model with the claims.
  std::optional<std::string> expected_model_sha256;
  // DCAP collateral, in order of preference: this value; fetch_collateral(quote); the
  // collateral inside a report. Its signatures and windows are checked against the pinned
  // roots whatever its source.
  std::optional<tdx::Collateral> collateral;
  std::function<Result<tdx::Collateral>(const tdx::Quote&)> fetch_collateral;
  // The Intel SGX Root CA; nullopt: the built-in pinned copy (tdx/intel_root_ca.hpp).
  std::optional<crypto::Certificate> intel_root;
  // Simulator roots the caller knows. A report's own sim_root_ca_pem is added to these.
  // Evidence that chains to one of them verifies as *simulated*, which the factor
  // simulated_allowed rejects unless policy.allow_simulated: so a simulator root from the
  // report can never make evidence look real, and is accepted at all only with the flag.
  std::vector<crypto::Certificate> simulated_roots;
  // Unix seconds; the verifier's clock (injected for tests).
  std::int64_t now = 0;
  // freshness: issued_at must be within [now - max_age_seconds, now + clock_skew_seconds].
  // RA-TLS certificates live 24 h by default; reports are made per request.
  std::int64_t max_age_seconds = 24 * 3600 + 300;
  std::int64_t clock_skew_seconds = 300;
  // GPU evidence (attestation reports only): required count, local verifier or NRAS.
  GpuAppraisalOptions gpu;
};

// The evidence to appraise, whatever carried it.
struct Evidence {
  std::string expected_purpose;  // "report" or "ratls": the channel decides, not the claims
  Bytes quote;                   // raw quote bytes
  Json event_log;                // raw event-log JSON (array, or a string holding one)
  Claims claims;                 // already validated
  // Report only: the report's own report_data field, which must equal the quote's.
  std::optional<tdx::ReportData> stated_report_data;
  // Report only: what the report says about the TEE and the collateral it carries.
  std::optional<bool> stated_simulated;
  std::optional<Json> collateral_json;
  std::optional<std::string> sim_root_ca_pem;
  // Report only: the GPU evidence (exact text the claims hash) and its collateral.
  std::optional<std::string> nvidia_payload;
  std::optional<Json> gpu_collateral;
};

// Appraises evidence; never fails (every problem is a factor).
Verdict appraise_evidence(const Evidence& evidence, const Binding& binding,
                          const AppraisalOptions& options);

// A parsed report (purpose "report", tag kReportTag).
Verdict appraise_report(const Report& report, const Binding& binding,
                        const AppraisalOptions& options);

// Parses then appraises; a report that does not parse gives a verdict with a failed
// report_format factor.
Verdict appraise_report_text(std::string_view text, const Binding& binding,
                             const AppraisalOptions& options);

// Names of the measured runtime events the node extends RTMR3 with at start.
inline constexpr std::string_view kEventBinary = "cllm.binary";  // SHA-384 of the executable
inline constexpr std::string_view kEventConfig = "cllm.config";  // SHA-256 of canonical config
inline constexpr std::string_view kEventModel = "cllm.model";    // SHA-256 of the model file

}  // namespace cllm::attest
