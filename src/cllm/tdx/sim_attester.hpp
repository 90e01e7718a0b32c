// The simulator attester: TDX evidence from a SimPlatform, for development machines without
// TDX. Quotes are byte-exact and pass the real DCAP verifier when it pins the simulator's
// root (it then reports `simulated`); they prove nothing about a real TEE.
//
// RTMR3 is the replay of this attester's runtime event log, which lives in memory only: a
// new attester starts a new "boot" with an empty log, like a rebooted TD. MRTD and RTMR0..2
// come from the fixed simulated boot (sim_boot.hpp). Nothing secret is written outside the
// platform directory.
#pragma once

#include <memory>
#include <mutex>
#include <string>

#include "cllm/tdx/attester.hpp"
#include "cllm/tdx/collateral.hpp"
#include "cllm/tdx/sim_platform.hpp"

namespace cllm::tdx {

struct SimAttesterOptions {
  SimPlatformOptions platform;
  bool td_report_15 = false;  // v5 quotes with TD report 1.5 bodies (default v4, TD 1.0)
  bool debug = false;         // quotes carry the DEBUG TD attribute
};

class SimAttester final : public Attester {
 public:
  // Creates or loads the platform in options.platform.dir.
  static Result<std::unique_ptr<SimAttester>> create(const SimAttesterOptions& options);

  SimAttester(const SimAttester&) = delete;
  SimAttester& operator=(const SimAttester&) = delete;

  std::string_view kind() const override { return "sim"; }
  bool simulated() const override { return true; }

  Result<Bytes> get_quote(const ReportData& report_data) override;
  Status extend_event(std::string_view name, ByteView payload) override;
  // The simulated boot entries (imr 0..2) then the runtime events (imr 3).
  Result<RuntimeEventLog> event_log() override;
  // {"kind":"sim","simulated":true,"sim_dir","fmspc","pce_id","tcb_variant",
  //  "quote_version","debug","root_ca_sha256","collateral_next_update"}
  Result<Json> platform_info() override;

  // The platform's current collateral, re-issued first when it is about to expire.
  Result<Collateral> collateral();
  const SimPlatform& platform() const { return platform_; }
  // RTMR3 now: the replay of the runtime events.
  Measurement rtmr3() const;

 private:
  SimAttester(SimPlatform platform, const SimAttesterOptions& options)
      : platform_(std::move(platform)),
        td_report_15_(options.td_report_15),
        debug_(options.debug) {}

  mutable std::mutex mutex_;  // one extend or quote at a time, so log order = extend order
  SimPlatform platform_;
  RuntimeEventLog runtime_log_;
  bool td_report_15_;
  bool debug_;
};

}  // namespace cllm::tdx
