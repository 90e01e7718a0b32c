#include "cllm/cli/serve_runner.hpp"

#include <arpa/inet.h>

#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <memory>

#include "cllm/attest/gpu_appraisal.hpp"
#include "cllm/cli/cli_io.hpp"
#include "cllm/cli/command.hpp"
#include "cllm/cli/pcs_collateral.hpp"
#include "cllm/common/file.hpp"
#include "cllm/common/hex.hpp"
#include "cllm/common/log.hpp"
#include "cllm/gpu/sim_gpu_attester.hpp"
#include "cllm/gpu/sim_rim.hpp"
#include "cllm/inference/llama_engine.hpp"
#include "cllm/inference/upstream_engine.hpp"
#include "cllm/node/node.hpp"
#include "cllm/tdx/attester_factory.hpp"
#include "cllm/tdx/sim_attester.hpp"

namespace cllm::cli {

namespace {

int fail(const Error& error) {
  print_error("serve", error);
  return kExitFailed;
}

// The configuration that is measured into RTMR3 as cllm.config: everything that changes how
// the node behaves, nothing secret (the API keys appear only as "is one set").
Json effective_config(const ServeOptions& o, const std::string& model_id) {
  Json c = Json::object();
  c["schema"] = "cllm.config.v1";
  c["host"] = o.host;
  c["port"] = o.port;
  c["parallel"] = o.parallel;
  c["ctx_size"] = o.ctx_size;
  c["threads"] = o.threads;
  c["tee"] = o.tee;
  c["model_id"] = model_id;
  c["upstream"] = o.upstream;
  c["api_key_required"] = !o.api_key.empty();
  c["certificate_hours"] = o.cert_hours;
  c["tls_names"] = o.tls_names;
  c["gpu"] = o.gpu;
  if (o.gpu == "sim") c["sim_gpus"] = o.sim_gpus;
  return c;
}

std::function<Result<tdx::Collateral>(ByteView)> pcs_collateral_source(const ServeOptions& o) {
  auto fetcher = make_pcs_collateral_fetcher(o.pccs, o.collateral_cache_dir);
  if (!fetcher) {
    spdlog::warn("no collateral source for reports: {}", fetcher.error().message());
    return {};
  }
  return [fetch = std::move(*fetcher)](ByteView quote_bytes) -> Result<tdx::Collateral> {
    CLLM_ASSIGN_OR_RETURN(auto quote, tdx::parse_quote(quote_bytes));
    return fetch(quote);
  };
}

// The GPU attester for --gpu, and for the simulator the collateral a verifier needs: its two
// roots and the RIMs of the simulated firmware (also written to <sim-dir>/gpu/rims, a folder
// `cllm gpu verify --rim-dir` can use).
Status setup_gpus(const ServeOptions& o, node::NodeOptions& options) {
  auto mode = gpu::parse_gpu_attester_mode(o.gpu);
  if (!mode) return make_error(ErrorCode::kInvalidArgument, "--gpu: unknown mode " + o.gpu);
  if (*mode == gpu::GpuAttesterMode::kSim && o.tee != "sim") {
    return make_error(ErrorCode::kInvalidArgument, "--gpu sim needs --tee sim");
  }
  if (!o.sim_gpu_fault.empty() && *mode != gpu::GpuAttesterMode::kSim) {
    return make_error(ErrorCode::kInvalidArgument, "--sim-gpu-fault needs --gpu sim");
  }
  gpu::GpuAttesterOptions go;
  go.sim_dir = o.sim_dir;
  if (*mode == gpu::GpuAttesterMode::kSim && go.sim_dir.empty()) {
    CLLM_ASSIGN_OR_RETURN(go.sim_dir, tdx::default_sim_dir());  // the TDX simulator's
  }
  go.sim_gpus = o.sim_gpus;
  CLLM_ASSIGN_OR_RETURN(auto attester, gpu::make_gpu_attester(*mode, go));
  if (!attester) return ok_status();  // none, or auto without a driver
  if (auto* sim = dynamic_cast<gpu::SimGpuAttester*>(attester.get())) {
    CLLM_ASSIGN_OR_RETURN(
        auto files, gpu::write_sim_rims(go.sim_dir + "/gpu/rims", sim->firmware(), sim->pki()));
    attest::GpuCollateral collateral;
    CLLM_ASSIGN_OR_RETURN(collateral.rims[files.driver_id], read_file(files.driver_path));
    CLLM_ASSIGN_OR_RETURN(collateral.rims[files.vbios_id], read_file(files.vbios_path));
    collateral.sim_device_root_pem = sim->pki().device_root_pem();
    collateral.sim_rim_root_pem = sim->pki().rim_root_pem();
    options.gpu_collateral = attest::gpu_collateral_to_json(collateral);
    if (o.sim_gpu_fault == "stale-nonce") {
      options.sim_gpu_fault = node::NodeOptions::SimGpuFault::kStaleNonce;
    } else if (o.sim_gpu_fault == "unbound-evidence") {
      options.sim_gpu_fault = node::NodeOptions::SimGpuFault::kUnboundEvidence;
    } else if (o.sim_gpu_fault == "repeated-gpu") {
      options.sim_gpu_fault = node::NodeOptions::SimGpuFault::kRepeatedGpu;
    }
  }
  spdlog::info("GPU attestation: {}", attester->kind());
  options.gpu_attester = std::move(attester);
  return ok_status();
}

}  // namespace

int run_node_until_signal(ServeOptions& o,
                          const std::function<void(const ServeStarted&)>& on_started) {
  // Signals are handled by a waiting thread (sigwait), so block them in every thread first.
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGINT);
  sigaddset(&signals, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);

  if (o.model_path.empty() == o.upstream.empty()) {
    return print_error("serve", make_error(ErrorCode::kInvalidArgument,
                                           "give exactly one of --model and --upstream")),
           kExitUsage;
  }
  if (o.sim_debug && o.tee != "sim") {
    return print_error("serve",
                       make_error(ErrorCode::kInvalidArgument, "--sim-debug needs --tee sim")),
           kExitUsage;
  }
  tdx::AttesterOptions attester_options;
  attester_options.sim_dir = o.sim_dir;
  attester_options.sim_debug = o.sim_debug;
  auto attester = tdx::make_attester(o.tee, attester_options);
  if (!attester) return fail(attester.error());
  std::shared_ptr<tdx::Attester> shared_attester = std::move(*attester);

  node::NodeOptions options;
  std::shared_ptr<inference::Engine> engine;
  if (!o.upstream.empty()) {
    if (o.model_id.empty()) {
      return print_error("serve", make_error(ErrorCode::kInvalidArgument,
                                             "--upstream needs --model-id (the upstream's model)")),
             kExitUsage;
    }
    inference::UpstreamEngineOptions up;
    up.base_url = o.upstream;
    up.model = o.model_id;
    up.api_key = o.upstream_api_key;
    auto created = inference::UpstreamEngine::create(up);
    if (!created) return fail(created.error());
    engine = std::move(*created);
    std::string text = "upstream:" + o.model_id + "@" + o.upstream;
    options.model_measurement = to_bytes(text);
  } else {
    inference::LlamaEngineOptions lo;
    lo.model_path = o.model_path;
    lo.n_ctx = o.ctx_size;
    lo.n_threads = o.threads;
    lo.n_parallel = o.parallel;
    auto loaded = inference::LlamaEngine::load(lo);
    if (!loaded) return fail(loaded.error());
    engine = std::move(*loaded);
    // The engine hashed the file it loaded; the measurement must be that hash.
    auto digest = from_hex(engine->info().sha256_hex);
    if (!digest || digest->size() != 32) {
      return fail(make_error(ErrorCode::kInternal, "the engine reported no model SHA-256"));
    }
    options.model_measurement = *digest;
    options.model_sha256 = engine->info().sha256_hex;
    if (o.model_id.empty()) o.model_id = std::filesystem::path(o.model_path).stem().string();
  }
  options.model_id = o.model_id;
  options.listen = net::ListenAddress::tcp(o.host, o.port);
  options.api_key = o.api_key;
  options.certificate_lifetime = std::chrono::hours(o.cert_hours);
  if (!o.tls_names.empty()) {
    options.tls_dns_names.clear();
    options.tls_ip_addresses.clear();
    for (const auto& name : o.tls_names) {
      unsigned char buf[16];
      bool ip =
          inet_pton(AF_INET, name.c_str(), buf) == 1 || inet_pton(AF_INET6, name.c_str(), buf) == 1;
      (ip ? options.tls_ip_addresses : options.tls_dns_names).push_back(name);
    }
  }
  options.config = effective_config(o, o.model_id);
  if (auto s = setup_gpus(o, options); !s) return fail(s.error());
  if (auto* sim = dynamic_cast<tdx::SimAttester*>(shared_attester.get())) {
    options.sim_root_ca_pem = sim->platform().root_certificate_pem();
    options.collateral_source = [sim](ByteView) { return sim->collateral(); };
  } else {
    options.collateral_source = pcs_collateral_source(o);
  }

  node::EphemeralKeyProvider keys;
  auto created = node::Node::create(std::move(options), engine, shared_attester, keys);
  if (!created) return fail(created.error());
  auto& node = *created;
  auto port = node->start();
  if (!port) return fail(port.error());
  if (!o.cert_out.empty()) {
    if (auto s = write_file_atomic(o.cert_out, as_bytes(node->certificate_pem())); !s) {
      return fail(s.error());
    }
  }
  std::printf("cllm serve: listening on https://%s:%u (tee %s%s, model %s, signing address %s)\n",
              o.host.c_str(), *port, std::string(shared_attester->kind()).c_str(),
              shared_attester->simulated() ? ", SIMULATED" : "", o.model_id.c_str(),
              node->identity().signing_address.c_str());
  std::fflush(stdout);
  if (on_started) {
    on_started(ServeStarted{"https://" + o.host + ":" + std::to_string(*port),
                            node->identity().signing_address, shared_attester->simulated()});
  }

  int signal_number = 0;
  sigwait(&signals, &signal_number);
  spdlog::info("signal {}: draining for up to {} s", signal_number, o.drain_seconds);
  node->stop(std::chrono::milliseconds(static_cast<std::int64_t>(o.drain_seconds * 1000)));
  return kExitOk;
}

}  // namespace cllm::cli
