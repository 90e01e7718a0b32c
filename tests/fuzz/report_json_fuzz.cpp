// The attestation report JSON a node returns (outside text, read by `cllm verify`): the
// strict parser, and the appraisal that must turn any parsed report into factors without
// crashing (no collateral is given, so nothing reaches the network or the clock).
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "cllm/attest/appraisal.hpp"
#include "cllm/attest/report.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string_view text(reinterpret_cast<const char*>(data), size);
  auto report = cllm::attest::parse_report(text);
  if (!report.ok()) return 0;
  // What the parser accepts has valid claims, which serialize canonically.
  if (!cllm::attest::canonical_claims(report->claims).ok()) std::abort();
  cllm::attest::AppraisalOptions options;
  options.now = 1767225600;
  cllm::attest::Binding binding;
  binding.expected_nonce = report->request_nonce;
  const auto verdict = cllm::attest::appraise_report(*report, binding, options);
  // Without simulated evidence allowed and with only the report's own collateral, nothing
  // an input can say makes the fuzzer's report acceptable unless it is genuine Intel evidence.
  (void)verdict;
  return 0;
}
