#include "cllm/gpu/rim_store.hpp"

#include <chrono>
#include <filesystem>
#include <optional>
#include <system_error>
#include <utility>

#include "cllm/common/base64.hpp"
#include "cllm/common/file.hpp"
#include "cllm/common/hex.hpp"
#include "cllm/common/json.hpp"
#include "cllm/crypto/hash.hpp"
#include "cllm/gpu/rim_document.hpp"

namespace cllm::gpu {
namespace {

// The service wraps the XML in base64 inside JSON: 4/3 of the XML plus a little JSON.
constexpr std::size_t kMaxServiceBodySize = kMaxRimSize * 2;

std::string to_lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c + 32);
  }
  return out;
}

}  // namespace

bool is_valid_rim_id(std::string_view id) {
  if (id.empty() || id.size() > kMaxRimIdLength || id == "." || id == "..") return false;
  for (char c : id) {
    const bool ok = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
                    c == '_' || c == '.' || c == '-';
    if (!ok) return false;
  }
  return true;
}

std::string_view rim_source_name(RimSource source) {
  switch (source) {
    case RimSource::kLocal:
      return "local";
    case RimSource::kCache:
      return "cache";
    case RimSource::kService:
      return "service";
  }
  return "service";
}

Result<Bytes> decode_rim_service_response(std::string_view body, std::string_view expected_id) {
  const std::string what = "RIM service answer for " + std::string(expected_id);
  if (body.size() > kMaxServiceBodySize) {
    return make_error(ErrorCode::kLimit,
                      what + ": body over " + std::to_string(kMaxServiceBodySize) + " bytes");
  }
  auto json = parse_json(body, 16);
  if (!json.ok()) return std::move(json).error().context(what);
  if (!json->is_object()) return make_error(ErrorCode::kParse, what + ": not a JSON object");
  auto id = json_string(*json, "id");
  if (!id.ok()) return std::move(id).error().context(what);
  if (*id != expected_id) {
    std::string shown = id->substr(0, kMaxRimIdLength);
    if (!is_valid_rim_id(shown)) shown = "(malformed id)";
    return make_error(ErrorCode::kVerification, what + ": the service returned id " + shown);
  }
  auto rim_b64 = json_string(*json, "rim");
  if (!rim_b64.ok()) return std::move(rim_b64).error().context(what);
  std::string compact;
  compact.reserve(rim_b64->size());
  for (char c : *rim_b64) {
    if (c != '\n' && c != '\r') compact += c;  // tolerate line-wrapped base64
  }
  auto xml = base64_decode(compact);
  if (!xml.ok()) return std::move(xml).error().context(what + ": field rim");
  if (xml->size() > kMaxRimSize) {
    return make_error(ErrorCode::kLimit,
                      what + ": RIM over " + std::to_string(kMaxRimSize) + " bytes");
  }
  auto sha = json_string(*json, "sha256");
  if (!sha.ok()) return std::move(sha).error().context(what);
  auto digest = crypto::sha256(*xml);
  if (!digest.ok()) return std::move(digest).error();
  if (to_lower(*sha) != to_hex(*digest)) {
    return make_error(ErrorCode::kVerification,
                      what + ": sha256 does not match the SHA-256 of the decoded RIM");
  }
  return std::move(xml).value();
}

RimStore::RimStore(RimStoreOptions options) : options_(std::move(options)) {}

Result<std::optional<FetchedRim>> RimStore::from_folder(const std::string& dir, std::string_view id,
                                                        RimSource source, bool swidtag_too) const {
  std::vector<std::string> names{std::string(id) + ".xml"};
  if (swidtag_too) names.push_back(std::string(id) + ".swidtag");
  for (const auto& name : names) {
    const std::string path = (std::filesystem::path(dir) / name).string();
    std::error_code ec;
    if (!std::filesystem::is_regular_file(path, ec)) continue;
    auto bytes = read_file(path, kMaxRimSize);
    if (!bytes.ok()) return std::move(bytes).error().context("RIM " + std::string(id));
    return std::optional<FetchedRim>(
        FetchedRim{std::string(id), std::move(bytes).value(), source, path});
  }
  return std::optional<FetchedRim>();
}

namespace {

// How long ago the file was last written; nullopt when that cannot be read (treated as stale).
std::optional<std::chrono::seconds> file_age(const std::string& path) {
  std::error_code ec;
  const auto written = std::filesystem::last_write_time(path, ec);
  if (ec) return std::nullopt;
  const auto now = std::filesystem::file_time_type::clock::now();
  return std::chrono::duration_cast<std::chrono::seconds>(now - written);
}

}  // namespace

Result<FetchedRim> RimStore::from_service(std::string_view id) const {
  if (!options_.client) {
    return make_error(ErrorCode::kInvalidArgument,
                      "RIM " + std::string(id) + ": no HTTP client for the RIM service");
  }
  std::string base = *options_.service_url;
  while (!base.empty() && base.back() == '/')
    base.pop_back();
  const std::string url = base + "/v1/rim/" + std::string(id);
  net::Headers headers;
  headers.add("Accept", "application/json");
  if (options_.service_api_key) headers.add("Authorization", "Bearer " + *options_.service_api_key);
  auto response = options_.client->get(url, std::move(headers));
  if (!response.ok()) return std::move(response).error().context("RIM service " + url);
  if (response->status == 404) {
    return make_error(ErrorCode::kNotFound,
                      "RIM " + std::string(id) + " not found (NVIDIA RIM service)");
  }
  if (response->status != 200) {
    return make_error(ErrorCode::kIo,
                      "RIM service " + url + " answered HTTP " + std::to_string(response->status));
  }
  CLLM_ASSIGN_OR_RETURN(auto xml, decode_rim_service_response(response->body, id));
  return FetchedRim{std::string(id), std::move(xml), RimSource::kService, url};
}

Result<FetchedRim> RimStore::fetch(std::string_view id) const {
  if (!is_valid_rim_id(id)) {
    return make_error(ErrorCode::kInvalidArgument,
                      "RIM id is not [A-Za-z0-9_.-]{1,128}: refusing it as a file or URL name");
  }
  std::string looked;
  if (options_.local_dir) {
    CLLM_ASSIGN_OR_RETURN(auto found,
                          from_folder(*options_.local_dir, id, RimSource::kLocal, true));
    if (found) return std::move(*found);
    looked += " local folder " + *options_.local_dir + ";";
  }
  std::optional<FetchedRim> stale;  // a cached copy past cache_max_age
  if (options_.cache_dir) {
    CLLM_ASSIGN_OR_RETURN(auto found,
                          from_folder(*options_.cache_dir, id, RimSource::kCache, false));
    if (found) {
      const auto age = file_age(found->location);
      if (!options_.service_url || (age && *age <= options_.cache_max_age)) {
        return std::move(*found);
      }
      stale = std::move(found);
    } else {
      looked += " cache " + *options_.cache_dir + ";";
    }
  }
  if (!options_.service_url) {
    return make_error(ErrorCode::kNotFound,
                      "RIM " + std::string(id) + " not found (looked in" +
                          (looked.empty() ? std::string(" nothing") : looked) + ")");
  }
  auto refreshed = from_service(id);
  if (!refreshed.ok() && stale) {
    stale->location += " (older than the cache's maximum age; refreshing it failed: " +
                       refreshed.error().message() + ")";
    return std::move(*stale);
  }
  CLLM_ASSIGN_OR_RETURN(auto fetched, std::move(refreshed));
  if (options_.cache_dir) {
    // Best effort: a read-only cache must not turn a good answer into a failure. The file is
    // written to a temporary name and renamed, so readers never see half a RIM.
    std::error_code ec;
    std::filesystem::create_directories(*options_.cache_dir, ec);
    const std::string path =
        (std::filesystem::path(*options_.cache_dir) / (fetched.id + ".xml")).string();
    (void)write_file_atomic(path, fetched.xml);
  }
  return fetched;
}

}  // namespace cllm::gpu
