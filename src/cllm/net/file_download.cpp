#include "cllm/net/file_download.hpp"

#include <filesystem>
#include <fstream>

#include "cllm/common/hex.hpp"
#include "cllm/crypto/file_digest.hpp"
#include "cllm/net/url.hpp"

namespace cllm::net {

namespace {

namespace fs = std::filesystem;

Result<std::string> file_sha256_hex(const std::string& path) {
  auto digest = crypto::sha256_file(path);
  if (!digest) return std::move(digest).error();
  return to_hex(*digest);
}

std::string lower(std::string s) {
  for (char& c : s)
    c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

// The total size from "Content-Range: bytes a-b/total", or 0.
std::uint64_t total_from_content_range(std::string_view value) {
  auto slash = value.rfind('/');
  if (slash == std::string_view::npos) return 0;
  try {
    return std::stoull(std::string(value.substr(slash + 1)));
  } catch (...) {
    return 0;
  }
}

std::uint64_t parse_length(std::optional<std::string_view> value) {
  if (!value) return 0;
  try {
    return std::stoull(std::string(*value));
  } catch (...) {
    return 0;
  }
}

// Resolves a Location header against the URL it came from.
Result<std::string> resolve_location(const std::string& base, std::string_view location) {
  if (location.starts_with("http://") || location.starts_with("https://")) {
    return std::string(location);
  }
  CLLM_ASSIGN_OR_RETURN(auto url, parse_url(base));
  std::string origin =
      std::string(url.scheme == Scheme::kHttps ? "https://" : "http://") + url.host_header();
  if (location.starts_with("/")) return origin + std::string(location);
  return make_error(ErrorCode::kParse,
                    "unsupported redirect location '" + std::string(location.substr(0, 200)) + "'");
}

}  // namespace

Result<DownloadResult> download_file(const DownloadOptions& options) {
  std::string expected = lower(options.expected_sha256);
  if (expected.size() != 64 || !from_hex(expected)) {
    return make_error(ErrorCode::kInvalidArgument,
                      "download: expected_sha256 must be 64 hex digits");
  }
  DownloadResult result;
  result.path = options.destination;
  std::error_code ec;
  if (fs::exists(options.destination, ec)) {
    CLLM_ASSIGN_OR_RETURN(auto have, file_sha256_hex(options.destination));
    if (have == expected) {
      result.already_present = true;
      result.size = fs::file_size(options.destination, ec);
      return result;
    }
    return make_error(ErrorCode::kVerification,
                      "download: " + options.destination + " exists but its SHA-256 is " + have +
                          ", not the pinned " + expected + "; remove it to download again");
  }
  fs::create_directories(fs::path(options.destination).parent_path(), ec);
  const std::string partial = options.destination + ".partial";
  std::uint64_t offset = fs::exists(partial, ec) ? fs::file_size(partial, ec) : 0;
  result.resumed_from = offset;

  HttpClient client(options.client);
  std::string url = options.url;
  bool was_https = url.starts_with("https://");
  for (int redirects = 0;; ++redirects) {
    ClientRequest request;
    request.url = url;
    if (offset > 0) request.headers.set("Range", "bytes=" + std::to_string(offset) + "-");
    std::ofstream out;
    bool opened = false;
    DownloadProgress progress;
    progress.resumed_from = offset;
    progress.received = offset;
    Status write_error;
    int status = 0;
    request.on_response_head = [&status](int code, const Headers&) { status = code; };
    auto response = client.stream(request, [&](std::string_view chunk) {
      if (!opened) {
        // Opened on the first byte, when the status is known to be 2xx: a 206 appends, a
        // 200 (the server ignored Range) starts over.
        opened = true;
        bool append = status == 206;
        out.open(partial, std::ios::binary | (append ? std::ios::app : std::ios::trunc));
        if (!append) progress.received = 0;
      }
      if (progress.received + chunk.size() > options.max_bytes) {
        write_error =
            make_error(ErrorCode::kLimit,
                       "download: more than " + std::to_string(options.max_bytes) + " bytes");
        return false;
      }
      out.write(chunk.data(), static_cast<std::streamsize>(chunk.size()));
      if (!out) {
        write_error = make_error(ErrorCode::kIo, "download: cannot write " + partial);
        return false;
      }
      progress.received += chunk.size();
      if (options.on_progress) options.on_progress(progress);
      return true;
    });
    if (!response) {
      auto parsed = parse_url(url);
      std::string host = parsed ? parsed->host : url;
      return std::move(response).error().context("download: cannot reach " + host +
                                                 " (no network, or the host is down)");
    }
    if (!write_error) return write_error.error();
    int code = response->status;
    if (code == 301 || code == 302 || code == 303 || code == 307 || code == 308) {
      if (redirects >= options.max_redirects) {
        return make_error(ErrorCode::kIo, "download: too many redirects");
      }
      auto location = response->headers.get("Location");
      if (!location) return make_error(ErrorCode::kParse, "download: redirect without Location");
      CLLM_ASSIGN_OR_RETURN(url, resolve_location(url, *location));
      if (was_https && !url.starts_with("https://")) {
        return make_error(ErrorCode::kVerification,
                          "download: refusing a redirect from https to plain http");
      }
      continue;
    }
    if (code == 416 && offset > 0) {
      // The partial file is already complete (or longer than the file): verify it below.
    } else if (code != 200 && code != 206) {
      return make_error(ErrorCode::kIo, "download: " + url.substr(0, 300) + " answered HTTP " +
                                            std::to_string(code));
    }
    if (opened) out.close();
    std::uint64_t total =
        code == 206 ? total_from_content_range(response->headers.get("Content-Range").value_or(""))
                    : parse_length(response->headers.get("Content-Length"));
    std::uint64_t have = fs::exists(partial, ec) ? fs::file_size(partial, ec) : 0;
    if (total != 0 && have < total) {
      return make_error(ErrorCode::kIo, "download: connection ended after " + std::to_string(have) +
                                            " of " + std::to_string(total) +
                                            " bytes; run again to resume");
    }
    CLLM_ASSIGN_OR_RETURN(auto got, file_sha256_hex(partial));
    if (got != expected) {
      fs::remove(partial, ec);
      return make_error(ErrorCode::kVerification, "download: SHA-256 of " + url.substr(0, 300) +
                                                      " is " + got + ", not the pinned " +
                                                      expected + "; the file was deleted");
    }
    fs::rename(partial, options.destination, ec);
    if (ec) {
      return make_error(ErrorCode::kIo, "download: cannot rename " + partial + ": " + ec.message());
    }
    result.size = have;
    return result;
  }
}

}  // namespace cllm::net
