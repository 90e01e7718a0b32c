// cllm chat URL PROMPT: send one chat completion to a cllm node, stream the answer to stdout,
// then fetch its receipt and check the node's signature over (request hash, response hash)
// against the signing key the attestation binds. With --verify the node is verified first
// (as `cllm verify`) and the connection is pinned to the TLS key that was verified.
#include <cstdio>
#include <memory>

#include "cllm/cli/cli_io.hpp"
#include "cllm/cli/command.hpp"
#include "cllm/cli/node_verify_options.hpp"
#include "cllm/common/hex.hpp"
#include "cllm/crypto/ed25519.hpp"
#include "cllm/crypto/ethereum.hpp"
#include "cllm/crypto/hash.hpp"
#include "cllm/net/sse.hpp"

namespace cllm::cli {

namespace {

struct ChatOptions {
  std::string url;
  std::string prompt;
  std::string system;
  bool verify = false;
  NodeVerifyFlags flags;
  std::string api_key;
  std::string model;
  int max_tokens = 256;
  double temperature = -1;  // < 0: the node's default
};

std::string sha256_hex(std::string_view s) {
  auto d = crypto::sha256(as_bytes(s));
  return d ? to_hex(*d) : std::string();
}

int fail(const std::string& message) {
  std::fprintf(stderr, "cllm chat: %s\n", message.c_str());
  return kExitFailed;
}

// Checks both receipts of `id` against the identity; returns "" or what failed.
std::string check_receipt(const net::HttpClient& client, const std::string& url,
                          const net::Headers& auth, const std::string& id,
                          const std::string& expected_text, const attest::Claims& identity) {
  auto fetch = [&](const char* algo) -> Result<Json> {
    auto r = client.get(url + "/v1/signature/" + id + "?signing_algo=" + algo, auth);
    if (!r) return std::move(r).error();
    if (r->status != 200) {
      return make_error(ErrorCode::kIo,
                        "HTTP " + std::to_string(r->status) + ": " + r->body.substr(0, 200));
    }
    return parse_json(r->body);
  };
  auto ecdsa = fetch("ecdsa");
  if (!ecdsa) return "fetching the ecdsa receipt: " + ecdsa.error().message();
  if (!ecdsa->contains("text") || (*ecdsa)["text"] != expected_text) {
    return "the receipt's text is not SHA-256(request):SHA-256(response) of what was exchanged";
  }
  auto sig = from_hex((*ecdsa).value("signature", ""), true);
  if (!sig) return "the ecdsa signature is not hex";
  auto recovered = crypto::recover_personal_sign_address(as_bytes(expected_text), *sig);
  if (!recovered || crypto::eip55_checksum_address(*recovered) != identity.signing_address) {
    return "the ecdsa signature does not recover to the attested address " +
           identity.signing_address;
  }
  auto ed = fetch("ed25519");
  if (!ed) return "fetching the ed25519 receipt: " + ed.error().message();
  auto ed_sig = from_hex((*ed).value("signature", ""));
  auto ed_key = from_hex(identity.ed25519_public_key);
  if (!ed_sig || !ed_key || !crypto::ed25519_verify(*ed_key, as_bytes(expected_text), *ed_sig)) {
    return "the ed25519 signature does not verify under the attested key";
  }
  return "";
}

int run_chat(const ChatOptions& o) {
  std::string url = o.url;
  while (!url.empty() && url.back() == '/')
    url.pop_back();
  auto verify_options = node_verify_options(o.flags);
  if (!verify_options) return print_error("chat", verify_options.error()), kExitUsage;
  // The API key is a secret: it goes only over the pinned connection, after verification
  // (the report endpoint needs none).
  auto verification = ratls::verify_node(url, *verify_options);
  if (!verification) return print_error("chat", verification.error()), kExitUsage;
  if (o.verify && !verification->accepted) {
    print_node_verification(*verification);
    return fail("the node did not verify; nothing was sent");
  }
  // Without --verify the report is still read for the signing keys, unverified and said so.
  std::optional<attest::Claims> identity = verification->claims;
  if (!identity) identity = verification->report.claims;
  if (!identity) identity = verification->certificate.claims;
  if (!identity) {
    print_node_verification(*verification);
    return fail("the node presented no attestation claims (no signing keys to check)");
  }
  if (o.verify) {
    std::fprintf(stderr, "cllm chat: node verified (%s%s), TLS key %s pinned\n",
                 identity->tee_type.c_str(), identity->tee_type == "sim" ? ", SIMULATED" : "",
                 verification->tls_spki_sha256.substr(0, 16).c_str());
  } else {
    std::fprintf(stderr, "cllm chat: WARNING: the node is NOT verified (use --verify)\n");
  }
  if (verification->tls_spki_sha256.empty()) {
    print_node_verification(*verification);
    return fail("cannot reach the node");
  }
  net::ClientOptions client_options;
  client_options.timeout = std::chrono::seconds(300);
  auto client = ratls::pinned_client(verification->tls_spki_sha256, client_options);
  if (!client) return print_error("chat", client.error()), kExitUsage;

  Json messages = Json::array();
  if (!o.system.empty()) messages.push_back(Json{{"role", "system"}, {"content", o.system}});
  messages.push_back(Json{{"role", "user"}, {"content", o.prompt}});
  Json body{{"messages", messages}, {"stream", true}, {"max_tokens", o.max_tokens}};
  if (!o.model.empty()) body["model"] = o.model;
  if (o.temperature >= 0) body["temperature"] = o.temperature;
  const std::string request_body = body.dump();
  net::ClientRequest request;
  request.method = "POST";
  request.url = url + "/v1/chat/completions";
  request.body = request_body;
  request.headers.set("Content-Type", "application/json");
  net::Headers auth;
  if (!o.api_key.empty()) {
    auth.set("Authorization", "Bearer " + o.api_key);
    request.headers.set("Authorization", "Bearer " + o.api_key);
  }
  std::string raw;
  net::SseParser parser;
  auto response = client->stream(request, [&](std::string_view chunk) {
    raw += chunk;
    auto events = parser.feed(chunk);
    if (!events) return false;
    for (const auto& e : *events) {
      if (e.data == "[DONE]") continue;
      auto j = parse_json(e.data);
      if (!j || !j->contains("choices") || (*j)["choices"].empty()) continue;
      const Json& delta = (*j)["choices"][0].value("delta", Json::object());
      if (delta.contains("content") && delta["content"].is_string()) {
        std::string text = delta["content"];
        std::fwrite(text.data(), 1, text.size(), stdout);
        std::fflush(stdout);
      }
    }
    return true;
  });
  std::fputc('\n', stdout);
  std::fflush(stdout);  // before the receipt lines on stderr, also when both go to one pipe
  if (!response) return print_error("chat", response.error()), kExitFailed;
  if (response->status != 200) {
    return fail("HTTP " + std::to_string(response->status) + ": " + response->body);
  }
  auto id = response->headers.get("X-Cllm-Receipt");
  if (!id) return fail("the response has no X-Cllm-Receipt header");
  const std::string expected = sha256_hex(request_body) + ":" + sha256_hex(raw);
  std::string problem = check_receipt(*client, url, auth, std::string(*id), expected, *identity);
  if (!problem.empty()) return fail("receipt " + std::string(*id) + ": " + problem);
  std::fprintf(stderr,
               "cllm chat: receipt %s: signed by %s (ecdsa, EIP-191) and by the attested "
               "Ed25519 key%s\n",
               std::string(*id).c_str(), identity->signing_address.c_str(),
               o.verify ? "" : " (keys from an UNVERIFIED report)");
  return kExitOk;
}

}  // namespace

Command add_chat_command(CLI::App& app) {
  auto o = std::make_shared<ChatOptions>();
  CLI::App* sub = app.add_subcommand(
      "chat", "Ask a cllm node one question, stream the answer, verify its signed receipt");
  sub->add_option("url", o->url, "The node, e.g. https://127.0.0.1:8443")->required();
  sub->add_option("prompt", o->prompt, "What to ask")->required();
  sub->add_flag("--verify", o->verify, "Verify the node first (as cllm verify) and pin its key");
  add_node_verify_flags(sub, o->flags, false);
  sub->add_option("--system", o->system, "A system message");
  sub->add_option("--model", o->model, "Model id to request");
  sub->add_option("-n,--max-tokens", o->max_tokens, "Tokens to generate")->capture_default_str();
  sub->add_option("--temperature", o->temperature, "Sampling temperature (0 = greedy)");
  sub->add_option("--api-key", o->api_key, "API key")->envname("CLLM_API_KEY");
  return {sub, [o] { return run_chat(*o); }};
}

}  // namespace cllm::cli
