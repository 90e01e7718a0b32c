#include "cllm/tdx/sim_attester.hpp"

#include "cllm/common/hex.hpp"
#include "cllm/crypto/hash.hpp"
#include "cllm/tdx/sim_boot.hpp"
#include "cllm/tdx/sim_quote.hpp"

namespace cllm::tdx {

Result<std::unique_ptr<SimAttester>> SimAttester::create(const SimAttesterOptions& options) {
  CLLM_ASSIGN_OR_RETURN(SimPlatform platform, SimPlatform::open(options.platform));
  return std::unique_ptr<SimAttester>(new SimAttester(std::move(platform), options));
}

Measurement SimAttester::rtmr3() const {
  std::lock_guard lock(mutex_);
  return runtime_log_.replay(kRuntimeImr);
}

Result<Bytes> SimAttester::get_quote(const ReportData& report_data) {
  std::lock_guard lock(mutex_);
  SimQuoteRequest request;
  request.report_data = report_data;
  request.rtmr3 = runtime_log_.replay(kRuntimeImr);
  request.td_report_15 = td_report_15_;
  request.debug = debug_;
  return make_sim_quote(platform_, request);
}

Status SimAttester::extend_event(std::string_view name, ByteView payload) {
  std::lock_guard lock(mutex_);
  if (runtime_log_.events().size() >= kMaxRuntimeEvents) {
    return make_error(ErrorCode::kLimit, "sim attester: the runtime event log already holds " +
                                             std::to_string(kMaxRuntimeEvents) + " events");
  }
  auto digest = runtime_log_.append(name, payload);
  if (!digest.ok()) return std::move(digest).error().context("sim attester: extend_event");
  return ok_status();
}

Result<RuntimeEventLog> SimAttester::event_log() {
  CLLM_ASSIGN_OR_RETURN(std::vector<RuntimeEvent> boot, sim_boot_log_entries());
  RuntimeEventLog log;
  for (RuntimeEvent& entry : boot)
    log.append_raw(std::move(entry));
  std::lock_guard lock(mutex_);
  for (const RuntimeEvent& event : runtime_log_.events())
    log.append_raw(event);
  return log;
}

Result<Json> SimAttester::platform_info() {
  CLLM_ASSIGN_OR_RETURN(Bytes root_hash, crypto::sha256(platform_.root_certificate_der()));
  std::lock_guard lock(mutex_);
  Json info = {
      {"kind", "sim"},
      {"simulated", true},
      {"sim_dir", platform_.dir()},
      {"fmspc", to_hex(platform_.fmspc())},
      {"pce_id", to_hex(platform_.pce_id())},
      {"tcb_variant", std::string(to_string(platform_.variant()))},
      {"quote_version", td_report_15_ ? 5 : 4},
      {"debug", debug_},
      {"root_ca", std::string(kSimRootCaName)},
      {"root_ca_sha256", to_hex(root_hash)},
      {"collateral_next_update", platform_.collateral_next_update()},
  };
  return info;
}

Result<Collateral> SimAttester::collateral() {
  std::lock_guard lock(mutex_);
  CLLM_TRY(platform_.refresh_collateral_if_needed());
  return platform_.collateral();
}

}  // namespace cllm::tdx
