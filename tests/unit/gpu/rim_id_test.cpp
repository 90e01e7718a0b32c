// RIM ids: the spellings NVIDIA's RIM service uses (research note §4.1), and the character
// rule that keeps a hostile report from putting a path into a URL or file name.
#include "cllm/gpu/rim_id.hpp"

#include <gtest/gtest.h>

namespace cllm::gpu {
namespace {

Bytes tlv(std::uint16_t type, std::string_view text) {
  Bytes out{static_cast<std::uint8_t>(type), 0, static_cast<std::uint8_t>(text.size() + 1), 0};
  out.insert(out.end(), text.begin(), text.end());
  out.push_back(0);
  return out;
}

TEST(RimId, Driver) {
  EXPECT_EQ(*driver_rim_id(GpuArch::kHopper, "550.90.07", std::nullopt),
            "NV_GPU_DRIVER_GH100_550.90.07");
  EXPECT_EQ(*driver_rim_id(GpuArch::kHopper, "550.90.07", "GH100"),
            "NV_GPU_DRIVER_GH100_550.90.07");  // Hopper ids never carry CHIP_INFO
  EXPECT_EQ(*driver_rim_id(GpuArch::kBlackwell, "575.32", std::nullopt),
            "NV_GPU_CC_DRIVER_GB100_575.32");
  EXPECT_EQ(*driver_rim_id(GpuArch::kBlackwell, "595.71.05", "GB110"),
            "NV_GPU_CC_DRIVER_GB110_595.71.05");
}

TEST(RimId, VbiosAndSwitch) {
  EXPECT_EQ(*vbios_rim_id("1010", "0200", "882", "96.00.9F.00.01"),
            "NV_GPU_VBIOS_1010_0200_882_96009F0001");
  EXPECT_EQ(*vbios_rim_id("G520", "0280", "895", "96.00.cf.00.02"),
            "NV_GPU_VBIOS_G520_0280_895_9600CF0002");
  EXPECT_EQ(*switch_bios_rim_id("5612", "0002", "890", "96.10.55.00.01"),
            "NV_SWITCH_BIOS_5612_0002_890_9610550001");
}

TEST(RimId, FromOpaqueData) {
  Bytes data = tlv(kOpaqueDriverVersion, "575.32");
  for (const Bytes& more : {tlv(kOpaqueProject, "G525"), tlv(kOpaqueProjectSku, "0220"),
                            tlv(kOpaqueChipSku, "886"), tlv(kOpaqueChipInfo, "GB100")}) {
    data.insert(data.end(), more.begin(), more.end());
  }
  const Bytes vbios{kOpaqueVbiosVersion, 0, 8, 0, 0x00, 0x88, 0x00, 0x97, 0x0f, 0, 0, 0};
  data.insert(data.end(), vbios.begin(), vbios.end());
  auto opaque = OpaqueData::parse(data, DeviceKind::kGpu);
  ASSERT_TRUE(opaque.ok()) << opaque.error().message();
  EXPECT_EQ(*driver_rim_id(GpuArch::kBlackwell, *opaque), "NV_GPU_CC_DRIVER_GB100_575.32");
  EXPECT_EQ(*vbios_rim_id(*opaque), "NV_GPU_VBIOS_G525_0220_886_970088000F");

  auto missing = OpaqueData::parse(tlv(kOpaqueProject, "G525"), DeviceKind::kGpu);
  ASSERT_TRUE(missing.ok());
  auto no_driver = driver_rim_id(GpuArch::kHopper, *missing);
  ASSERT_FALSE(no_driver.ok());
  EXPECT_NE(no_driver.error().message().find("DRIVER_VERSION"), std::string::npos);
  auto no_sku = vbios_rim_id(*missing);
  ASSERT_FALSE(no_sku.ok());
  EXPECT_NE(no_sku.error().message().find("PROJECT_SKU"), std::string::npos);
}

TEST(RimId, RejectsEmptyAndUnsafeParts) {
  EXPECT_FALSE(driver_rim_id(GpuArch::kHopper, "", std::nullopt).ok());
  EXPECT_FALSE(driver_rim_id(GpuArch::kHopper, "../etc", std::nullopt).ok());
  EXPECT_FALSE(driver_rim_id(GpuArch::kBlackwell, "575.32", "GB 100").ok());
  EXPECT_FALSE(driver_rim_id(GpuArch::kBlackwell, "575.32", "").ok());
  EXPECT_FALSE(vbios_rim_id("10/10", "0200", "882", "96.00.9F.00.01").ok());
  EXPECT_FALSE(vbios_rim_id("1010", "0200", "", "96.00.9F.00.01").ok());
  EXPECT_FALSE(vbios_rim_id("1010", "0200", "882", "96.00.9F.00.01?x").ok());
  EXPECT_FALSE(vbios_rim_id(std::string(65, 'A'), "0200", "882", "96").ok());
}

}  // namespace
}  // namespace cllm::gpu
