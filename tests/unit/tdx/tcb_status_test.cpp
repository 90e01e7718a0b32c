#include "cllm/tdx/tcb_status.hpp"

#include <gtest/gtest.h>

namespace cllm::tdx {
namespace {

TEST(TcbStatusTest, NamesRoundTripWithIntelSpellings) {
  for (const char* name :
       {"UpToDate", "SWHardeningNeeded", "ConfigurationNeeded", "ConfigurationAndSWHardeningNeeded",
        "OutOfDate", "OutOfDateConfigurationNeeded", "TDRelaunchAdvised",
        "TDRelaunchAdvisedConfigurationNeeded", "Revoked"}) {
    auto status = parse_tcb_status(name);
    ASSERT_TRUE(status.ok()) << name;
    EXPECT_EQ(to_string(*status), name);
  }
  EXPECT_FALSE(parse_tcb_status("uptodate").ok());
  EXPECT_FALSE(parse_tcb_status("").ok());
  EXPECT_FALSE(parse_tcb_status("UpToDate ").ok());
}

TEST(TcbStatusTest, QvlConvergence) {
  using S = TcbStatus;
  EXPECT_EQ(converge_with_module(S::kUpToDate, S::kOutOfDate), S::kOutOfDate);
  EXPECT_EQ(converge_with_module(S::kSwHardeningNeeded, S::kOutOfDate), S::kOutOfDate);
  EXPECT_EQ(converge_with_module(S::kConfigurationNeeded, S::kOutOfDate),
            S::kOutOfDateConfigurationNeeded);  // dcap-qvl would say OutOfDate
  EXPECT_EQ(converge_with_module(S::kConfigurationAndSwHardeningNeeded, S::kOutOfDate),
            S::kOutOfDateConfigurationNeeded);
  EXPECT_EQ(converge_with_module(S::kUpToDate, S::kRevoked), S::kRevoked);
  EXPECT_EQ(converge_with_module(S::kSwHardeningNeeded, S::kUpToDate), S::kSwHardeningNeeded);
  EXPECT_EQ(converge_with_module(S::kRevoked, S::kUpToDate), S::kRevoked);
  EXPECT_EQ(converge_with_qe(S::kConfigurationNeeded, S::kOutOfDate),
            S::kOutOfDateConfigurationNeeded);
  EXPECT_EQ(converge_with_qe(S::kTdRelaunchAdvised, S::kUpToDate), S::kTdRelaunchAdvised);
  EXPECT_EQ(converge_with_qe(S::kOutOfDate, S::kRevoked), S::kRevoked);
  EXPECT_TRUE(needs_configuration(S::kTdRelaunchAdvisedConfigurationNeeded));
  EXPECT_FALSE(needs_configuration(S::kSwHardeningNeeded));
}

}  // namespace
}  // namespace cllm::tdx
