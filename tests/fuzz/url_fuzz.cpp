// URLs come from configuration and from documents (PCCS addresses, upstream endpoints); the
// query parser reads request targets from the network.
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "cllm/net/url.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  auto url = cllm::net::parse_url(text);
  if (url.ok()) {
    if (url->target.empty() || url->target.front() != '/') std::abort();
    if (url->scheme == cllm::net::Scheme::kUnix) {
      if (url->socket_path.empty() || url->socket_path.front() != '/') std::abort();
    } else if (url->host.empty() || url->port == 0) {
      std::abort();
    }
    (void)url->host_header();
    (void)url->host_is_ip_literal();
  }
  (void)cllm::net::parse_query(text);
  auto decoded = cllm::net::percent_decode(text, true);
  const std::string encoded = cllm::net::percent_encode(text);
  auto round_trip = cllm::net::percent_decode(encoded);
  if (!round_trip.ok() || *round_trip != text) std::abort();
  (void)decoded;
  return 0;
}
