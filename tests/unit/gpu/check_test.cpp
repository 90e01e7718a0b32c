#include "cllm/gpu/check.hpp"

#include <gtest/gtest.h>

namespace cllm::gpu {
namespace {

TEST(CheckList, FailsOnlyOnAFailedCheckAndNamesIt) {
  CheckList list;
  list.pass("a");
  list.skip("b", "no FWID in this firmware");
  EXPECT_TRUE(list.passed());
  list.fail("c", "nonce differs");
  list.fail("d", "later");
  EXPECT_FALSE(list.passed());
  ASSERT_NE(list.first_failure(), nullptr);
  EXPECT_EQ(list.first_failure()->name, "c");
  ASSERT_NE(list.find("b"), nullptr);
  EXPECT_EQ(list.find("b")->outcome, CheckOutcome::kSkip);
  EXPECT_EQ(list.find("zz"), nullptr);

  CheckList outer;
  outer.append(list, "gpu0.");
  EXPECT_EQ(outer.checks().size(), 4U);
  EXPECT_EQ(outer.first_failure()->name, "gpu0.c");
}

}  // namespace
}  // namespace cllm::gpu
