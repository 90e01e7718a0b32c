// `cllm quote verify` and `cllm quote sim` end to end: real Intel quotes with their
// collateral, and simulator round trips judged by the default policy.
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>

#include "cllm/common/json.hpp"
#include "support/subprocess.hpp"
#include "support/test_paths.hpp"

namespace cllm {
namespace {

using test::cllm_binary;
using test::run_process;

Json json_of(const test::ProcessResult& r) {
  auto j = parse_json(r.out);
  EXPECT_TRUE(j.ok()) << r.out.substr(0, 300) << r.err;
  return j.ok() ? *j : Json::object();
}

bool has_error_containing(const Json& j, const std::string& text) {
  for (const auto& e : j["errors"]) {
    if (e.get<std::string>().find(text) != std::string::npos) return true;
  }
  return false;
}

TEST(CliQuoteVerify, RealQuoteIsVerifiedAndAcceptedWithTheBuiltInIntelRoot) {
  CLLM_REQUIRE_SHARED_FILE(quote, "testdata/tdx/dcapqvl_tdx_quote");
  CLLM_REQUIRE_SHARED_FILE(coll, "testdata/tdx/dcapqvl_tdx_quote_collateral.json");
  auto r = run_process({cllm_binary(), "quote", "verify", "--quote", quote, "--collateral", coll,
                        "--now", "1752919234", "--json"});
  EXPECT_EQ(r.exit_code, 0) << r.out << r.err;
  Json j = json_of(r);
  EXPECT_EQ(j["verified"], true);
  EXPECT_EQ(j["accepted"], true);
  EXPECT_EQ(j["simulated"], false);
  EXPECT_EQ(j["status"], "UpToDate");
  EXPECT_EQ(j["fmspc"], "b0c06f000000");
  EXPECT_EQ(j["td_attributes"]["sept_ve_disable"], true);
  EXPECT_EQ(j["errors"].size(), 0u);
}

TEST(CliQuoteVerify, ExpiredCollateralIsRejectedNamingTheCheck) {
  CLLM_REQUIRE_SHARED_FILE(quote, "testdata/tdx/dcapqvl_tdx_quote");
  CLLM_REQUIRE_SHARED_FILE(coll, "testdata/tdx/dcapqvl_tdx_quote_collateral.json");
  auto r = run_process({cllm_binary(), "quote", "verify", "--quote", quote, "--collateral", coll,
                        "--now", "1790000000", "--json"});
  EXPECT_EQ(r.exit_code, 1);
  Json j = json_of(r);
  EXPECT_EQ(j["accepted"], false);
  EXPECT_TRUE(has_error_containing(j, "collateral_expired")) << j.dump();
}

TEST(CliQuoteVerify, UsageErrorsExitTwo) {
  auto r = run_process({cllm_binary(), "quote", "verify", "--quote", "/nonexistent", "--collateral",
                        "/nonexistent"});
  EXPECT_EQ(r.exit_code, 2);
}

class CliQuoteSim : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() /
           ("cllm_cli_sim_" + std::to_string(getpid()) + "_" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    std::filesystem::remove_all(dir_);
    std::filesystem::create_directories(dir_);
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }

  // Makes a quote and its collateral, then verifies it; returns the verify JSON and rc.
  std::pair<int, Json> sim_then_verify(const std::vector<std::string>& sim_args,
                                       const std::vector<std::string>& verify_args,
                                       const std::string& sim_dir_name = "sim") {
    std::string quote = (dir_ / "quote.bin").string();
    std::string coll = (dir_ / "collateral.json").string();
    std::string root = (dir_ / "root.pem").string();
    std::vector<std::string> sim = {cllm_binary(),
                                    "quote",
                                    "sim",
                                    "--report-data",
                                    std::string(128, 'a'),
                                    "--sim-dir",
                                    (dir_ / sim_dir_name).string(),
                                    "--out",
                                    quote,
                                    "--collateral-out",
                                    coll,
                                    "--root-out",
                                    root};
    sim.insert(sim.end(), sim_args.begin(), sim_args.end());
    auto s = run_process(sim);
    EXPECT_EQ(s.exit_code, 0) << s.err;
    std::vector<std::string> verify = {cllm_binary(),  "quote", "verify", "--quote", quote,
                                       "--collateral", coll,    "--root", root,      "--json"};
    verify.insert(verify.end(), verify_args.begin(), verify_args.end());
    auto v = run_process(verify);
    return {v.exit_code, json_of(v)};
  }

  std::filesystem::path dir_;
};

TEST_F(CliQuoteSim, V4RoundTripIsAcceptedOnlyWithAllowSimulated) {
  auto [rc, j] = sim_then_verify({}, {"--allow-simulated"});
  EXPECT_EQ(rc, 0) << j.dump();
  EXPECT_EQ(j["verified"], true);
  EXPECT_EQ(j["simulated"], true);
  EXPECT_EQ(j["status"], "UpToDate");
  EXPECT_EQ(j["quote_version"], 4);
  EXPECT_EQ(j["report_data"], std::string(128, 'a'));

  auto [rc2, j2] = sim_then_verify({}, {});
  EXPECT_EQ(rc2, 1);
  EXPECT_EQ(j2["verified"], true);
  EXPECT_EQ(j2["accepted"], false);
  EXPECT_TRUE(has_error_containing(j2, "policy.simulated")) << j2.dump();
}

TEST_F(CliQuoteSim, V5RoundTrip) {
  auto [rc, j] = sim_then_verify({"--version", "5"}, {"--allow-simulated"});
  EXPECT_EQ(rc, 0) << j.dump();
  EXPECT_EQ(j["quote_version"], 5);
}

TEST_F(CliQuoteSim, DebugTdIsRejectedByTheDefaultPolicy) {
  auto [rc, j] = sim_then_verify({"--debug"}, {"--allow-simulated"});
  EXPECT_EQ(rc, 1);
  EXPECT_EQ(j["verified"], true);
  EXPECT_EQ(j["td_attributes"]["debug"], true);
  EXPECT_TRUE(has_error_containing(j, "policy.debug")) << j.dump();
}

TEST_F(CliQuoteSim, OutOfDateAndRevokedPlatformsAreRejected) {
  auto [rc, j] = sim_then_verify({"--tcb", "OutOfDate"}, {"--allow-simulated"}, "sim-ood");
  EXPECT_EQ(rc, 1);
  EXPECT_EQ(j["status"], "OutOfDate");
  EXPECT_TRUE(has_error_containing(j, "policy.tcb_status")) << j.dump();
  auto [rc2, j2] = sim_then_verify({"--tcb", "Revoked"}, {"--allow-simulated"}, "sim-revoked");
  EXPECT_EQ(rc2, 1);
  EXPECT_EQ(j2["accepted"], false);
}

}  // namespace
}  // namespace cllm
