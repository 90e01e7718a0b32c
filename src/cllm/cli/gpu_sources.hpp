// Where the CLI's GPU verification gets its outside inputs: the RIM store (a local folder,
// ~/.cache/cllm/rims, NVIDIA's RIM service) and the NRAS client, both over HTTPS with the
// system trust store.
#pragma once

#include <CLI/CLI.hpp>
#include <memory>
#include <string>

#include "cllm/common/bytes.hpp"
#include "cllm/common/result.hpp"
#include "cllm/gpu/nras_client.hpp"
#include "cllm/gpu/ocsp_checker.hpp"
#include "cllm/gpu/rim_store.hpp"

namespace cllm::cli {

struct GpuSourceFlags {
  std::string rim_dir;                                                // --rim-dir
  std::string rim_service = std::string(gpu::kDefaultRimServiceUrl);  // --rim-service ("none")
  std::string nras_url = std::string(gpu::kNrasProductionUrl);        // --nras-url
  bool no_ocsp = false;                                               // --no-ocsp
  std::string ocsp_url;          // --ocsp-url (default: the certificates' responder)
  std::string ocsp_dir;          // --ocsp-dir (default ~/.cache/cllm/ocsp)
  bool allow_hold_cert = false;  // --allow-hold-cert (also sent to NRAS)
  std::string nras_key_file;     // --nras-key-file: the NRAS service key, read from a file
};

// Adds --no-ocsp, --ocsp-url, --ocsp-dir, --allow-hold-cert.
void add_ocsp_flags(CLI::App* app, GpuSourceFlags& flags);

// Null with --no-ocsp.
Result<std::shared_ptr<const gpu::OcspChecker>> make_ocsp_checker(const GpuSourceFlags& flags);

Result<std::shared_ptr<const gpu::RimStore>> make_rim_store(const GpuSourceFlags& flags);

// The NRAS client's attest(), verifying tokens at the system clock.
Result<std::function<Result<gpu::NrasAttestation>(ByteView, const gpu::GpuEvidenceList&)>>
make_nras_attest(const GpuSourceFlags& flags);

}  // namespace cllm::cli
