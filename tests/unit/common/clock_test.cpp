#include "cllm/common/clock.hpp"

#include <gtest/gtest.h>

namespace cllm {
namespace {

TEST(Clock, FixedClockIsInjectable) {
  FixedClock c = FixedClock::at_unix(1700000000);
  const Clock& clock = c;
  EXPECT_EQ(clock.now_unix(), 1700000000);
  c.advance(std::chrono::seconds(60));
  EXPECT_EQ(clock.now_unix(), 1700000060);
}

TEST(Clock, SystemClockIsAfter2024) {
  EXPECT_GT(SystemClock::instance().now_unix(), 1704067200);
}

}  // namespace
}  // namespace cllm
