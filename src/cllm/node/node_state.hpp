// What the node's request handlers share (internal to the node module).
#pragma once

#include <condition_variable>
#include <memory>
#include <mutex>
#include <string>
#include <thread>

#include "cllm/attest/claims.hpp"
#include "cllm/net/http_server.hpp"
#include "cllm/net/tls_context.hpp"
#include "cllm/node/measured_start.hpp"
#include "cllm/node/metrics.hpp"
#include "cllm/node/node.hpp"
#include "cllm/node/receipt_store.hpp"

namespace cllm::node {

struct Node::State {
  State(NodeOptions o, std::shared_ptr<inference::Engine> e, std::shared_ptr<tdx::Attester> a,
        NodeKeys k)
      : options(std::move(o)),
        engine(std::move(e)),
        attester(std::move(a)),
        keys(std::move(k)),
        receipts(options.receipt_capacity, options.receipt_ttl) {}

  NodeOptions options;
  std::shared_ptr<inference::Engine> engine;
  std::shared_ptr<tdx::Attester> attester;
  NodeKeys keys;
  PublicIdentity identity;
  MeasuredStart measured;
  Metrics metrics;
  ReceiptStore receipts;
  std::int64_t started_at = 0;

  std::shared_ptr<net::TlsServerContext> tls;
  std::unique_ptr<net::HttpServer> server;

  mutable std::mutex cert_mutex;
  std::string cert_pem;  // the certificate new connections get
  Bytes ratls_quote;     // the quote in that certificate (platform lookups, e.g. collateral)

  std::thread renewer;
  std::mutex renew_mutex;
  std::condition_variable renew_cv;
  bool stopping = false;
};

// Route handlers (completion_api.cpp, attestation_api.cpp, node.cpp).
void handle_chat_completions(Node::State& state, const net::Request& request,
                             std::shared_ptr<net::ResponseWriter> writer);
void handle_completions(Node::State& state, const net::Request& request,
                        std::shared_ptr<net::ResponseWriter> writer);
void handle_models(Node::State& state, const net::Request& request,
                   std::shared_ptr<net::ResponseWriter> writer);
void handle_attestation_report(Node::State& state, const net::Request& request,
                               std::shared_ptr<net::ResponseWriter> writer);
void handle_signature(Node::State& state, const net::Request& request,
                      std::shared_ptr<net::ResponseWriter> writer);

// An OpenAI-shaped error response, counted in the metrics under `endpoint`.
void send_error(Node::State& state, net::ResponseWriter& writer, std::string_view endpoint,
                int status, std::string_view message, std::string_view type,
                std::optional<std::string_view> code = std::nullopt);
// A JSON response counted in the metrics.
void send_json(Node::State& state, net::ResponseWriter& writer, std::string_view endpoint,
               int status, std::string body, net::Headers headers = {});
// True when the request carries the API key (or none is configured); otherwise answers 401.
bool check_api_key(Node::State& state, const net::Request& request, net::ResponseWriter& writer,
                   std::string_view endpoint);

}  // namespace cllm::node

namespace cllm::node {

// Claims with the node's keys, model and tee, issued now; the caller adds the nonce.
attest::Claims base_claims(const Node::State& state, std::string_view purpose);

// Builds RA-TLS claims for the node's keys, gets a quote over them and issues the certificate
// (node_certificate.cpp). Returns the PEM chain; the key is state.keys.tls.
Result<std::string> issue_node_certificate(Node::State& state);
// Makes `pem` (a leaf for state.keys.tls) the certificate of new connections: creates
// state.tls on first use, replaces the certificate afterwards, and updates state.cert_pem.
Status install_node_certificate(Node::State& state, const std::string& pem);

}  // namespace cllm::node
