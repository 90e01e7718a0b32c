#include "cllm/gpu/report_json.hpp"

#include "cllm/common/hex.hpp"
#include "cllm/gpu/rim_id.hpp"

namespace cllm::gpu {

namespace {

template <typename T>
Json optional_json(const std::optional<T>& value) {
  return value ? Json(*value) : Json(nullptr);
}

Json hex_list(const std::vector<Bytes>& items) {
  Json out = Json::array();
  for (const Bytes& b : items)
    out.push_back(to_hex(b));
  return out;
}

}  // namespace

Json spdm_report_to_json(const SpdmReport& report, GpuArch arch) {
  const OpaqueData& o = report.opaque;
  const DeviceKind kind = o.kind();
  Json j = Json::object();
  j["schema"] = "cllm.gpu_report.v1";
  j["device_kind"] = device_kind_name(kind);
  j["arch"] = gpu_arch_name(arch);
  j["size"] = report.raw.size();
  j["request"] = {{"version", report.request.version},     {"code", report.request.code},
                  {"param1", report.request.param1},       {"param2", report.request.param2},
                  {"nonce", to_hex(report.request.nonce)}, {"slot", report.request.slot}};
  j["response"] = {{"version", report.response.version},
                   {"code", report.response.code},
                   {"block_count", report.response.block_count},
                   {"record_length", report.response.record_length},
                   {"responder_nonce", to_hex(report.responder_nonce)},
                   {"opaque_length", report.opaque_length}};
  Json blocks = Json::array();
  for (const MeasurementBlock& b : report.blocks) {
    blocks.push_back({{"index", b.index},
                      {"specification", b.specification},
                      {"value_type", b.value_type},
                      {"value", to_hex(b.value)}});
  }
  j["measurement_blocks"] = blocks;
  Json fields = Json::array();
  for (const OpaqueField& f : o.fields()) {
    fields.push_back(
        {{"type", f.type}, {"name", opaque_type_name(f.type, kind)}, {"value", to_hex(f.value)}});
  }
  Json decoded = Json::object();
  decoded["driver_version"] = optional_json(o.driver_version());
  decoded["vbios_version"] = optional_json(o.vbios_version());
  decoded["project"] = optional_json(o.project());
  decoded["project_sku"] = optional_json(o.project_sku());
  decoded["chip_sku"] = optional_json(o.chip_sku());
  decoded["chip_info"] = optional_json(o.chip_info());
  decoded["fwid"] = o.fwid() ? Json(to_hex(*o.fwid())) : Json(nullptr);
  auto status = [](std::optional<std::uint8_t> s) -> Json {
    if (!s) return nullptr;
    if (*s == kOpaqueStatusEnabled) return "enabled";
    if (*s == kOpaqueStatusDisabled) return "disabled";
    return to_hex(ByteView(&*s, 1));
  };
  decoded["nvdec0_status"] = status(o.nvdec0_status());
  decoded["protected_pcie_status"] = status(o.protected_pcie_status());
  decoded["opaque_data_version"] = optional_json(o.opaque_data_version());
  decoded["feature_flag"] = optional_json(o.feature_flag());
  if (kind == DeviceKind::kGpu) {
    decoded["switch_pdis"] = hex_list(o.switch_pdis());
  } else {
    decoded["device_pdi"] = o.device_pdi() ? Json(to_hex(*o.device_pdi())) : Json(nullptr);
    decoded["switch_gpu_pdis"] = hex_list(o.switch_gpu_pdis());
  }
  j["opaque"] = {{"fields", fields}, {"decoded", decoded}};
  j["rim_ids"] = Json::object();
  if (kind == DeviceKind::kGpu) {
    auto driver = driver_rim_id(arch, o);
    auto vbios = vbios_rim_id(o);
    j["rim_ids"]["driver"] = driver ? Json(*driver) : Json(nullptr);
    j["rim_ids"]["vbios"] = vbios ? Json(*vbios) : Json(nullptr);
  }  // a switch report names no project or SKU: its BIOS RIM id comes from NSCQ
  j["signature"] = to_hex(report.signature);
  return j;
}

}  // namespace cllm::gpu
