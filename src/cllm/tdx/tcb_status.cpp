#include "cllm/tdx/tcb_status.hpp"

#include <array>
#include <string>
#include <utility>

namespace cllm::tdx {
namespace {

constexpr std::array<std::pair<TcbStatus, std::string_view>, 9> kNames = {{
    {TcbStatus::kUpToDate, "UpToDate"},
    {TcbStatus::kSwHardeningNeeded, "SWHardeningNeeded"},
    {TcbStatus::kConfigurationNeeded, "ConfigurationNeeded"},
    {TcbStatus::kConfigurationAndSwHardeningNeeded, "ConfigurationAndSWHardeningNeeded"},
    {TcbStatus::kOutOfDate, "OutOfDate"},
    {TcbStatus::kOutOfDateConfigurationNeeded, "OutOfDateConfigurationNeeded"},
    {TcbStatus::kTdRelaunchAdvised, "TDRelaunchAdvised"},
    {TcbStatus::kTdRelaunchAdvisedConfigurationNeeded, "TDRelaunchAdvisedConfigurationNeeded"},
    {TcbStatus::kRevoked, "Revoked"},
}};

// Both convergence steps share one rule; only the "other" document differs.
TcbStatus converge(TcbStatus platform, TcbStatus other) {
  if (other == TcbStatus::kRevoked) return TcbStatus::kRevoked;
  if (other != TcbStatus::kOutOfDate) return platform;
  switch (platform) {
    case TcbStatus::kUpToDate:
    case TcbStatus::kSwHardeningNeeded:
      return TcbStatus::kOutOfDate;
    case TcbStatus::kConfigurationNeeded:
    case TcbStatus::kConfigurationAndSwHardeningNeeded:
      return TcbStatus::kOutOfDateConfigurationNeeded;
    default:
      return platform;
  }
}

}  // namespace

std::string_view to_string(TcbStatus status) {
  for (const auto& [value, name] : kNames) {
    if (value == status) return name;
  }
  return "Unknown";
}

Result<TcbStatus> parse_tcb_status(std::string_view text) {
  for (const auto& [value, name] : kNames) {
    if (name == text) return value;
  }
  std::string shown(text.substr(0, 64));
  for (char& c : shown) {
    if (c < 0x20 || c > 0x7e) c = '?';
  }
  return make_error(ErrorCode::kParse, "unrecognized tcbStatus \"" + shown + "\"");
}

bool needs_configuration(TcbStatus status) {
  return status == TcbStatus::kConfigurationNeeded ||
         status == TcbStatus::kConfigurationAndSwHardeningNeeded ||
         status == TcbStatus::kOutOfDateConfigurationNeeded ||
         status == TcbStatus::kTdRelaunchAdvisedConfigurationNeeded;
}

TcbStatus converge_with_module(TcbStatus platform, TcbStatus module) {
  return converge(platform, module);
}

TcbStatus converge_with_qe(TcbStatus platform, TcbStatus qe) {
  return converge(platform, qe);
}

}  // namespace cllm::tdx
