#include "cllm/node/node.hpp"

#include <openssl/crypto.h>

#include "cllm/common/log.hpp"
#include "cllm/node/node_state.hpp"
#include "cllm/node/openai_response.hpp"

namespace cllm::node {

namespace {

std::string_view error_type_for(int status) {
  switch (status) {
    case 401:
      return "authentication_error";
    case 404:
      return "not_found_error";
    case 413:
      return "request_too_large";
    default:
      return status >= 500 ? "server_error" : "invalid_request_error";
  }
}

void handle_health(Node::State& state, const net::Request&,
                   std::shared_ptr<net::ResponseWriter> writer) {
  send_json(state, *writer, "/health", 200, R"({"status":"ok"})");
}

void handle_metrics(Node::State& state, const net::Request&,
                    std::shared_ptr<net::ResponseWriter> writer) {
  state.metrics.count_request("/metrics", 200);
  net::Response r = net::Response::text(200, state.metrics.render());
  r.headers.set("Content-Type", "text/plain; version=0.0.4; charset=utf-8");
  (void)writer->send(std::move(r));
}

// Renews the certificate at half its lifetime, until stop().
void renew_loop(Node::State& state) {
  auto period = std::max<std::chrono::seconds>(state.options.certificate_lifetime / 2,
                                               std::chrono::seconds(1));
  std::unique_lock lock(state.renew_mutex);
  while (!state.stopping) {
    if (state.renew_cv.wait_for(lock, period, [&] { return state.stopping; })) break;
    lock.unlock();
    auto pem = issue_node_certificate(state);
    if (!pem) {
      // Keep serving the current certificate; clients see its expiry and fail closed.
      spdlog::error("RA-TLS certificate renewal failed: {}", pem.error().message());
    } else if (auto s = install_node_certificate(state, *pem); !s) {
      spdlog::error("RA-TLS certificate renewal failed: {}", s.error().message());
    }
    lock.lock();
  }
}

}  // namespace

void send_json(Node::State& state, net::ResponseWriter& writer, std::string_view endpoint,
               int status, std::string body, net::Headers headers) {
  net::Response r = net::Response::json(status, std::move(body));
  for (const auto& [name, value] : headers.fields())
    r.headers.set(name, value);
  state.metrics.count_request(endpoint, status);
  (void)writer.send(std::move(r));
}

void send_error(Node::State& state, net::ResponseWriter& writer, std::string_view endpoint,
                int status, std::string_view message, std::string_view type,
                std::optional<std::string_view> code) {
  send_json(state, writer, endpoint, status, error_json(message, type, code));
}

bool check_api_key(Node::State& state, const net::Request& request, net::ResponseWriter& writer,
                   std::string_view endpoint) {
  const std::string& key = state.options.api_key;
  if (key.empty()) return true;
  auto header = request.headers.get("Authorization");
  constexpr std::string_view kBearer = "Bearer ";
  if (!header || header->size() < kBearer.size() ||
      !net::iequals(header->substr(0, kBearer.size()), kBearer)) {
    send_error(state, writer, endpoint, 401,
               "Missing API key: send it as 'Authorization: Bearer <key>'", "authentication_error",
               "invalid_api_key");
    return false;
  }
  std::string_view given = header->substr(kBearer.size());
  if (!constant_time_equal(as_bytes(given), as_bytes(key))) {
    send_error(state, writer, endpoint, 401, "Incorrect API key", "authentication_error",
               "invalid_api_key");
    return false;
  }
  return true;
}

void handle_models(Node::State& state, const net::Request& request,
                   std::shared_ptr<net::ResponseWriter> writer) {
  if (!check_api_key(state, request, *writer, "/v1/models")) return;
  Json model = Json::object();
  model["id"] = state.options.model_id;
  model["object"] = "model";
  model["created"] = state.started_at;
  model["owned_by"] = "cllm";
  model["sha256"] = state.options.model_sha256;
  Json list{{"object", "list"}, {"data", Json::array({model})}};
  send_json(state, *writer, "/v1/models", 200, dump_json(list));
}

Node::Node(std::shared_ptr<State> state) : state_(std::move(state)) {}

Node::~Node() {
  stop(std::chrono::milliseconds(0));
}

Result<std::unique_ptr<Node>> Node::create(NodeOptions options,
                                           std::shared_ptr<inference::Engine> engine,
                                           std::shared_ptr<tdx::Attester> attester,
                                           KeyProvider& key_provider) {
  if (!engine || !attester) {
    return make_error(ErrorCode::kInvalidArgument, "node: an engine and an attester are required");
  }
  if (options.model_id.empty()) {
    return make_error(ErrorCode::kInvalidArgument, "node: the model id must not be empty");
  }
  // Measured start comes first: nothing the node says can be trusted unless the verifier
  // can see what runs.
  auto measured =
      compute_measured_start(options.executable, options.config, options.model_measurement);
  if (!measured) return std::move(measured).error().context("measured start");
  if (auto s = extend_measured_start(*attester, *measured); !s) {
    return std::move(s).error().context("measured start");
  }
  auto keys = key_provider.node_keys();
  if (!keys) return std::move(keys).error().context("node keys");
  auto state = std::make_shared<State>(std::move(options), std::move(engine), std::move(attester),
                                       std::move(*keys));
  state->measured = std::move(*measured);
  state->started_at = state->options.clock->now_unix();
  auto identity = public_identity(state->keys);
  if (!identity) return std::move(identity).error();
  state->identity = std::move(*identity);

  auto pem = issue_node_certificate(*state);
  if (!pem) return std::move(pem).error().context("issuing the RA-TLS certificate");
  if (auto s = install_node_certificate(*state, *pem); !s) return std::move(s).error();
  return std::unique_ptr<Node>(new Node(std::move(state)));
}

Result<std::uint16_t> Node::start() {
  State& state = *state_;
  net::ServerOptions server_options;
  server_options.io_threads = state.options.io_threads;
  server_options.limits.max_body_bytes = state.options.max_body_bytes;
  server_options.limits.max_connections = state.options.max_connections;
  server_options.tls = state.tls;
  server_options.error_formatter = [](int status, std::string_view message) {
    return net::Response::json(status, error_json(message, error_type_for(status)));
  };
  state.server = std::make_unique<net::HttpServer>(std::move(server_options));
  auto bind = [&](auto handler) {
    std::weak_ptr<State> weak = state_;
    return
        [weak, handler](const net::Request& request, std::shared_ptr<net::ResponseWriter> writer) {
          if (auto s = weak.lock()) handler(*s, request, std::move(writer));
        };
  };
  state.server->route("POST", "/v1/chat/completions", bind(handle_chat_completions));
  state.server->route("POST", "/v1/completions", bind(handle_completions));
  state.server->route("GET", "/v1/models", bind(handle_models));
  state.server->route("GET", "/health", bind(handle_health));
  state.server->route("GET", "/metrics", bind(handle_metrics));
  state.server->route("GET", "/v1/attestation/report", bind(handle_attestation_report));
  state.server->route_prefix("GET", "/v1/signature/", bind(handle_signature));
  auto port = state.server->listen(state.options.listen);
  if (!port) return std::move(port).error().context("node: listen");
  if (auto s = state.server->start(); !s) return std::move(s).error().context("node: start");
  state.renewer = std::thread([&state] { renew_loop(state); });
  return *port;
}

void Node::stop(std::chrono::milliseconds drain) {
  State& state = *state_;
  {
    std::lock_guard lock(state.renew_mutex);
    state.stopping = true;
  }
  state.renew_cv.notify_all();
  if (state.renewer.joinable()) state.renewer.join();
  if (state.server) state.server->stop(drain);
  // Streams still running after the drain deadline were told their client is gone; the
  // engine stops them at its next step.
  if (state.engine) state.engine->shutdown();
}

std::string Node::certificate_pem() const {
  std::lock_guard lock(state_->cert_mutex);
  return state_->cert_pem;
}

const PublicIdentity& Node::identity() const {
  return state_->identity;
}

}  // namespace cllm::node
