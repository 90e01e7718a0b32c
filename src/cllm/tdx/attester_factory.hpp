// Picks and builds the attester for `--tee`: "tdx" (configfs-tsm), "dstack" (guest agent),
// "sim" (the simulator) or "auto" (dstack when its socket exists, else tdx when configfs-tsm
// reports a tdx_guest provider, else an error that points at --tee sim).
#pragma once

#include <memory>
#include <string>
#include <string_view>

#include "cllm/common/result.hpp"
#include "cllm/tdx/attester.hpp"
#include "cllm/tdx/configfs_tsm_attester.hpp"

namespace cllm::tdx {

struct AttesterOptions {
  std::string sim_dir;  // "sim": the simulated platform's directory; empty: default_sim_dir()
  // "sim": quotes carry the DEBUG TD attribute (tests of verifiers that must reject it).
  bool sim_debug = false;
  std::string configfs_root = std::string(kDefaultTsmReportRoot);
  std::string measurements_dir = std::string(kDefaultTdxMeasurementsDir);
  std::string event_log_path;  // "tdx": JSON-lines record of RTMR3 extensions; empty: none
  std::string dstack_socket;   // "dstack": empty probes kDstackSocketPaths
};

// kInvalidArgument for an unknown kind; otherwise the chosen attester's creation error, or
// for "auto" (kNotFound) what was tried and why each failed.
Result<std::unique_ptr<Attester>> make_attester(std::string_view kind,
                                                const AttesterOptions& options);

}  // namespace cllm::tdx
