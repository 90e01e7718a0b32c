// A client for Intel PCS v4 and for PCCS (the caching service with the same API): fetches the
// collateral a DCAP verifier needs for one platform (FMSPC), PCK CA and TEE type.
//
// HTTP is injected (HttpGet), so tests point the client at a loopback server and production
// wires it to net's HTTPS client. Every error names the URL and, for HTTP failures, the
// status.
#pragma once

#include <array>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "cllm/common/bytes.hpp"
#include "cllm/common/result.hpp"
#include "cllm/net/http_client.hpp"
#include "cllm/tdx/collateral.hpp"

namespace cllm::crypto {
class Certificate;
}

namespace cllm::tdx {

enum class CollateralTee { kSgx, kTdx };
enum class PckCaType { kPlatform, kProcessor };

std::string_view to_string(CollateralTee tee);  // "sgx" / "tdx" (the PCS path segment)
std::string_view to_string(PckCaType ca);       // "platform" / "processor" (the ca= value)

// What identifies a collateral set: PCS serves one per (TEE, FMSPC); the PCK CRL depends on
// the CA that issued the PCK leaf.
struct CollateralRequest {
  CollateralTee tee = CollateralTee::kTdx;
  std::array<std::uint8_t, 6> fmspc{};
  PckCaType ca = PckCaType::kPlatform;
  bool operator==(const CollateralRequest&) const = default;
};

// The PCK CA type from the PCK leaf's issuer CN ("Intel SGX PCK Platform CA" / "... Processor
// CA"); an error for any other issuer.
Result<PckCaType> pck_ca_type_of(const crypto::Certificate& pck_leaf);
// FMSPC (from the SGX extension) and CA type of a PCK leaf.
Result<CollateralRequest> collateral_request_for(const crypto::Certificate& pck_leaf,
                                                 CollateralTee tee);

// GET url -> the complete response (any status), or an error when no response arrived.
using HttpGet = std::function<Result<net::ClientResponse>(const std::string& url)>;
// An HttpGet over net's client (which must have a TLS context for https:// URLs).
HttpGet http_get_over(std::shared_ptr<const net::HttpClient> client);

struct PcsOptions {
  // PCS: "https://api.trustedservices.intel.com"; PCCS: e.g. "https://localhost:8081".
  // The client appends "/sgx/certification/v4/..." and "/tdx/certification/v4/...".
  std::string base_url = "https://api.trustedservices.intel.com";
  // PCCS serves the root CA CRL at /sgx/certification/v4/rootcacrl (hex text); PCS does not,
  // and the CRL comes from the root certificate's CRL distribution point instead.
  bool pccs = false;
  std::string root_ca_crl_url = "https://certificates.trustedservices.intel.com/IntelSGXRootCA.der";
  // PCS "update" parameter ("early" or "standard"); empty: the service's default (standard).
  std::string update;
  // Bound on every response body.
  std::size_t max_body_size = 8 * 1024 * 1024;
};

// A signed PCS document as served: the exact signed text, its signature, and the PEM chain
// from the issuer-chain header.
struct SignedDocument {
  std::string body;
  Bytes signature;
  std::string issuer_chain;
};

struct FetchedCrl {
  Bytes der;
  std::string issuer_chain;  // empty for the root CA CRL
};

class PcsClient {
 public:
  PcsClient(PcsOptions options, HttpGet get);

  Result<SignedDocument> fetch_tcb_info(CollateralTee tee,
                                        const std::array<std::uint8_t, 6>& fmspc) const;
  Result<SignedDocument> fetch_qe_identity(CollateralTee tee) const;
  Result<FetchedCrl> fetch_pck_crl(PckCaType ca) const;
  Result<FetchedCrl> fetch_root_ca_crl() const;
  // All of the above, assembled.
  Result<Collateral> fetch_collateral(const CollateralRequest& request) const;

  // The URLs used (exposed for logs and tests).
  std::string tcb_info_url(CollateralTee tee, const std::array<std::uint8_t, 6>& fmspc) const;
  std::string qe_identity_url(CollateralTee tee) const;
  std::string pck_crl_url(PckCaType ca) const;
  std::string root_ca_crl_url() const;

 private:
  Result<net::ClientResponse> get_ok(const std::string& url) const;
  Result<std::string> issuer_chain(const net::ClientResponse& response, const std::string& url,
                                   std::initializer_list<std::string_view> header_names) const;

  PcsOptions options_;
  HttpGet get_;
};

}  // namespace cllm::tdx
