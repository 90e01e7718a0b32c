// cllm serve: the confidential inference node (node/node.hpp) on a local GGUF model or in
// front of an OpenAI-compatible upstream, with an attester picked by --tee.
//
// Prints one line "cllm serve: listening on https://HOST:PORT" to stdout once it serves (tests
// and scripts wait for it), then runs until SIGINT/SIGTERM, when it drains streams in flight
// for --drain-seconds before exiting.
#include <memory>

#include "cllm/cli/command.hpp"
#include "cllm/cli/serve_runner.hpp"

namespace cllm::cli {

Command add_serve_command(CLI::App& app) {
  auto o = std::make_shared<ServeOptions>();
  CLI::App* sub = app.add_subcommand(
      "serve",
      "Serve a model over an OpenAI-compatible API with RA-TLS, attestation reports "
      "and signed receipts");
  sub->add_option("-m,--model", o->model_path, "GGUF model file")->check(CLI::ExistingFile);
  sub->add_option("--upstream", o->upstream,
                  "Forward to an OpenAI-compatible server instead (vLLM, SGLang, llama-server)");
  sub->add_option("--upstream-api-key", o->upstream_api_key, "API key for the upstream")
      ->envname("CLLM_UPSTREAM_API_KEY");
  sub->add_option("--model-id", o->model_id,
                  "Model name clients use (default: the GGUF file name; upstream: required)");
  sub->add_option("--host", o->host, "Address to listen on (an IP literal)")->capture_default_str();
  sub->add_option("--port", o->port, "Port; 0 picks a free one")->capture_default_str();
  sub->add_option("--parallel", o->parallel, "Sequences decoded together")
      ->capture_default_str()
      ->check(CLI::Range(1, 256));
  sub->add_option("-c,--ctx-size", o->ctx_size, "Total context, shared by the slots")
      ->capture_default_str();
  sub->add_option("-t,--threads", o->threads, "Threads; 0 = all cores")->capture_default_str();
  sub->add_option("--api-key", o->api_key,
                  "Require 'Authorization: Bearer KEY' (prefer $CLLM_API_KEY: argv is public)")
      ->envname("CLLM_API_KEY");
  sub->add_option("--tee", o->tee, "Attester: sim, tdx, dstack or auto")
      ->capture_default_str()
      ->check(CLI::IsMember({"sim", "tdx", "dstack", "auto"}));
  sub->add_option("--sim-dir", o->sim_dir, "Simulated platform directory (--tee sim)");
  // Hidden (empty group): only for testing that verifiers reject a DEBUG TD.
  sub->add_flag("--sim-debug", o->sim_debug,
                "Simulated TD with the DEBUG attribute (verifiers must reject it)")
      ->group("");
  sub->add_option("--gpu", o->gpu,
                  "GPU attestation: none, sim (the GPU simulator, needs --tee sim), nvml (the "
                  "NVIDIA driver) or auto (nvml when the driver is installed)")
      ->capture_default_str()
      ->check(CLI::IsMember({"none", "sim", "nvml", "auto"}));
  sub->add_option("--sim-gpus", o->sim_gpus, "Simulated GPUs with --gpu sim")
      ->capture_default_str()
      ->check(CLI::Range(1, 8));
  // Hidden: GPU evidence a compromised host could serve, for testing verifiers.
  sub->add_option("--sim-gpu-fault", o->sim_gpu_fault,
                  "stale-nonce, unbound-evidence or repeated-gpu")
      ->check(CLI::IsMember({"stale-nonce", "unbound-evidence", "repeated-gpu"}))
      ->group("");
  sub->add_option("--pccs", o->pccs, "PCCS for report collateral (default: Intel PCS)");
  sub->add_option("--collateral-cache", o->collateral_cache_dir,
                  "Collateral cache directory (default ~/.cache/cllm/collateral)");
  sub->add_option("--cert-hours", o->cert_hours,
                  "RA-TLS certificate lifetime; re-issued at half of it")
      ->capture_default_str()
      ->check(CLI::Range(1, 24 * 30));
  sub->add_option("--tls-name", o->tls_names,
                  "DNS name or IP address for the certificate (repeatable; default localhost "
                  "and 127.0.0.1)");
  sub->add_option("--cert-out", o->cert_out,
                  "Write the RA-TLS certificate (PEM) here once serving, e.g. for "
                  "NODE_EXTRA_CA_CERTS");
  sub->add_option("--drain-seconds", o->drain_seconds,
                  "On SIGTERM, how long streams in flight may finish")
      ->capture_default_str();
  return {sub, [o] { return run_node_until_signal(*o); }};
}

}  // namespace cllm::cli
