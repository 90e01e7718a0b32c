// URLs the HTTP client accepts, and the percent-decoding and query-string helpers the server's
// handlers use. Parsing is strict (outside text): control bytes, spaces, user info and bad
// ports are rejected with an error that names the offset.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "cllm/common/result.hpp"

namespace cllm::net {

inline constexpr std::size_t kMaxUrlLength = 8192;
inline constexpr std::size_t kMaxQueryParameters = 256;

enum class Scheme { kHttp, kHttps, kUnix };

// A parsed URL.
//   http://host[:port][/path][?query]      (default port 80)
//   https://host[:port][/path][?query]     (default port 443)
//   unix:///absolute/socket/path           (HTTP over a unix socket; target "/", the caller
//                                           usually supplies its own target)
//   http+unix://%2Fabsolute%2Fsocket[/path][?query]   (socket path percent-encoded as host)
// Fragments ("#...") are dropped. User info ("user:pass@") is rejected: credentials do not
// belong in URLs, which get logged.
struct Url {
  Scheme scheme = Scheme::kHttp;
  std::string host;          // host name or IP literal; IPv6 without the brackets
  std::uint16_t port = 0;    // explicit or the scheme's default; 0 for unix sockets
  std::string target = "/";  // path plus "?query", as written (still percent-encoded)
  std::string socket_path;   // unix sockets only

  // The Host header value: "host" or "host:port" when the port is not the default,
  // IPv6 in brackets; "localhost" for unix sockets.
  std::string host_header() const;
  // Whether host is an IPv4 or IPv6 literal (no SNI is sent for those).
  bool host_is_ip_literal() const;
};

Result<Url> parse_url(std::string_view text);

// Decodes %XX escapes (and '+' as space when plus_as_space, for form/query data). A '%' not
// followed by two hex digits is an error naming its offset.
Result<std::string> percent_decode(std::string_view text, bool plus_as_space = false);

// Encodes everything except RFC 3986 unreserved characters.
std::string percent_encode(std::string_view text);

// "a=1&b=x%20y&c" -> {("a","1"), ("b","x y"), ("c","")}. Keys and values are decoded with '+'
// as space; empty pieces ("a=1&&b=2") are skipped; order and repeats are kept.
Result<std::vector<std::pair<std::string, std::string>>> parse_query(std::string_view query);

}  // namespace cllm::net
