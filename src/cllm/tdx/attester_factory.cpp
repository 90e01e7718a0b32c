#include "cllm/tdx/attester_factory.hpp"

#include <sys/stat.h>

#include "cllm/tdx/dstack_attester.hpp"
#include "cllm/tdx/sim_attester.hpp"

namespace cllm::tdx {

namespace {

template <class T>
Result<std::unique_ptr<Attester>> as_attester(Result<std::unique_ptr<T>> created) {
  if (!created.ok()) return std::move(created).error();
  return std::unique_ptr<Attester>(std::move(created).value());
}

Result<std::unique_ptr<Attester>> make_tdx(const AttesterOptions& options) {
  ConfigfsTsmOptions tdx;
  tdx.report_root = options.configfs_root;
  tdx.measurements_dir = options.measurements_dir;
  tdx.event_log_path = options.event_log_path;
  return as_attester(ConfigfsTsmAttester::create(std::move(tdx)));
}

Result<std::unique_ptr<Attester>> make_dstack(const AttesterOptions& options) {
  DstackOptions dstack;
  dstack.socket_path = options.dstack_socket;
  return as_attester(DstackAttester::create(std::move(dstack)));
}

Result<std::unique_ptr<Attester>> make_sim(const AttesterOptions& options) {
  SimAttesterOptions sim;
  sim.platform.dir = options.sim_dir;
  sim.debug = options.sim_debug;
  return as_attester(SimAttester::create(sim));
}

bool is_directory(const std::string& path) {
  struct stat st {};
  return ::stat(path.c_str(), &st) == 0 && S_ISDIR(st.st_mode);
}

// dstack first: inside a dstack CVM the agent owns RTMR3 and its log, and configfs-tsm may be
// there too; extending RTMR3 behind the agent's back would break its event log.
Result<std::unique_ptr<Attester>> make_auto(const AttesterOptions& options) {
  std::string dstack_note;
  const bool dstack_found =
      options.dstack_socket.empty()
          ? DstackAttester::find_socket(DstackAttester::default_socket_paths()).has_value()
          : DstackAttester::find_socket({options.dstack_socket}).has_value();
  if (dstack_found) {
    auto dstack = make_dstack(options);
    if (dstack.ok()) return dstack;
    dstack_note = dstack.error().message();
  } else if (options.dstack_socket.empty()) {
    dstack_note = "no guest agent socket at any of the usual paths";
  } else {
    dstack_note = "no guest agent socket at " + options.dstack_socket;
  }

  std::string tdx_note;
  if (is_directory(options.configfs_root)) {
    auto tdx = make_tdx(options);
    if (tdx.ok()) return tdx;
    tdx_note = tdx.error().message();
  } else {
    tdx_note = "no configfs-tsm report directory at " + options.configfs_root;
  }
  return make_error(ErrorCode::kNotFound,
                    "--tee auto found no TEE: dstack: " + dstack_note + "; tdx: " + tdx_note +
                        ". On a machine without TDX, use --tee sim (simulated evidence that "
                        "proves nothing about a real TEE)");
}

}  // namespace

Result<std::unique_ptr<Attester>> make_attester(std::string_view kind,
                                                const AttesterOptions& options) {
  if (kind == "tdx") return make_tdx(options);
  if (kind == "dstack") return make_dstack(options);
  if (kind == "sim") return make_sim(options);
  if (kind == "auto") return make_auto(options);
  return make_error(ErrorCode::kInvalidArgument, "unknown TEE kind '" +
                                                     std::string(kind.substr(0, 64)) +
                                                     "' (expected tdx, dstack, sim or auto)");
}

}  // namespace cllm::tdx
