// Data-driven over shared/testdata/nvidia/expected_results.json: every real report (Hopper,
// Blackwell, NVSwitch) parses to exactly the recorded fields, its paired chain gives the
// recorded identity claims, and the verifier accepts the valid ones and rejects the two
// invalid-signature reports naming attestation-report-signature-verified. Plus NVIDIA's
// golden parse of the 580.159.03 report (nvat's spdm_resp_test expectations).
#include <gtest/gtest.h>

#include <string>

#include "cllm/common/file.hpp"
#include "cllm/common/hex.hpp"
#include "cllm/common/json.hpp"
#include "cllm/crypto/hash.hpp"
#include "cllm/gpu/device_chain.hpp"
#include "cllm/gpu/evidence_verifier.hpp"
#include "cllm/gpu/nvidia_roots.hpp"
#include "cllm/gpu/report_encoding.hpp"
#include "cllm/gpu/rim_id.hpp"
#include "cllm/gpu/spdm_report.hpp"
#include "support/test_paths.hpp"

namespace cllm::gpu {
namespace {

constexpr std::int64_t kNow = 1795000000;  // 2026-11-18

std::string nvidia_path(const std::string& dir, const std::string& relative) {
  return dir + "/" + relative;
}

Bytes read_report(const std::string& path) {
  auto file = read_file(path);
  EXPECT_TRUE(file.ok()) << path;
  if (!file.ok()) return {};
  auto decoded = decode_report_file(*file);
  EXPECT_TRUE(decoded.ok()) << path << ": " << (decoded.ok() ? "" : decoded.error().message());
  return decoded.ok() ? *decoded : Bytes{};
}

std::string hex_of(std::uint8_t a, std::uint8_t b, std::uint8_t c, std::uint8_t d) {
  const Bytes bytes{a, b, c, d};
  return to_hex(bytes);
}

// A JSON string field, or nullopt for null.
std::optional<std::string> opt_string(const Json& entry, const char* key) {
  const Json& v = entry.at(key);
  if (v.is_null()) return std::nullopt;
  return v.get<std::string>();
}

std::optional<std::string> status_hex(std::optional<std::uint8_t> status) {
  if (!status) return std::nullopt;
  const Bytes b{*status};
  return to_hex(b);
}

SpdmNonce nonce_from_hex(const std::string& hex) {
  SpdmNonce nonce{};
  auto bytes = from_hex(hex);
  EXPECT_TRUE(bytes.ok() && bytes->size() == nonce.size()) << hex;
  if (bytes.ok() && bytes->size() == nonce.size())
    std::copy(bytes->begin(), bytes->end(), nonce.begin());
  return nonce;
}

TEST(GpuExpectedResults, EveryRecordedFieldOfEveryReport) {
  CLLM_REQUIRE_SHARED_FILE(expected_path, "testdata/nvidia/expected_results.json");
  const std::string dir = expected_path.substr(0, expected_path.rfind('/'));
  auto text = read_text_file(expected_path);
  ASSERT_TRUE(text.ok());
  auto entries = parse_json(*text);
  ASSERT_TRUE(entries.ok());
  ASSERT_TRUE(entries->is_array());
  ASSERT_EQ(entries->size(), 8U);

  const GpuEvidenceVerifier verifier;
  std::size_t valid = 0;
  std::size_t rejected = 0;
  for (const Json& e : *entries) {
    const std::string name = e.at("report").get<std::string>();
    SCOPED_TRACE(name);
    const std::string arch_name = e.at("arch").get<std::string>();
    const bool is_switch = arch_name == "LS10";
    const DeviceKind kind = is_switch ? DeviceKind::kSwitch : DeviceKind::kGpu;
    const GpuArch arch = is_switch ? GpuArch::kHopper : *parse_gpu_arch(arch_name);

    const Bytes raw = read_report(nvidia_path(dir, name));
    ASSERT_EQ(raw.size(), e.at("report_len_bytes").get<std::size_t>());
    auto parsed = parse_spdm_report(raw, kind);
    ASSERT_TRUE(parsed.ok()) << parsed.error().message();
    const SpdmReport& r = *parsed;
    EXPECT_EQ(r.raw, raw);
    EXPECT_EQ(to_hex(r.request.nonce), e.at("request_nonce").get<std::string>());
    EXPECT_EQ(to_hex(r.responder_nonce), e.at("responder_nonce").get<std::string>());
    EXPECT_EQ(hex_of(r.request.version, r.request.code, r.request.param1, r.request.param2),
              e.at("spdm_request_header").get<std::string>());
    EXPECT_EQ(hex_of(r.response.version, r.response.code, r.response.param1, r.response.param2),
              e.at("spdm_response_header").get<std::string>());
    EXPECT_EQ(r.response.block_count, e.at("measurement_blocks").get<int>());
    EXPECT_EQ(r.blocks.size(), e.at("measurement_blocks").get<std::size_t>());
    EXPECT_EQ(r.response.record_length, e.at("measurement_record_len").get<std::uint32_t>());
    EXPECT_EQ(r.opaque_length, e.at("opaque_len").get<int>());
    EXPECT_EQ(kSpdmSignatureSize, e.at("signature_len").get<std::size_t>());
    EXPECT_EQ(r.signed_span().size(), raw.size() - kSpdmSignatureSize);

    const OpaqueData& o = r.opaque;
    EXPECT_EQ(o.driver_version(), opt_string(e, "driver_version"));
    EXPECT_EQ(o.vbios_version(), opt_string(e, "vbios_version"));
    EXPECT_EQ(o.project(), opt_string(e, "project"));
    EXPECT_EQ(o.project_sku(), opt_string(e, "project_sku"));
    EXPECT_EQ(o.chip_sku(), opt_string(e, "chip_sku"));
    EXPECT_EQ(o.chip_info(), opt_string(e, "chip_info"));
    EXPECT_EQ(status_hex(o.nvdec0_status()), opt_string(e, "nvdec0_status"));
    EXPECT_EQ(status_hex(o.protected_pcie_status()), opt_string(e, "protected_pcie_status"));
    EXPECT_EQ(o.fwid().has_value(), e.at("fwid_tlv_present").get<bool>());
    if (e.at("opaque_data_version").is_null()) {
      EXPECT_FALSE(o.opaque_data_version().has_value());
    } else {
      EXPECT_EQ(o.opaque_data_version(), e.at("opaque_data_version").get<std::uint64_t>());
    }
    if (e.at("feature_flag_raw").is_null()) {
      EXPECT_FALSE(o.feature_flag().has_value());
    } else {
      EXPECT_EQ(o.feature_flag(), e.at("feature_flag_raw").get<std::uint64_t>());
    }
    const std::size_t pdi_count = is_switch ? (o.device_pdi() ? 1U : 0U) : o.switch_pdis().size();
    EXPECT_EQ(pdi_count, e.at("switch_pdi_count").get<std::size_t>());

    // RIM ids (GPUs only: a switch report has no project fields).
    if (auto expected = opt_string(e, "driver_rim_id")) {
      auto id = driver_rim_id(arch, o);
      ASSERT_TRUE(id.ok()) << id.error().message();
      EXPECT_EQ(*id, *expected);
    }
    if (auto expected = opt_string(e, "vbios_rim_id")) {
      auto id = vbios_rim_id(o);
      ASSERT_TRUE(id.ok()) << id.error().message();
      EXPECT_EQ(*id, *expected);
    }

    // The paired chain.
    auto chain_text = read_text_file(nvidia_path(dir, e.at("cert_chain").get<std::string>()));
    ASSERT_TRUE(chain_text.ok());
    auto chain = parse_device_chain(*chain_text);
    ASSERT_TRUE(chain.ok()) << chain.error().message();
    ASSERT_EQ(chain->size(), e.at("cert_count").get<std::size_t>());
    EXPECT_EQ(leaf_ueid(chain->front()), e.at("ueid_leaf_serial_decimal").get<std::string>());
    EXPECT_EQ((*chain)[1].subject_common_name(), e.at("hwmodel_cert1_cn").get<std::string>());
    auto last_sha = crypto::sha256(chain->back().der());
    ASSERT_TRUE(last_sha.ok());
    EXPECT_EQ(to_hex(*last_sha), e.at("chain_last_cert_sha256").get<std::string>());
    const bool signature_valid = e.at("signature_valid_with_leaf").get<bool>();
    EXPECT_EQ(
        chain->front().verify_ecdsa(crypto::EcCurve::kP384, r.signed_span(), r.signature).ok(),
        signature_valid);
    if (!e.at("fwid_matches_leaf_cert").is_null()) {
      auto leaf = leaf_fwid(chain->front(), arch);
      ASSERT_TRUE(leaf.ok()) << leaf.error().message();
      ASSERT_TRUE(leaf->has_value());
      EXPECT_EQ(**leaf == *o.fwid(), e.at("fwid_matches_leaf_cert").get<bool>());
    }
    const DeviceChainAppraisal chain_appraisal =
        verify_device_chain(*chain, nvidia_device_identity_ca(), kNow);
    EXPECT_EQ(chain_appraisal.status, CertStatus::kValid) << chain_appraisal.detail;
    EXPECT_TRUE(chain_appraisal.supplied_root_matches_anchor);

    // The verifier, with the report's own nonce.
    GpuEvidence evidence{arch, raw, *chain_text};
    EvidenceOptions options;
    options.expected_nonce = nonce_from_hex(e.at("request_nonce").get<std::string>());
    options.now = kNow;
    options.kind = kind;
    const EvidenceAppraisal appraisal = verifier.appraise(evidence, options);
    if (signature_valid) {
      ++valid;
      EXPECT_TRUE(appraisal.passed())
          << (appraisal.checks.first_failure() ? appraisal.checks.first_failure()->name + ": " +
                                                     appraisal.checks.first_failure()->detail
                                               : "a required check was skipped");
      EXPECT_EQ(appraisal.ueid, e.at("ueid_leaf_serial_decimal").get<std::string>());
      EXPECT_EQ(appraisal.hwmodel, e.at("hwmodel_cert1_cn").get<std::string>());
      EXPECT_EQ(appraisal.chain_status, CertStatus::kValid);
      EXPECT_EQ(appraisal.driver_rim_id, opt_string(e, "driver_rim_id"));
      EXPECT_EQ(appraisal.vbios_rim_id, opt_string(e, "vbios_rim_id"));
      const Check* fwid = appraisal.checks.find(kCheckFwidMatch);
      ASSERT_NE(fwid, nullptr);
      EXPECT_EQ(fwid->outcome,
                e.at("fwid_tlv_present").get<bool>() ? CheckOutcome::kPass : CheckOutcome::kSkip);
    } else {
      ++rejected;
      EXPECT_FALSE(appraisal.passed());
      ASSERT_NE(appraisal.checks.first_failure(), nullptr);
      EXPECT_EQ(appraisal.checks.first_failure()->name, kCheckSignature);
    }
  }
  EXPECT_EQ(valid, 6U);
  EXPECT_EQ(rejected, 2U);
}

TEST(GpuExpectedResults, GoldenParseOfTheHopper580Report) {
  CLLM_REQUIRE_SHARED_FILE(
      golden_path, "testdata/nvidia/nvat_sdk/gpu/hopper_580.159.03_spdm_parsed_output.json");
  CLLM_REQUIRE_SHARED_FILE(
      req_path, "testdata/nvidia/nvat_sdk/gpu/hopper_580.159.03_spdm_req_parsed_output.json");
  CLLM_REQUIRE_SHARED_FILE(report_path,
                           "testdata/nvidia/nvat_sdk/gpu/hopper_580.159.03_AttestationReport.txt");
  auto golden_text = read_text_file(golden_path);
  auto req_text = read_text_file(req_path);
  ASSERT_TRUE(golden_text.ok() && req_text.ok());
  auto golden = parse_json(*golden_text);
  auto req = parse_json(*req_text);
  ASSERT_TRUE(golden.ok() && req.ok());
  auto report = parse_spdm_report(read_report(report_path), DeviceKind::kGpu);
  ASSERT_TRUE(report.ok()) << report.error().message();
  const SpdmReport& r = *report;
  auto hex0x = [](ByteView b) { return "0x" + to_hex(b); };
  auto byte0x = [&](std::uint8_t b) { return hex0x(Bytes{b}); };

  const Json& q = *req;
  EXPECT_EQ(q.at("SPDMVersion"), byte0x(r.request.version));
  EXPECT_EQ(q.at("RequestResponseCode"), byte0x(r.request.code));
  EXPECT_EQ(q.at("Param1"), byte0x(r.request.param1));
  EXPECT_EQ(q.at("Param2"), byte0x(r.request.param2));
  EXPECT_EQ(q.at("Nonce"), hex0x(r.request.nonce));
  EXPECT_EQ(q.at("SlotIDParam"), byte0x(r.request.slot));

  const Json& g = *golden;
  EXPECT_EQ(g.at("SPDMVersion"), byte0x(r.response.version));
  EXPECT_EQ(g.at("RequestResponseCode"), byte0x(r.response.code));
  EXPECT_EQ(g.at("Param1"), byte0x(r.response.param1));
  EXPECT_EQ(g.at("Param2"), byte0x(r.response.param2));
  EXPECT_EQ(g.at("NumberOfBlocks"), r.response.block_count);
  EXPECT_EQ(g.at("MeasurementRecordLength"), r.response.record_length);
  EXPECT_EQ(g.at("Nonce"), hex0x(r.responder_nonce));
  EXPECT_EQ(g.at("OpaqueLength"), r.opaque_length);
  EXPECT_EQ(g.at("Signature"), hex0x(r.signature));

  const Json& blocks = g.at("MeasurementRecord").at("MeasurementBlocks");
  ASSERT_EQ(blocks.size(), r.blocks.size());
  for (const MeasurementBlock& b : r.blocks) {
    const Json& expected = blocks.at(std::to_string(b.index));
    EXPECT_EQ(expected.at("DMTFSpecMeasurementValueType"), b.value_type) << int{b.index};
    EXPECT_EQ(expected.at("DMTFSpecMeasurementValueSize"), b.value.size()) << int{b.index};
    EXPECT_EQ(expected.at("DMTFSpecMeasurementValue"), hex0x(b.value)) << int{b.index};
    EXPECT_EQ(b.specification, kDmtfMeasurementSpec);
  }

  const Json& fields = g.at("OpaqueData").at("OpaqueDataField");
  std::size_t compared = 0;
  for (const OpaqueField& f : r.opaque.fields()) {
    const std::string key =
        "OPAQUE_FIELD_ID_" + std::string(opaque_type_name(f.type, DeviceKind::kGpu));
    if (!fields.contains(key)) continue;  // nvat's golden file predates OPAQUE_DATA_VERSION
    ++compared;
    if (f.type == kOpaqueMsrscnt) {
      const std::vector<std::uint32_t> counts = r.opaque.msrscnt();
      ASSERT_EQ(fields.at(key).size(), counts.size());
      for (std::size_t i = 0; i < counts.size(); ++i)
        EXPECT_EQ(fields.at(key).at(i), counts[i]) << i;
    } else {
      EXPECT_EQ(fields.at(key), hex0x(f.value)) << key;
    }
  }
  EXPECT_EQ(compared, fields.size());
}

}  // namespace
}  // namespace cllm::gpu
