#include "cllm/cli/pcs_collateral.hpp"

#include <filesystem>
#include <memory>

#include "cllm/cli/cli_io.hpp"
#include "cllm/common/clock.hpp"
#include "cllm/net/http_client.hpp"
#include "cllm/tdx/collateral_cache.hpp"
#include "cllm/tdx/pcs_client.hpp"
#include "cllm/tdx/quote_platform.hpp"

namespace cllm::cli {

Result<CollateralFetcher> make_pcs_collateral_fetcher(const std::string& pccs,
                                                      const std::string& cache_dir) {
  net::TlsClientOptions tls_options;
  tls_options.use_system_trust_store = true;
  CLLM_ASSIGN_OR_RETURN(auto tls, net::TlsClientContext::create(std::move(tls_options)));
  net::ClientOptions client_options;
  client_options.tls = tls;
  auto client = std::make_shared<const net::HttpClient>(client_options);
  tdx::PcsOptions pcs;
  if (!pccs.empty()) {
    pcs.base_url = pccs;
    pcs.pccs = true;
  }
  auto pcs_client = std::make_shared<tdx::PcsClient>(pcs, tdx::http_get_over(client));
  std::string dir = cache_dir;
  if (dir.empty()) dir = cache_home() + "/cllm/collateral";
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  if (ec) {
    return make_error(ErrorCode::kIo,
                      "cannot create collateral cache " + dir + ": " + ec.message());
  }
  auto fetch = [pcs_client](const tdx::CollateralRequest& r) {
    return pcs_client->fetch_collateral(r);
  };
  auto cache = std::make_shared<tdx::CollateralCache>(tdx::CollateralCacheOptions{.directory = dir},
                                                      fetch, SystemClock::instance());
  return CollateralFetcher([cache](const tdx::Quote& quote) -> Result<tdx::Collateral> {
    CLLM_ASSIGN_OR_RETURN(auto request, tdx::collateral_request_for_quote(quote));
    return cache->get(request);
  });
}

}  // namespace cllm::cli
