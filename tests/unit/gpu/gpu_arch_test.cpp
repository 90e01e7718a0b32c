#include "cllm/gpu/gpu_arch.hpp"

#include <gtest/gtest.h>

namespace cllm::gpu {
namespace {

TEST(GpuArch, NamesRoundTripCaseInsensitively) {
  EXPECT_EQ(gpu_arch_name(GpuArch::kHopper), "HOPPER");
  EXPECT_EQ(parse_gpu_arch("hopper"), GpuArch::kHopper);
  EXPECT_EQ(parse_gpu_arch("BLACKWELL"), GpuArch::kBlackwell);
  EXPECT_FALSE(parse_gpu_arch("AMPERE").has_value());
  EXPECT_FALSE(parse_gpu_arch("").has_value());
}

}  // namespace
}  // namespace cllm::gpu
