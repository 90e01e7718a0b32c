#include "cllm/net/url.hpp"

#include <arpa/inet.h>

#include <array>
#include <charconv>

#include "cllm/net/http_types.hpp"

namespace cllm::net {
namespace {

Error url_error(std::string_view what, std::size_t offset) {
  return make_error(ErrorCode::kParse,
                    "url: " + std::string(what) + " at offset " + std::to_string(offset));
}

int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

bool is_unreserved(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' ||
         c == '.' || c == '_' || c == '~';
}

// Characters allowed in a reg-name host: unreserved, sub-delims that hosts actually use, and
// '%' for percent-encoded socket paths (http+unix).
bool is_host_char(char c) {
  return is_unreserved(c) || c == '%';
}

Result<std::uint16_t> parse_port(std::string_view text, std::size_t offset) {
  if (text.empty() || text.size() > 5) return url_error("invalid port", offset);
  unsigned value = 0;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc() || end != text.data() + text.size() || value == 0 || value > 65535) {
    return url_error("invalid port", offset);
  }
  return static_cast<std::uint16_t>(value);
}

bool is_ipv4(const std::string& host) {
  std::array<unsigned char, 4> buf{};
  return inet_pton(AF_INET, host.c_str(), buf.data()) == 1;
}

bool is_ipv6(const std::string& host) {
  std::array<unsigned char, 16> buf{};
  return inet_pton(AF_INET6, host.c_str(), buf.data()) == 1;
}

// Splits "host[:port]" (or "[v6][:port]") starting at `base` in the original text.
Status parse_authority(std::string_view authority, std::size_t base, Url& url) {
  if (authority.find('@') != std::string_view::npos) {
    return url_error("user info is not allowed", base + authority.find('@'));
  }
  std::string_view host;
  std::string_view port;
  std::size_t port_offset = 0;
  if (!authority.empty() && authority.front() == '[') {
    const auto close = authority.find(']');
    if (close == std::string_view::npos) return url_error("unterminated IPv6 literal", base);
    host = authority.substr(1, close - 1);
    const auto rest = authority.substr(close + 1);
    if (!rest.empty()) {
      if (rest.front() != ':') return url_error("unexpected text after IPv6 literal", base + close);
      port = rest.substr(1);
      port_offset = base + close + 2;
    }
    url.host = std::string(host);
    if (!is_ipv6(url.host)) return url_error("invalid IPv6 literal", base + 1);
  } else {
    const auto colon = authority.rfind(':');
    host = authority.substr(0, colon);
    if (colon != std::string_view::npos) {
      port = authority.substr(colon + 1);
      port_offset = base + colon + 1;
      if (port.empty()) return url_error("empty port", port_offset);
    }
    for (std::size_t i = 0; i < host.size(); ++i) {
      if (!is_host_char(host[i])) return url_error("invalid character in host", base + i);
    }
    url.host = std::string(host);
  }
  if (url.host.empty()) return url_error("empty host", base);
  if (!port.empty()) {
    CLLM_ASSIGN_OR_RETURN(url.port, parse_port(port, port_offset));
  }
  return ok_status();
}

// Path and query: printable ASCII except space, '#' already stripped.
Status check_target(std::string_view target, std::size_t base) {
  for (std::size_t i = 0; i < target.size(); ++i) {
    const auto c = static_cast<unsigned char>(target[i]);
    if (c <= 0x20 || c >= 0x7f) return url_error("invalid character in path or query", base + i);
  }
  return ok_status();
}

}  // namespace

std::string Url::host_header() const {
  if (scheme == Scheme::kUnix) return "localhost";
  std::string out = host.find(':') != std::string::npos ? "[" + host + "]" : host;
  const std::uint16_t default_port = scheme == Scheme::kHttps ? 443 : 80;
  if (port != default_port) out += ":" + std::to_string(port);
  return out;
}

bool Url::host_is_ip_literal() const {
  return is_ipv4(host) || is_ipv6(host);
}

Result<Url> parse_url(std::string_view text) {
  if (text.size() > kMaxUrlLength) {
    return make_error(ErrorCode::kLimit, "url: longer than " + std::to_string(kMaxUrlLength));
  }
  for (std::size_t i = 0; i < text.size(); ++i) {
    const auto c = static_cast<unsigned char>(text[i]);
    if (c <= 0x20 || c >= 0x7f) return url_error("invalid character", i);
  }
  const auto sep = text.find("://");
  if (sep == std::string_view::npos) return url_error("missing \"://\"", 0);
  const auto scheme = text.substr(0, sep);
  auto rest = text.substr(sep + 3);
  const std::size_t rest_base = sep + 3;
  if (const auto hash = rest.find('#'); hash != std::string_view::npos) rest = rest.substr(0, hash);

  Url url;
  if (iequals(scheme, "unix")) {
    url.scheme = Scheme::kUnix;
    if (rest.empty() || rest.front() != '/') {
      return url_error("unix socket path must be absolute", rest_base);
    }
    if (rest.find('?') != std::string_view::npos) {
      return url_error("unix URL takes no query (pass the target separately)", rest_base);
    }
    url.socket_path = std::string(rest);
    url.target = "/";
    return url;
  }
  const bool http_unix = iequals(scheme, "http+unix");
  if (iequals(scheme, "http") || http_unix) {
    url.scheme = Scheme::kHttp;
    url.port = 80;
  } else if (iequals(scheme, "https")) {
    url.scheme = Scheme::kHttps;
    url.port = 443;
  } else {
    return url_error("unsupported scheme \"" + std::string(scheme) + "\"", 0);
  }

  const auto path_start = rest.find_first_of("/?");
  const auto authority = rest.substr(0, path_start);
  std::string_view target =
      path_start == std::string_view::npos ? std::string_view() : rest.substr(path_start);
  CLLM_TRY(
      check_target(target, rest_base + (path_start == std::string_view::npos ? 0 : path_start)));
  if (target.empty()) {
    url.target = "/";
  } else if (target.front() == '?') {
    url.target = "/" + std::string(target);
  } else {
    url.target = std::string(target);
  }

  if (http_unix) {
    url.scheme = Scheme::kUnix;
    url.port = 0;
    CLLM_ASSIGN_OR_RETURN(url.socket_path, percent_decode(authority));
    if (url.socket_path.empty() || url.socket_path.front() != '/') {
      return url_error("unix socket path must be absolute", rest_base);
    }
    if (url.socket_path.find('\0') != std::string::npos) {
      return url_error("NUL in unix socket path", rest_base);
    }
    return url;
  }
  CLLM_TRY(parse_authority(authority, rest_base, url));
  if (url.host.find('%') != std::string::npos) return url_error("'%' in host", rest_base);
  return url;
}

Result<std::string> percent_decode(std::string_view text, bool plus_as_space) {
  std::string out;
  out.reserve(text.size());
  for (std::size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if (c == '%') {
      if (i + 2 >= text.size()) {
        return make_error(ErrorCode::kParse,
                          "percent-decoding: truncated escape at offset " + std::to_string(i));
      }
      const int hi = hex_value(text[i + 1]);
      const int lo = hex_value(text[i + 2]);
      if (hi < 0 || lo < 0) {
        return make_error(ErrorCode::kParse,
                          "percent-decoding: invalid escape at offset " + std::to_string(i));
      }
      out.push_back(static_cast<char>(hi * 16 + lo));
      i += 2;
    } else if (c == '+' && plus_as_space) {
      out.push_back(' ');
    } else {
      out.push_back(c);
    }
  }
  return out;
}

std::string percent_encode(std::string_view text) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  out.reserve(text.size());
  for (const char c : text) {
    if (is_unreserved(c)) {
      out.push_back(c);
    } else {
      const auto b = static_cast<unsigned char>(c);
      out.push_back('%');
      out.push_back(kHex[b >> 4]);
      out.push_back(kHex[b & 0x0f]);
    }
  }
  return out;
}

Result<std::vector<std::pair<std::string, std::string>>> parse_query(std::string_view query) {
  std::vector<std::pair<std::string, std::string>> out;
  std::size_t start = 0;
  while (start <= query.size()) {
    auto end = query.find('&', start);
    if (end == std::string_view::npos) end = query.size();
    const auto piece = query.substr(start, end - start);
    if (!piece.empty()) {
      if (out.size() >= kMaxQueryParameters) {
        return make_error(
            ErrorCode::kLimit,
            "query: more than " + std::to_string(kMaxQueryParameters) + " parameters");
      }
      const auto eq = piece.find('=');
      auto key = percent_decode(piece.substr(0, eq), true);
      if (!key)
        return std::move(key).error().context("query key at offset " + std::to_string(start));
      std::string value;
      if (eq != std::string_view::npos) {
        auto decoded = percent_decode(piece.substr(eq + 1), true);
        if (!decoded) {
          return std::move(decoded).error().context("query value at offset " +
                                                    std::to_string(start + eq + 1));
        }
        value = std::move(decoded).value();
      }
      out.emplace_back(std::move(key).value(), std::move(value));
    }
    start = end + 1;
  }
  return out;
}

}  // namespace cllm::net
