// The DCAP collateral document parsers (TCB info, QE identity) and the policy file parser,
// on arbitrary text. Each must return a value or an error, never crash or hang.
#include <cstdint>
#include <string_view>

#include "cllm/tdx/policy.hpp"
#include "cllm/tdx/qe_identity.hpp"
#include "cllm/tdx/tcb_info.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string_view text(reinterpret_cast<const char*>(data), size);
  auto info = cllm::tdx::parse_tcb_info(text);
  if (info.ok()) {
    (void)info->module_identity("TDX_01");
  }
  (void)cllm::tdx::parse_qe_identity(text);
  (void)cllm::tdx::parse_policy_json(text);
  (void)cllm::tdx::parse_rfc3339(text);
  return 0;
}
