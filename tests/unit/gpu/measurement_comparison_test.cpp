#include "cllm/gpu/measurement_comparison.hpp"

#include <gtest/gtest.h>

#include <set>
#include <string>
#include <utility>

#include "cllm/common/file.hpp"
#include "cllm/common/hex.hpp"
#include "support/test_paths.hpp"

namespace cllm::gpu {
namespace {

constexpr const char* kNvidia = "testdata/nvidia/";

// Test-local reading of an NVML report (spec §2.2): the measurement blocks and the NVDEC0
// opaque byte. A stand-in until the report parser (parse_spdm_report) is used here.
struct TestReport {
  MeasurementBlocks blocks;
  std::optional<std::uint8_t> nvdec0;
};

std::uint32_t le(const Bytes& b, std::size_t off, std::size_t n) {
  std::uint32_t v = 0;
  for (std::size_t i = 0; i < n; ++i)
    v |= static_cast<std::uint32_t>(b.at(off + i)) << (8 * i);
  return v;
}

TestReport read_report(const std::string& path) {
  std::string hex = read_text_file(path).value();
  while (!hex.empty() && (hex.back() == '\n' || hex.back() == '\r'))
    hex.pop_back();
  const Bytes r = from_hex(hex).value();
  TestReport out;
  std::size_t off = 37;  // GET_MEASUREMENTS request
  const std::uint32_t count = r.at(off + 4);
  const std::uint32_t record_len = le(r, off + 5, 3);
  std::size_t p = off + 8;
  const std::size_t record_end = p + record_len;
  for (std::uint32_t i = 0; i < count; ++i) {
    MeasurementBlock b;
    b.index = r.at(p);
    b.specification = r.at(p + 1);
    const std::uint32_t size = le(r, p + 2, 2);
    b.value_type = r.at(p + 4);
    const std::uint32_t value_size = le(r, p + 5, 2);
    b.value.assign(r.begin() + static_cast<long>(p + 7),
                   r.begin() + static_cast<long>(p + 7 + value_size));
    p += 4 + size;
    out.blocks.push_back(std::move(b));
  }
  EXPECT_EQ(p, record_end);
  p += 32;  // responder nonce
  const std::uint32_t opaque_len = le(r, p, 2);
  p += 2;
  const std::size_t opaque_end = p + opaque_len;
  while (p + 4 <= opaque_end) {
    const std::uint32_t type = le(r, p, 2);
    const std::uint32_t len = le(r, p + 2, 2);
    if (type == 11 && len == 1) out.nvdec0 = r.at(p + 4);
    p += 4 + len;
  }
  EXPECT_EQ(p, opaque_end);
  EXPECT_EQ(opaque_end + 96, r.size());
  return out;
}

RimDocument read_rim(const std::string& path) {
  auto rim = parse_rim_document(read_file(path).value());
  EXPECT_TRUE(rim.ok()) << rim.error().message();
  return rim.value();
}

std::set<std::uint32_t> mismatch_indices(const MeasurementComparison& c, MeasurementSource source) {
  std::set<std::uint32_t> out;
  for (const auto& m : c.mismatches) {
    if (m.source == source) out.insert(m.rim_index);
  }
  return out;
}

TEST(MeasurementComparison, NvtrustVbiosRimMatchesAllTwelveVbiosIndicesOf535) {
  CLLM_REQUIRE_SHARED_FILE(
      report, std::string(kNvidia) + "nvat_sdk/gpu/hopper_535.86.09_AttestationReport.txt");
  CLLM_REQUIRE_SHARED_FILE(
      vbios,
      std::string(kNvidia) + "nvtrust_local_verifier/rims/1010_0200_882_96005E0001_PROD.swidtag");
  const TestReport r = read_report(report);
  ASSERT_EQ(r.blocks.size(), 64U);
  const RimDocument no_driver;  // isolate the VBIOS entries
  const auto c = compare_measurements(no_driver, read_rim(vbios), r.blocks, {r.nvdec0});
  EXPECT_TRUE(c.success) << c.checks.first_failure()->detail;
  EXPECT_EQ(c.measres(), "success");
  EXPECT_EQ(c.compared, 12U);
  EXPECT_TRUE(c.mismatches.empty());
}

TEST(MeasurementComparison, ReissuedVbiosRimMismatchesIndex9Of580) {
  CLLM_REQUIRE_SHARED_FILE(
      report, std::string(kNvidia) + "nvat_sdk/gpu/hopper_580.159.03_AttestationReport.txt");
  CLLM_REQUIRE_SHARED_FILE(
      vbios,
      std::string(kNvidia) + "nvtrust_local_verifier/rims/1010_0205_862_9600740020_PROD.swidtag");
  const TestReport r = read_report(report);
  const auto c = compare_measurements(RimDocument{}, read_rim(vbios), r.blocks, {r.nvdec0});
  EXPECT_FALSE(c.success);
  EXPECT_EQ(c.measres(), "fail");
  EXPECT_EQ(c.compared, 12U);
  ASSERT_EQ(c.mismatches.size(), 1U);
  const auto& m = c.mismatches[0];
  EXPECT_EQ(m.rim_index, 9U);
  EXPECT_EQ(m.source, MeasurementSource::kVbios);
  ASSERT_EQ(m.golden.size(), 1U);
  EXPECT_EQ(to_hex(m.golden[0]).substr(0, 8), "7f3e9382");
  ASSERT_TRUE(m.runtime.has_value());
  EXPECT_EQ(to_hex(*m.runtime).substr(0, 8), "059b32e7");
  EXPECT_EQ(c.checks.find(kCheckMeasurementsMatch)->outcome, CheckOutcome::kFail);
  EXPECT_NE(c.checks.find(kCheckMeasurementsMatch)->detail.find("vbios:9"), std::string::npos);
}

TEST(MeasurementComparison, NvatMismatchPairGivesTheListedIndices) {
  CLLM_REQUIRE_SHARED_FILE(
      report, std::string(kNvidia) + "nvat_sdk/gpu/hopper_535.86.09_AttestationReport.txt");
  CLLM_REQUIRE_SHARED_FILE(
      driver, std::string(kNvidia) +
                  "nvat_sdk/rims/NV_GPU_DRIVER_GH100_535.86.09_measurement_mismatch.xml");
  CLLM_REQUIRE_SHARED_FILE(
      vbios, std::string(kNvidia) +
                 "nvat_sdk/rims/NV_GPU_VBIOS_1010_0200_882_96005E0001_measurement_mismatch.xml");
  const TestReport r = read_report(report);
  ASSERT_EQ(r.nvdec0, kNvdec0Disabled);
  const auto c = compare_measurements(read_rim(driver), read_rim(vbios), r.blocks, {r.nvdec0});
  EXPECT_FALSE(c.success);
  EXPECT_EQ(c.checks.find(kCheckVbiosIndexNoConflict)->outcome, CheckOutcome::kPass);
  EXPECT_EQ(mismatch_indices(c, MeasurementSource::kDriver),
            (std::set<std::uint32_t>{7, 21, 22, 25, 26, 27, 29, 30, 31, 32, 34, 37, 39, 40, 41}));
  EXPECT_EQ(mismatch_indices(c, MeasurementSource::kVbios), (std::set<std::uint32_t>{9}));
  EXPECT_EQ(c.skipped_indices, (std::vector<std::uint32_t>{35}));
  // Driver entries come first, each source in index order.
  EXPECT_EQ(c.mismatches.front().rim_index, 7U);
  EXPECT_EQ(c.mismatches.back().source, MeasurementSource::kVbios);
}

// ---- synthetic cases ----------------------------------------------------------------------

Bytes digest(std::uint8_t fill) {
  return Bytes(48, fill);
}

RimMeasurement golden(std::uint32_t index, std::vector<Bytes> alternatives, bool active = true) {
  RimMeasurement m;
  m.index = index;
  m.active = active;
  m.size = 48;
  m.alternatives = std::move(alternatives);
  return m;
}

MeasurementBlock block(std::uint32_t rim_index, Bytes value) {
  MeasurementBlock b;
  b.index = static_cast<std::uint8_t>(rim_index + 1);
  b.specification = 1;
  b.value_type = 1;
  b.value = std::move(value);
  return b;
}

TEST(MeasurementComparison, MatchesAnyAlternativeAndIgnoresInactiveEntries) {
  RimDocument driver;
  driver.measurements = {golden(1, {digest(1), digest(2)}), golden(2, {digest(9)}, false)};
  RimDocument vbios;
  vbios.measurements = {golden(0, {digest(7)})};
  const MeasurementBlocks blocks{block(0, digest(7)), block(1, digest(2)), block(2, digest(3))};
  const auto c = compare_measurements(driver, vbios, blocks);
  EXPECT_TRUE(c.success);
  EXPECT_EQ(c.compared, 2U);
}

TEST(MeasurementComparison, NothingActiveIsNotAMatch) {
  // Zero golden values compared must not read as "all golden values match".
  RimDocument driver;
  driver.measurements = {golden(1, {digest(1)}, false)};
  const auto c = compare_measurements(driver, RimDocument{}, {block(1, digest(1))});
  EXPECT_FALSE(c.success);
  EXPECT_NE(c.checks.find(kCheckMeasurementsMatch)->detail.find("neither RIM has an active"),
            std::string::npos);
}

TEST(MeasurementComparison, DifferentSizeNeverMatches) {
  RimDocument driver;
  driver.measurements = {golden(1, {digest(1)})};
  Bytes longer = digest(1);
  longer.push_back(0);
  const auto c = compare_measurements(driver, RimDocument{}, {block(1, longer)});
  EXPECT_FALSE(c.success);
  ASSERT_EQ(c.mismatches.size(), 1U);
}

TEST(MeasurementComparison, ConflictingActiveIndexFails) {
  RimDocument driver;
  driver.measurements = {golden(4, {digest(1)})};
  RimDocument vbios;
  vbios.measurements = {golden(4, {digest(1)}), golden(5, {digest(2)}, false)};
  const auto c = compare_measurements(driver, vbios, {block(4, digest(1)), block(5, digest(0))});
  EXPECT_FALSE(c.success);
  EXPECT_EQ(c.checks.first_failure()->name, kCheckVbiosIndexNoConflict);
  EXPECT_NE(c.checks.first_failure()->detail.find(": 4"), std::string::npos);
  EXPECT_TRUE(c.mismatches.empty());
}

TEST(MeasurementComparison, MissingRuntimeBlockIsAMismatchWithoutValue) {
  RimDocument driver;
  driver.measurements = {golden(1, {digest(1)}), golden(10, {digest(1)})};
  const auto c =
      compare_measurements(driver, RimDocument{}, {block(1, digest(1)), block(2, digest(1))});
  EXPECT_FALSE(c.success);
  ASSERT_EQ(c.mismatches.size(), 1U);
  EXPECT_EQ(c.mismatches[0].rim_index, 10U);
  EXPECT_FALSE(c.mismatches[0].runtime.has_value());
}

TEST(MeasurementComparison, MoreGoldenThanRuntimeFails) {
  RimDocument driver;
  driver.measurements = {golden(0, {digest(1)}), golden(1, {digest(1)})};
  const auto c = compare_measurements(driver, RimDocument{}, {block(0, digest(1))});
  EXPECT_FALSE(c.success);
  EXPECT_NE(c.checks.find(kCheckMeasurementsMatch)->detail.find("only 1 runtime"),
            std::string::npos);
}

TEST(MeasurementComparison, Nvdec0SkipsIndex35OnlyWhenDisabled) {
  RimDocument driver;
  driver.measurements = {golden(35, {digest(1)})};
  const MeasurementBlocks blocks{block(35, digest(2))};
  EXPECT_TRUE(compare_measurements(driver, RimDocument{}, blocks, {kNvdec0Disabled}).success);
  EXPECT_FALSE(compare_measurements(driver, RimDocument{}, blocks, {0xAA}).success);
  EXPECT_FALSE(compare_measurements(driver, RimDocument{}, blocks, {}).success);
}

TEST(MeasurementComparison, DuplicateRuntimeIndexFails) {
  RimDocument driver;
  driver.measurements = {golden(0, {digest(1)})};
  const auto c =
      compare_measurements(driver, RimDocument{}, {block(0, digest(1)), block(0, digest(2))});
  EXPECT_FALSE(c.success);
}

TEST(MeasurementComparison, SourceNames) {
  EXPECT_EQ(measurement_source_name(MeasurementSource::kDriver), "driver");
  EXPECT_EQ(measurement_source_name(MeasurementSource::kVbios), "vbios");
}

}  // namespace
}  // namespace cllm::gpu
