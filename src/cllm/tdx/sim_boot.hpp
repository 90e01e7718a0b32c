// The simulator's boot: fixed, named inputs give MRTD and RTMR0..2, so that a simulated TD
// has the same measurements on every machine and every run, and an auditor can recompute
// them with nothing but SHA-384. (No real firmware, kernel or command line is involved.)
//
// Derivation (version 1; any change must bump the "v1" labels and the asserted test values):
//
//   MRTD = SHA-384("cllm-sim/mrtd/v1")
//
//   Each boot event i has a register (imr 0..2), a name and a payload (ASCII text below);
//     digest_i = SHA-384("cllm-sim/boot/v1" || ":" || name_i || ":" || payload_i)
//   RTMRk starts at 48 zero bytes and, for each event of imr k in list order,
//     RTMRk = SHA-384(RTMRk || digest_i)
//   (the TDX RTMR extend, the same replay as the runtime event log's).
//
//   imr 0  "td-hob"         "cllm simulated TD HOB: 4 vCPUs, 16 GiB memory"
//   imr 0  "acpi-tables"    "cllm simulated ACPI tables v1"
//   imr 0  "boot-variables" "cllm simulated UEFI boot variables v1"
//   imr 1  "kernel"         "cllm simulated Linux kernel image v1"
//   imr 2  "cmdline"        "console=hvc0 root=/dev/vda1 ro cllm.simulated=1"
//   imr 2  "initrd"         "cllm simulated initrd v1"
//
// Resulting values (hex; asserted by tests/unit/tdx/sim_test.cpp):
//   MRTD  781a786e466045800712fc7ac3655934e3070c8f6a970ac110372086cf9a0ea3
//         6677e59d6de4846838bb07692f01d762
//   RTMR0 04d379b0ede823a503ff95f45c8986baee2b23445ea5a6fd3ce5fc5856954a08
//         faef21c2045692b1921210046d44ae98
//   RTMR1 ee61cc145bd2c53e27ed8c8672746de4c91b5bd535c02938e48c692919853b17
//         c4eeeb76d27769d50cc1aec0549d131a
//   RTMR2 067d45a4ca9b077a53bddbf14f1f7a4fe66579eeb9614ede8fc1198922ee58a9
//         85ee98f0dc2636404b818eeace5d109a
//
// In the event log the boot events appear as entries of those registers with event_type
// kSimBootEventType (EV_IPL), the event name, the digest and an empty payload, the way
// dstack reports firmware entries (payloads stripped).
#pragma once

#include <array>
#include <cstdint>
#include <string_view>
#include <vector>

#include "cllm/common/result.hpp"
#include "cllm/tdx/quote.hpp"
#include "cllm/tdx/runtime_event_log.hpp"

namespace cllm::tdx {

inline constexpr std::uint32_t kSimBootEventType = 0x0000000D;  // TCG EV_IPL

struct SimBootEvent {
  std::uint32_t imr;
  std::string_view name;
  std::string_view payload;
};

// The fixed boot event list above, in order.
const std::vector<SimBootEvent>& sim_boot_events();

struct SimBootMeasurements {
  Measurement mr_td{};
  std::array<Measurement, 3> rtmr{};  // RTMR0..2
};

// Computes the measurements of the derivation above.
Result<SimBootMeasurements> sim_boot_measurements();

// The digest of one boot event.
Result<Measurement> sim_boot_event_digest(const SimBootEvent& event);

// The boot entries of the event log (imr 0..2, payloads stripped).
Result<std::vector<RuntimeEvent>> sim_boot_log_entries();

}  // namespace cllm::tdx
