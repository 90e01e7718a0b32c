// Collateral cache: one entry per (TEE, FMSPC, PCK CA), in memory and optionally on disk, kept
// until the collateral's earliest nextUpdate (TCB info, QE identity, both CRLs). Fetches go to
// an injected source (usually PcsClient::fetch_collateral); time comes from an injected Clock
// so tests can step past nextUpdate.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <mutex>
#include <string>
#include <tuple>

#include "cllm/common/clock.hpp"
#include "cllm/common/result.hpp"
#include "cllm/tdx/collateral.hpp"
#include "cllm/tdx/pcs_client.hpp"

namespace cllm::tdx {

using CollateralSource = std::function<Result<Collateral>(const CollateralRequest&)>;

struct CollateralCacheOptions {
  // Directory for one JSON file per entry; empty keeps the cache in memory only.
  std::string directory;
  // Refetch this long before nextUpdate, so verification never runs on collateral about to
  // expire. When the refetch fails, the cached collateral is still served until nextUpdate.
  std::chrono::seconds refresh_margin{0};
};

struct CachedCollateral {
  Collateral collateral;
  std::int64_t fetched_at = 0;   // unix seconds
  std::int64_t next_update = 0;  // unix seconds: collateral_next_update(collateral)
};

class CollateralCache {
 public:
  CollateralCache(CollateralCacheOptions options, CollateralSource source, const Clock& clock);

  // The cached collateral while now < nextUpdate - margin; else fetches, stores and returns.
  Result<Collateral> get(const CollateralRequest& request);
  // How many times the source was called (for tests and metrics).
  std::size_t fetch_count() const;

  // "tdx-b0c06f000000-platform.json"
  static std::string file_name(const CollateralRequest& request);

 private:
  using Key = std::tuple<int, std::array<std::uint8_t, 6>, int>;
  static Key key_of(const CollateralRequest& request);
  std::string path_of(const CollateralRequest& request) const;
  Result<CachedCollateral> load_from_disk(const CollateralRequest& request) const;
  Status store_to_disk(const CollateralRequest& request, const CachedCollateral& entry) const;

  CollateralCacheOptions options_;
  CollateralSource source_;
  const Clock& clock_;
  mutable std::mutex mutex_;  // also serializes fetches, so concurrent misses fetch once
  std::map<Key, CachedCollateral> entries_;
  std::size_t fetches_ = 0;
};

// Serialized cache entry: {"version":1,"fetched_at":..,"next_update":..,"collateral":{dcap-qvl}}.
std::string cached_collateral_to_json(const CachedCollateral& entry);
Result<CachedCollateral> parse_cached_collateral_json(std::string_view json);

// An offline bundle: a dcap-qvl collateral JSON file, used as-is (no fetching, no expiry
// handling here; the verifier checks validity at its own time).
Result<Collateral> load_collateral_bundle(const std::string& path);

}  // namespace cllm::tdx
