// The node in process: a real LlamaEngine on stories260K, a real SimAttester, a real HTTPS
// server with the RA-TLS certificate, and a real HTTPS client that accepts the node only
// through the evidence in its certificate.
#include "cllm/node/node.hpp"

#include <gtest/gtest.h>
#include <stdlib.h>

#include <filesystem>
#include <thread>

#include "cllm/attest/appraisal.hpp"
#include "cllm/common/hex.hpp"
#include "cllm/crypto/ed25519.hpp"
#include "cllm/crypto/ethereum.hpp"
#include "cllm/crypto/hash.hpp"
#include "cllm/inference/llama_engine.hpp"
#include "cllm/net/http_client.hpp"
#include "cllm/ratls/client_verifier.hpp"
#include "cllm/tdx/sim_attester.hpp"
#include "support/stories_golden.hpp"
#include "support/temp_dir.hpp"
#include "support/test_paths.hpp"

namespace cllm::node {
namespace {

constexpr std::string_view kGolden = test::stories::kGolden;

std::string sha256_hex(std::string_view s) {
  auto d = crypto::sha256(as_bytes(s));
  return d ? to_hex(*d) : "";
}

struct RunningNode {
  test::TempDir dir{"cllm-node"};
  std::shared_ptr<tdx::SimAttester> attester;
  std::shared_ptr<inference::LlamaEngine> engine;
  std::unique_ptr<Node> node;
  std::uint16_t port = 0;
  std::shared_ptr<ratls::RatlsVerifierState> verifier_state;
  std::unique_ptr<net::HttpClient> client;

  std::string url(std::string_view path) const {
    return "https://127.0.0.1:" + std::to_string(port) + std::string(path);
  }
};

// Starts a node; empty string on success, else why not.
std::string start_node(RunningNode& n, const std::string& model_path, NodeOptions options = {}) {
  tdx::SimAttesterOptions sim;
  sim.platform.dir = n.dir.path() + "/sim";
  auto attester = tdx::SimAttester::create(sim);
  if (!attester) return attester.error().message();
  n.attester = std::move(*attester);
  inference::LlamaEngineOptions eo;
  eo.model_path = model_path;
  eo.n_threads = 1;
  eo.n_parallel = 8;
  eo.n_ctx = 8 * 256;
  auto engine = inference::LlamaEngine::load(eo);
  if (!engine) return engine.error().message();
  n.engine = std::move(*engine);

  options.listen = net::ListenAddress::tcp("127.0.0.1", 0);
  options.model_id = "stories260K";
  options.model_sha256 = n.engine->info().sha256_hex;
  auto digest = from_hex(options.model_sha256);
  if (!digest) return "no model hash";
  options.model_measurement = *digest;
  options.config = Json{{"test", true}};
  options.sim_root_ca_pem = n.attester->platform().root_certificate_pem();
  auto attester_ptr = n.attester;
  options.collateral_source = [attester_ptr](ByteView) { return attester_ptr->collateral(); };
  options.max_body_bytes = 64 * 1024;
  EphemeralKeyProvider keys;
  auto node = Node::create(std::move(options), n.engine, n.attester, keys);
  if (!node) return node.error().message();
  n.node = std::move(*node);
  auto port = n.node->start();
  if (!port) return port.error().message();
  n.port = *port;

  ratls::RatlsVerifierOptions vo;
  vo.appraisal.policy.allow_simulated = true;
  vo.appraisal.simulated_roots.push_back(n.attester->platform().root_certificate());
  auto collateral = n.attester->collateral();
  if (!collateral) return collateral.error().message();
  vo.appraisal.collateral = *collateral;
  vo.appraisal.expected_model_sha256 = n.engine->info().sha256_hex;
  auto verifier = ratls::make_ratls_verifier(std::move(vo));
  n.verifier_state = verifier.state;
  net::TlsClientOptions tls;
  tls.verify_peer = verifier.verify;
  auto ctx = net::TlsClientContext::create(std::move(tls));
  if (!ctx) return ctx.error().message();
  net::ClientOptions co;
  co.tls = *ctx;
  co.timeout = std::chrono::seconds(60);
  n.client = std::make_unique<net::HttpClient>(co);
  return "";
}

class NodeTest : public testing::Test {
 protected:
  void SetUp() override {
    CLLM_REQUIRE_SHARED_FILE(model, test::stories::kModel);
    model_ = model;
    std::string error = start_node(n_, model_);
    ASSERT_EQ(error, "");
  }

  net::ClientResponse post(std::string_view path, const std::string& body,
                           net::Headers headers = {}) {
    auto r = n_.client->post(n_.url(path), body, "application/json", std::move(headers));
    EXPECT_TRUE(r) << (r ? "" : r.error().message());
    return r ? *r : net::ClientResponse{};
  }

  net::ClientResponse get(std::string_view path) {
    auto r = n_.client->get(n_.url(path));
    EXPECT_TRUE(r) << (r ? "" : r.error().message());
    return r ? *r : net::ClientResponse{};
  }

  // The raw SSE bytes of a streamed POST.
  std::string post_stream(std::string_view path, const std::string& body,
                          std::string* receipt_id = nullptr) {
    net::ClientRequest req;
    req.method = "POST";
    req.url = n_.url(path);
    req.body = body;
    req.headers.set("Content-Type", "application/json");
    std::string bytes;
    auto r = n_.client->stream(req, [&](std::string_view chunk) {
      bytes += chunk;
      return true;
    });
    EXPECT_TRUE(r) << (r ? "" : r.error().message());
    if (r && receipt_id) {
      auto h = r->headers.get("X-Cllm-Receipt");
      if (h) *receipt_id = std::string(*h);
    }
    return bytes;
  }

  std::string model_;
  RunningNode n_;
};

// The concatenated content of an SSE stream of chunks (chat deltas or completion texts).
std::string text_of_stream(const std::string& sse, bool* saw_done = nullptr) {
  std::string text;
  std::size_t pos = 0;
  while ((pos = sse.find("data: ", pos)) != std::string::npos) {
    std::size_t end = sse.find("\n\n", pos);
    std::string payload = sse.substr(pos + 6, end - pos - 6);
    pos = end;
    if (payload == "[DONE]") {
      if (saw_done) *saw_done = true;
      continue;
    }
    auto j = parse_json(payload);
    if (!j || !j->contains("choices") || (*j)["choices"].empty()) continue;
    const Json& c = (*j)["choices"][0];
    if (c.contains("delta") && c["delta"].contains("content")) {
      text += c["delta"]["content"].get<std::string>();
    } else if (c.contains("text")) {
      text += c["text"].get<std::string>();
    }
  }
  return text;
}

TEST_F(NodeTest, CompletionGivesTheGoldenTextStreamedOrNot) {
  std::string body = R"({"prompt":"Once upon a time","max_tokens":64,"temperature":0})";
  auto r = post("/v1/completions", body);
  ASSERT_EQ(r.status, 200) << r.body;
  auto j = parse_json(r.body);
  ASSERT_TRUE(j);
  std::string text = (*j)["choices"][0]["text"].get<std::string>();
  EXPECT_EQ(text.substr(0, kGolden.size()), kGolden) << text;
  EXPECT_EQ((*j)["usage"]["completion_tokens"].get<int>(), 64);
  EXPECT_EQ((*j)["object"], "text_completion");
  EXPECT_EQ(r.headers.get("X-Cllm-Receipt").value_or(""), (*j)["id"].get<std::string>());

  std::string sse = post_stream("/v1/completions",
                                R"({"prompt":"Once upon a time","max_tokens":64,"temperature":0,)"
                                R"("stream":true})");
  bool done = false;
  EXPECT_EQ(text_of_stream(sse, &done), text);
  EXPECT_TRUE(done);
  // The connection was RA-TLS verified.
  auto last = n_.verifier_state->last();
  ASSERT_TRUE(last);
  EXPECT_TRUE(last->verdict.accepted);
}

TEST_F(NodeTest, ChatStreamedEqualsChatWholeAndTheEngineDirectly) {
  std::string messages = R"("messages":[{"role":"user","content":"Tell me a story"}])";
  auto r = post("/v1/chat/completions",
                "{" + messages + R"(,"max_tokens":40,"temperature":0,"model":"stories260K"})");
  ASSERT_EQ(r.status, 200) << r.body;
  auto j = parse_json(r.body);
  ASSERT_TRUE(j);
  std::string text = (*j)["choices"][0]["message"]["content"].get<std::string>();
  EXPECT_EQ((*j)["choices"][0]["message"]["role"], "assistant");
  EXPECT_FALSE(text.empty());

  inference::GenerationRequest direct;
  direct.is_chat = true;
  direct.messages = {{"user", "Tell me a story"}};
  direct.max_tokens = 40;
  direct.sampling.temperature = 0;
  auto d = n_.engine->generate(direct, [](std::string_view) {});
  ASSERT_TRUE(d);
  EXPECT_EQ(d->text, text);

  std::string sse =
      post_stream("/v1/chat/completions", "{" + messages +
                                              R"(,"max_tokens":40,"temperature":0,"stream":true,)" +
                                              R"("stream_options":{"include_usage":true}})");
  EXPECT_EQ(text_of_stream(sse), text);
  EXPECT_NE(sse.find(R"("role":"assistant")"), std::string::npos);
  EXPECT_NE(sse.find(R"("usage":{"completion_tokens":)"), std::string::npos) << sse;
}

TEST_F(NodeTest, EightConcurrentStreamsFinishWithTheirOwnText) {
  std::vector<std::string> prompts = {"Once upon a time", "The cat",   "Tom and Sue", "One day",
                                      "The sun was",      "A big dog", "Lily saw",    "The boy"};
  std::vector<std::string> expected;
  for (const auto& p : prompts) {
    inference::GenerationRequest req;
    req.prompt = p;
    req.max_tokens = 48;
    req.sampling.temperature = 0;
    auto d = n_.engine->generate(req, [](std::string_view) {});
    ASSERT_TRUE(d);
    expected.push_back(d->text);
  }
  std::vector<std::string> got(prompts.size());
  std::vector<std::thread> threads;
  for (std::size_t i = 0; i < prompts.size(); ++i) {
    threads.emplace_back([&, i] {
      Json body{{"prompt", prompts[i]}, {"max_tokens", 48}, {"temperature", 0}, {"stream", true}};
      got[i] = text_of_stream(post_stream("/v1/completions", body.dump()));
    });
  }
  for (auto& t : threads)
    t.join();
  for (std::size_t i = 0; i < prompts.size(); ++i) {
    EXPECT_EQ(got[i], expected[i]) << "client " << i << " prompt " << prompts[i];
  }
}

TEST_F(NodeTest, ReceiptsVerifyAgainstTheAttestedKeysAndNotForChangedBytes) {
  // The attested identity, from a report appraised with the simulator allowed.
  auto report =
      get("/v1/attestation/report?nonce=" + std::string(64, 'a') + "&include_collateral=true");
  ASSERT_EQ(report.status, 200) << report.body;
  attest::AppraisalOptions ao;
  ao.policy.allow_simulated = true;
  ao.now = SystemClock::instance().now_unix();
  attest::Binding binding;
  binding.expected_nonce = std::string(64, 'a');
  binding.tls_spki_sha256 = n_.verifier_state->last()->spki_sha256;
  auto verdict = attest::appraise_report_text(report.body, binding, ao);
  ASSERT_TRUE(verdict.accepted) << verdict_to_json(verdict).dump(1);
  std::string address = verdict.claims->signing_address;
  std::string ed_public = verdict.claims->ed25519_public_key;

  auto check = [&](const std::string& request_body, const std::string& response_bytes,
                   const std::string& id) {
    auto sig = get("/v1/signature/" + id + "?signing_algo=ecdsa");
    ASSERT_EQ(sig.status, 200) << sig.body;
    auto j = parse_json(sig.body);
    ASSERT_TRUE(j);
    std::string text = (*j)["text"];
    EXPECT_EQ(text, sha256_hex(request_body) + ":" + sha256_hex(response_bytes));
    EXPECT_EQ((*j)["signing_address"], address);
    auto raw = from_hex((*j)["signature"].get<std::string>(), true);
    ASSERT_TRUE(raw);
    auto recovered = crypto::recover_personal_sign_address(as_bytes(text), *raw);
    ASSERT_TRUE(recovered);
    EXPECT_EQ(crypto::eip55_checksum_address(*recovered), address);
    // One byte of the response changed: the text a client computes no longer matches.
    std::string tampered = response_bytes;
    tampered[tampered.size() / 2] ^= 1;
    std::string tampered_text = sha256_hex(request_body) + ":" + sha256_hex(tampered);
    auto other = crypto::recover_personal_sign_address(as_bytes(tampered_text), *raw);
    EXPECT_TRUE(!other || crypto::eip55_checksum_address(*other) != address);

    auto ed = get("/v1/signature/" + id + "?signing_algo=ed25519");
    ASSERT_EQ(ed.status, 200) << ed.body;
    auto e = parse_json(ed.body);
    ASSERT_TRUE(e);
    auto pub = from_hex(ed_public);
    auto esig = from_hex((*e)["signature"].get<std::string>());
    ASSERT_TRUE(pub && esig);
    EXPECT_TRUE(crypto::ed25519_verify(*pub, as_bytes(text), *esig));
    EXPECT_FALSE(crypto::ed25519_verify(*pub, as_bytes(tampered_text), *esig));
  };

  std::string body = R"({"prompt":"Once upon a time","max_tokens":16,"temperature":0})";
  auto whole = post("/v1/completions", body);
  ASSERT_EQ(whole.status, 200);
  check(body, whole.body, std::string(*whole.headers.get("X-Cllm-Receipt")));

  std::string stream_body =
      R"({"messages":[{"role":"user","content":"hi"}],"max_tokens":16,"stream":true})";
  std::string id;
  std::string sse = post_stream("/v1/chat/completions", stream_body, &id);
  ASSERT_FALSE(id.empty());
  EXPECT_NE(sse.find(id), std::string::npos);
  check(stream_body, sse, id);

  EXPECT_EQ(get("/v1/signature/chatcmpl-unknown").status, 404);
  EXPECT_EQ(get("/v1/signature/" + id + "?signing_algo=rsa").status, 400);
}

TEST_F(NodeTest, BadRequestsGetOpenAiErrorsAndTheNodeKeepsServing) {
  auto expect_error = [&](const net::ClientResponse& r, int status, std::string_view code_or_type) {
    EXPECT_EQ(r.status, status) << r.body;
    auto j = parse_json(r.body);
    ASSERT_TRUE(j) << r.body;
    ASSERT_TRUE(j->contains("error")) << r.body;
    EXPECT_TRUE((*j)["error"]["message"].is_string());
    EXPECT_TRUE((*j)["error"]["type"].is_string());
    EXPECT_NE(r.body.find(code_or_type), std::string::npos) << r.body;
  };
  expect_error(post("/v1/chat/completions", "{not json"), 400, "invalid_json");
  expect_error(post("/v1/chat/completions", R"({"messages":"x"})"), 400, "messages");
  expect_error(post("/v1/chat/completions",
                    R"({"messages":[{"role":"user","content":"x"}],"max_tokens":"many"})"),
               400, "max_tokens");
  expect_error(
      post("/v1/chat/completions", "{\"messages\":[{\"role\":\"user\",\"content\":\"\xff\"}]}"),
      400, "invalid_request_error");
  expect_error(post("/v1/completions", R"({"prompt":"x","model":"gpt-4"})"), 404,
               "model_not_found");
  expect_error(post("/v1/completions", std::string(100 * 1024, ' ')), 413, "error");
  // Too long for a slot (256 tokens): a 400, not a crash.
  std::string long_prompt;
  for (int i = 0; i < 400; ++i)
    long_prompt += "Once upon a time ";
  expect_error(post("/v1/completions", Json{{"prompt", long_prompt}}.dump()), 400,
               "context_length_exceeded");
  // Unknown fields are ignored.
  auto ok = post("/v1/completions",
                 R"({"prompt":"Once","max_tokens":2,"logit_bias":{},"user":"u","frobnicate":1})");
  EXPECT_EQ(ok.status, 200) << ok.body;
  expect_error(get("/v1/attestation/report?nonce=xyz"), 400, "invalid_nonce");

  auto metrics = get("/metrics");
  EXPECT_EQ(metrics.status, 200);
  EXPECT_NE(metrics.body.find("cllm_requests_total{endpoint=\"/v1/completions\",status=\"404\"} 1"),
            std::string::npos)
      << metrics.body;
  EXPECT_NE(metrics.body.find("cllm_requests_total{endpoint=\"/v1/completions\",status=\"200\"} 1"),
            std::string::npos);
  auto models = get("/v1/models");
  EXPECT_EQ(models.status, 200);
  EXPECT_NE(models.body.find("stories260K"), std::string::npos);
}

TEST_F(NodeTest, ReportWithoutNonceGetsAFreshOne) {
  auto a = parse_json(get("/v1/attestation/report").body);
  auto b = parse_json(get("/v1/attestation/report").body);
  ASSERT_TRUE(a && b);
  std::string na = (*a)["request_nonce"], nb = (*b)["request_nonce"];
  EXPECT_EQ(na.size(), 64u);
  EXPECT_NE(na, nb);
  EXPECT_FALSE(a->contains("collateral"));
}

TEST(NodeApiKey, RequiredOnCompletionsAndReceiptsButNotOnReportsOrHealth) {
  auto model = test::shared_file("models/stories260K.gguf");
  if (!model) GTEST_SKIP() << "SKIPPED LOUDLY: shared model missing";
  RunningNode n;
  NodeOptions options;
  options.api_key = "sk-test-secret";
  ASSERT_EQ(start_node(n, *model, options), "");
  std::string body = R"({"prompt":"Once","max_tokens":2})";
  auto none = n.client->post(n.url("/v1/completions"), body, "application/json");
  ASSERT_TRUE(none);
  EXPECT_EQ(none->status, 401);
  EXPECT_NE(none->body.find("invalid_api_key"), std::string::npos);
  net::Headers wrong;
  wrong.set("Authorization", "Bearer sk-test-secreT");
  auto bad = n.client->post(n.url("/v1/completions"), body, "application/json", wrong);
  ASSERT_TRUE(bad);
  EXPECT_EQ(bad->status, 401);
  net::Headers right;
  right.set("Authorization", "Bearer sk-test-secret");
  auto good = n.client->post(n.url("/v1/completions"), body, "application/json", right);
  ASSERT_TRUE(good);
  EXPECT_EQ(good->status, 200) << good->body;
  EXPECT_EQ(n.client->get(n.url("/v1/models"))->status, 401);
  EXPECT_EQ(n.client->get(n.url("/health"))->status, 200);
  EXPECT_EQ(n.client->get(n.url("/v1/attestation/report"))->status, 200);
}

}  // namespace
}  // namespace cllm::node

namespace cllm::node {
namespace {

TEST(NodeCertificate, IsReissuedWithFreshEvidenceAtHalfItsLifetime) {
  auto model = test::shared_file("models/stories260K.gguf");
  if (!model) GTEST_SKIP() << "SKIPPED LOUDLY: shared model missing";
  RunningNode n;
  NodeOptions options;
  options.certificate_lifetime = std::chrono::seconds(2);  // renewed every second
  ASSERT_EQ(start_node(n, *model, options), "");
  std::string first = n.node->certificate_pem();
  auto r1 = n.client->get(n.url("/health"));
  ASSERT_TRUE(r1);
  std::string first_spki = n.verifier_state->last()->spki_sha256;
  Bytes first_der = r1->peer_certificate_der;
  std::this_thread::sleep_for(std::chrono::milliseconds(2500));
  std::string second = n.node->certificate_pem();
  EXPECT_NE(first, second);
  auto r2 = n.client->get(n.url("/health"));
  ASSERT_TRUE(r2) << r2.error().message();
  // A new certificate (new quote, new issued_at) for the same TLS key, accepted again.
  EXPECT_NE(r2->peer_certificate_der, first_der);
  EXPECT_EQ(n.verifier_state->last()->spki_sha256, first_spki);
  EXPECT_TRUE(n.verifier_state->last()->verdict.accepted);
}

}  // namespace
}  // namespace cllm::node
