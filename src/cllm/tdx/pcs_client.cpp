// Intel PCS v4 / PCCS collateral fetching (research notes dcap-tdx.md §3.1).
#include "cllm/tdx/pcs_client.hpp"

#include <utility>

#include "cllm/common/hex.hpp"
#include "cllm/common/json.hpp"
#include "cllm/crypto/x509.hpp"
#include "cllm/net/url.hpp"
#include "cllm/tdx/pck_extension.hpp"

namespace cllm::tdx {
namespace {

Error at_url(const std::string& url, Error error) {
  return std::move(error).context("GET " + url);
}

bool iequal_hex(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i) {
    auto lower = [](char c) { return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c; };
    if (lower(a[i]) != lower(b[i])) return false;
  }
  return true;
}

}  // namespace

std::string_view to_string(CollateralTee tee) {
  return tee == CollateralTee::kTdx ? "tdx" : "sgx";
}
std::string_view to_string(PckCaType ca) {
  return ca == PckCaType::kPlatform ? "platform" : "processor";
}

Result<PckCaType> pck_ca_type_of(const crypto::Certificate& pck_leaf) {
  // RFC 2253 form of Intel's names: "C=US,ST=CA,L=Santa Clara,O=Intel Corporation,CN=...".
  const std::string issuer = pck_leaf.issuer();
  auto has_cn = [&](std::string_view cn) {
    const std::string needle = "CN=" + std::string(cn);
    for (auto pos = issuer.find(needle); pos != std::string::npos;
         pos = issuer.find(needle, pos + 1)) {
      const bool starts = pos == 0 || issuer[pos - 1] == ',';
      const auto end = pos + needle.size();
      if (starts && (end == issuer.size() || issuer[end] == ',')) return true;
    }
    return false;
  };
  if (has_cn("Intel SGX PCK Platform CA")) return PckCaType::kPlatform;
  if (has_cn("Intel SGX PCK Processor CA")) return PckCaType::kProcessor;
  return make_error(
      ErrorCode::kVerification,
      "PCK certificate issuer is neither the PCK Platform CA nor the PCK Processor CA: " + issuer);
}

Result<CollateralRequest> collateral_request_for(const crypto::Certificate& pck_leaf,
                                                 CollateralTee tee) {
  CollateralRequest request;
  request.tee = tee;
  CLLM_ASSIGN_OR_RETURN(request.ca, pck_ca_type_of(pck_leaf));
  CLLM_ASSIGN_OR_RETURN(PckExtension extension, pck_extension_of(pck_leaf));
  request.fmspc = extension.fmspc;
  return request;
}

HttpGet http_get_over(std::shared_ptr<const net::HttpClient> client) {
  return [client = std::move(client)](const std::string& url) { return client->get(url); };
}

PcsClient::PcsClient(PcsOptions options, HttpGet get)
    : options_(std::move(options)), get_(std::move(get)) {
  while (!options_.base_url.empty() && options_.base_url.back() == '/')
    options_.base_url.pop_back();
}

std::string PcsClient::tcb_info_url(CollateralTee tee,
                                    const std::array<std::uint8_t, 6>& fmspc) const {
  std::string url = options_.base_url + "/" + std::string(to_string(tee)) +
                    "/certification/v4/tcb?fmspc=" + to_hex(fmspc);
  if (!options_.update.empty()) url += "&update=" + net::percent_encode(options_.update);
  return url;
}

std::string PcsClient::qe_identity_url(CollateralTee tee) const {
  std::string url =
      options_.base_url + "/" + std::string(to_string(tee)) + "/certification/v4/qe/identity";
  if (!options_.update.empty()) url += "?update=" + net::percent_encode(options_.update);
  return url;
}

std::string PcsClient::pck_crl_url(PckCaType ca) const {
  return options_.base_url + "/sgx/certification/v4/pckcrl?ca=" + std::string(to_string(ca)) +
         "&encoding=der";
}

std::string PcsClient::root_ca_crl_url() const {
  return options_.pccs ? options_.base_url + "/sgx/certification/v4/rootcacrl"
                       : options_.root_ca_crl_url;
}

Result<net::ClientResponse> PcsClient::get_ok(const std::string& url) const {
  if (!get_)
    return make_error(ErrorCode::kInvalidArgument, "GET " + url + ": no HTTP client configured");
  auto response = get_(url);
  if (!response.ok()) return at_url(url, std::move(response).error());
  if (response->status != 200) {
    // The body is not quoted: it is outside text and may be large.
    return make_error(ErrorCode::kIo,
                      "GET " + url + ": HTTP status " + std::to_string(response->status));
  }
  if (response->body.size() > options_.max_body_size) {
    return make_error(ErrorCode::kLimit,
                      "GET " + url + ": body of " + std::to_string(response->body.size()) +
                          " bytes exceeds " + std::to_string(options_.max_body_size));
  }
  return response;
}

Result<std::string> PcsClient::issuer_chain(
    const net::ClientResponse& response, const std::string& url,
    std::initializer_list<std::string_view> header_names) const {
  for (auto name : header_names) {
    auto value = response.headers.get(name);
    if (!value) continue;
    // Not plus_as_space: base64 has '+', which a lenient server may leave unescaped.
    auto pem = net::percent_decode(*value, false);
    if (!pem.ok())
      return at_url(url, std::move(pem).error().context(std::string(name) + " header"));
    auto chain = crypto::parse_pem_chain(*pem);
    if (!chain.ok())
      return at_url(url, std::move(chain).error().context(std::string(name) + " header"));
    return std::move(*pem);
  }
  return make_error(ErrorCode::kParse,
                    "GET " + url + ": missing header " + std::string(*header_names.begin()));
}

Result<SignedDocument> PcsClient::fetch_tcb_info(CollateralTee tee,
                                                 const std::array<std::uint8_t, 6>& fmspc) const {
  const std::string url = tcb_info_url(tee, fmspc);
  CLLM_ASSIGN_OR_RETURN(auto response, get_ok(url));
  auto split = split_pcs_signed_json(response.body, "tcbInfo");
  if (!split.ok()) return at_url(url, std::move(split).error());
  // A PCS/PCCS that answers for another platform is caught here rather than as a confusing
  // TCB mismatch later.
  auto parsed = parse_json(split->body);
  if (!parsed.ok()) return at_url(url, std::move(parsed).error());
  auto served = json_string(*parsed, "fmspc");
  if (!served.ok()) return at_url(url, std::move(served).error().context("tcbInfo"));
  if (!iequal_hex(*served, to_hex(fmspc))) {
    return make_error(ErrorCode::kVerification, "GET " + url + ": TCB info is for FMSPC " +
                                                    *served + ", requested " + to_hex(fmspc));
  }
  SignedDocument out;
  out.body = std::move(split->body);
  out.signature = std::move(split->signature);
  CLLM_ASSIGN_OR_RETURN(
      out.issuer_chain,
      issuer_chain(response, url, {"TCB-Info-Issuer-Chain", "SGX-TCB-Info-Issuer-Chain"}));
  return out;
}

Result<SignedDocument> PcsClient::fetch_qe_identity(CollateralTee tee) const {
  const std::string url = qe_identity_url(tee);
  CLLM_ASSIGN_OR_RETURN(auto response, get_ok(url));
  auto split = split_pcs_signed_json(response.body, "enclaveIdentity");
  if (!split.ok()) return at_url(url, std::move(split).error());
  SignedDocument out;
  out.body = std::move(split->body);
  out.signature = std::move(split->signature);
  CLLM_ASSIGN_OR_RETURN(out.issuer_chain,
                        issuer_chain(response, url, {"SGX-Enclave-Identity-Issuer-Chain"}));
  return out;
}

Result<FetchedCrl> PcsClient::fetch_pck_crl(PckCaType ca) const {
  const std::string url = pck_crl_url(ca);
  CLLM_ASSIGN_OR_RETURN(auto response, get_ok(url));
  FetchedCrl out;
  auto der = normalize_crl(as_bytes(response.body), "PCK CRL");
  if (!der.ok()) return at_url(url, std::move(der).error());
  out.der = std::move(*der);
  CLLM_ASSIGN_OR_RETURN(out.issuer_chain,
                        issuer_chain(response, url, {"SGX-PCK-CRL-Issuer-Chain"}));
  return out;
}

Result<FetchedCrl> PcsClient::fetch_root_ca_crl() const {
  const std::string url = root_ca_crl_url();
  CLLM_ASSIGN_OR_RETURN(auto response, get_ok(url));
  auto der = normalize_crl(as_bytes(response.body), "root CA CRL");
  if (!der.ok()) return at_url(url, std::move(der).error());
  return FetchedCrl{std::move(*der), {}};
}

Result<Collateral> PcsClient::fetch_collateral(const CollateralRequest& request) const {
  Collateral out;
  CLLM_ASSIGN_OR_RETURN(auto tcb, fetch_tcb_info(request.tee, request.fmspc));
  CLLM_ASSIGN_OR_RETURN(auto qe, fetch_qe_identity(request.tee));
  CLLM_ASSIGN_OR_RETURN(auto pck_crl, fetch_pck_crl(request.ca));
  CLLM_ASSIGN_OR_RETURN(auto root_crl, fetch_root_ca_crl());
  out.pck_crl_issuer_chain = std::move(pck_crl.issuer_chain);
  out.root_ca_crl = std::move(root_crl.der);
  out.pck_crl = std::move(pck_crl.der);
  out.tcb_info_issuer_chain = std::move(tcb.issuer_chain);
  out.tcb_info = std::move(tcb.body);
  out.tcb_info_signature = std::move(tcb.signature);
  out.qe_identity_issuer_chain = std::move(qe.issuer_chain);
  out.qe_identity = std::move(qe.body);
  out.qe_identity_signature = std::move(qe.signature);
  return out;
}

}  // namespace cllm::tdx
