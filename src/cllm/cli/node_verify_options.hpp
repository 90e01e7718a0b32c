// The verification flags `cllm verify` and `cllm chat --verify` share, and how they become
// ratls::NodeVerifyOptions.
#pragma once

#include <CLI/CLI.hpp>
#include <cstdint>
#include <optional>
#include <string>

#include "cllm/cli/gpu_sources.hpp"
#include "cllm/common/result.hpp"
#include "cllm/ratls/node_verifier.hpp"

namespace cllm::cli {

struct NodeVerifyFlags {
  std::string nonce;
  std::string policy_file;
  bool allow_simulated = false;
  std::string expect_model_sha256;
  std::string collateral_file;
  std::string pccs;
  std::int64_t now = 0;  // 0: the system clock
  // GPU evidence in the report.
  std::size_t require_gpus = 0;
  std::string gpu_verifier = "local";  // local | nras
  bool skip_rims = false;
  GpuSourceFlags gpu_sources;
};

// Registers --nonce (when with_nonce), --policy, --allow-simulated, --expect-model-sha256,
// --collateral, --pccs, --now.
void add_node_verify_flags(CLI::App* app, NodeVerifyFlags& flags, bool with_nonce);

Result<ratls::NodeVerifyOptions> node_verify_options(const NodeVerifyFlags& flags);

// One line per factor ("  pass  quote_chain  ...") under a heading per stage, then the
// verdict, on stdout.
void print_node_verification(const ratls::NodeVerification& verification);

}  // namespace cllm::cli
