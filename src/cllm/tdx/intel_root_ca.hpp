// The Intel SGX Root CA, pinned by its full DER: the default trust anchor for TDX and SGX
// quotes (the PCK chain, the TCB signing chain and both CRLs end here).
#pragma once

#include <string_view>

#include "cllm/common/bytes.hpp"

namespace cllm::tdx {

inline constexpr std::string_view kIntelSgxRootCaSha256 =
    "44a0196b2b99f889b8e149e95b807a350e7424964399e885a7cbb8ccfab674d3";

ByteView intel_sgx_root_ca_der();

}  // namespace cllm::tdx
