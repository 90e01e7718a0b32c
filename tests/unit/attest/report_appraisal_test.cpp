// Attestation reports end to end on the real simulator: build_report -> JSON text ->
// parse_report -> appraisal with the real DCAP verifier and policy. Each rejection test
// changes one thing and asserts the factor that names it.
#include <gtest/gtest.h>

#include "cllm/attest/appraisal.hpp"
#include "cllm/attest/report.hpp"
#include "cllm/common/hex.hpp"
#include "cllm/tdx/quote.hpp"
#include "unit/attest/node_fixture.hpp"

namespace cllm::attest {
namespace {

using Outcome = Factor::Outcome;
using testing::describe;
using testing::kNonce;
using testing::kNow;
using testing::MeasuredStart;
using testing::outcome_of;
using testing::SimNode;

Json make_report(SimNode& node, const Claims& claims, bool with_collateral = true) {
  ReportOptions options;
  if (with_collateral) {
    auto collateral = node.attester().collateral();
    EXPECT_TRUE(collateral.ok());
    options.collateral = *collateral;
    options.sim_root_ca_pem = node.attester().platform().root_certificate_pem();
  }
  auto report = build_report(node.attester(), claims, options);
  EXPECT_TRUE(report.ok()) << (report.ok() ? "" : report.error().message());
  return report.ok() ? *report : Json();
}

Binding nonce_binding(std::string_view nonce = kNonce) {
  Binding b;
  b.expected_nonce = std::string(nonce);
  return b;
}

// The only failed factor is `name` (so the test really isolates one check).
void expect_only_failure(const Verdict& v, std::string_view name) {
  EXPECT_FALSE(v.accepted) << describe(v);
  const Factor* first = v.first_failure();
  ASSERT_NE(first, nullptr) << describe(v);
  EXPECT_EQ(first->name, name) << describe(v);
  for (const auto& f : v.factors) {
    if (f.name != name) {
      EXPECT_NE(f.outcome, Outcome::kFail) << f.name << describe(v);
    }
  }
}

TEST(Report, BuildAndParseRoundTrip) {
  SimNode node;
  const Claims claims = node.claims(kPurposeReport);
  const Json json = make_report(node, claims);
  EXPECT_EQ(json["version"], "cllm.report.v1");
  EXPECT_EQ(json["signing_algo"], "ecdsa");
  EXPECT_EQ(json["tee"]["simulated"], true);
  auto report = parse_report(json.dump());
  ASSERT_TRUE(report.ok()) << report.error().message();
  EXPECT_EQ(report->claims, claims);
  EXPECT_EQ(report->request_nonce, kNonce);
  EXPECT_EQ(report->signing_address, claims.signing_address);
  EXPECT_EQ(report->model_sha256, node.model_sha256_hex());
  EXPECT_EQ(report->tee_type, "sim");
  EXPECT_TRUE(report->tee_simulated);
  ASSERT_TRUE(report->collateral.has_value());
  ASSERT_TRUE(report->sim_root_ca_pem.has_value());
  // The raw quote is kept byte for byte and commits to the claims.
  auto quote = tdx::parse_quote(report->intel_quote);
  ASSERT_TRUE(quote.ok());
  auto expected = claims_report_data(kReportTag, claims);
  ASSERT_TRUE(expected.ok());
  EXPECT_EQ(quote->td_report()->report_data, *expected);
  EXPECT_EQ(report->report_data, *expected);
  EXPECT_TRUE(report->event_log.is_array());
}

TEST(Report, BuilderRefusesIncoherentRequests) {
  SimNode node;
  Claims claims = node.claims(kPurposeRatls);
  EXPECT_FALSE(build_report(node.attester(), claims).ok());  // RA-TLS claims
  claims = node.claims(kPurposeReport);
  claims.tee_type = "tdx";  // the attester is the simulator
  EXPECT_FALSE(build_report(node.attester(), claims).ok());
}

TEST(Report, ParserIsStrict) {
  SimNode node;
  const Json good = make_report(node, node.claims(kPurposeReport), false);
  ASSERT_TRUE(parse_report(good.dump()).ok());
  auto rejects = [](const Json& j, std::string_view what) {
    auto r = parse_report(j.dump());
    ASSERT_FALSE(r.ok());
    EXPECT_NE(r.error().message().find(what), std::string::npos) << r.error().message();
  };
  Json j = good;
  j["surprise"] = true;
  rejects(j, "report.surprise");
  j = good;
  j["signing_address"] = "0x0000000000000000000000000000000000000000";
  rejects(j, "report.signing_address");
  j = good;
  j["intel_quote"] = "zz";
  rejects(j, "report.intel_quote");
  j = good;
  j["report_data"] = "00";
  rejects(j, "report.report_data");
  j = good;
  j["tee"]["simulated"] = false;
  rejects(j, "report.tee.simulated");
  j = good;
  j["model"]["sha256"] = std::string(64, '0');
  rejects(j, "report.model.sha256");
  j = good;
  j["claims"]["unknown"] = 1;
  rejects(j, "claims.unknown");
  j = good;
  j["version"] = "cllm.report.v0";
  rejects(j, "report.version");
  EXPECT_FALSE(parse_report("").ok());
  EXPECT_FALSE(parse_report("[]").ok());
  EXPECT_EQ(parse_report(std::string(kMaxReportJsonSize + 1, ' ')).error().code(),
            ErrorCode::kLimit);
}

TEST(Appraisal, AcceptsSimulatedNodeWithAllowSimulated) {
  SimNode node;
  const Json report = make_report(node, node.claims(kPurposeReport));
  Binding binding = nonce_binding();
  binding.tls_spki_sha256 = std::string(64, 'a');
  AppraisalOptions options = node.options();
  options.expected_model_sha256 = node.model_sha256_hex();
  const Verdict v = appraise_report_text(report.dump(), binding, options);
  ASSERT_TRUE(v.accepted) << describe(v);
  for (std::string_view name :
       {"report_format",       "claims_purpose",    "nonce_match",         "quote_present",
        "quote_parses",        "collateral",        "quote_chain",         "quote_signature",
        "tcb_status",          "simulated_allowed", "debug_disabled",      "sept_ve_disable",
        "event_log_replay",    "measured_binary",   "measured_config",     "measured_model",
        "report_data_binding", "tls_key_binding",   "signing_key_binding", "freshness"}) {
    EXPECT_EQ(outcome_of(v, name), Outcome::kPass) << name << describe(v);
  }
  EXPECT_EQ(outcome_of(v, "gpu_evidence"), Outcome::kSkip);
  EXPECT_EQ(outcome_of(v, "td_measurements"), Outcome::kSkip);
  ASSERT_TRUE(v.claims.has_value());
  const Json j = verdict_to_json(v);
  EXPECT_EQ(j["accepted"], true);
  EXPECT_EQ(j["checks"].size(), v.factors.size());
}

TEST(Appraisal, RejectsSimulatedEvidenceWithoutTheFlag) {
  SimNode node;
  const Json report = make_report(node, node.claims(kPurposeReport));
  const Verdict v = appraise_report_text(report.dump(), nonce_binding(), node.options(false));
  expect_only_failure(v, "simulated_allowed");
  EXPECT_NE(v.find("simulated_allowed")->detail.find("--allow-simulated"), std::string::npos);
}

TEST(Appraisal, RejectsWrongNonce) {
  SimNode node;
  const Json report = make_report(node, node.claims(kPurposeReport));
  const Verdict v =
      appraise_report_text(report.dump(), nonce_binding(std::string(64, '9')), node.options());
  expect_only_failure(v, "nonce_match");
}

TEST(Appraisal, RejectsTamperedClaims) {
  SimNode node;
  Json report = make_report(node, node.claims(kPurposeReport));
  // Edited consistently everywhere the report repeats it: only the quote can tell.
  report["claims"]["model_id"] = "gpt-5";
  report["model"]["id"] = "gpt-5";
  const Verdict v = appraise_report_text(report.dump(), nonce_binding(), node.options());
  expect_only_failure(v, "report_data_binding");
}

TEST(Appraisal, RejectsEventLogThatDoesNotReplay) {
  SimNode node;
  Json report = make_report(node, node.claims(kPurposeReport));
  Json filtered = Json::array();
  for (const auto& e : report["event_log"])
    if (e["event"] != "cllm.config") filtered.push_back(e);
  ASSERT_EQ(filtered.size() + 1, report["event_log"].size());
  report["event_log"] = filtered;
  const Verdict v = appraise_report_text(report.dump(), nonce_binding(), node.options());
  EXPECT_FALSE(v.accepted);
  EXPECT_EQ(v.first_failure()->name, "event_log_replay") << describe(v);
  EXPECT_EQ(outcome_of(v, "measured_config"), Outcome::kFail);  // "not checked"
}

TEST(Appraisal, RejectsMissingOrDuplicateModelEvent) {
  {
    MeasuredStart start;
    start.model = false;
    SimNode node(false, start);
    const Json report = make_report(node, node.claims(kPurposeReport));
    const Verdict v = appraise_report_text(report.dump(), nonce_binding(), node.options());
    expect_only_failure(v, "measured_model");
    EXPECT_EQ(outcome_of(v, "event_log_replay"), Outcome::kPass);
  }
  {
    MeasuredStart start;
    start.duplicate_model = true;
    SimNode node(false, start);
    const Json report = make_report(node, node.claims(kPurposeReport));
    const Verdict v = appraise_report_text(report.dump(), nonce_binding(), node.options());
    expect_only_failure(v, "measured_model");
  }
}

TEST(Appraisal, RejectsDebugTd) {
  SimNode node(/*debug=*/true);
  const Json report = make_report(node, node.claims(kPurposeReport));
  const Verdict v = appraise_report_text(report.dump(), nonce_binding(), node.options());
  expect_only_failure(v, "debug_disabled");
}

TEST(Appraisal, RejectsWrongExpectedModel) {
  SimNode node;
  const Json report = make_report(node, node.claims(kPurposeReport));
  AppraisalOptions options = node.options();
  options.expected_model_sha256 = std::string(64, '1');
  const Verdict v = appraise_report_text(report.dump(), nonce_binding(), options);
  expect_only_failure(v, "measured_model");
  // Claims that lie about the model (while the measured event is the real one) fail too.
  Claims lying = node.claims(kPurposeReport);
  lying.model_sha256 = std::string(64, '1');
  const Json report2 = make_report(node, lying);
  const Verdict v2 = appraise_report_text(report2.dump(), nonce_binding(), node.options());
  expect_only_failure(v2, "measured_model");
}

TEST(Appraisal, UpstreamModeMeasuresTheUpstream) {
  MeasuredStart start;
  start.model = false;
  SimNode node(false, start);
  node.extend(kEventModel, to_bytes("upstream:stories@http://127.0.0.1:8080"));
  Claims claims = node.claims(kPurposeReport);
  claims.model_sha256 = "";
  const std::string text = make_report(node, claims).dump();
  Verdict v = appraise_report_text(text, nonce_binding(), node.options());
  ASSERT_TRUE(v.accepted) << describe(v);
  EXPECT_NE(v.find("measured_model")->detail.find("upstream:stories@"), std::string::npos);
  // A user who expects particular weights cannot get them from an upstream node.
  AppraisalOptions options = node.options();
  options.expected_model_sha256 = node.model_sha256_hex();
  v = appraise_report_text(text, nonce_binding(), options);
  expect_only_failure(v, "measured_model");
}

TEST(Appraisal, FetchesCollateralThroughTheCallback) {
  SimNode node;
  const Json bare = make_report(node, node.claims(kPurposeReport), /*with_collateral=*/false);
  AppraisalOptions options = node.options();
  options.simulated_roots.push_back(node.attester().platform().root_certificate());
  int calls = 0;
  options.fetch_collateral = [&](const tdx::Quote& quote) -> Result<tdx::Collateral> {
    ++calls;
    EXPECT_TRUE(quote.is_tdx());
    return node.attester().collateral();
  };
  Verdict v = appraise_report_text(bare.dump(), nonce_binding(), options);
  EXPECT_TRUE(v.accepted) << describe(v);
  EXPECT_EQ(calls, 1);
  options.fetch_collateral = [](const tdx::Quote&) -> Result<tdx::Collateral> {
    return make_error(ErrorCode::kIo, "PCCS unreachable");
  };
  v = appraise_report_text(bare.dump(), nonce_binding(), options);
  EXPECT_FALSE(v.accepted);
  EXPECT_EQ(v.first_failure()->name, "collateral");
  EXPECT_NE(v.first_failure()->detail.find("PCCS unreachable"), std::string::npos);
}

TEST(Appraisal, RejectsStaleAndFutureEvidence) {
  SimNode node;
  Claims claims = node.claims(kPurposeReport);
  claims.issued_at = kNow - 2 * 24 * 3600;
  Verdict v =
      appraise_report_text(make_report(node, claims).dump(), nonce_binding(), node.options());
  expect_only_failure(v, "freshness");
  claims.issued_at = kNow + 3600;
  v = appraise_report_text(make_report(node, claims).dump(), nonce_binding(), node.options());
  expect_only_failure(v, "freshness");
}

TEST(Appraisal, RejectsWrongTlsKeyAndSigningAddress) {
  SimNode node;
  Claims claims = node.claims(kPurposeReport);
  Binding binding = nonce_binding();
  binding.tls_spki_sha256 = std::string(64, 'b');
  Verdict v = appraise_report_text(make_report(node, claims).dump(), binding, node.options());
  expect_only_failure(v, "tls_key_binding");

  SimNode other;
  claims.signing_address = other.claims(kPurposeReport).signing_address;
  v = appraise_report_text(make_report(node, claims).dump(), nonce_binding(), node.options());
  expect_only_failure(v, "signing_key_binding");
}

TEST(Appraisal, NeedsCollateralAndTheRightSimulatorRoot) {
  SimNode node;
  const Json bare = make_report(node, node.claims(kPurposeReport), /*with_collateral=*/false);
  Verdict v = appraise_report_text(bare.dump(), nonce_binding(), node.options());
  EXPECT_FALSE(v.accepted);
  EXPECT_EQ(v.first_failure()->name, "collateral") << describe(v);

  // The collateral supplied by the caller instead: accepted once the simulator root is known.
  AppraisalOptions options = node.options();
  options.collateral = *node.attester().collateral();
  options.simulated_roots.push_back(node.attester().platform().root_certificate());
  v = appraise_report_text(bare.dump(), nonce_binding(), options);
  EXPECT_TRUE(v.accepted) << describe(v);

  // A report that names another simulator's root: the quote does not chain to it.
  SimNode other;
  Json report = make_report(node, node.claims(kPurposeReport));
  report["sim_root_ca_pem"] = other.attester().platform().root_certificate_pem();
  v = appraise_report_text(report.dump(), nonce_binding(), node.options());
  EXPECT_FALSE(v.accepted);
  EXPECT_EQ(v.first_failure()->name, "quote_chain") << describe(v);
}

TEST(Appraisal, ReportClaimsAreNotRatlsEvidence) {
  SimNode node;
  auto report = parse_report(make_report(node, node.claims(kPurposeReport)).dump());
  ASSERT_TRUE(report.ok());
  Evidence evidence;
  evidence.expected_purpose = std::string(kPurposeRatls);
  evidence.quote = report->intel_quote;
  evidence.event_log = report->event_log;
  evidence.claims = report->claims;
  evidence.collateral_json = report->collateral;
  evidence.sim_root_ca_pem = report->sim_root_ca_pem;
  const Verdict v = appraise_evidence(evidence, Binding{}, node.options());
  EXPECT_FALSE(v.accepted);
  EXPECT_EQ(outcome_of(v, "claims_purpose"), Outcome::kFail);
  EXPECT_EQ(outcome_of(v, "report_data_binding"), Outcome::kFail);
}

// Deterministic character mutations of a genuine report never crash the parser or the
// appraisal; a mutated report that is still accepted must say exactly what the original
// said (hex digits may change case, which decodes to the same bytes).
TEST(Appraisal, MutatedReportsNeverCrashOrLie) {
  SimNode node;
  const Claims claims = node.claims(kPurposeReport);
  const std::string text = make_report(node, claims).dump();
  std::uint32_t state = 777;
  auto next = [&state] {
    state = state * 1103515245u + 12345u;
    return state >> 8;
  };
  const std::string alphabet = "0123456789abcdefABCDEF{}[]\":,. -xnulltrue";
  int accepted = 0;
  for (int i = 0; i < 200; ++i) {
    std::string mutated = text;
    mutated[next() % mutated.size()] = alphabet[next() % alphabet.size()];
    if (mutated == text) continue;
    const Verdict v = appraise_report_text(mutated, nonce_binding(), node.options());
    if (v.accepted) {
      ++accepted;
      ASSERT_TRUE(v.claims.has_value());
      EXPECT_EQ(*v.claims, claims) << "mutation " << i;
    }
  }
  std::printf("accepted %d of 200 mutated reports (same content)\n", accepted);
}

TEST(Appraisal, GarbageNeverCrashes) {
  SimNode node;
  for (std::string_view text : {"", "{}", "null", "{\"version\":\"cllm.report.v1\"}", "[1,2]"}) {
    const Verdict v = appraise_report_text(text, nonce_binding(), node.options());
    EXPECT_FALSE(v.accepted);
    EXPECT_EQ(v.first_failure()->name, "report_format");
  }
  Json report = make_report(node, node.claims(kPurposeReport));
  report["intel_quote"] = "00";
  Verdict v = appraise_report_text(report.dump(), nonce_binding(), node.options());
  EXPECT_FALSE(v.accepted);
  EXPECT_EQ(v.first_failure()->name, "quote_parses") << describe(v);
  report["intel_quote"] = "";
  v = appraise_report_text(report.dump(), nonce_binding(), node.options());
  EXPECT_EQ(v.first_failure()->name, "quote_present") << describe(v);
  report = make_report(node, node.claims(kPurposeReport));
  report["event_log"] = "not json";
  v = appraise_report_text(report.dump(), nonce_binding(), node.options());
  EXPECT_EQ(v.first_failure()->name, "event_log_replay") << describe(v);
}

}  // namespace
}  // namespace cllm::attest
