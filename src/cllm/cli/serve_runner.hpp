// Running a node until SIGINT/SIGTERM: shared by `cllm serve` and `cllm dev`.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

namespace cllm::cli {

struct ServeOptions {
  // What `cllm serve` takes (flags in serve_command.cpp).
  std::string model_path;
  std::string host = "127.0.0.1";
  std::uint16_t port = 8443;
  std::int32_t parallel = 4;
  std::int32_t ctx_size = 4096;
  std::int32_t threads = 0;
  std::string api_key;
  std::string tee = "auto";
  std::string sim_dir;
  bool sim_debug = false;     // --sim-debug: a DEBUG simulated TD (tests of verifiers)
  std::string gpu = "auto";   // --gpu: none, sim, nvml, auto (gpu/gpu_attester.hpp)
  std::size_t sim_gpus = 1;   // --sim-gpus: simulated GPUs with --gpu sim
  std::string sim_gpu_fault;  // hidden: stale-nonce, unbound-evidence (tests of verifiers)
  std::string upstream;
  std::string upstream_api_key;
  std::string model_id;
  std::string pccs;
  std::string collateral_cache_dir;
  std::int64_t cert_hours = 24;
  std::string cert_out;
  double drain_seconds = 30;
  std::vector<std::string> tls_names;
};

// What a started node tells its caller (cllm dev prints commands from it).
struct ServeStarted {
  std::string url;  // https://host:port
  std::string signing_address;
  bool simulated = false;
};

// Loads the engine, creates the attester and the node, serves, and returns when a signal
// arrived and the drain finished. Prints "cllm serve: listening on https://HOST:PORT ..." on
// stdout, then calls on_started. Exit codes as in command.hpp.
int run_node_until_signal(ServeOptions& options,
                          const std::function<void(const ServeStarted&)>& on_started = {});

}  // namespace cllm::cli
