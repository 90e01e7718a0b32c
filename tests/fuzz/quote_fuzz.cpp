// DCAP quotes from outside (files, the network, configfs): parse_quote, decode_quote_file and
// the JSON/text renderings must survive arbitrary bytes. When a parse succeeds, the parsed
// quote must be self-consistent and rebuild to the same bytes.
#include <algorithm>
#include <cstdint>
#include <cstdlib>

#include "cllm/tdx/quote.hpp"
#include "cllm/tdx/quote_json.hpp"

namespace {

void check(bool condition) {
  if (!condition) std::abort();
}

void exercise(cllm::ByteView bytes) {
  auto quote = cllm::tdx::parse_quote(bytes);
  if (!quote.ok()) return;
  const cllm::tdx::Quote& q = *quote;
  // raw is a prefix of the input, the signed region a prefix of raw.
  check(q.raw.size() <= bytes.size());
  check(std::equal(q.raw.begin(), q.raw.end(), bytes.begin()));
  check(q.signed_region_size < q.raw.size());
  check(q.certification.qe_report_raw.size() == cllm::tdx::EnclaveReport::kSize);

  // Only the quote's own bytes matter: parsing raw alone gives the same quote.
  auto again = cllm::tdx::parse_quote(q.raw);
  check(again.ok());
  check(again->raw == q.raw);
  check(again->signed_region_size == q.signed_region_size);

  (void)cllm::tdx::quote_to_json(q).dump();
  (void)cllm::tdx::quote_to_text(q);

  // Rebuilding from fields: identical for TD report bodies; SGX enclave report bodies lose
  // their reserved bytes (written as zeros), so there only the re-parse must agree.
  auto rebuilt = cllm::tdx::serialize_quote(q);
  check(rebuilt.ok());
  check(rebuilt->size() == q.raw.size());
  if (q.is_tdx()) check(*rebuilt == q.raw);
  auto reparsed = cllm::tdx::parse_quote(*rebuilt);
  check(reparsed.ok());
  check(reparsed->header == q.header);
  check(reparsed->body == q.body);
  check(reparsed->body_type == q.body_type);
  check(reparsed->signature == q.signature);
  check(reparsed->attestation_key == q.attestation_key);
  check(reparsed->certification == q.certification);
  check(reparsed->signed_region_size == q.signed_region_size);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  cllm::ByteView bytes(data, size);
  exercise(bytes);
  if (auto decoded = cllm::tdx::decode_quote_file(bytes); decoded.ok()) exercise(*decoded);
  return 0;
}
