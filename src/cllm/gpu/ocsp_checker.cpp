#include "cllm/gpu/ocsp_checker.hpp"

#include <string>
#include <utility>

#include "cllm/common/file.hpp"
#include "cllm/common/hex.hpp"
#include "cllm/crypto/hash.hpp"
#include "cllm/crypto/random.hpp"

namespace cllm::gpu {

namespace {

std::string cn_of(const crypto::Certificate& cert) {
  std::string cn = cert.subject_common_name();
  return cn.empty() ? cert.subject() : cn;
}

// The override; else the certificate's own AIA OCSP URI; else the first one another
// certificate below the root names. NVIDIA's GPU BROM certificate carries no AIA although its
// issuer's responder answers for it (NVIDIA's tools send every certificate to one URL).
std::optional<std::string> responder_url_for(const OcspCheckerOptions& options,
                                             const std::vector<crypto::Certificate>& chain,
                                             std::size_t index) {
  if (options.responder_url) return options.responder_url;
  if (std::vector<std::string> own = crypto::ocsp_uris(chain[index]); !own.empty()) {
    return own.front();
  }
  for (std::size_t i = 0; i + 1 < chain.size(); ++i) {
    if (std::vector<std::string> uris = crypto::ocsp_uris(chain[i]); !uris.empty()) {
      return uris.front();
    }
  }
  return std::nullopt;
}

Result<std::string> stored_path(const std::string& dir, const crypto::Certificate& cert,
                                const crypto::Certificate& issuer, crypto::OcspHash hash) {
  CLLM_ASSIGN_OR_RETURN(Bytes id, crypto::ocsp_cert_id_der(cert, issuer, hash));
  CLLM_ASSIGN_OR_RETURN(Bytes digest, crypto::sha256(id));
  return dir + "/" + to_hex(digest) + ".der";
}

}  // namespace

OcspChecker::OcspChecker(OcspCheckerOptions options) : options_(std::move(options)) {}

Result<crypto::OcspResponse> OcspChecker::fetch(const std::string& url,
                                                const crypto::Certificate& cert,
                                                const crypto::Certificate& issuer,
                                                const crypto::OcspVerifyOptions& base) const {
  crypto::OcspVerifyOptions verify = base;
  std::optional<Bytes> nonce;
  if (options_.use_nonce) {
    CLLM_ASSIGN_OR_RETURN(nonce, crypto::random_bytes(kOcspNonceSize));
    verify.expected_nonce = nonce;
    verify.require_nonce = options_.require_nonce_echo;
  }
  CLLM_ASSIGN_OR_RETURN(Bytes request, crypto::build_ocsp_request(
                                           cert, issuer, options_.hash,
                                           nonce ? std::optional<ByteView>(*nonce) : std::nullopt));
  net::ClientRequest http;
  http.method = "POST";
  http.url = url;
  http.headers.set("Content-Type", "application/ocsp-request");
  http.headers.set("Accept", "application/ocsp-response");
  http.body = to_string(request);
  // Streamed so that the body bound is ours (64 KiB), whatever the shared client allows.
  std::string body;
  bool too_large = false;
  CLLM_ASSIGN_OR_RETURN(net::ClientResponse response,
                        options_.client->stream(http, [&](std::string_view chunk) {
                          if (body.size() + chunk.size() > crypto::kMaxOcspResponseSize) {
                            too_large = true;
                            return false;
                          }
                          body.append(chunk);
                          return true;
                        }));
  if (response.status != 200) {
    return make_error(ErrorCode::kIo, "HTTP status " + std::to_string(response.status));
  }
  if (too_large) {
    return make_error(
        ErrorCode::kLimit,
        "response body exceeds " + std::to_string(crypto::kMaxOcspResponseSize) + " bytes");
  }
  return crypto::parse_and_verify_ocsp_response(as_bytes(body), cert, issuer, verify);
}

OcspCertResult OcspChecker::check_certificate(const std::vector<crypto::Certificate>& chain,
                                              std::size_t index, std::int64_t now) const {
  OcspCertResult out;
  if (index + 1 >= chain.size()) {
    out.error = "no issuer for certificate " + std::to_string(index) + " in the chain";
    return out;
  }
  const crypto::Certificate& cert = chain[index];
  const crypto::Certificate& issuer = chain[index + 1];
  out.common_name = cn_of(cert);
  const std::optional<std::string> url = responder_url_for(options_, chain, index);

  crypto::OcspVerifyOptions base;
  base.now = now;
  base.max_clock_skew = options_.max_clock_skew;
  base.anchor = chain.back();
  // Between the issuer and the anchor (nothing when the issuer is the anchor).
  for (std::size_t i = index + 2; i + 1 < chain.size(); ++i)
    base.intermediates.push_back(chain[i]);

  // A stored response, verified as of now (no nonce: it answered an earlier request).
  std::optional<std::string> path;
  std::optional<crypto::OcspResponse> stored;
  std::string stored_error = "no stored response";
  if (options_.store_dir) {
    auto p = stored_path(*options_.store_dir, cert, issuer, options_.hash);
    if (!p.ok()) {
      out.error = p.error().message();
      return out;
    }
    path = std::move(p).value();
    if (file_exists(*path)) {
      auto der = read_file(*path, crypto::kMaxOcspResponseSize);
      auto parsed = der.ok() ? crypto::parse_and_verify_ocsp_response(*der, cert, issuer, base)
                             : Result<crypto::OcspResponse>(der.error());
      if (parsed.ok()) {
        stored = std::move(parsed).value();
      } else {
        stored_error = "stored response unusable: " + parsed.error().message();
      }
    }
  }

  std::string fetch_error = "offline";
  if (options_.client && url) {
    auto fresh = fetch(*url, cert, issuer, base);
    if (fresh.ok()) {
      // A failed write loses only the cache; the fresh response still answers now.
      if (path && ensure_private_directory(*options_.store_dir).ok()) {
        static_cast<void>(write_file_atomic(*path, fresh->der, 0600));
      }
      out.response = std::move(fresh).value();
      out.source = "responder";
      return out;
    }
    fetch_error = "responder " + *url + ": " + fresh.error().message();
  } else if (options_.client) {
    fetch_error = "no OCSP URI";
  }
  if (stored) {
    out.response = std::move(stored);
    out.source = "stored";
    return out;
  }
  out.error = fetch_error + "; " + stored_error;
  return out;
}

CheckList OcspChecker::check_chain(const std::vector<crypto::Certificate>& chain,
                                   std::string_view check_name, std::int64_t now,
                                   bool skip_leaf) const {
  CheckList list;
  const std::string name(check_name);
  if (chain.size() < 2) {
    list.skip(name, "chain has no certificate below the root");
    return list;
  }
  const std::size_t first = skip_leaf ? 1 : 0;
  const std::size_t end = chain.size() - 1;  // the root is not asked about
  if (first >= end) {
    list.skip(name, "chain has no certificate to check below the root besides the leaf");
    return list;
  }
  bool any_uri = options_.responder_url.has_value();
  for (std::size_t i = 0; i < end && !any_uri; ++i)
    any_uri = !crypto::ocsp_uris(chain[i]).empty();
  if (!any_uri) {
    list.skip(name, "no certificate of the chain (" + cn_of(chain[first]) +
                        " ...) names an OCSP responder and none is configured; revocation not "
                        "checked");
    return list;
  }

  std::string failures;
  std::string notes;
  std::size_t from_store = 0;
  for (std::size_t i = first; i < end; ++i) {
    const OcspCertResult r = check_certificate(chain, i, now);
    std::string problem;
    if (!r.response) {
      problem = "no valid OCSP response (" + r.error + ")";
    } else if (r.response->status == crypto::OcspCertStatus::kUnknown) {
      problem = "OCSP status unknown";
    } else if (r.response->status == crypto::OcspCertStatus::kRevoked) {
      const std::string& reason = r.response->revocation_reason;
      if (reason == "certificateHold" && options_.allow_hold) {
        notes += "; " + r.common_name + " on certificateHold (allowed by policy)";
      } else {
        problem = "revoked (" + (reason.empty() ? std::string("no reason given") : reason) + ")";
        if (reason == "certificateHold") problem += ", hold not allowed by policy";
      }
    }
    if (r.source == "stored") ++from_store;
    if (!problem.empty()) {
      if (!failures.empty()) failures += "; ";
      failures += "certificate " + r.common_name + ": " + problem;
    }
  }
  if (!failures.empty()) {
    list.fail(name, failures);
    return list;
  }
  std::string detail = "good: " + std::to_string(end - first) + " certificates";
  if (from_store > 0) detail += " (" + std::to_string(from_store) + " from stored responses)";
  list.pass(name, detail + notes);
  return list;
}

}  // namespace cllm::gpu
