#include "cllm/tdx/sim_boot.hpp"

#include <algorithm>
#include <string>

#include "cllm/crypto/hash.hpp"

namespace cllm::tdx {

namespace {

constexpr std::string_view kMrtdLabel = "cllm-sim/mrtd/v1";
constexpr std::string_view kBootEventLabel = "cllm-sim/boot/v1";

Result<Measurement> sha384_measurement(ByteView data) {
  CLLM_ASSIGN_OR_RETURN(Bytes digest, crypto::sha384(data));
  Measurement out{};
  if (digest.size() != out.size()) {
    return make_error(ErrorCode::kInternal, "sim boot: SHA-384 returned a wrong size");
  }
  std::copy(digest.begin(), digest.end(), out.begin());
  return out;
}

}  // namespace

const std::vector<SimBootEvent>& sim_boot_events() {
  static const std::vector<SimBootEvent> events = {
      {0, "td-hob", "cllm simulated TD HOB: 4 vCPUs, 16 GiB memory"},
      {0, "acpi-tables", "cllm simulated ACPI tables v1"},
      {0, "boot-variables", "cllm simulated UEFI boot variables v1"},
      {1, "kernel", "cllm simulated Linux kernel image v1"},
      {2, "cmdline", "console=hvc0 root=/dev/vda1 ro cllm.simulated=1"},
      {2, "initrd", "cllm simulated initrd v1"},
  };
  return events;
}

Result<Measurement> sim_boot_event_digest(const SimBootEvent& event) {
  std::string preimage;
  preimage.append(kBootEventLabel).append(":").append(event.name).append(":").append(event.payload);
  return sha384_measurement(as_bytes(preimage));
}

Result<SimBootMeasurements> sim_boot_measurements() {
  SimBootMeasurements out;
  CLLM_ASSIGN_OR_RETURN(out.mr_td, sha384_measurement(as_bytes(kMrtdLabel)));
  for (const SimBootEvent& event : sim_boot_events()) {
    CLLM_ASSIGN_OR_RETURN(Measurement digest, sim_boot_event_digest(event));
    out.rtmr.at(event.imr) = extend_measurement(out.rtmr.at(event.imr), digest);
  }
  return out;
}

Result<std::vector<RuntimeEvent>> sim_boot_log_entries() {
  std::vector<RuntimeEvent> entries;
  for (const SimBootEvent& event : sim_boot_events()) {
    CLLM_ASSIGN_OR_RETURN(Measurement digest, sim_boot_event_digest(event));
    RuntimeEvent entry;
    entry.imr = event.imr;
    entry.event_type = kSimBootEventType;
    entry.digest.assign(digest.begin(), digest.end());
    entry.event = std::string(event.name);
    entries.push_back(std::move(entry));
  }
  return entries;
}

}  // namespace cllm::tdx
