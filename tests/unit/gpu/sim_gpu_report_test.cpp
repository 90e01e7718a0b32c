// Simulated SPDM reports: checked byte by byte against the layout of spec §2, then through
// the real parser (spdm_report) and opaque-data reader, with the signature verified by the
// leaf key; the measurement values are the deterministic ones sim_rim publishes.
#include "cllm/gpu/sim_gpu_report.hpp"

#include <gtest/gtest.h>

#include <algorithm>

#include "cllm/common/hex.hpp"
#include "cllm/crypto/random.hpp"
#include "cllm/gpu/opaque_data.hpp"
#include "cllm/gpu/rim_id.hpp"
#include "cllm/gpu/sim_gpu_pki.hpp"
#include "cllm/gpu/spdm_report.hpp"

namespace cllm::gpu {
namespace {

std::size_t u16(const Bytes& b, std::size_t at) {
  return static_cast<std::size_t>(b[at]) | (static_cast<std::size_t>(b[at + 1]) << 8);
}

struct Fixture {
  crypto::EcdsaPrivateKey key =
      std::move(crypto::EcdsaPrivateKey::generate(crypto::EcCurve::kP384)).value();
  Bytes nonce = std::move(crypto::random_bytes(32)).value();
  Bytes fwid = sim_gsp_fmc_fwid();

  SimGpuReportInput input() const {
    SimGpuReportInput in;
    in.nonce = nonce;
    in.fwid = fwid;
    return in;
  }
};

TEST(SimGpuReport, LayoutFollowsTheSpecByteForByte) {
  Fixture f;
  auto report = build_sim_gpu_report(f.input(), f.key);
  ASSERT_TRUE(report.ok()) << report.error().message();
  const Bytes& r = *report;
  // Request: 11 E0 01 FF, nonce, slot 0.
  ASSERT_GT(r.size(), 37u + 8u);
  EXPECT_EQ(Bytes(r.begin(), r.begin() + 4), (Bytes{0x11, 0xE0, 0x01, 0xFF}));
  EXPECT_EQ(Bytes(r.begin() + 4, r.begin() + 36), f.nonce);
  EXPECT_EQ(r[36], 0x00);
  // Response header: 11 60 00 00, 64 blocks, record length 64 * 55 (u24 LE).
  const std::size_t resp = 37;
  EXPECT_EQ(Bytes(r.begin() + resp, r.begin() + resp + 4), (Bytes{0x11, 0x60, 0x00, 0x00}));
  EXPECT_EQ(r[resp + 4], 64);
  const std::size_t l1 = u16(r, resp + 5) | (static_cast<std::size_t>(r[resp + 7]) << 16);
  EXPECT_EQ(l1, 64u * 55u);
  for (std::size_t i = 0; i < 64; ++i) {
    const std::size_t at = resp + 8 + i * 55;
    EXPECT_EQ(r[at], i + 1);         // index, 1-based
    EXPECT_EQ(r[at + 1], 0x01);      // DMTF
    EXPECT_EQ(u16(r, at + 2), 51u);  // measurement size
    EXPECT_EQ(r[at + 4], 0x01);      // digest, mutable firmware
    EXPECT_EQ(u16(r, at + 5), 48u);
    auto expected = sim_measurement_value(SimGpuFirmware{}, i);
    ASSERT_TRUE(expected.ok());
    EXPECT_EQ(Bytes(r.begin() + at + 7, r.begin() + at + 55), *expected) << "index " << i;
  }
  const std::size_t opaque_len_at = resp + 8 + l1 + 32;
  const std::size_t l2 = u16(r, opaque_len_at);
  EXPECT_EQ(r.size(), 37u + 8u + l1 + 32u + 2u + l2 + 96u);
  // The signature covers everything before it.
  auto sig_ok = f.key.public_key().verify(ByteView(r).first(r.size() - 96), ByteView(r).last(96));
  EXPECT_TRUE(sig_ok.ok());
}

TEST(SimGpuReport, TheRealParserReadsEveryFieldBack) {
  Fixture f;
  auto report = build_sim_gpu_report(f.input(), f.key);
  ASSERT_TRUE(report.ok());
  auto parsed = parse_spdm_report(*report, DeviceKind::kGpu);
  ASSERT_TRUE(parsed.ok()) << parsed.error().message();
  EXPECT_EQ(Bytes(parsed->request.nonce.begin(), parsed->request.nonce.end()), f.nonce);
  EXPECT_EQ(parsed->blocks.size(), 64u);
  const OpaqueData& opaque = parsed->opaque;
  EXPECT_EQ(opaque.driver_version(), std::string(kSimDriverVersion));
  EXPECT_EQ(opaque.vbios_version(), "96.00.99.00.01");
  EXPECT_EQ(opaque.project(), std::string(kSimProject));
  EXPECT_EQ(opaque.project_sku(), std::string(kSimProjectSku));
  EXPECT_EQ(opaque.chip_sku(), std::string(kSimChipSku));
  EXPECT_EQ(opaque.fwid(), f.fwid);
  EXPECT_EQ(opaque.nvdec0_status(), kOpaqueStatusDisabled);
  EXPECT_EQ(opaque.protected_pcie_status(), kOpaqueStatusDisabled);
  EXPECT_TRUE(opaque.switch_pdis().empty());
  EXPECT_EQ(opaque.opaque_data_version(), 1u);
  EXPECT_EQ(opaque.feature_flag(), 0u);
  EXPECT_EQ(opaque.msrscnt().size(), 64u);
  // The RIM ids the verifier derives are the ones the simulator publishes RIMs under.
  EXPECT_EQ(driver_rim_id(GpuArch::kHopper, opaque).value_or(""),
            sim_driver_rim_id(SimGpuFirmware{}));
  EXPECT_EQ(vbios_rim_id(opaque).value_or(""), sim_vbios_rim_id(SimGpuFirmware{}));
  EXPECT_EQ(sim_vbios_rim_id(SimGpuFirmware{}), "NV_GPU_VBIOS_CLSM_0000_999_9600990001");
  auto sig = f.key.public_key().verify(parsed->signed_span(), parsed->signature);
  EXPECT_TRUE(sig.ok());
}

TEST(SimGpuReport, ProtectedPcieCarriesSwitchPdisAndTheFeatureFlag) {
  Fixture f;
  SimGpuReportInput input = f.input();
  input.protected_pcie = true;
  for (std::uint8_t i = 1; i <= 4; ++i)
    input.switch_pdis.push_back(Bytes(8, i));
  auto report = build_sim_gpu_report(input, f.key);
  ASSERT_TRUE(report.ok());
  auto parsed = parse_spdm_report(*report, DeviceKind::kGpu);
  ASSERT_TRUE(parsed.ok()) << parsed.error().message();
  EXPECT_EQ(parsed->opaque.protected_pcie_status(), kOpaqueStatusEnabled);
  EXPECT_EQ(parsed->opaque.feature_flag(), 2u);
  const auto pdis = parsed->opaque.switch_pdis();
  ASSERT_EQ(pdis.size(), 18u);
  for (const Bytes& pdi : input.switch_pdis) {
    EXPECT_NE(std::find(pdis.begin(), pdis.end(), pdi), pdis.end());
  }
  input.switch_pdis.clear();
  EXPECT_FALSE(build_sim_gpu_report(input, f.key).ok());
}

TEST(SimGpuReport, MeasurementsFollowTheFirmwareVersions) {
  SimGpuFirmware a;
  SimGpuFirmware newer_driver = a;
  newer_driver.driver_version = "580.999.02";
  for (std::size_t i = 0; i < 64; ++i) {
    auto va = sim_measurement_value(a, i);
    auto vb = sim_measurement_value(newer_driver, i);
    ASSERT_TRUE(va.ok() && vb.ok());
    const bool driver =
        std::count(sim_driver_rim_indices().begin(), sim_driver_rim_indices().end(), i) == 1;
    const bool vbios =
        std::count(sim_vbios_rim_indices().begin(), sim_vbios_rim_indices().end(), i) == 1;
    EXPECT_FALSE(driver && vbios) << "index " << i << " in both RIMs";
    if (driver) {
      EXPECT_NE(*va, *vb) << i;
    } else {
      EXPECT_EQ(*va, *vb) << i;
    }
    if (!driver && !vbios) {
      EXPECT_EQ(*va, Bytes(48, 0)) << i;
    }
  }
  EXPECT_FALSE(sim_measurement_value(a, 64).ok());
}

TEST(SimGpuReport, VbiosVersionEncodingMatchesTheRealForm) {
  // A real H100: 00 9f 00 96 01 00 00 00 <-> 96.00.9F.00.01.
  auto bytes = encode_vbios_version("96.00.9F.00.01");
  ASSERT_TRUE(bytes.ok());
  EXPECT_EQ(to_hex(*bytes), "009f009601000000");
  EXPECT_FALSE(encode_vbios_version("96.00.9F.00").ok());
  EXPECT_FALSE(encode_vbios_version("96.00.9G.00.01").ok());
  EXPECT_FALSE(encode_vbios_version("96.00.9F.00.01.02").ok());
  EXPECT_FALSE(encode_vbios_version("").ok());
}

TEST(SimGpuReport, BadInputsAreRefused) {
  Fixture f;
  SimGpuReportInput input = f.input();
  Bytes short_nonce(31, 0);
  input.nonce = short_nonce;
  EXPECT_FALSE(build_sim_gpu_report(input, f.key).ok());
  input = f.input();
  input.fwid = Bytes(47, 0);
  EXPECT_FALSE(build_sim_gpu_report(input, f.key).ok());
  input = f.input();
  auto p256 = crypto::EcdsaPrivateKey::generate(crypto::EcCurve::kP256);
  ASSERT_TRUE(p256.ok());
  EXPECT_FALSE(build_sim_gpu_report(input, *p256).ok());
}

TEST(SimGpuReport, TwoReportsForOneNonceDifferInTheResponderNonce) {
  Fixture f;
  auto a = build_sim_gpu_report(f.input(), f.key);
  auto b = build_sim_gpu_report(f.input(), f.key);
  ASSERT_TRUE(a.ok() && b.ok());
  auto pa = parse_spdm_report(*a, DeviceKind::kGpu);
  auto pb = parse_spdm_report(*b, DeviceKind::kGpu);
  ASSERT_TRUE(pa.ok() && pb.ok());
  EXPECT_NE(pa->responder_nonce, pb->responder_nonce);
  EXPECT_EQ(pa->request.nonce, pb->request.nonce);
}

}  // namespace
}  // namespace cllm::gpu
