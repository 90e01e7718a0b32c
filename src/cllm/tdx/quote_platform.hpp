// What a quote says about the platform that made it, for looking up its collateral: the PCK
// leaf certificate from the certification data, and from it the FMSPC and PCK CA type.
#pragma once

#include "cllm/common/result.hpp"
#include "cllm/crypto/x509.hpp"
#include "cllm/tdx/pcs_client.hpp"
#include "cllm/tdx/quote.hpp"

namespace cllm::tdx {

// The "SGX PCK Certificate" of the quote's PEM chain (certification data type 5); kUnsupported
// for other certification data types.
Result<crypto::Certificate> pck_leaf_certificate(const Quote& quote);

// FMSPC, CA type and TEE type of the quote's platform: what to ask PCS/PCCS for.
Result<CollateralRequest> collateral_request_for_quote(const Quote& quote);

}  // namespace cllm::tdx
