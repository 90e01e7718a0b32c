// Finds a RIM document by its id ("NV_GPU_DRIVER_GH100_550.144.03"): in a local folder, in an
// on-disk cache, or from NVIDIA's RIM service (spec §4.1), in that order. What it returns is
// unverified bytes: verify_rim (rim_verifier.hpp) checks the signature and chain of whatever
// comes from any of the three.
//
// Service: GET <base>/v1/rim/<id> answers JSON {id, rim (base64 XML), sha256, ...}; we require
// id == the id asked for (a service bug or a redirect must not hand us another RIM) and
// sha256 == SHA-256 of the decoded XML. HTTP 404 is its own error, kNotFound "RIM <id> not
// found (NVIDIA RIM service)", so callers can tell "no such RIM" from "service down".
#pragma once

#include <chrono>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "cllm/common/bytes.hpp"
#include "cllm/common/result.hpp"
#include "cllm/net/http_client.hpp"

namespace cllm::gpu {

inline constexpr std::string_view kDefaultRimServiceUrl = "https://rim.attestation.nvidia.com";
inline constexpr std::size_t kMaxRimIdLength = 128;

// Ids are [A-Za-z0-9_.-]{1,128} and not "." or "..", so an id can name a file in a folder
// and a URL path segment without any way to escape either.
bool is_valid_rim_id(std::string_view id);

struct RimStoreOptions {
  // Folder of operator-supplied RIMs: <id>.xml or <id>.swidtag. Unset: not consulted.
  std::optional<std::string> local_dir;
  // Folder where RIMs fetched from the service are kept as <id>.xml. Unset: no cache.
  std::optional<std::string> cache_dir;
  // A cached RIM older than this (file time) is fetched again when a service is configured,
  // since NVIDIA re-issues RIMs under the same id; if that fails the old copy is used and its
  // location says so.
  std::chrono::seconds cache_max_age{7 * 24 * 3600};
  // The service base URL (no trailing path); unset: the service is not consulted.
  std::optional<std::string> service_url = std::string(kDefaultRimServiceUrl);
  // Sent as "Authorization: Bearer <key>" when set. Never logged.
  std::optional<std::string> service_api_key;
  // Required for service lookups (https needs its TLS context).
  std::shared_ptr<const net::HttpClient> client;
};

enum class RimSource { kLocal, kCache, kService };

std::string_view rim_source_name(RimSource source);  // "local" / "cache" / "service"

struct FetchedRim {
  std::string id;
  Bytes xml;
  RimSource source = RimSource::kService;
  std::string location;  // the file path or URL it came from
};

class RimStore {
 public:
  explicit RimStore(RimStoreOptions options);

  // kInvalidArgument for a malformed id; kNotFound when no source has it (the service's 404
  // is "RIM <id> not found (NVIDIA RIM service)"); kIo/kParse/kVerification for a broken
  // source. A cache write failure does not fail the fetch.
  Result<FetchedRim> fetch(std::string_view id) const;

  const RimStoreOptions& options() const { return options_; }

 private:
  Result<std::optional<FetchedRim>> from_folder(const std::string& dir, std::string_view id,
                                                RimSource source, bool swidtag_too) const;
  Result<FetchedRim> from_service(std::string_view id) const;

  RimStoreOptions options_;
};

// Decodes and checks one RIM service answer (exposed for the fuzzer and tests).
Result<Bytes> decode_rim_service_response(std::string_view body, std::string_view expected_id);

}  // namespace cllm::gpu
