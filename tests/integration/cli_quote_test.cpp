// `cllm quote ...` and `cllm eventlog replay` end to end, as child processes, on real data.
#include <gtest/gtest.h>

#include "cllm/common/json.hpp"
#include "support/subprocess.hpp"
#include "support/test_paths.hpp"

namespace cllm {
namespace {

using test::cllm_binary;
using test::run_process;

Json parse_stdout(const test::ProcessResult& r) {
  auto j = parse_json(r.out);
  EXPECT_TRUE(j.ok()) << r.out.substr(0, 200);
  return j.ok() ? *j : Json();
}

TEST(CliQuoteInspect, DecodesARealV4QuoteAsJson) {
  CLLM_REQUIRE_SHARED_FILE(quote, "testdata/tdx/dcapqvl_tdx_quote");
  auto r = run_process({cllm_binary(), "quote", "inspect", quote, "--json"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  Json j = parse_stdout(r);
  EXPECT_EQ(j["schema"], "cllm.quote.v1");
  EXPECT_EQ(j["version"], 4);
  EXPECT_EQ(j["size"], 4936);
  EXPECT_EQ(j["td_report"]["td_attributes"], "0000001000000000");
  EXPECT_EQ(j["td_report"]["td_attributes_decoded"]["sept_ve_disable"], true);
  EXPECT_EQ(j["td_report"]["td_attributes_decoded"]["debug"], false);
}

TEST(CliQuoteInspect, DecodesHexV5AndSgxV3Quotes) {
  CLLM_REQUIRE_SHARED_FILE(hex_quote, "testdata/tdx/dcapqvl_tdx-quote.hex");
  CLLM_REQUIRE_SHARED_FILE(v5, "testdata/tdx/dcapqvl_tdx_quote_outdated");
  CLLM_REQUIRE_SHARED_FILE(sgx, "testdata/sgx/dcapqvl_sgx_quote");
  auto hex = run_process({cllm_binary(), "quote", "inspect", hex_quote, "--json"});
  ASSERT_EQ(hex.exit_code, 0) << hex.err;
  EXPECT_EQ(parse_stdout(hex)["version"], 4);
  auto r5 = run_process({cllm_binary(), "quote", "inspect", v5, "--json"});
  ASSERT_EQ(r5.exit_code, 0) << r5.err;
  EXPECT_EQ(parse_stdout(r5)["body_type"], "td_report_1.5");
  auto r3 = run_process({cllm_binary(), "quote", "inspect", sgx});
  ASSERT_EQ(r3.exit_code, 0) << r3.err;
  EXPECT_NE(r3.out.find("SGX"), std::string::npos);
}

TEST(CliQuoteInspect, RejectsGarbageNamingTheField) {
  auto r = run_process({cllm_binary(), "quote", "inspect", "/etc/hostname"});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.err.find("quote inspect"), std::string::npos) << r.err;
  auto missing = run_process({cllm_binary(), "quote", "inspect", "/nonexistent"});
  EXPECT_EQ(missing.exit_code, 2);
}

TEST(CliEventlogReplay, CcelReplayEqualsTheQuoteRtmrs) {
  CLLM_REQUIRE_SHARED_FILE(log, "testdata/tdx/go-tdx-guest/ccel_data.dat");
  CLLM_REQUIRE_SHARED_FILE(quote, "testdata/tdx/go-tdx-guest/ccel_cos-113-tdx-quote.dat");
  auto replay = run_process({cllm_binary(), "eventlog", "replay", log, "--json"});
  ASSERT_EQ(replay.exit_code, 0) << replay.err;
  auto inspect = run_process({cllm_binary(), "quote", "inspect", quote, "--json"});
  ASSERT_EQ(inspect.exit_code, 0) << inspect.err;
  Json events = parse_stdout(replay);
  Json q = parse_stdout(inspect);
  for (const char* r : {"rtmr0", "rtmr1", "rtmr2"}) {
    EXPECT_EQ(events[r], q["td_report"][r]) << r;
  }
}

}  // namespace
}  // namespace cllm
