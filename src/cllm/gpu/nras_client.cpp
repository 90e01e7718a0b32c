#include "cllm/gpu/nras_client.hpp"

#include "cllm/gpu/nras_request.hpp"

namespace cllm::gpu {

namespace {

std::string excerpt(std::string_view body, std::size_t max) {
  std::string out;
  for (char c : body.substr(0, max))
    out += (c >= 0x20 && c < 0x7f) ? c : ' ';
  if (body.size() > max) out += "...";
  return out;
}

std::string trim_slash(std::string url) {
  while (!url.empty() && url.back() == '/')
    url.pop_back();
  return url;
}

}  // namespace

NrasClient::NrasClient(NrasClientOptions options, std::shared_ptr<const net::HttpClient> http,
                       const Clock& clock)
    : options_(std::move(options)), http_(std::move(http)), clock_(&clock) {
  options_.base_url = trim_slash(options_.base_url);
}

std::string NrasClient::attest_url() const {
  return options_.base_url + (options_.api_version == NrasApiVersion::kV3 ? "/v3" : "/v4") +
         "/attest/gpu";
}

std::string NrasClient::jwks_url() const {
  // Both NVIDIA SDKs derive it from the base URL, not from the versioned path.
  return options_.base_url + "/.well-known/jwks.json";
}

std::size_t NrasClient::jwks_fetches() const {
  std::lock_guard lock(mutex_);
  return fetches_;
}

Result<net::ClientResponse> NrasClient::checked(Result<net::ClientResponse> response,
                                                std::string_view what) const {
  if (!response) return std::move(response).error().context("nras: " + std::string(what));
  if (response->status == 200) return response;
  const std::string body = excerpt(response->body, options_.max_error_excerpt);
  if (response->status == 401 || response->status == 403) {
    return make_error(ErrorCode::kVerification,
                      "nras: " + std::string(what) + ": NRAS rejected the service key (HTTP " +
                          std::to_string(response->status) + "): " + body);
  }
  return make_error(ErrorCode::kIo, "nras: " + std::string(what) + ": HTTP " +
                                        std::to_string(response->status) + ": " + body);
}

Result<NrasClient::CachedJwks> NrasClient::jwks(bool force_refresh) {
  const std::int64_t now = clock_->now_unix();
  {
    std::lock_guard lock(mutex_);
    if (!force_refresh && cache_ && now - cache_->fetched_at < options_.jwks_cache_ttl.count() &&
        now >= cache_->fetched_at) {
      return *cache_;
    }
  }
  // Fetched without the lock held: a slow service must not block readers of a fresh cache.
  CLLM_ASSIGN_OR_RETURN(net::ClientResponse response,
                        checked(http_->get(jwks_url()), "fetching " + jwks_url()));
  auto parsed = Jwks::parse(response.body);
  if (!parsed) return std::move(parsed).error().context("nras: " + jwks_url());
  CachedJwks fresh{std::make_shared<const Jwks>(std::move(parsed).value()),
                   std::move(response.body), now};
  std::lock_guard lock(mutex_);
  ++fetches_;
  cache_ = fresh;
  return fresh;
}

Result<NrasAttestation> NrasClient::attest(ByteView nonce, const GpuEvidenceList& evidence) {
  if (evidence.empty()) {
    return make_error(ErrorCode::kInvalidArgument, "nras: no evidence to attest");
  }
  if (!options_.base_url.starts_with("https://")) {
    // The JWKS that verifies NRAS's answer is trusted only through TLS: over plain HTTP anyone
    // on the path could serve their own keys and a signed "true". (And a bearer key would be
    // readable.)
    return make_error(ErrorCode::kInvalidArgument,
                      "nras: refusing a non-https base URL: NRAS's signing keys are trusted only "
                      "through TLS");
  }
  std::optional<std::string_view> claims_version;
  if (options_.claims_version) claims_version = *options_.claims_version;
  CLLM_ASSIGN_OR_RETURN(std::string body,
                        build_nras_request(nonce, evidence, evidence.front().arch, claims_version));

  net::Headers headers;
  headers.set("Accept", "application/json");
  if (!options_.service_key.empty()) {
    headers.set("Authorization", "Bearer " + to_string(options_.service_key.view()));
  }
  if (options_.allow_hold_cert) headers.set("X-NVIDIA-OCSP-ALLOW-CERT-HOLD", "true");
  const std::string url = attest_url();
  CLLM_ASSIGN_OR_RETURN(
      net::ClientResponse response,
      checked(http_->post(url, std::move(body), "application/json", std::move(headers)),
              "POST " + url));

  auto eat = parse_detached_eat(response.body);
  if (!eat) return std::move(eat).error().context("nras: answer of " + url);

  const std::size_t fetches_before = jwks_fetches();
  CLLM_ASSIGN_OR_RETURN(CachedJwks keys, jwks(false));
  const bool fetched_now = jwks_fetches() != fetches_before;
  if (!fetched_now && !unknown_kids(*eat, *keys.jwks).empty()) {
    // Once, and only over a cached set: a kid that a fresh set also lacks is then reported by
    // the signature checks ("unknown kid").
    CLLM_ASSIGN_OR_RETURN(keys, jwks(true));
  }

  EatExpectations expect;
  expect.issuer = options_.base_url;
  expect.nonce = Bytes(nonce.begin(), nonce.end());
  expect.now_unix = clock_->now_unix();
  expect.leeway_s = options_.leeway_s;
  expect.expected_devices = evidence.size();
  NrasAttestation out;
  out.verification = verify_detached_eat(*eat, *keys.jwks, expect);
  out.response_body = std::move(response.body);
  out.jwks_json = std::move(keys.json);
  return out;
}

}  // namespace cllm::gpu
