#include "cllm/cli/gpu_sources.hpp"

#include <openssl/crypto.h>

#include "cllm/cli/cli_io.hpp"
#include "cllm/common/clock.hpp"
#include "cllm/common/file.hpp"
#include "cllm/net/http_client.hpp"

namespace cllm::cli {

namespace {

Result<std::shared_ptr<const net::HttpClient>> system_trust_client() {
  net::TlsClientOptions tls_options;
  tls_options.use_system_trust_store = true;
  CLLM_ASSIGN_OR_RETURN(auto tls, net::TlsClientContext::create(std::move(tls_options)));
  net::ClientOptions client_options;
  client_options.tls = tls;
  return std::shared_ptr<const net::HttpClient>(
      std::make_shared<const net::HttpClient>(client_options));
}

}  // namespace

void add_ocsp_flags(CLI::App* app, GpuSourceFlags& flags) {
  app->add_flag("--no-ocsp", flags.no_ocsp,
                "Do not check GPU and RIM certificates for revocation (OCSP)");
  app->add_option("--ocsp-url", flags.ocsp_url,
                  "OCSP responder for NVIDIA certificates (default: the one they name)");
  app->add_option("--ocsp-dir", flags.ocsp_dir,
                  "Stored OCSP responses, used offline while valid (default ~/.cache/cllm/ocsp)");
  app->add_flag("--allow-hold-cert", flags.allow_hold_cert,
                "Accept certificates on hold (OCSP certificateHold), as NVIDIA's allow-hold-cert");
}

Result<std::shared_ptr<const gpu::OcspChecker>> make_ocsp_checker(const GpuSourceFlags& flags) {
  if (flags.no_ocsp) return std::shared_ptr<const gpu::OcspChecker>();
  gpu::OcspCheckerOptions options;
  if (!flags.ocsp_url.empty()) options.responder_url = flags.ocsp_url;
  options.store_dir = flags.ocsp_dir.empty() ? cache_home() + "/cllm/ocsp" : flags.ocsp_dir;
  options.allow_hold = flags.allow_hold_cert;
  CLLM_ASSIGN_OR_RETURN(options.client, system_trust_client());
  return std::shared_ptr<const gpu::OcspChecker>(std::make_shared<gpu::OcspChecker>(options));
}

Result<std::shared_ptr<const gpu::RimStore>> make_rim_store(const GpuSourceFlags& flags) {
  gpu::RimStoreOptions options;
  if (!flags.rim_dir.empty()) options.local_dir = flags.rim_dir;
  if (flags.rim_service == "none") {
    options.service_url.reset();
  } else {
    options.service_url = flags.rim_service;
    options.cache_dir = cache_home() + "/cllm/rims";
    CLLM_ASSIGN_OR_RETURN(options.client, system_trust_client());
  }
  return std::shared_ptr<const gpu::RimStore>(std::make_shared<gpu::RimStore>(options));
}

Result<std::function<Result<gpu::NrasAttestation>(ByteView, const gpu::GpuEvidenceList&)>>
make_nras_attest(const GpuSourceFlags& flags) {
  gpu::NrasClientOptions options;
  options.base_url = flags.nras_url;
  options.allow_hold_cert = flags.allow_hold_cert;
  if (!flags.nras_key_file.empty()) {
    // From a file, never a flag value: command lines are visible to every user of the machine.
    CLLM_ASSIGN_OR_RETURN(Bytes key, read_file(flags.nras_key_file, 64 * 1024));
    while (!key.empty() && (key.back() == '\n' || key.back() == '\r' || key.back() == ' '))
      key.pop_back();
    options.service_key = SecretBytes(key);
    OPENSSL_cleanse(key.data(), key.size());
    if (options.service_key.empty()) {
      return make_error(ErrorCode::kInvalidArgument,
                        "--nras-key-file " + flags.nras_key_file + " is empty");
    }
  }
  CLLM_ASSIGN_OR_RETURN(auto http, system_trust_client());
  auto client = std::make_shared<gpu::NrasClient>(options, http, SystemClock::instance());
  using Attest = std::function<Result<gpu::NrasAttestation>(ByteView, const gpu::GpuEvidenceList&)>;
  return Attest([client](ByteView nonce, const gpu::GpuEvidenceList& evidence) {
    return client->attest(nonce, evidence);
  });
}

}  // namespace cllm::cli
