// Downloads one large file (a model) to disk: resumable, verified, atomic.
//
// The body goes to "<dest>.partial"; an interrupted download resumes from its size with an
// HTTP Range request (a server that ignores Range makes it start over). When the body is
// complete its SHA-256 must equal the pinned value, and only then is the file renamed to
// `dest`, so `dest` never holds unverified bytes. A finished `dest` whose hash matches is
// reused without a request. Redirects (Hugging Face answers with a 302 to its CDN) are
// followed up to a bound; an https URL never redirects to plain http.
#pragma once

#include <cstdint>
#include <functional>
#include <string>

#include "cllm/common/result.hpp"
#include "cllm/net/http_client.hpp"

namespace cllm::net {

struct DownloadProgress {
  std::uint64_t received = 0;  // bytes in the destination so far (resumed bytes included)
  std::uint64_t total = 0;     // 0 when the server did not say
  std::uint64_t resumed_from = 0;
};

struct DownloadOptions {
  std::string url;
  std::string destination;      // final path; "<destination>.partial" while downloading
  std::string expected_sha256;  // 64 hex digits, required
  ClientOptions client;         // TLS trust (system store for Hugging Face), timeouts
  int max_redirects = 5;
  std::uint64_t max_bytes = 64ull << 30;
  // Called as bytes arrive (rate-limited by the caller if it prints).
  std::function<void(const DownloadProgress&)> on_progress;
};

struct DownloadResult {
  std::string path;
  std::uint64_t size = 0;
  bool already_present = false;  // dest existed and matched; nothing was fetched
  std::uint64_t resumed_from = 0;
};

// Errors: kIo for transport failures (the message says the host could not be reached, so a
// caller can tell the user there is no network), kVerification for a hash mismatch (the
// partial file is deleted: its bytes are wrong, resuming would keep them), kLimit, kParse.
Result<DownloadResult> download_file(const DownloadOptions& options);

}  // namespace cllm::net
