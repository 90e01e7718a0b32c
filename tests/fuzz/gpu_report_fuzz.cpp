// NVIDIA attestation reports and device chains from outside (NVML, NRAS payloads, evidence
// files): the SPDM parser for both device kinds, every opaque-data accessor and RIM id, the
// report file decoder, the device chain parser, and the leaf FWID DER walk must survive
// arbitrary bytes. When a report parses, its parsed form must be self-consistent.
#include <algorithm>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "cllm/gpu/device_chain.hpp"
#include "cllm/gpu/report_encoding.hpp"
#include "cllm/gpu/rim_id.hpp"
#include "cllm/gpu/spdm_report.hpp"

namespace {

void check(bool condition) {
  if (!condition) std::abort();
}

void exercise_opaque(const cllm::gpu::OpaqueData& o) {
  (void)o.driver_version();
  (void)o.vbios_version();
  (void)o.project();
  (void)o.project_sku();
  (void)o.chip_sku();
  (void)o.chip_info();
  if (auto fwid = o.fwid()) check(fwid->size() == cllm::gpu::kFwidSize);
  (void)o.nvdec0_status();
  (void)o.protected_pcie_status();
  for (const auto& pdi : o.switch_pdis())
    check(pdi.size() == cllm::gpu::kPdiSize);
  if (auto pdi = o.device_pdi()) check(pdi->size() == cllm::gpu::kPdiSize);
  for (const auto& pdi : o.switch_gpu_pdis())
    check(pdi.size() == cllm::gpu::kPdiSize);
  (void)o.opaque_data_version();
  (void)o.feature_flag();
  (void)o.msrscnt();
  for (const auto& field : o.fields())
    (void)cllm::gpu::opaque_type_name(field.type, o.kind());
  (void)cllm::gpu::driver_rim_id(cllm::gpu::GpuArch::kHopper, o);
  (void)cllm::gpu::driver_rim_id(cllm::gpu::GpuArch::kBlackwell, o);
  (void)cllm::gpu::vbios_rim_id(o);
}

void exercise_report(cllm::ByteView bytes) {
  for (auto kind : {cllm::gpu::DeviceKind::kGpu, cllm::gpu::DeviceKind::kSwitch}) {
    auto report = cllm::gpu::parse_spdm_report(bytes, kind);
    if (!report.ok()) continue;
    const cllm::gpu::SpdmReport& r = *report;
    check(r.raw.size() == bytes.size());
    check(std::equal(r.raw.begin(), r.raw.end(), bytes.begin()));
    check(r.signed_span().size() + cllm::gpu::kSpdmSignatureSize == r.raw.size());
    check(r.blocks.size() == r.response.block_count && !r.blocks.empty());
    for (const auto& block : r.blocks)
      check(r.block(block.index) == &block);
    check(r.opaque_length > 0);
    exercise_opaque(r.opaque);
  }
}

void exercise_certificate(const cllm::crypto::Certificate& cert) {
  (void)cllm::gpu::leaf_fwid(cert, cllm::gpu::GpuArch::kHopper);
  (void)cllm::gpu::leaf_fwid(cert, cllm::gpu::GpuArch::kBlackwell);
  (void)cllm::gpu::leaf_ueid(cert);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  cllm::ByteView bytes(data, size);
  exercise_report(bytes);
  if (auto decoded = cllm::gpu::decode_report_file(bytes); decoded.ok()) {
    check(decoded->size() <= cllm::gpu::kMaxReportSize);
    exercise_report(*decoded);
  }
  for (auto kind : {cllm::gpu::DeviceKind::kGpu, cllm::gpu::DeviceKind::kSwitch}) {
    if (auto opaque = cllm::gpu::OpaqueData::parse(bytes, kind); opaque.ok()) {
      exercise_opaque(*opaque);
    }
  }
  std::string_view text(reinterpret_cast<const char*>(data), size);
  if (auto chain = cllm::gpu::parse_device_chain(text); chain.ok()) {
    check(!chain->empty() && chain->size() <= cllm::gpu::kMaxDeviceChainCertificates);
    for (const auto& cert : *chain)
      exercise_certificate(cert);
  }
  if (auto cert = cllm::crypto::Certificate::from_der(bytes); cert.ok()) {
    exercise_certificate(*cert);
  }
  return 0;
}
