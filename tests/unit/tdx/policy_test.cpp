#include "cllm/tdx/policy.hpp"

#include <gtest/gtest.h>

#include <string>

#include "cllm/common/hex.hpp"

namespace cllm::tdx {
namespace {

// A verified, up-to-date production TD result (as the real vectors produce).
VerificationResult good_td() {
  VerificationResult r;
  r.verified = true;
  r.signatures_verified = true;
  r.status = TcbStatus::kUpToDate;
  r.quote.header.tee_type = kTeeTypeTdx;
  TdReport td;
  td.td_attributes = {0x00, 0x00, 0x00, 0x10, 0, 0, 0, 0};  // SEPT_VE_DISABLE only
  td.mr_td.fill(0xaa);
  td.rtmr[3].fill(0x33);
  td.report_data.fill(0x55);
  r.quote.body = td;
  return r;
}

TdReport& td_of(VerificationResult& r) {
  return std::get<TdReport>(r.quote.body);
}

bool rejected_by(const Appraisal& a, std::string_view check) {
  for (const auto& e : a.errors) {
    if (e.rfind(check, 0) == 0) return true;
  }
  return false;
}

std::string joined(const std::vector<std::string>& lines) {
  std::string out;
  for (const auto& l : lines)
    out += "\n  " + l;
  return out;
}

TEST(PolicyTest, DefaultAcceptsOnlyVerifiedUpToDateProductionTds) {
  const Policy policy;
  auto a = appraise(good_td(), policy);
  EXPECT_TRUE(a.accepted) << joined(a.errors);

  auto unverified = good_td();
  unverified.verified = false;
  unverified.errors = {"quote_signature: bad"};
  a = appraise(unverified, policy);
  EXPECT_FALSE(a.accepted);
  EXPECT_TRUE(rejected_by(a, "policy.verification")) << joined(a.errors);
  EXPECT_NE(a.errors[0].find("quote_signature"), std::string::npos);

  auto outdated = good_td();
  outdated.status = TcbStatus::kOutOfDate;
  a = appraise(outdated, policy);
  EXPECT_FALSE(a.accepted);
  EXPECT_TRUE(rejected_by(a, "policy.tcb_status: OutOfDate not allowed")) << joined(a.errors);
}

TEST(PolicyTest, TdAttributeChecks) {
  const Policy policy;
  auto debug = good_td();
  td_of(debug).td_attributes[0] = 0x01;
  auto a = appraise(debug, policy);
  EXPECT_TRUE(rejected_by(a, "policy.debug: DEBUG TD rejected")) << joined(a.errors);
  Policy allow_debug;
  allow_debug.allow_debug = true;
  EXPECT_TRUE(appraise(debug, allow_debug).accepted);

  auto reserved = good_td();
  td_of(reserved).td_attributes[1] = 0x01;  // bit 8: reserved SEC bit
  a = appraise(reserved, allow_debug);
  EXPECT_TRUE(rejected_by(a, "policy.td_attributes")) << joined(a.errors);

  auto no_sept = good_td();
  td_of(no_sept).td_attributes = {};
  a = appraise(no_sept, policy);
  EXPECT_TRUE(rejected_by(a, "policy.sept_ve_disable")) << joined(a.errors);
  Policy azure;
  azure.require_sept_ve_disable = false;
  EXPECT_TRUE(appraise(no_sept, azure).accepted);

  auto service = good_td();
  td_of(service).is_v15 = true;
  td_of(service).mr_service_td[0] = 1;
  a = appraise(service, policy);
  EXPECT_TRUE(rejected_by(a, "policy.service_td")) << joined(a.errors);
  Policy allow_service;
  allow_service.allow_service_td = true;
  EXPECT_TRUE(appraise(service, allow_service).accepted);
}

TEST(PolicyTest, SimulatedEvidenceNeedsOptIn) {
  auto sim = good_td();
  sim.simulated = true;
  auto a = appraise(sim, Policy{});
  EXPECT_FALSE(a.accepted);
  EXPECT_TRUE(rejected_by(
      a, "policy.simulated: evidence chains to the simulator root; pass --allow-simulated"));
  Policy allow;
  allow.allow_simulated = true;
  EXPECT_TRUE(appraise(sim, allow).accepted);
}

TEST(PolicyTest, AdvisoriesMustBeAllowListed) {
  auto r = good_td();
  r.status = TcbStatus::kSwHardeningNeeded;
  r.advisory_ids = {"INTEL-SA-00615", "INTEL-SA-00289"};
  Policy policy;
  policy.allowed_statuses.insert(TcbStatus::kSwHardeningNeeded);
  auto a = appraise(r, policy);
  EXPECT_FALSE(a.accepted);
  EXPECT_TRUE(rejected_by(a, "policy.advisory: INTEL-SA-00615 not allowed"));
  policy.allowed_advisories = {"INTEL-SA-00615"};
  a = appraise(r, policy);
  EXPECT_TRUE(rejected_by(a, "policy.advisory: INTEL-SA-00289 not allowed"));
  EXPECT_EQ(a.errors.size(), 1u);
  policy.allowed_advisories.insert("INTEL-SA-00289");
  EXPECT_TRUE(appraise(r, policy).accepted);

  r.status = TcbStatus::kRevoked;
  policy.allowed_statuses.insert(TcbStatus::kRevoked);  // even when forced in code
  EXPECT_FALSE(appraise(r, policy).accepted);
}

TEST(PolicyTest, ExpectedMeasurements) {
  Policy policy;
  Measurement mr_td;
  mr_td.fill(0xaa);
  policy.mr_td = mr_td;
  Measurement rtmr3;
  rtmr3.fill(0x33);
  policy.rtmr[3] = rtmr3;
  ReportData report_data;
  report_data.fill(0x55);
  policy.report_data = report_data;
  EXPECT_TRUE(appraise(good_td(), policy).accepted);

  auto other = good_td();
  td_of(other).rtmr[3][47] ^= 1;
  td_of(other).report_data[0] ^= 1;
  auto a = appraise(other, policy);
  EXPECT_TRUE(rejected_by(a, "policy.rtmr3")) << joined(a.errors);
  EXPECT_TRUE(rejected_by(a, "policy.report_data")) << joined(a.errors);
  EXPECT_FALSE(rejected_by(a, "policy.mr_td"));

  VerificationResult sgx;
  sgx.verified = true;
  sgx.status = TcbStatus::kUpToDate;
  sgx.quote.header.tee_type = kTeeTypeSgx;
  sgx.quote.body = EnclaveReport{};
  a = appraise(sgx, policy);
  EXPECT_TRUE(rejected_by(a, "policy.tee_type")) << joined(a.errors);
  EnclaveReport debug_enclave;
  debug_enclave.attributes[0] = 0x02;
  sgx.quote.body = debug_enclave;
  a = appraise(sgx, Policy{});
  EXPECT_TRUE(rejected_by(a, "policy.debug: DEBUG enclave rejected")) << joined(a.errors);
}

TEST(PolicyTest, ParsesThePolicyFile) {
  const std::string hex96(96, 'a');
  auto policy = parse_policy_json(R"({
    "version": 1,
    "allowed_tcb_statuses": ["UpToDate", "SWHardeningNeeded", "TDRelaunchAdvised"],
    "allowed_advisory_ids": ["INTEL-SA-00615"],
    "allow_debug": false,
    "require_sept_ve_disable": false,
    "allow_service_td": true,
    "allow_simulated": true,
    "expected": {"mr_td": ")" + hex96 +
                                  R"(", "rtmr2": ")" + std::string(96, 'B') +
                                  R"(", "report_data": ")" + std::string(128, '0') + R"("}
  })");
  ASSERT_TRUE(policy.ok()) << policy.error().message();
  EXPECT_EQ(policy->allowed_statuses.size(), 3u);
  EXPECT_EQ(policy->allowed_statuses.count(TcbStatus::kTdRelaunchAdvised), 1u);
  EXPECT_EQ(policy->allowed_advisories.count("INTEL-SA-00615"), 1u);
  EXPECT_FALSE(policy->require_sept_ve_disable);
  EXPECT_TRUE(policy->allow_service_td);
  EXPECT_TRUE(policy->allow_simulated);
  ASSERT_TRUE(policy->mr_td.has_value());
  EXPECT_EQ(to_hex(*policy->mr_td), hex96);
  ASSERT_TRUE(policy->rtmr[2].has_value());
  EXPECT_EQ((*policy->rtmr[2])[0], 0xbb);
  EXPECT_FALSE(policy->rtmr[0].has_value());
  ASSERT_TRUE(policy->report_data.has_value());

  auto defaults = parse_policy_json(R"({"version":1})");
  ASSERT_TRUE(defaults.ok());
  EXPECT_EQ(defaults->allowed_statuses, std::set<TcbStatus>{TcbStatus::kUpToDate});
  EXPECT_TRUE(defaults->require_sept_ve_disable);
  EXPECT_FALSE(defaults->allow_debug);
  EXPECT_FALSE(defaults->allow_simulated);
}

TEST(PolicyTest, RejectsBadPolicyFiles) {
  for (const char* text : {
           "",
           "[]",
           R"({})",
           R"({"version":2})",
           R"({"version":"1"})",
           R"({"version":1,"allow_debugg":true})",
           R"({"version":1,"allowed_tcb_statuses":["Revoked"]})",
           R"({"version":1,"allowed_tcb_statuses":["uptodate"]})",
           R"({"version":1,"allowed_tcb_statuses":"UpToDate"})",
           R"({"version":1,"allow_debug":"yes"})",
           R"({"version":1,"expected":{"mr_td":"abcd"}})",
           R"({"version":1,"expected":{"rtmr4":"00"}})",
           R"({"version":1,"expected":[]})",
       }) {
    auto policy = parse_policy_json(text);
    EXPECT_FALSE(policy.ok()) << text;
    if (!policy.ok()) {
      EXPECT_EQ(policy.error().message().rfind("policy", 0), 0u) << policy.error().message();
    }
  }
}

}  // namespace
}  // namespace cllm::tdx
