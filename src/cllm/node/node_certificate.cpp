// The node's RA-TLS certificate: issued over a fresh quote at start and at every renewal.
#include <openssl/x509.h>

#include "cllm/crypto/x509_ptr.hpp"
#include "cllm/node/node_state.hpp"
#include "cllm/ratls/certificate.hpp"

namespace cllm::node {

Result<std::string> issue_node_certificate(Node::State& state) {
  ratls::RatlsIssueOptions options;
  options.names.dns_names = state.options.tls_dns_names;
  options.names.ip_addresses = state.options.tls_ip_addresses;
  options.validity_seconds = state.options.certificate_lifetime.count();
  auto issued = ratls::make_ratls_certificate(*state.attester, state.keys.tls.pkey(),
                                              base_claims(state, attest::kPurposeRatls), options);
  if (!issued) return std::move(issued).error();
  auto evidence = ratls::parse_ratls_evidence(issued->der);
  if (!evidence) return std::move(evidence).error().context("re-reading the issued certificate");
  {
    std::lock_guard lock(state.cert_mutex);
    state.ratls_quote = std::move(evidence->quote);
  }
  return std::move(issued->pem);
}

Status install_node_certificate(Node::State& state, const std::string& pem) {
  auto chain = crypto::parse_pem_chain(as_bytes(pem));
  if (!chain || chain->empty()) {
    return make_error(ErrorCode::kInternal, "the issued RA-TLS certificate does not parse");
  }
  const Bytes& der = (*chain)[0].der();
  const unsigned char* p = der.data();
  X509* leaf = d2i_X509(nullptr, &p, static_cast<long>(der.size()));
  if (!leaf) return make_error(ErrorCode::kInternal, "d2i_X509 of the issued certificate failed");
  Status status;
  if (!state.tls) {
    auto tls = net::TlsServerContext::from_openssl(leaf, state.keys.tls.pkey());
    if (tls) {
      state.tls = std::move(*tls);
    } else {
      status = std::move(tls).error();
    }
  } else {
    status = state.tls->replace_certificate(leaf, state.keys.tls.pkey());
  }
  X509_free(leaf);
  if (!status) return status;
  std::lock_guard lock(state.cert_mutex);
  state.cert_pem = pem;
  return {};
}

}  // namespace cllm::node
