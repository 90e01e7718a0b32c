#include "cllm/attest/appraisal.hpp"

#include <algorithm>
#include <cctype>
#include <map>

#include "cllm/common/hex.hpp"
#include "cllm/crypto/ethereum.hpp"
#include "cllm/tdx/intel_root_ca.hpp"
#include "cllm/tdx/runtime_event_log.hpp"
#include "cllm/tdx/verifier.hpp"

namespace cllm::attest {

namespace {

using Outcome = Factor::Outcome;

std::string lower(std::string_view text) {
  std::string out(text);
  for (char& c : out)
    c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

std::string join(const std::vector<std::string>& items) {
  std::string out;
  for (const auto& item : items) {
    if (!out.empty()) out += "; ";
    out += item;
  }
  return out;
}

// The factors that need a parsed quote, in print order. When the quote is missing or does
// not parse, each of them fails as "not checked" (fail closed: never a silent skip).
constexpr std::string_view kQuoteFactors[] = {
    "collateral",        "quote_chain",     "quote_signature", "tcb_status",
    "simulated_allowed", "debug_disabled",  "sept_ve_disable", "td_attributes",
    "service_td",        "td_measurements", "rtmr_allowlist",  "event_log_replay",
    "measured_binary",   "measured_config", "measured_model",  "report_data_binding"};

// DCAP verifier checks (verifier.hpp) that are about the TCB level rather than signatures.
bool is_tcb_check(std::string_view error) {
  for (std::string_view prefix :
       {"tcb_level", "qe_tcb_level", "tdx_module_tcb_level", "tcb_info_mismatch",
        "tdx_module_mismatch", "qe_identity_mismatch"}) {
    if (error.substr(0, prefix.size()) == prefix &&
        (error.size() == prefix.size() || error[prefix.size()] == ':')) {
      return true;
    }
  }
  return false;
}

bool starts_with(std::string_view text, std::string_view prefix) {
  return text.substr(0, prefix.size()) == prefix;
}

// Maps a tdx::appraise error ("policy.<check>: ...") to the factor that reports it.
std::string factor_for_policy_error(std::string_view error) {
  static const std::pair<std::string_view, std::string_view> kMap[] = {
      {"policy.verification", "quote_chain"},    {"policy.simulated", "simulated_allowed"},
      {"policy.tcb_status", "tcb_status"},       {"policy.advisory", "tcb_status"},
      {"policy.debug", "debug_disabled"},        {"policy.sept_ve_disable", "sept_ve_disable"},
      {"policy.td_attributes", "td_attributes"}, {"policy.service_td", "service_td"},
      {"policy.mr_td", "td_measurements"},       {"policy.mr_config_id", "td_measurements"},
      {"policy.mr_owner", "td_measurements"},    {"policy.rtmr", "rtmr_allowlist"},
      {"policy.tee_type", "quote_parses"}};
  for (const auto& [prefix, factor] : kMap) {
    if (starts_with(error, prefix)) return std::string(factor);
  }
  return "policy";  // a check this mapping does not know yet still fails, under its own name
}

struct EventLookup {
  std::size_t count = 0;
  Bytes payload;
};

EventLookup find_event(const tdx::RuntimeEventLog& log, std::string_view name) {
  EventLookup out;
  for (const auto& event : log.events()) {
    if (event.imr != tdx::kRuntimeImr || event.event != name) continue;
    if (++out.count == 1) out.payload = event.event_payload;
  }
  return out;
}

// measured_binary / measured_config: the event exists exactly once with a digest payload.
void check_digest_event(Verdict& v, const tdx::RuntimeEventLog& log, std::string_view factor,
                        std::string_view event, std::size_t size, std::string_view what) {
  const EventLookup found = find_event(log, event);
  if (found.count != 1) {
    v.add(std::string(factor), Outcome::kFail,
          std::string(event) + " event found " + std::to_string(found.count) +
              " times in the event log (expected exactly once)");
  } else if (found.payload.size() != size) {
    v.add(std::string(factor), Outcome::kFail,
          std::string(event) + " payload is " + std::to_string(found.payload.size()) +
              " bytes, expected a " + std::to_string(size) + "-byte " + std::string(what));
  } else {
    v.add(std::string(factor), Outcome::kPass,
          std::string(what) + " " + to_hex(found.payload) + " (RTMR3 event " + std::string(event) +
              ")");
  }
}

void check_model_event(Verdict& v, const tdx::RuntimeEventLog& log, const Claims& claims,
                       const AppraisalOptions& options) {
  const EventLookup found = find_event(log, kEventModel);
  if (found.count != 1) {
    v.add("measured_model", Outcome::kFail,
          "cllm.model event found " + std::to_string(found.count) +
              " times in the event log (expected exactly once)");
    return;
  }
  if (claims.model_sha256.empty()) {
    // Upstream mode: the node measures which upstream it forwards to, not any weights.
    const std::string payload = cllm::to_string(ByteView(found.payload));
    if (!starts_with(payload, "upstream:")) {
      v.add("measured_model", Outcome::kFail,
            "claims.model_sha256 is empty but the cllm.model event is not an upstream record");
    } else if (options.expected_model_sha256) {
      v.add("measured_model", Outcome::kFail,
            "expected model sha256 " + lower(*options.expected_model_sha256) +
                ", but the node runs in upstream mode (" + payload + ") and measures no weights");
    } else {
      v.add("measured_model", Outcome::kPass, "upstream mode: " + payload);
    }
    return;
  }
  const std::string measured = to_hex(found.payload);
  if (found.payload.size() != 32 || measured != claims.model_sha256) {
    v.add("measured_model", Outcome::kFail,
          "cllm.model event " + measured + " differs from claims.model_sha256 " +
              claims.model_sha256);
    return;
  }
  if (options.expected_model_sha256 && lower(*options.expected_model_sha256) != measured) {
    v.add("measured_model", Outcome::kFail,
          "model sha256 is " + measured + ", expected " + lower(*options.expected_model_sha256));
    return;
  }
  v.add("measured_model", Outcome::kPass,
        "sha256 " + measured + (options.expected_model_sha256 ? " (as expected)" : "") +
            ", model " + claims.model_id);
}

// Where the collateral comes from (see AppraisalOptions).
Result<std::pair<tdx::Collateral, std::string>> find_collateral(const Evidence& evidence,
                                                                const tdx::Quote& quote,
                                                                const AppraisalOptions& options) {
  if (options.collateral) return std::pair(*options.collateral, std::string("supplied"));
  if (options.fetch_collateral) {
    auto fetched = options.fetch_collateral(quote);
    if (!fetched.ok()) return std::move(fetched).error().context("fetching collateral");
    return std::pair(std::move(fetched).value(), std::string("fetched"));
  }
  if (evidence.collateral_json) {
    auto parsed = tdx::parse_collateral_json(evidence.collateral_json->dump());
    if (!parsed.ok()) return std::move(parsed).error().context("the report's collateral");
    return std::pair(std::move(parsed).value(), std::string("from the report"));
  }
  return make_error(ErrorCode::kNotFound,
                    "no collateral: supply a collateral file or PCCS, or ask the node for a "
                    "report with include_collateral=true");
}

// The DCAP and policy factors, from a verification result (real, or synthetic when the
// verifier could not run).
void add_dcap_factors(Verdict& v, const tdx::VerificationResult& result, const Claims& claims,
                      const Evidence& evidence, const AppraisalOptions& options) {
  std::vector<std::string> chain_errors, signature_errors, tcb_errors;
  for (const auto& error : result.errors) {
    if (starts_with(error, "quote_signature")) {
      signature_errors.push_back(error);
    } else if (is_tcb_check(error)) {
      tcb_errors.push_back(error);
    } else {
      chain_errors.push_back(error);
    }
  }
  tdx::Policy policy = options.policy;
  policy.report_data.reset();  // report_data_binding checks it against the claims instead
  const tdx::Appraisal appraisal = tdx::appraise(result, policy);
  std::map<std::string, std::vector<std::string>> by_factor;
  for (const auto& error : appraisal.errors) {
    const std::string factor = factor_for_policy_error(error);
    // policy.verification repeats the verifier's first error, already reported above.
    if (factor == "quote_chain" &&
        !(chain_errors.empty() && signature_errors.empty() && tcb_errors.empty())) {
      continue;
    }
    by_factor[factor].push_back(error);
  }
  for (auto& e : by_factor["quote_chain"])
    chain_errors.push_back(e);
  for (auto& e : by_factor["tcb_status"])
    tcb_errors.push_back(e);

  const std::string root = result.simulated ? "the simulator root" : "the Intel SGX Root CA";
  if (!chain_errors.empty()) {
    v.add("quote_chain", Outcome::kFail, join(chain_errors));
  } else {
    v.add("quote_chain", Outcome::kPass,
          "PCK chain, CRLs, TCB info and QE identity verify to " + root);
  }
  if (!signature_errors.empty()) {
    v.add("quote_signature", Outcome::kFail, join(signature_errors));
  } else if (!result.signatures_verified) {
    v.add("quote_signature", Outcome::kFail, "not checked: the chain did not verify");
  } else {
    v.add("quote_signature", Outcome::kPass, "the attestation key signs the quote");
  }
  if (!tcb_errors.empty()) {
    v.add("tcb_status", Outcome::kFail, join(tcb_errors));
  } else if (!result.verified) {
    v.add("tcb_status", Outcome::kFail, "not checked: the quote did not verify");
  } else {
    std::string detail = std::string(tdx::to_string(result.status));
    if (!result.advisory_ids.empty()) detail += " (advisories allowed by policy)";
    v.add("tcb_status", Outcome::kPass, detail);
  }

  // simulated_allowed: the policy's decision, plus the evidence and claims must agree on
  // what the TEE is (a real quote with claims saying "sim", or the reverse, is an edited
  // report or a confused node).
  std::vector<std::string> sim_errors = by_factor["simulated_allowed"];
  if (result.signatures_verified && result.simulated != (claims.tee_type == "sim")) {
    sim_errors.push_back(std::string("claims.tee_type is ") + claims.tee_type +
                         " but the evidence " +
                         (result.simulated ? "chains to the simulator root" : "is not simulated"));
  }
  if (evidence.stated_simulated && result.signatures_verified &&
      *evidence.stated_simulated != result.simulated) {
    sim_errors.push_back("the report's tee.simulated disagrees with the evidence");
  }
  if (!sim_errors.empty()) {
    v.add("simulated_allowed", Outcome::kFail, join(sim_errors));
  } else if (!result.signatures_verified) {
    v.add("simulated_allowed", Outcome::kFail, "not checked: the chain did not verify");
  } else {
    v.add("simulated_allowed", Outcome::kPass,
          result.simulated ? "SIMULATED evidence, accepted because simulated evidence is allowed"
                           : "real TDX evidence (not simulated)");
  }

  auto simple = [&](const std::string& factor, std::string pass_detail) {
    auto& errors = by_factor[factor];
    if (!errors.empty()) {
      v.add(factor, Outcome::kFail, join(errors));
    } else {
      v.add(factor, Outcome::kPass, std::move(pass_detail));
    }
  };
  simple("debug_disabled",
         options.policy.allow_debug ? "DEBUG allowed by policy" : "TD attribute DEBUG is clear");
  simple("sept_ve_disable", options.policy.require_sept_ve_disable
                                ? "TD attribute SEPT_VE_DISABLE is set"
                                : "not required by policy");
  simple("td_attributes", "no reserved TD attribute bits set");
  simple("service_td", "no service TD bound (or allowed by policy)");

  auto allowlist = [&](const std::string& factor, bool configured, std::string what) {
    auto& errors = by_factor[factor];
    if (!errors.empty()) {
      v.add(factor, Outcome::kFail, join(errors));
    } else if (!configured) {
      v.add(factor, Outcome::kSkip, "no expected " + what + " in the policy", false);
    } else {
      v.add(factor, Outcome::kPass, what + " equal the policy's values");
    }
  };
  const tdx::Policy& p = options.policy;
  allowlist("td_measurements", p.mr_td || p.mr_config_id || p.mr_owner,
            "MRTD / MR_CONFIG_ID / MR_OWNER");
  allowlist("rtmr_allowlist",
            std::any_of(p.rtmr.begin(), p.rtmr.end(), [](const auto& r) { return r.has_value(); }),
            "RTMR0..3");
  if (!by_factor["policy"].empty()) v.add("policy", Outcome::kFail, join(by_factor["policy"]));
}

}  // namespace

std::string_view to_string(Factor::Outcome outcome) {
  switch (outcome) {
    case Outcome::kPass:
      return "pass";
    case Outcome::kFail:
      return "fail";
    case Outcome::kSkip:
      return "skip";
  }
  return "fail";
}

void Verdict::add(std::string name, Factor::Outcome outcome, std::string detail, bool required) {
  factors.push_back(Factor{std::move(name), outcome, std::move(detail), required});
}

void Verdict::finish() {
  accepted = !factors.empty() && first_failure() == nullptr;
}

const Factor* Verdict::find(std::string_view name) const {
  for (const auto& f : factors) {
    if (f.name == name) return &f;
  }
  return nullptr;
}

const Factor* Verdict::first_failure() const {
  for (const auto& f : factors) {
    if (f.outcome == Outcome::kFail || (f.required && f.outcome != Outcome::kPass)) return &f;
  }
  return nullptr;
}

Json verdict_to_json(const Verdict& verdict) {
  Json checks = Json::array();
  for (const auto& f : verdict.factors) {
    checks.push_back({{"name", f.name},
                      {"result", std::string(to_string(f.outcome))},
                      {"detail", f.detail},
                      {"required", f.required}});
  }
  return Json{{"accepted", verdict.accepted}, {"checks", std::move(checks)}};
}

Verdict appraise_evidence(const Evidence& evidence, const Binding& binding,
                          const AppraisalOptions& options) {
  Verdict v;
  const Claims& claims = evidence.claims;
  v.claims = claims;

  // claims_purpose: the channel decides which purpose (and report_data tag) is acceptable.
  auto tag = tag_for_purpose(evidence.expected_purpose);
  if (!tag.ok() || claims.purpose != evidence.expected_purpose) {
    v.add("claims_purpose", Outcome::kFail,
          "claims.purpose is " + claims.purpose + ", expected " + evidence.expected_purpose);
  } else {
    v.add("claims_purpose", Outcome::kPass, "claims made for " + claims.purpose);
  }

  if (binding.expected_nonce) {
    const std::string want = lower(*binding.expected_nonce);
    if (!claims.nonce) {
      v.add("nonce_match", Outcome::kFail, "the claims carry no nonce; sent " + want);
    } else if (*claims.nonce != want) {
      v.add("nonce_match", Outcome::kFail,
            "the claims carry nonce " + *claims.nonce + ", sent " + want);
    } else {
      v.add("nonce_match", Outcome::kPass, "the claims carry the nonce sent");
    }
  } else {
    v.add("nonce_match", Outcome::kSkip,
          evidence.expected_purpose == kPurposeRatls ? "RA-TLS evidence carries no nonce"
                                                     : "no nonce was sent",
          false);
  }

  std::optional<tdx::Quote> quote;
  if (evidence.quote.empty()) {
    v.add("quote_present", Outcome::kFail, "the evidence has no quote");
  } else {
    v.add("quote_present", Outcome::kPass, std::to_string(evidence.quote.size()) + " bytes");
    auto parsed = tdx::parse_quote(evidence.quote);
    if (!parsed.ok()) {
      v.add("quote_parses", Outcome::kFail, parsed.error().message());
    } else if (parsed->td_report() == nullptr) {
      v.add("quote_parses", Outcome::kFail, "not a TDX quote (SGX enclave body)");
    } else {
      v.add("quote_parses", Outcome::kPass,
            "TDX quote v" + std::to_string(parsed->header.version) + ", " +
                std::string(tdx::body_type_name(parsed->body_type)));
      quote = std::move(parsed).value();
    }
  }

  if (!quote) {
    if (evidence.quote.empty()) v.add("quote_parses", Outcome::kFail, "not checked: no quote");
    for (std::string_view name : kQuoteFactors)
      v.add(std::string(name), Outcome::kFail, "not checked: no parsed quote");
  } else {
    const tdx::TdReport& td = *quote->td_report();

    // collateral + roots, then the DCAP verifier and the policy.
    tdx::VerificationResult result;
    result.quote = *quote;
    result.td_attributes = tdx::decode_td_attributes(td.td_attributes);
    std::optional<crypto::Certificate> intel_root = options.intel_root;
    std::string root_error;
    if (!intel_root) {
      auto builtin = crypto::Certificate::from_der(tdx::intel_sgx_root_ca_der());
      if (builtin.ok()) {
        intel_root = std::move(builtin).value();
      } else {
        root_error = builtin.error().message();
      }
    }
    std::vector<crypto::Certificate> sim_roots = options.simulated_roots;
    if (evidence.sim_root_ca_pem) {
      auto sim_root = crypto::Certificate::from_pem(*evidence.sim_root_ca_pem);
      if (sim_root.ok()) {
        sim_roots.push_back(std::move(sim_root).value());
      } else {
        root_error = "the report's sim_root_ca_pem: " + sim_root.error().message();
      }
    }
    auto collateral = find_collateral(evidence, *quote, options);
    if (!collateral.ok()) {
      v.add("collateral", Outcome::kFail, collateral.error().message());
      result.errors.push_back("collateral: " + collateral.error().message());
    } else if (!root_error.empty() || !intel_root) {
      v.add("collateral", Outcome::kFail, root_error);
      result.errors.push_back("roots: " + root_error);
    } else {
      v.add("collateral", Outcome::kPass, "DCAP collateral " + collateral->second);
      tdx::VerifyInput input{evidence.quote, collateral->first, *intel_root, options.now,
                             sim_roots};
      auto verified = tdx::verify_quote(input);
      if (verified.ok()) {
        result = std::move(verified).value();
      } else {
        result.errors.push_back(verified.error().message());
      }
    }
    add_dcap_factors(v, result, claims, evidence, options);

    // event_log_replay and the measured events.
    auto log = tdx::RuntimeEventLog::from_json(evidence.event_log);
    if (!log.ok()) {
      v.add("event_log_replay", Outcome::kFail,
            "the event log does not parse: " + log.error().message());
      for (std::string_view name : {"measured_binary", "measured_config", "measured_model"})
        v.add(std::string(name), Outcome::kFail, "not checked: the event log does not parse");
    } else {
      const tdx::Measurement replayed = log->replay(tdx::kRuntimeImr);
      if (replayed != td.rtmr[3]) {
        v.add("event_log_replay", Outcome::kFail,
              "the event log replays to RTMR3 " + to_hex(replayed) + ", the quote has " +
                  to_hex(td.rtmr[3]));
        // Events that do not replay prove nothing; report the measured ones as unchecked.
        for (std::string_view name : {"measured_binary", "measured_config", "measured_model"})
          v.add(std::string(name), Outcome::kFail, "not checked: the event log does not replay");
      } else {
        std::size_t runtime = 0;
        for (const auto& e : log->events())
          runtime += e.imr == tdx::kRuntimeImr ? 1 : 0;
        v.add("event_log_replay", Outcome::kPass,
              std::to_string(runtime) + " runtime events replay to the quote's RTMR3");
        check_digest_event(v, *log, "measured_binary", kEventBinary, 48, "sha384");
        check_digest_event(v, *log, "measured_config", kEventConfig, 32, "sha256");
        check_model_event(v, *log, claims, options);
      }
    }

    // report_data_binding: the quote commits to exactly these claims, for this purpose.
    if (!tag.ok()) {
      v.add("report_data_binding", Outcome::kFail, "not checked: unknown purpose");
    } else {
      auto expected = claims_report_data(*tag, claims);
      if (!expected.ok()) {
        v.add("report_data_binding", Outcome::kFail, expected.error().message());
      } else if (!constant_time_equal(*expected, td.report_data)) {
        v.add("report_data_binding", Outcome::kFail,
              "the quote's report_data is not SHA-512(\"" + std::string(*tag) +
                  "\" || 0x00 || canonical claims)");
      } else if (evidence.stated_report_data &&
                 !constant_time_equal(*evidence.stated_report_data, td.report_data)) {
        v.add("report_data_binding", Outcome::kFail,
              "the report's report_data field differs from the quote's");
      } else {
        v.add("report_data_binding", Outcome::kPass,
              "report_data = SHA-512(\"" + std::string(*tag) + "\" || 0x00 || canonical claims)");
      }
    }
  }

  if (binding.tls_spki_sha256) {
    const std::string observed = lower(*binding.tls_spki_sha256);
    if (observed != claims.tls_spki_sha256) {
      v.add("tls_key_binding", Outcome::kFail,
            "this connection's key has SPKI sha256 " + observed + ", the claims bind " +
                claims.tls_spki_sha256);
    } else {
      v.add("tls_key_binding", Outcome::kPass,
            "the claims bind this connection's TLS key (SPKI sha256 " + observed + ")");
    }
  } else {
    v.add("tls_key_binding", Outcome::kSkip, "no TLS connection observed", false);
  }

  auto key = from_hex(claims.secp256k1_public_key);
  auto address = key.ok() ? crypto::eth_address_from_public_key(*key)
                          : Result<crypto::EthAddress>(key.error());
  if (!address.ok()) {
    v.add("signing_key_binding", Outcome::kFail,
          "claims.secp256k1_public_key: " + address.error().message());
  } else if (crypto::eip55_checksum_address(*address) != claims.signing_address) {
    v.add("signing_key_binding", Outcome::kFail,
          "claims.signing_address " + claims.signing_address + " is not the address of the key (" +
              crypto::eip55_checksum_address(*address) + ")");
  } else {
    v.add("signing_key_binding", Outcome::kPass,
          "signing address " + claims.signing_address + " derives from the attested secp256k1 key");
  }

  if (claims.issued_at > options.now + options.clock_skew_seconds) {
    v.add("freshness", Outcome::kFail,
          "issued_at is " + std::to_string(claims.issued_at - options.now) + " s in the future");
  } else if (options.now - claims.issued_at > options.max_age_seconds) {
    v.add("freshness", Outcome::kFail,
          "issued " + std::to_string(options.now - claims.issued_at) + " s ago, more than " +
              std::to_string(options.max_age_seconds) + " s");
  } else {
    v.add("freshness", Outcome::kPass,
          "issued " + std::to_string(std::max<std::int64_t>(0, options.now - claims.issued_at)) +
              " s ago (max " + std::to_string(options.max_age_seconds) + " s)");
  }

  if (evidence.expected_purpose == kPurposeReport) {
    GpuEvidenceInReport gpu_parts{&evidence.nvidia_payload, &evidence.gpu_collateral};
    appraise_gpu_factors(v, claims, gpu_parts, options.gpu, options.policy.allow_simulated,
                         options.now);
  } else if (claims.gpu_evidence_sha256) {
    v.add("gpu_evidence", Outcome::kFail,
          "GPU evidence is bound only into attestation reports, not " + claims.purpose + " claims");
  } else {
    v.add("gpu_evidence", Outcome::kSkip, "GPU evidence is checked in the attestation report",
          false);
  }
  v.finish();
  return v;
}

Verdict appraise_report(const Report& report, const Binding& binding,
                        const AppraisalOptions& options) {
  Evidence evidence;
  evidence.expected_purpose = std::string(kPurposeReport);
  evidence.quote = report.intel_quote;
  evidence.event_log = report.event_log;
  evidence.claims = report.claims;
  evidence.stated_report_data = report.report_data;
  evidence.stated_simulated = report.tee_simulated;
  evidence.collateral_json = report.collateral;
  evidence.sim_root_ca_pem = report.sim_root_ca_pem;
  evidence.nvidia_payload = report.nvidia_payload;
  evidence.gpu_collateral = report.gpu_collateral;
  Verdict v;
  v.add("report_format", Outcome::kPass, std::string(kReportVersion));
  Verdict rest = appraise_evidence(evidence, binding, options);
  for (auto& f : rest.factors)
    v.factors.push_back(std::move(f));
  v.claims = std::move(rest.claims);
  v.finish();
  return v;
}

Verdict appraise_report_text(std::string_view text, const Binding& binding,
                             const AppraisalOptions& options) {
  auto report = parse_report(text);
  if (!report.ok()) {
    Verdict v;
    v.add("report_format", Outcome::kFail, report.error().message());
    v.finish();
    return v;
  }
  return appraise_report(*report, binding, options);
}

}  // namespace cllm::attest
