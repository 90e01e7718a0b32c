#include "cllm/tdx/collateral_cache.hpp"

#include <utility>

#include "cllm/common/file.hpp"
#include "cllm/common/hex.hpp"
#include "cllm/common/json.hpp"
#include "cllm/common/log.hpp"

namespace cllm::tdx {
namespace {
constexpr std::int64_t kCacheFormatVersion = 1;
}  // namespace

std::string cached_collateral_to_json(const CachedCollateral& entry) {
  nlohmann::ordered_json out;
  out["version"] = kCacheFormatVersion;
  out["fetched_at"] = entry.fetched_at;
  out["next_update"] = entry.next_update;
  // Embedded as an object (not a string) so the file stays readable; the texts inside are
  // JSON strings and survive the round trip byte for byte.
  out["collateral"] = nlohmann::ordered_json::parse(collateral_to_json(entry.collateral));
  return out.dump(2, ' ', false, nlohmann::ordered_json::error_handler_t::replace);
}

Result<CachedCollateral> parse_cached_collateral_json(std::string_view json) {
  if (json.size() > kMaxCollateralBundleSize) {
    return make_error(ErrorCode::kLimit, "cached collateral: file too large");
  }
  CLLM_ASSIGN_OR_RETURN(Json root, parse_json(json, 32));
  if (!root.is_object()) return make_error(ErrorCode::kParse, "cached collateral: not an object");
  CLLM_ASSIGN_OR_RETURN(std::int64_t version, json_int(root, "version"));
  if (version != kCacheFormatVersion) {
    return make_error(ErrorCode::kUnsupported,
                      "cached collateral: version " + std::to_string(version));
  }
  CachedCollateral out;
  CLLM_ASSIGN_OR_RETURN(out.fetched_at, json_int(root, "fetched_at"));
  CLLM_ASSIGN_OR_RETURN(out.next_update, json_int(root, "next_update"));
  CLLM_ASSIGN_OR_RETURN(const Json* collateral, json_field(root, "collateral"));
  CLLM_ASSIGN_OR_RETURN(out.collateral, parse_collateral_json(collateral->dump()));
  // The stored next_update is derived data; recompute so a hand-edited file cannot extend it.
  CLLM_ASSIGN_OR_RETURN(std::int64_t next_update, collateral_next_update(out.collateral));
  if (next_update != out.next_update) {
    return make_error(ErrorCode::kParse,
                      "cached collateral: next_update does not match the collateral");
  }
  return out;
}

Result<Collateral> load_collateral_bundle(const std::string& path) {
  auto text = read_text_file(path, kMaxCollateralBundleSize);
  if (!text.ok()) return std::move(text).error().context("collateral bundle " + path);
  auto collateral = parse_collateral_json(*text);
  if (!collateral.ok()) return std::move(collateral).error().context("collateral bundle " + path);
  return collateral;
}

CollateralCache::CollateralCache(CollateralCacheOptions options, CollateralSource source,
                                 const Clock& clock)
    : options_(std::move(options)), source_(std::move(source)), clock_(clock) {}

std::string CollateralCache::file_name(const CollateralRequest& request) {
  return std::string(to_string(request.tee)) + "-" + to_hex(request.fmspc) + "-" +
         std::string(to_string(request.ca)) + ".json";
}

CollateralCache::Key CollateralCache::key_of(const CollateralRequest& request) {
  return {static_cast<int>(request.tee), request.fmspc, static_cast<int>(request.ca)};
}

std::string CollateralCache::path_of(const CollateralRequest& request) const {
  return options_.directory + "/" + file_name(request);
}

Result<CachedCollateral> CollateralCache::load_from_disk(const CollateralRequest& request) const {
  const std::string path = path_of(request);
  auto text = read_text_file(path, kMaxCollateralBundleSize);
  if (!text.ok()) return std::move(text).error();
  auto entry = parse_cached_collateral_json(*text);
  if (!entry.ok()) return std::move(entry).error().context(path);
  return entry;
}

Status CollateralCache::store_to_disk(const CollateralRequest& request,
                                      const CachedCollateral& entry) const {
  return write_file_atomic(path_of(request), as_bytes(cached_collateral_to_json(entry)));
}

std::size_t CollateralCache::fetch_count() const {
  std::lock_guard lock(mutex_);
  return fetches_;
}

Result<Collateral> CollateralCache::get(const CollateralRequest& request) {
  std::lock_guard lock(mutex_);
  const std::int64_t now = clock_.now_unix();
  const std::int64_t margin = options_.refresh_margin.count();
  const Key key = key_of(request);

  auto it = entries_.find(key);
  if (it == entries_.end() && !options_.directory.empty()) {
    auto loaded = load_from_disk(request);
    if (loaded.ok()) {
      it = entries_.emplace(key, std::move(*loaded)).first;
    } else if (loaded.error().code() != ErrorCode::kNotFound &&
               loaded.error().code() != ErrorCode::kIo) {
      // A damaged file is replaced by the next fetch; worth a note, not a failure.
      spdlog::warn("collateral cache: ignoring {}: {}", path_of(request), loaded.error().message());
    }
  }
  if (it != entries_.end() && now < it->second.next_update - margin) return it->second.collateral;

  ++fetches_;
  auto fetched =
      source_ ? source_(request)
              : Result<Collateral>(make_error(ErrorCode::kInvalidArgument, "no collateral source"));
  Result<std::int64_t> next_update =
      fetched.ok() ? collateral_next_update(*fetched) : Result<std::int64_t>(fetched.error());
  if (!fetched.ok() || !next_update.ok()) {
    const Error& error = fetched.ok() ? next_update.error() : fetched.error();
    if (it != entries_.end() && now < it->second.next_update) {
      spdlog::warn("collateral cache: refresh of {} failed, serving cached until {}: {}",
                   file_name(request), it->second.next_update, error.message());
      return it->second.collateral;
    }
    return error.context("fetching collateral " + file_name(request));
  }
  CachedCollateral entry{std::move(*fetched), now, *next_update};
  if (!options_.directory.empty()) {
    auto stored = store_to_disk(request, entry);
    if (!stored.ok())
      spdlog::warn("collateral cache: cannot write {}: {}", path_of(request),
                   stored.error().message());
  }
  auto& slot = entries_[key];
  slot = std::move(entry);
  return slot.collateral;
}

}  // namespace cllm::tdx
