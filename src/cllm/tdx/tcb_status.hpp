// TCB statuses of Intel's TCB info / QE identity documents and how the verifier combines
// them (Intel QVL rules; ../shared/research/dcap-tdx.md §2 steps 11-13).
#pragma once

#include <string_view>

#include "cllm/common/result.hpp"

namespace cllm::tdx {

enum class TcbStatus {
  kUpToDate,
  kSwHardeningNeeded,
  kConfigurationNeeded,
  kConfigurationAndSwHardeningNeeded,
  kOutOfDate,
  kOutOfDateConfigurationNeeded,
  kTdRelaunchAdvised,
  kTdRelaunchAdvisedConfigurationNeeded,
  kRevoked,
};

// The spellings of Intel's documents ("UpToDate", "SWHardeningNeeded", ...) and, for the two
// relaunch results that no document carries, "TDRelaunchAdvised" and
// "TDRelaunchAdvisedConfigurationNeeded".
std::string_view to_string(TcbStatus status);
// Exact (case-sensitive) inverse of to_string. An unknown string is an error: QVL reports
// STATUS_TCB_UNRECOGNIZED_STATUS, and guessing would be failing open.
Result<TcbStatus> parse_tcb_status(std::string_view text);

// Whether the status names a configuration need (QVL's relaunch check looks for it).
bool needs_configuration(TcbStatus status);

// QVL convergence of the platform (TDX) level status with the TDX module status:
// module OutOfDate turns {UpToDate, SWHardeningNeeded} into OutOfDate and
// {ConfigurationNeeded, ConfigurationAndSWHardeningNeeded} into OutOfDateConfigurationNeeded;
// module Revoked gives Revoked; otherwise the platform status stands.
TcbStatus converge_with_module(TcbStatus platform, TcbStatus module);
// The same rule applied to the QE identity status (the last convergence step).
TcbStatus converge_with_qe(TcbStatus platform, TcbStatus qe);

}  // namespace cllm::tdx
