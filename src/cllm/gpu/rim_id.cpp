#include "cllm/gpu/rim_id.hpp"

#include <cctype>
#include <initializer_list>
#include <utility>

namespace cllm::gpu {
namespace {

Status check_part(std::string_view what, std::string_view part) {
  if (part.empty())
    return make_error(ErrorCode::kInvalidArgument, "RIM id: empty " + std::string(what));
  if (part.size() > 64) {
    return make_error(ErrorCode::kLimit, "RIM id: " + std::string(what) + " longer than 64 bytes");
  }
  for (char c : part) {
    const bool ok =
        std::isalnum(static_cast<unsigned char>(c)) != 0 || c == '.' || c == '_' || c == '-';
    if (!ok) {
      return make_error(
          ErrorCode::kInvalidArgument,
          "RIM id: " + std::string(what) + " contains a character outside [A-Za-z0-9._-]");
    }
  }
  return ok_status();
}

std::string normalize_version(std::string_view version) {
  std::string out;
  for (char c : version) {
    if (c != '.') out.push_back(static_cast<char>(std::toupper(static_cast<unsigned char>(c))));
  }
  return out;
}

Result<std::string> bios_id(std::string_view prefix, std::string_view project,
                            std::string_view project_sku, std::string_view chip_sku,
                            std::string_view version) {
  CLLM_TRY(check_part("project", project));
  CLLM_TRY(check_part("project sku", project_sku));
  CLLM_TRY(check_part("chip sku", chip_sku));
  CLLM_TRY(check_part("VBIOS version", version));
  return std::string(prefix) + std::string(project) + "_" + std::string(project_sku) + "_" +
         std::string(chip_sku) + "_" + normalize_version(version);
}

Result<std::string> required(const std::optional<std::string>& value, std::string_view field) {
  if (!value) {
    return make_error(ErrorCode::kNotFound,
                      "RIM id: the report has no " + std::string(field) + " field");
  }
  return *value;
}

}  // namespace

Result<std::string> driver_rim_id(GpuArch arch, std::string_view driver_version,
                                  std::optional<std::string_view> chip_info) {
  CLLM_TRY(check_part("driver version", driver_version));
  if (arch == GpuArch::kHopper) return "NV_GPU_DRIVER_GH100_" + std::string(driver_version);
  std::string_view chip = chip_info.value_or("GB100");
  CLLM_TRY(check_part("chip info", chip));
  return "NV_GPU_CC_DRIVER_" + std::string(chip) + "_" + std::string(driver_version);
}

Result<std::string> vbios_rim_id(std::string_view project, std::string_view project_sku,
                                 std::string_view chip_sku, std::string_view vbios_version) {
  return bios_id("NV_GPU_VBIOS_", project, project_sku, chip_sku, vbios_version);
}

Result<std::string> switch_bios_rim_id(std::string_view project, std::string_view project_sku,
                                       std::string_view chip_sku, std::string_view bios_version) {
  return bios_id("NV_SWITCH_BIOS_", project, project_sku, chip_sku, bios_version);
}

Result<std::string> driver_rim_id(GpuArch arch, const OpaqueData& opaque) {
  CLLM_ASSIGN_OR_RETURN(std::string driver, required(opaque.driver_version(), "DRIVER_VERSION"));
  const std::optional<std::string> chip = opaque.chip_info();
  return driver_rim_id(arch, driver, chip ? std::optional<std::string_view>(*chip) : std::nullopt);
}

Result<std::string> vbios_rim_id(const OpaqueData& opaque) {
  CLLM_ASSIGN_OR_RETURN(std::string project, required(opaque.project(), "PROJECT"));
  CLLM_ASSIGN_OR_RETURN(std::string sku, required(opaque.project_sku(), "PROJECT_SKU"));
  CLLM_ASSIGN_OR_RETURN(std::string chip_sku, required(opaque.chip_sku(), "CHIP_SKU"));
  CLLM_ASSIGN_OR_RETURN(std::string vbios, required(opaque.vbios_version(), "VBIOS_VERSION"));
  return vbios_rim_id(project, sku, chip_sku, vbios);
}

}  // namespace cllm::gpu
