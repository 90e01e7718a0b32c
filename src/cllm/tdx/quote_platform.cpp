#include "cllm/tdx/quote_platform.hpp"

#include <string>

namespace cllm::tdx {

Result<crypto::Certificate> pck_leaf_certificate(const Quote& quote) {
  if (quote.certification.cert_data_type != 5) {
    return make_error(ErrorCode::kUnsupported,
                      "the quote carries no PCK certificate chain (certification data type " +
                          std::to_string(quote.certification.cert_data_type) + ")");
  }
  CLLM_ASSIGN_OR_RETURN(auto chain,
                        crypto::parse_pem_chain(ByteView(quote.certification.cert_data)));
  for (auto& cert : chain) {
    if (cert.subject().find("SGX PCK Certificate") != std::string::npos) return std::move(cert);
  }
  return make_error(ErrorCode::kParse, "no 'SGX PCK Certificate' in the quote's chain");
}

Result<CollateralRequest> collateral_request_for_quote(const Quote& quote) {
  CLLM_ASSIGN_OR_RETURN(auto leaf, pck_leaf_certificate(quote));
  return collateral_request_for(leaf, quote.is_tdx() ? CollateralTee::kTdx : CollateralTee::kSgx);
}

}  // namespace cllm::tdx
