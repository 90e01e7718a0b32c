// OpaqueData::parse and its typed accessors: GPU and NVSwitch numbering, unknown types kept,
// repeated known types and malformed lengths rejected, versioned (NVDAOD) data refused.
#include "cllm/gpu/opaque_data.hpp"

#include <gtest/gtest.h>

#include "cllm/common/hex.hpp"

namespace cllm::gpu {
namespace {

Bytes tlv(std::uint16_t type, const Bytes& value) {
  Bytes out{static_cast<std::uint8_t>(type), static_cast<std::uint8_t>(type >> 8),
            static_cast<std::uint8_t>(value.size()), static_cast<std::uint8_t>(value.size() >> 8)};
  out.insert(out.end(), value.begin(), value.end());
  return out;
}

Bytes join(std::initializer_list<Bytes> parts) {
  Bytes out;
  for (const Bytes& p : parts)
    out.insert(out.end(), p.begin(), p.end());
  return out;
}

Bytes text(std::string_view s, std::size_t pad = 1) {
  Bytes out(s.begin(), s.end());
  out.insert(out.end(), pad, 0);
  return out;
}

TEST(OpaqueData, GpuAccessors) {
  Bytes pdis;
  for (std::uint8_t i = 0; i < 18; ++i)
    pdis.insert(pdis.end(), {i, 1, 2, 3, 4, 5, 6, 7});
  const Bytes data = join({
      tlv(kOpaqueVbiosVersion, {0x00, 0xcf, 0x00, 0x96, 0x02, 0x00, 0x00, 0x00}),
      tlv(kOpaqueChipSku, text("895", 6)), tlv(kOpaqueProject, text("G520")),
      tlv(kOpaqueProjectSku, text("0280")), tlv(kOpaqueDriverVersion, text("570.172.08")),
      tlv(kOpaqueMsrscnt, {1, 0, 0, 0, 4, 0, 0, 0, 0xff, 0xff, 0xff, 0xff}),
      tlv(kOpaqueNvdec0Status, {0x55}), tlv(kOpaqueFwid, Bytes(48, 0x77)),
      tlv(kOpaqueProtectedPcieStatus, {0xAA}), tlv(kOpaqueSwitchPdi, pdis),
      tlv(kOpaqueOpaqueDataVersion, {1, 0}), tlv(kOpaqueChipInfo, text("GB110")),
      tlv(kOpaqueFeatureFlag, {2, 0, 0, 0}), tlv(0x1234, {9, 9, 9}),  // unknown: kept
  });
  auto o = OpaqueData::parse(data, DeviceKind::kGpu);
  ASSERT_TRUE(o.ok()) << o.error().message();
  EXPECT_EQ(o->fields().size(), 14U);
  EXPECT_EQ(o->vbios_version(), "96.00.CF.00.02");
  EXPECT_EQ(o->chip_sku(), "895");
  EXPECT_EQ(o->project(), "G520");
  EXPECT_EQ(o->project_sku(), "0280");
  EXPECT_EQ(o->driver_version(), "570.172.08");
  EXPECT_EQ(o->msrscnt(), (std::vector<std::uint32_t>{1, 4, 0xffffffffU}));
  EXPECT_EQ(o->nvdec0_status(), kOpaqueStatusDisabled);
  EXPECT_EQ(o->protected_pcie_status(), kOpaqueStatusEnabled);
  EXPECT_EQ(o->fwid(), Bytes(48, 0x77));
  ASSERT_EQ(o->switch_pdis().size(), 18U);
  EXPECT_EQ(o->switch_pdis()[17], (Bytes{17, 1, 2, 3, 4, 5, 6, 7}));
  EXPECT_FALSE(o->device_pdi().has_value());
  EXPECT_TRUE(o->switch_gpu_pdis().empty());
  EXPECT_EQ(o->opaque_data_version(), 1U);
  EXPECT_EQ(o->chip_info(), "GB110");
  EXPECT_EQ(o->feature_flag(), 2U);
  ASSERT_NE(o->find(0x1234), nullptr);
  EXPECT_EQ(o->find(0x1234)->value, (Bytes{9, 9, 9}));
  EXPECT_EQ(o->find(0x1234)->offset, data.size() - 7);
  EXPECT_EQ(opaque_type_name(0x1234, DeviceKind::kGpu), "UNKNOWN");
}

TEST(OpaqueData, AbsentFieldsAreNullopt) {
  auto o = OpaqueData::parse(tlv(kOpaqueSmc, {1}), DeviceKind::kGpu);
  ASSERT_TRUE(o.ok());
  EXPECT_FALSE(o->driver_version());
  EXPECT_FALSE(o->vbios_version());
  EXPECT_FALSE(o->fwid());
  EXPECT_FALSE(o->nvdec0_status());
  EXPECT_FALSE(o->opaque_data_version());
  EXPECT_FALSE(o->feature_flag());
  EXPECT_TRUE(o->msrscnt().empty());
  EXPECT_TRUE(o->switch_pdis().empty());
}

TEST(OpaqueData, SwitchNumberingAndAsciiVbios) {
  Bytes gpu_pdis;
  for (std::uint8_t i = 0; i < 8; ++i)
    gpu_pdis.insert(gpu_pdis.end(), {i, 0, 0, 0, 0, 0, 0, 0x08});
  const Bytes data = join({
      tlv(kOpaqueVbiosVersion, text("96.10.55.00.01", 0)),
      tlv(kSwitchOpaqueDevicePdi, {0x20, 0x3e, 0xb3, 0x1a, 0xd9, 0xed, 0x00, 0x08}),
      tlv(kSwitchOpaqueGpuPdis, gpu_pdis), tlv(kSwitchOpaqueDisabledPorts, {0xec, 0x00}),
      tlv(kOpaqueGpuInfo, Bytes(128, 0xa5)),  // unchecked type: any length
  });
  auto o = OpaqueData::parse(data, DeviceKind::kSwitch);
  ASSERT_TRUE(o.ok()) << o.error().message();
  EXPECT_EQ(o->vbios_version(), "96.10.55.00.01");
  EXPECT_EQ(o->device_pdi(), (Bytes{0x20, 0x3e, 0xb3, 0x1a, 0xd9, 0xed, 0x00, 0x08}));
  EXPECT_EQ(o->switch_gpu_pdis().size(), 8U);
  EXPECT_TRUE(o->switch_pdis().empty());  // 22 is DEVICE_PDI on a switch
  EXPECT_EQ(opaque_type_name(22, DeviceKind::kSwitch), "DEVICE_PDI");
  EXPECT_EQ(opaque_type_name(22, DeviceKind::kGpu), "SWITCH_PDI");
  EXPECT_EQ(opaque_type_name(26, DeviceKind::kSwitch), "SWITCH_GPU_PDIS");
  EXPECT_EQ(opaque_type_name(27, DeviceKind::kSwitch), "SWITCH_PORTS");
  EXPECT_EQ(opaque_type_name(3, DeviceKind::kSwitch), "DRIVER_VERSION");

  // The same bytes as a GPU: the ASCII VBIOS is not 8 bytes.
  auto as_gpu = OpaqueData::parse(data, DeviceKind::kGpu);
  ASSERT_FALSE(as_gpu.ok());
  EXPECT_NE(as_gpu.error().message().find("VBIOS_VERSION"), std::string::npos);
  // A switch DEVICE_PDI is exactly one PDI.
  auto two_pdis = OpaqueData::parse(tlv(kSwitchOpaqueDevicePdi, Bytes(16, 1)), DeviceKind::kSwitch);
  ASSERT_FALSE(two_pdis.ok());
  EXPECT_NE(two_pdis.error().message().find("DEVICE_PDI"), std::string::npos);
}

TEST(OpaqueData, RejectsRepeatedKnownTypesButKeepsRepeatedUnknownOnes) {
  auto repeated = OpaqueData::parse(
      join({tlv(kOpaqueDriverVersion, text("1")), tlv(kOpaqueDriverVersion, text("2"))}),
      DeviceKind::kGpu);
  ASSERT_FALSE(repeated.ok());
  EXPECT_NE(repeated.error().message().find("DRIVER_VERSION (type 3) at offset 6: repeated"),
            std::string::npos)
      << repeated.error().message();
  auto unknown = OpaqueData::parse(join({tlv(900, {1}), tlv(900, {2})}), DeviceKind::kGpu);
  ASSERT_TRUE(unknown.ok());
  EXPECT_EQ(unknown->fields().size(), 2U);
}

TEST(OpaqueData, RefusesVersionedFormat) {
  const Bytes data{'N', 'V', 'D', 'A', 'O', 'D', 0, 0, 2, 0, 0, 0, 1, 2, 3};
  auto o = OpaqueData::parse(data, DeviceKind::kGpu);
  ASSERT_FALSE(o.ok());
  EXPECT_EQ(o.error().code(), ErrorCode::kUnsupported);
  EXPECT_NE(o.error().message().find("versioned opaque data (NVDAOD) is not supported yet"),
            std::string::npos);
}

TEST(OpaqueData, LengthRulesNameTheField) {
  struct Case {
    Bytes data;
    DeviceKind kind;
    const char* expect;
  };
  const Case cases[] = {
      {tlv(kOpaqueMsrscnt, Bytes(5, 0)), DeviceKind::kGpu,
       "MSRSCNT (type 12) at offset 0: length 5 is not a multiple of 4"},
      {tlv(kOpaqueSwitchPdi, Bytes(9, 0)), DeviceKind::kGpu,
       "SWITCH_PDI (type 22) at offset 0: length 9 is not a multiple of 8"},
      {tlv(kSwitchOpaqueGpuPdis, Bytes(9, 0)), DeviceKind::kSwitch, "SWITCH_GPU_PDIS"},
      {tlv(kOpaqueFwid, Bytes(49, 0)), DeviceKind::kGpu,
       "FWID (type 20) at offset 0: length 49, expected 48"},
      {tlv(kOpaqueProtectedPcieStatus, {}), DeviceKind::kGpu, "PROTECTED_PCIE_STATUS"},
      {tlv(kOpaqueOpaqueDataVersion, Bytes(16, 0)), DeviceKind::kGpu, "OPAQUE_DATA_VERSION"},
      {tlv(kOpaqueChipInfo, {'G', 0x00, 'B'}), DeviceKind::kGpu, "CHIP_INFO"},
      {join({tlv(kOpaqueSmc, {1}), Bytes{0x14, 0x00, 0x30}}), DeviceKind::kGpu,
       "'opaque data length' at offset 7"},
  };
  for (const Case& c : cases) {
    auto o = OpaqueData::parse(c.data, c.kind);
    ASSERT_FALSE(o.ok()) << c.expect;
    EXPECT_NE(o.error().message().find(c.expect), std::string::npos) << o.error().message();
  }
}

TEST(OpaqueData, EmptyDataParsesToNoFields) {
  auto o = OpaqueData::parse({}, DeviceKind::kGpu);
  ASSERT_TRUE(o.ok());
  EXPECT_TRUE(o->fields().empty());
}

}  // namespace
}  // namespace cllm::gpu
