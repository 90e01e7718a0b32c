#include "cllm/cli/node_verify_options.hpp"

#include <cstdio>

#include "cllm/cli/cli_io.hpp"
#include "cllm/cli/pcs_collateral.hpp"
#include "cllm/common/clock.hpp"
#include "cllm/common/printable.hpp"
#include "cllm/tdx/policy.hpp"

namespace cllm::cli {

void add_node_verify_flags(CLI::App* app, NodeVerifyFlags& flags, bool with_nonce) {
  if (with_nonce) {
    app->add_option("--nonce", flags.nonce, "Nonce for the report, 64 hex (default: random)");
  }
  app->add_option("--policy", flags.policy_file,
                  "Policy file (docs/VERIFYING.md): TCB statuses, measurements, ...");
  app->add_flag("--allow-simulated", flags.allow_simulated,
                "Accept evidence from the TEE simulator (development only)");
  app->add_option("--expect-model-sha256", flags.expect_model_sha256,
                  "The SHA-256 the served model file must have");
  auto* collateral = app->add_option("--collateral", flags.collateral_file,
                                     "DCAP collateral (dcap-qvl JSON) instead of the node's");
  // One source of collateral: silently preferring one of two would hide a mistake.
  app->add_option("--pccs", flags.pccs, "Fetch collateral from this PCCS (or Intel PCS: 'pcs')")
      ->excludes(collateral);
  app->add_option("--now", flags.now, "Verify at this time, unix seconds (default: now)");
  app->add_option("--require-gpus", flags.require_gpus,
                  "Reject unless the report attests at least this many NVIDIA GPUs");
  app->add_option("--gpu-verifier", flags.gpu_verifier,
                  "Verify GPU evidence locally (RIMs, measurements) or with NVIDIA's NRAS")
      ->capture_default_str()
      ->check(CLI::IsMember({"local", "nras"}));
  app->add_option("--rim-dir", flags.gpu_sources.rim_dir,
                  "Folder of RIMs (<id>.xml), consulted before the RIM service");
  app->add_option("--rim-service", flags.gpu_sources.rim_service,
                  "NVIDIA RIM service base URL, or 'none' to stay offline")
      ->capture_default_str();
  app->add_option("--nras-url", flags.gpu_sources.nras_url, "NRAS base URL (--gpu-verifier nras)")
      ->capture_default_str();
  app->add_option("--nras-key-file", flags.gpu_sources.nras_key_file,
                  "File holding the NRAS service key, sent as a bearer token (https only)")
      ->check(CLI::ExistingFile);
  app->add_flag("--skip-rims", flags.skip_rims,
                "Do not compare GPU measurements with RIMs (evidence checks still run)");
  add_ocsp_flags(app, flags.gpu_sources);
}

Result<ratls::NodeVerifyOptions> node_verify_options(const NodeVerifyFlags& flags) {
  ratls::NodeVerifyOptions o;
  if (!flags.policy_file.empty()) {
    CLLM_ASSIGN_OR_RETURN(auto text, read_input(flags.policy_file));
    CLLM_ASSIGN_OR_RETURN(o.appraisal.policy, tdx::parse_policy_json(to_string(text)));
  }
  if (flags.allow_simulated) o.appraisal.policy.allow_simulated = true;
  if (!flags.expect_model_sha256.empty())
    o.appraisal.expected_model_sha256 = flags.expect_model_sha256;
  if (!flags.collateral_file.empty()) {
    CLLM_ASSIGN_OR_RETURN(auto text, read_input(flags.collateral_file));
    CLLM_ASSIGN_OR_RETURN(o.appraisal.collateral, tdx::parse_collateral_json(to_string(text)));
  } else if (!flags.pccs.empty()) {
    CLLM_ASSIGN_OR_RETURN(o.appraisal.fetch_collateral,
                          make_pcs_collateral_fetcher(flags.pccs == "pcs" ? "" : flags.pccs, ""));
  }
  if (!flags.nonce.empty()) o.nonce = flags.nonce;
  o.appraisal.gpu.require_gpus = flags.require_gpus;
  o.appraisal.gpu.skip_rims = flags.skip_rims;
  if (flags.gpu_verifier == "nras") {
    o.appraisal.gpu.verifier = attest::GpuAppraisalOptions::Verifier::kNras;
    CLLM_ASSIGN_OR_RETURN(o.appraisal.gpu.nras, make_nras_attest(flags.gpu_sources));
  } else {
    if (!flags.skip_rims) {
      CLLM_ASSIGN_OR_RETURN(o.appraisal.gpu.rim_store, make_rim_store(flags.gpu_sources));
    }
    CLLM_ASSIGN_OR_RETURN(o.appraisal.gpu.ocsp, make_ocsp_checker(flags.gpu_sources));
  }
  o.appraisal.now = flags.now != 0 ? flags.now : SystemClock::instance().now_unix();
  return o;
}

void print_node_verification(const ratls::NodeVerification& v) {
  // Details quote what the node sent (ids, keys, error texts): printed as printable ASCII
  // only, so a node cannot forge check lines or a VERDICT with newlines or terminal escapes.
  auto shown = [](std::string_view text) { return printable_ascii(text, 4096); };
  auto stage = [&shown](const char* title, const attest::Verdict& verdict) {
    if (verdict.factors.empty()) return;
    std::printf("%s\n", title);
    for (const auto& f : verdict.factors) {
      std::printf("  %-4s  %-30s %s\n", std::string(attest::to_string(f.outcome)).c_str(),
                  f.name.c_str(), shown(f.detail).c_str());
    }
  };
  std::printf("cllm verify %s (nonce %s)\n", v.url.c_str(), v.nonce.c_str());
  stage("connection", v.connection);
  stage("RA-TLS certificate", v.certificate);
  stage("attestation report", v.report);
  if (v.accepted) {
    bool simulated = v.claims && v.claims->tee_type == "sim";
    std::printf("VERDICT: ACCEPTED%s: model %s (sha256 %s), signing address %s\n",
                simulated ? " (SIMULATED TEE: no hardware protection)" : "",
                v.claims ? shown(v.claims->model_id).c_str() : "?",
                v.claims && !v.claims->model_sha256.empty() ? v.claims->model_sha256.c_str() : "-",
                v.claims ? v.claims->signing_address.c_str() : "?");
  } else {
    const attest::Factor* failed = v.connection.first_failure();
    if (!failed) failed = v.certificate.first_failure();
    if (!failed) failed = v.report.first_failure();
    std::printf("VERDICT: REJECTED: %s%s%s\n", failed ? failed->name.c_str() : "?",
                failed && !failed->detail.empty() ? ": " : "",
                failed ? shown(failed->detail).c_str() : "");
  }
}

}  // namespace cllm::cli
