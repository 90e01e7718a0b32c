// Collateral for a quote from Intel PCS (or a PCCS), cached on disk until its nextUpdate:
// what `cllm serve` attaches to reports and `cllm verify --pccs` checks against.
#pragma once

#include <functional>
#include <string>

#include "cllm/common/result.hpp"
#include "cllm/tdx/collateral.hpp"
#include "cllm/tdx/quote.hpp"

namespace cllm::cli {

using CollateralFetcher = std::function<Result<tdx::Collateral>(const tdx::Quote& quote)>;

// pccs: a PCCS base URL, or "" for Intel PCS. cache_dir: "" for ~/.cache/cllm/collateral.
// TLS trusts the system store. Thread-safe (the cache serializes fetches).
Result<CollateralFetcher> make_pcs_collateral_fetcher(const std::string& pccs,
                                                      const std::string& cache_dir);

}  // namespace cllm::cli
