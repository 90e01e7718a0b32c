// cllm quote verify --quote FILE --collateral FILE [--root FILE] [--now UNIX] [--policy FILE]
//                   [--allow-simulated] [--json]
// Verifies a quote against collateral (DCAP, Intel QVL semantics) and appraises the result
// against a policy. Exit 0 only when verified and accepted; 1 when not; 2 on usage/I/O.
#include <cstdio>
#include <ctime>

#include "cllm/cli/cli_io.hpp"
#include "cllm/cli/quote_command.hpp"
#include "cllm/common/hex.hpp"
#include "cllm/crypto/x509.hpp"
#include "cllm/tdx/collateral.hpp"
#include "cllm/tdx/intel_root_ca.hpp"
#include "cllm/tdx/policy.hpp"
#include "cllm/tdx/quote.hpp"
#include "cllm/tdx/verifier.hpp"

namespace cllm::cli {

namespace {

struct VerifyOptions {
  std::string quote;
  std::string collateral;
  std::string root;
  std::int64_t now = 0;
  std::string policy;
  bool allow_simulated = false;
  bool json = false;
};

Result<crypto::Certificate> load_root(const std::string& path) {
  if (path.empty()) return crypto::Certificate::from_der(tdx::intel_sgx_root_ca_der());
  CLLM_ASSIGN_OR_RETURN(Bytes bytes, read_input(path));
  std::string_view text(reinterpret_cast<const char*>(bytes.data()), bytes.size());
  if (text.find("-----BEGIN CERTIFICATE-----") != std::string_view::npos) {
    return crypto::Certificate::from_pem(text);
  }
  return crypto::Certificate::from_der(bytes);
}

Json result_json(const tdx::VerificationResult& v, const tdx::Appraisal& a) {
  Json j;
  j["schema"] = "cllm.quote_verification.v1";
  j["verified"] = v.verified;
  j["signatures_verified"] = v.signatures_verified;
  j["accepted"] = v.verified && a.accepted;
  j["simulated"] = v.simulated;
  j["status"] = v.signatures_verified ? Json(std::string(tdx::to_string(v.status))) : Json();
  j["advisory_ids"] = v.advisory_ids;
  auto component = [](const std::optional<tdx::ComponentStatus>& c) -> Json {
    if (!c) return nullptr;
    return {{"status", std::string(tdx::to_string(c->status))},
            {"advisory_ids", c->advisory_ids},
            {"tcb_date", c->tcb_date}};
  };
  j["platform"] = component(v.platform);
  j["module"] = component(v.module);
  j["qe"] = component(v.qe);
  j["matched_tcb_date"] = v.matched_tcb_date;
  j["fmspc"] = v.fmspc;
  j["collateral_expires_at"] = v.collateral_expires_at;
  j["quote_version"] = v.quote.header.version;
  if (const tdx::TdReport* td = v.quote.td_report()) {
    const tdx::TdAttributes attrs = tdx::decode_td_attributes(td->td_attributes);
    j["td_attributes"] = {{"hex", to_hex(td->td_attributes)},
                          {"debug", attrs.debug},
                          {"sept_ve_disable", attrs.sept_ve_disable}};
    j["mr_td"] = to_hex(td->mr_td);
    for (int i = 0; i < 4; ++i)
      j["rtmr" + std::to_string(i)] = to_hex(td->rtmr[i]);
    j["report_data"] = to_hex(td->report_data);
  } else if (const tdx::EnclaveReport* e = v.quote.enclave_report()) {
    j["mr_enclave"] = to_hex(e->mr_enclave);
    j["mr_signer"] = to_hex(e->mr_signer);
    j["report_data"] = to_hex(e->report_data);
  }
  std::vector<std::string> errors = v.errors;
  errors.insert(errors.end(), a.errors.begin(), a.errors.end());
  j["errors"] = errors;
  return j;
}

void print_text(const Json& j) {
  auto line = [](const char* name, const Json& value) {
    std::string text = value.is_string() ? value.get<std::string>() : value.dump();
    std::printf("%-22s %s\n", name, text.c_str());
  };
  line("verified", j["verified"]);
  line("accepted", j["accepted"]);
  line("simulated", j["simulated"]);
  line("status", j["status"]);
  line("advisory_ids", j["advisory_ids"]);
  line("fmspc", j["fmspc"]);
  line("matched_tcb_date", j["matched_tcb_date"]);
  if (j.contains("td_attributes")) {
    line("td_attributes", j["td_attributes"]["hex"]);
    line("mr_td", j["mr_td"]);
    for (int i = 0; i < 4; ++i)
      line(("rtmr" + std::to_string(i)).c_str(), j["rtmr" + std::to_string(i)]);
  }
  line("report_data", j["report_data"]);
  for (const auto& e : j["errors"])
    std::printf("error: %s\n", e.get<std::string>().c_str());
}

int run_verify(const VerifyOptions& o) {
  const char* cmd = "quote verify";
  auto content = read_input(o.quote);
  if (!content) return print_error(cmd, content.error()), kExitUsage;
  auto quote = tdx::decode_quote_file(*content);
  if (!quote) return print_error(cmd, quote.error()), kExitFailed;
  auto coll_text = read_input(o.collateral);
  if (!coll_text) return print_error(cmd, coll_text.error()), kExitUsage;
  auto collateral = tdx::parse_collateral_json(to_string(*coll_text));
  if (!collateral) return print_error(cmd, collateral.error()), kExitFailed;
  auto root = load_root(o.root);
  if (!root) return print_error(cmd, root.error().context("--root")), kExitUsage;

  tdx::Policy policy;
  if (!o.policy.empty()) {
    auto text = read_input(o.policy);
    if (!text) return print_error(cmd, text.error()), kExitUsage;
    auto parsed = tdx::parse_policy_json(to_string(*text));
    if (!parsed) return print_error(cmd, parsed.error().context("--policy")), kExitUsage;
    policy = std::move(parsed).value();
  }
  if (o.allow_simulated) policy.allow_simulated = true;

  // A root given with --root is the trust anchor as given; it is "simulated" only when it is
  // not Intel's. Simulated roots are accepted cryptographically, and the policy decides.
  auto intel = crypto::Certificate::from_der(tdx::intel_sgx_root_ca_der());
  if (!intel) return print_error(cmd, intel.error()), kExitUsage;
  bool custom_root = !o.root.empty() && root->der() != intel->der();
  std::vector<crypto::Certificate> simulated;
  if (custom_root) simulated.push_back(std::move(root).value());
  tdx::DcapVerifier verifier(std::move(intel).value(), std::move(simulated));

  std::int64_t now = o.now != 0 ? o.now : static_cast<std::int64_t>(std::time(nullptr));
  auto result = verifier.verify(*quote, *collateral, now);
  if (!result) return print_error(cmd, result.error()), kExitFailed;
  tdx::Appraisal appraisal = tdx::appraise(*result, policy);
  Json j = result_json(*result, appraisal);
  if (o.json) {
    print_json(j);
  } else {
    print_text(j);
  }
  return j["accepted"].get<bool>() ? kExitOk : kExitFailed;
}

}  // namespace

std::function<int()> add_quote_verify(CLI::App& quote) {
  auto o = std::make_shared<VerifyOptions>();
  CLI::App* sub =
      quote.add_subcommand("verify", "Verify a quote against DCAP collateral and a policy");
  sub->add_option("--quote", o->quote, "Quote file (binary or hex)")->required();
  sub->add_option("--collateral", o->collateral, "Collateral (dcap-qvl JSON)")->required();
  sub->add_option("--root", o->root,
                  "Trust anchor certificate (PEM/DER); default: the built-in Intel SGX Root CA. "
                  "A root other than Intel's counts as simulated");
  sub->add_option("--now", o->now, "Verification time, unix seconds (default: now)");
  sub->add_option("--policy", o->policy, "Policy JSON (see docs/VERIFYING.md)");
  sub->add_flag("--allow-simulated", o->allow_simulated, "Accept evidence from a simulator root");
  sub->add_flag("--json", o->json, "Print JSON (schema cllm.quote_verification.v1)");
  return [o, sub] { return sub->parsed() ? run_verify(*o) : -1; };
}

}  // namespace cllm::cli
