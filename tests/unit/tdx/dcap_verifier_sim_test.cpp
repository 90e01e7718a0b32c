// The DCAP verifier and policy end to end on the simulator's evidence: every TCB variant
// the simulator offers, TD report 1.0 and 1.5, and the simulated-root handling.
#include <gtest/gtest.h>
#include <stdlib.h>

#include <algorithm>
#include <filesystem>
#include <string>

#include "cllm/common/clock.hpp"
#include "cllm/tdx/intel_root_ca.hpp"
#include "cllm/tdx/policy.hpp"
#include "cllm/tdx/sim_platform.hpp"
#include "cllm/tdx/sim_quote.hpp"
#include "cllm/tdx/verifier.hpp"
#include "support/temp_dir.hpp"

namespace cllm::tdx {
namespace {

constexpr std::int64_t kNow = 1767225600;  // 2026-01-01T00:00:00Z

std::string joined(const std::vector<std::string>& lines) {
  std::string out;
  for (const auto& line : lines)
    out += "\n  " + line;
  return out;
}

class DcapSimTest : public ::testing::Test {
 protected:
  SimPlatform open(SimTcbVariant variant) {
    SimPlatformOptions options;
    options.dir = dir_.path() + "/" + std::string(to_string(variant));
    options.variant = variant;
    options.clock = &clock_;
    auto platform = SimPlatform::open(options);
    EXPECT_TRUE(platform.ok()) << (platform.ok() ? "" : platform.error().message());
    return std::move(platform).value();
  }

  VerificationResult verify(const SimPlatform& platform, const SimQuoteRequest& request,
                            bool trust_simulator = true) {
    auto quote = make_sim_quote(platform, request);
    EXPECT_TRUE(quote.ok()) << (quote.ok() ? "" : quote.error().message());
    auto intel = crypto::Certificate::from_der(intel_sgx_root_ca_der());
    EXPECT_TRUE(intel.ok());
    std::vector<crypto::Certificate> simulated;
    if (trust_simulator) simulated.push_back(platform.root_certificate());
    DcapVerifier verifier(*intel, simulated);
    auto result = verifier.verify(*quote, platform.collateral(), kNow);
    EXPECT_TRUE(result.ok()) << (result.ok() ? "" : result.error().message());
    return result.ok() ? *result : VerificationResult{};
  }

  test::TempDir dir_{"cllm-dcap-sim-test"};
  FixedClock clock_ = FixedClock::at_unix(kNow);
};

TEST_F(DcapSimTest, UpToDatePlatformVerifiesAsSimulated) {
  SimPlatform platform = open(SimTcbVariant::kUpToDate);
  for (bool td15 : {false, true}) {
    SCOPED_TRACE(td15 ? "TD report 1.5" : "TD report 1.0");
    SimQuoteRequest request;
    request.td_report_15 = td15;
    request.report_data[0] = 0x42;
    const VerificationResult r = verify(platform, request);
    ASSERT_TRUE(r.verified) << joined(r.errors);
    EXPECT_TRUE(r.simulated);
    EXPECT_EQ(r.status, TcbStatus::kUpToDate);
    ASSERT_TRUE(r.module.has_value());
    EXPECT_EQ(r.module->status, TcbStatus::kUpToDate);
    ASSERT_TRUE(r.qe.has_value());
    EXPECT_EQ(r.qe->status, TcbStatus::kUpToDate);
    EXPECT_EQ(r.matched_tcb_date, "2024-11-13T00:00:00Z");

    Policy strict;
    Appraisal a = appraise(r, strict);
    EXPECT_FALSE(a.accepted);
    ASSERT_EQ(a.errors.size(), 1u) << joined(a.errors);
    EXPECT_EQ(a.errors[0],
              "policy.simulated: evidence chains to the simulator root; pass --allow-simulated");
    Policy dev;
    dev.allow_simulated = true;
    ReportData expected{};
    expected[0] = 0x42;
    dev.report_data = expected;
    a = appraise(r, dev);
    EXPECT_TRUE(a.accepted) << joined(a.errors);
  }
}

TEST_F(DcapSimTest, OutOfDateAndRevokedPlatforms) {
  {
    SimPlatform platform = open(SimTcbVariant::kOutOfDate);
    const VerificationResult r = verify(platform, {});
    ASSERT_TRUE(r.verified) << joined(r.errors);
    EXPECT_EQ(r.status, TcbStatus::kOutOfDate);
    EXPECT_EQ(r.matched_tcb_date, "2023-08-09T00:00:00Z");
    EXPECT_NE(std::find(r.advisory_ids.begin(), r.advisory_ids.end(), "CLLM-SIM-SA-00001"),
              r.advisory_ids.end());
    Policy policy;
    policy.allow_simulated = true;
    EXPECT_TRUE(appraise(r, policy).errors.size() >= 1);
    EXPECT_FALSE(appraise(r, policy).accepted);
  }
  {
    SimPlatform platform = open(SimTcbVariant::kRevoked);
    const VerificationResult r = verify(platform, {});
    ASSERT_TRUE(r.verified) << joined(r.errors);
    EXPECT_EQ(r.status, TcbStatus::kRevoked);
    Policy policy;
    policy.allow_simulated = true;
    policy.allowed_statuses.insert(TcbStatus::kRevoked);
    EXPECT_FALSE(appraise(r, policy).accepted);
  }
}

TEST_F(DcapSimTest, SimulatorEvidenceFailsWithoutTheSimulatorRoot) {
  SimPlatform platform = open(SimTcbVariant::kUpToDate);
  const VerificationResult r = verify(platform, {}, /*trust_simulator=*/false);
  EXPECT_FALSE(r.verified);
  EXPECT_FALSE(r.simulated);
  EXPECT_TRUE(r.has_error("pck_chain")) << joined(r.errors);
  EXPECT_TRUE(r.has_error("tcb_info_chain")) << joined(r.errors);
}

TEST_F(DcapSimTest, DebugTdVerifiesButPolicyRejectsIt) {
  SimPlatform platform = open(SimTcbVariant::kUpToDate);
  SimQuoteRequest request;
  request.debug = true;
  const VerificationResult r = verify(platform, request);
  ASSERT_TRUE(r.verified) << joined(r.errors);
  ASSERT_TRUE(r.td_attributes.has_value());
  EXPECT_TRUE(r.td_attributes->debug);
  Policy policy;
  policy.allow_simulated = true;
  const Appraisal a = appraise(r, policy);
  EXPECT_FALSE(a.accepted);
  EXPECT_NE(std::find(a.errors.begin(), a.errors.end(), "policy.debug: DEBUG TD rejected"),
            a.errors.end())
      << joined(a.errors);
}

}  // namespace
}  // namespace cllm::tdx
