// The CCEL ACPI table and the TCG2 crypto-agile boot event log read from the guest's
// firmware tables (outside bytes: the host controls them before replay is checked).
#include <cstdint>

#include "cllm/tdx/ccel.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  cllm::ByteView bytes(data, size);
  (void)cllm::tdx::parse_ccel_table(bytes);
  auto log = cllm::tdx::parse_ccel_event_log(bytes);
  if (!log.ok()) return 0;
  (void)log->replay();
  (void)log->to_json().dump();
  auto entries = log->to_runtime_events(true);
  if (entries.ok()) {
    auto combined = cllm::tdx::combined_event_log(*log, cllm::tdx::RuntimeEventLog{}, false);
    if (combined.ok()) (void)combined->replay(0);
  }
  return 0;
}
