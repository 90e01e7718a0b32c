// An attester produces TDX evidence from inside the TEE: a quote over 64 bytes of report
// data, and a runtime event log whose replay gives RTMR3. Implementations: configfs-tsm
// (Linux TDX guests), the dstack guest agent (Phala Cloud / dstack CVMs), and the simulator.
#pragma once

#include <memory>
#include <string>
#include <string_view>

#include "cllm/common/bytes.hpp"
#include "cllm/common/json.hpp"
#include "cllm/common/result.hpp"
#include "cllm/tdx/quote.hpp"
#include "cllm/tdx/runtime_event_log.hpp"

namespace cllm::tdx {

class Attester {
 public:
  virtual ~Attester() = default;

  // "tdx", "dstack" or "sim".
  virtual std::string_view kind() const = 0;
  // True only for the simulator: its evidence chains to the simulator's root, not Intel's.
  virtual bool simulated() const = 0;

  // A quote whose report_data field is exactly `report_data`.
  virtual Result<Bytes> get_quote(const ReportData& report_data) = 0;

  // Extends RTMR3 with the runtime event (name, payload) and appends it to the event log.
  virtual Status extend_event(std::string_view name, ByteView payload) = 0;

  // The runtime event log (boot entries, if the platform reports them, then runtime events).
  virtual Result<RuntimeEventLog> event_log() = 0;

  // Free-form description of the platform, for reports and `cllm dev` output.
  virtual Result<Json> platform_info() = 0;
};

}  // namespace cllm::tdx
