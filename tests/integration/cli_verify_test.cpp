// `cllm verify` and `cllm chat --verify` as child processes against a real `cllm serve` node
// (simulator, stories260K) on loopback. The verifier must accept the node only with
// --allow-simulated, and reject, exiting 1 and naming the failed check: simulated evidence
// without the flag, a wrong --expect-model-sha256, a DEBUG simulated TD, a report whose nonce
// is not the one sent (a proxy rewrites it), and a man-in-the-middle proxy that terminates TLS
// with its own key while carrying the node's real evidence in its certificate.
#include <gtest/gtest.h>
#include <signal.h>

#include <chrono>
#include <map>
#include <memory>
#include <mutex>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "cllm/common/hex.hpp"
#include "cllm/common/json.hpp"
#include "cllm/crypto/hash.hpp"
#include "cllm/crypto/x509.hpp"
#include "cllm/net/http_client.hpp"
#include "cllm/net/http_server.hpp"
#include "cllm/ratls/certificate.hpp"
#include "integration/node_under_test.hpp"
#include "support/server_process.hpp"
#include "support/subprocess.hpp"
#include "support/temp_dir.hpp"
#include "support/test_paths.hpp"

namespace cllm {
namespace {

using namespace std::chrono_literals;
using test::check_result;
using test::model_sha256_hex;
using test::Node;
using test::run_verify;
using test::start_node;
using test::text_names_failure;
using test::VerifyRun;

// An HTTPS man-in-the-middle on 127.0.0.1: terminates TLS with its own P-256 key, forwards
// every request to the node (trusting the node's certificate file), optionally rewriting the
// report nonce, and records what the client sent it.
class MitmProxy {
 public:
  struct Seen {
    std::string method;
    std::string target;
    bool authorization = false;
  };

  // The proxy's certificate carries the node's own RA-TLS evidence (quote, event log,
  // claims) copied from the node's certificate into a certificate for the proxy's key: the
  // strongest forgery there is without the node's TLS key, which only the binding of the
  // claims to this connection's key (tls_key_binding) can catch.
  static std::unique_ptr<MitmProxy> start(const std::string& node_url,
                                          const std::string& node_cert_pem_path,
                                          std::optional<std::string> rewrite_nonce_to,
                                          std::string* error) {
    auto proxy = std::unique_ptr<MitmProxy>(new MitmProxy());
    proxy->node_url_ = node_url;
    proxy->rewrite_nonce_to_ = std::move(rewrite_nonce_to);
    const std::string node_pem = test::read_file_text(node_cert_pem_path);
    auto node_cert = crypto::Certificate::from_pem(node_pem);
    if (!node_cert) return *error = "node cert: " + node_cert.error().message(), nullptr;
    auto evidence = ratls::parse_ratls_evidence(*node_cert);
    if (!evidence) return *error = "node evidence: " + evidence.error().message(), nullptr;
    auto key = ratls::generate_tls_key();
    if (!key) return *error = key.error().message(), nullptr;
    auto cmw = ratls::encode_cmw_collection(ByteView(evidence->quote), evidence->event_log_text,
                                            evidence->claims_text);
    if (!cmw) return *error = cmw.error().message(), nullptr;
    ratls::CertificateNames names;
    names.dns_names = {"localhost"};
    names.ip_addresses = {"127.0.0.1"};
    // The node's own validity window, so that only the key differs.
    const std::int64_t issued = evidence->claims.issued_at;
    auto der =
        ratls::issue_self_signed_certificate(key->get(), *cmw, names, issued - 60, issued + 3600);
    if (!der) return *error = der.error().message(), nullptr;
    auto cert = crypto::Certificate::from_der(ByteView(*der));
    if (!cert) return *error = cert.error().message(), nullptr;
    auto spki = ratls::certificate_spki_sha256(*cert);
    if (!spki) return *error = spki.error().message(), nullptr;
    proxy->spki_sha256_ = *spki;
    auto tls = net::TlsServerContext::from_openssl(cert->get(), key->get());
    if (!tls) return *error = "proxy tls: " + tls.error().message(), nullptr;

    net::TlsClientOptions upstream_tls;
    upstream_tls.ca_pem = node_pem;
    auto upstream_context = net::TlsClientContext::create(std::move(upstream_tls));
    if (!upstream_context) return *error = upstream_context.error().message(), nullptr;
    net::ClientOptions co;
    co.tls = *upstream_context;
    proxy->upstream_ = std::make_unique<net::HttpClient>(co);

    net::ServerOptions so;
    so.tls = *tls;
    proxy->server_ = std::make_unique<net::HttpServer>(so);
    MitmProxy* self = proxy.get();
    proxy->server_->route_prefix(
        "", "/", [self](const net::Request& request, std::shared_ptr<net::ResponseWriter> writer) {
          self->forward(request, *writer);
        });
    auto port = proxy->server_->listen(net::ListenAddress::tcp("127.0.0.1", 0));
    if (!port) return *error = port.error().message(), nullptr;
    auto started = proxy->server_->start();
    if (!started.ok()) return *error = started.error().message(), nullptr;
    proxy->url_ = "https://127.0.0.1:" + std::to_string(*port);
    return proxy;
  }

  ~MitmProxy() {
    if (server_) server_->stop(0ms);
  }

  const std::string& url() const { return url_; }
  const std::string& spki_sha256() const { return spki_sha256_; }
  std::vector<Seen> seen() const {
    std::lock_guard lock(mutex_);
    return seen_;
  }
  std::vector<std::string> forwarded_targets() const {
    std::lock_guard lock(mutex_);
    return forwarded_;
  }

 private:
  MitmProxy() = default;

  void forward(const net::Request& request, net::ResponseWriter& writer) {
    std::string target = request.target;
    if (rewrite_nonce_to_) {
      auto at = target.find("nonce=");
      if (at != std::string::npos) {
        auto end = target.find('&', at);
        target.replace(at, (end == std::string::npos ? target.size() : end) - at,
                       "nonce=" + *rewrite_nonce_to_);
      }
    }
    {
      std::lock_guard lock(mutex_);
      seen_.push_back(
          Seen{request.method, request.target, request.headers.contains("Authorization")});
      forwarded_.push_back(target);
    }
    net::ClientRequest out;
    out.method = request.method;
    out.url = node_url_ + target;
    out.body = request.body;
    for (const auto& [name, value] : request.headers.fields()) {
      if (net::iequals(name, "Host") || net::iequals(name, "Content-Length") ||
          net::iequals(name, "Connection") || net::iequals(name, "Transfer-Encoding")) {
        continue;
      }
      out.headers.add(name, value);
    }
    auto r = upstream_->request(out);
    if (!r) {
      (void)writer.send(net::Response::text(502, "proxy: " + r.error().message()));
      return;
    }
    net::Response response;
    response.status = r->status;
    response.body = r->body;
    for (const char* name : {"Content-Type", "X-Cllm-Receipt"}) {
      if (auto v = r->headers.get(name)) response.headers.set(name, std::string(*v));
    }
    (void)writer.send(std::move(response));
  }

  std::string node_url_;
  std::optional<std::string> rewrite_nonce_to_;
  std::string url_;
  std::string spki_sha256_;
  std::unique_ptr<net::HttpClient> upstream_;
  std::unique_ptr<net::HttpServer> server_;
  mutable std::mutex mutex_;
  std::vector<Seen> seen_;
  std::vector<std::string> forwarded_;
};

class CliVerify : public testing::Test {
 protected:
  static void SetUpTestSuite() {
    auto model = test::shared_file("models/stories260K.gguf");
    if (!model) return;
    model_path_ = new std::string(*model);
    node_ = start_node(*model, {}).release();
  }
  static void TearDownTestSuite() {
    if (node_ && node_->process) node_->process->stop(SIGTERM, 20s);
    delete node_;
    node_ = nullptr;
    delete model_path_;
    model_path_ = nullptr;
  }
  void SetUp() override {
    if (!model_path_) {
      GTEST_SKIP() << "SKIPPED LOUDLY: shared test data missing: " << test::shared_dir()
                   << "/models/stories260K.gguf";
    }
    ASSERT_TRUE(node_ && !node_->url.empty()) << (node_ ? node_->error : "no node");
    ASSERT_TRUE(node_->process->running()) << node_->process->stderr_text();
  }

  // Sum of cllm_requests_total for an endpoint, read from the node's /metrics.
  static long requests_to(const std::string& endpoint) {
    net::TlsClientOptions tls;
    tls.ca_pem = test::read_file_text(node_->cert_path);
    auto ctx = net::TlsClientContext::create(std::move(tls));
    if (!ctx) return -1;
    net::ClientOptions co;
    co.tls = *ctx;
    net::HttpClient client(co);
    auto r = client.get(node_->url + "/metrics");
    if (!r || r->status != 200) return -1;
    long total = 0;
    std::istringstream lines(r->body);
    const std::string prefix = "cllm_requests_total{endpoint=\"" + endpoint + "\"";
    for (std::string line; std::getline(lines, line);) {
      if (line.rfind(prefix, 0) == 0) total += std::stol(line.substr(line.rfind(' ') + 1));
    }
    return total;
  }

  static inline std::string* model_path_ = nullptr;
  static inline Node* node_ = nullptr;
};

// Every factor a cllm node on the simulator is appraised on, per stage.
const std::map<std::string, std::vector<std::string>>& expected_checks() {
  static const std::map<std::string, std::vector<std::string>> checks = [] {
    std::vector<std::string> evidence = {
        "claims_purpose",    "nonce_match",         "quote_present",   "quote_parses",
        "collateral",        "quote_chain",         "quote_signature", "tcb_status",
        "simulated_allowed", "debug_disabled",      "sept_ve_disable", "td_attributes",
        "service_td",        "td_measurements",     "rtmr_allowlist",  "event_log_replay",
        "measured_binary",   "measured_config",     "measured_model",  "report_data_binding",
        "tls_key_binding",   "signing_key_binding", "freshness",       "gpu_evidence"};
    std::vector<std::string> certificate = {"certificate_parses", "certificate_self_signed",
                                            "certificate_validity", "evidence_format"};
    certificate.insert(certificate.end(), evidence.begin(), evidence.end());
    std::vector<std::string> report = {"report_format"};
    report.insert(report.end(), evidence.begin(), evidence.end());
    return std::map<std::string, std::vector<std::string>>{
        {"connection", {"connection", "same_tls_key", "certificate_report_consistency"}},
        {"certificate", certificate},
        {"report", report}};
  }();
  return checks;
}

TEST_F(CliVerify, AcceptsTheNodeWithAllowSimulatedAndPrintsEveryCheck) {
  auto run = run_verify(node_->url, {"--allow-simulated"}, false);
  ASSERT_EQ(run.result.exit_code, 0) << run.result.out << run.result.err;
  EXPECT_NE(run.result.out.find("VERDICT: ACCEPTED (SIMULATED TEE"), std::string::npos)
      << run.result.out;
  EXPECT_NE(run.result.out.find("signing address " + node_->signing_address), std::string::npos)
      << run.result.out;
  for (const auto& [stage, names] : expected_checks()) {
    for (const auto& name : names) {
      EXPECT_NE(run.result.out.find("  " + name + " "), std::string::npos)
          << stage << "/" << name << " not printed:\n"
          << run.result.out;
    }
  }
  EXPECT_EQ(run.result.out.find("  fail  "), std::string::npos) << run.result.out;
}

TEST_F(CliVerify, JsonOutputHasAcceptedAndEveryCheckNamed) {
  const std::string nonce(64, 'a');
  const std::string model_sha = model_sha256_hex(*model_path_);
  ASSERT_EQ(model_sha.size(), 64u);
  auto run =
      run_verify(node_->url,
                 {"--allow-simulated", "--nonce", nonce, "--expect-model-sha256", model_sha}, true);
  ASSERT_EQ(run.result.exit_code, 0) << run.result.out << run.result.err;
  const Json& j = run.json;
  ASSERT_TRUE(j.is_object()) << run.result.out;
  EXPECT_EQ(j["accepted"], true);
  EXPECT_EQ(j["nonce"], nonce);
  EXPECT_EQ(j["url"], node_->url);
  EXPECT_EQ(j["claims"]["signing_address"], node_->signing_address);
  EXPECT_EQ(j["claims"]["model_sha256"], model_sha);
  EXPECT_EQ(j["claims"]["nonce"], nonce);
  EXPECT_EQ(j["claims"]["tls_spki_sha256"], j["tls_spki_sha256"]);
  ASSERT_TRUE(j["checks"].is_array());
  std::set<std::pair<std::string, std::string>> named;
  for (const auto& c : j["checks"]) {
    const std::string result = c.value("result", "");
    EXPECT_TRUE(result == "pass" || (result == "skip" && c.value("required", true) == false))
        << c.dump();
    EXPECT_FALSE(c.value("detail", "").empty()) << c.dump();
    named.insert({c.value("stage", ""), c.value("name", "")});
  }
  for (const auto& [stage, names] : expected_checks()) {
    for (const auto& name : names) {
      EXPECT_TRUE(named.count({stage, name})) << stage << "/" << name << " missing";
    }
  }
  // The bindings a cllm node must pass, not skip.
  for (const char* name : {"tls_key_binding", "measured_model", "event_log_replay",
                           "report_data_binding", "signing_key_binding", "quote_signature"}) {
    EXPECT_EQ(check_result(j, "certificate", name), "pass") << name;
    EXPECT_EQ(check_result(j, "report", name), "pass") << name;
  }
  EXPECT_EQ(check_result(j, "report", "nonce_match"), "pass");
}

TEST_F(CliVerify, RejectsSimulatedEvidenceWithoutTheFlag) {
  auto run = run_verify(node_->url, {}, false);
  EXPECT_EQ(run.result.exit_code, 1) << run.result.out << run.result.err;
  EXPECT_NE(run.result.out.find("VERDICT: REJECTED: simulated_allowed"), std::string::npos)
      << run.result.out;
  EXPECT_TRUE(text_names_failure(run.result.out, "simulated_allowed")) << run.result.out;

  auto json = run_verify(node_->url, {}, true);
  EXPECT_EQ(json.result.exit_code, 1);
  EXPECT_EQ(json.json["accepted"], false) << json.result.out;
  EXPECT_EQ(check_result(json.json, "certificate", "simulated_allowed"), "fail");
  EXPECT_EQ(check_result(json.json, "report", "simulated_allowed"), "fail");
  EXPECT_FALSE(json.json.contains("claims")) << "claims of a rejected node must not be output";
}

TEST_F(CliVerify, RejectsAWrongExpectedModelHash) {
  const std::string model_sha = model_sha256_hex(*model_path_);
  std::string wrong = model_sha;
  wrong[0] = wrong[0] == '0' ? '1' : '0';
  auto run = run_verify(node_->url, {"--allow-simulated", "--expect-model-sha256", wrong}, false);
  EXPECT_EQ(run.result.exit_code, 1) << run.result.out << run.result.err;
  EXPECT_NE(run.result.out.find("VERDICT: REJECTED: measured_model"), std::string::npos)
      << run.result.out;
  auto json = run_verify(node_->url, {"--allow-simulated", "--expect-model-sha256", wrong}, true);
  EXPECT_EQ(json.result.exit_code, 1);
  EXPECT_EQ(check_result(json.json, "certificate", "measured_model"), "fail") << json.result.out;
  EXPECT_EQ(check_result(json.json, "report", "measured_model"), "fail");
  EXPECT_EQ(check_result(json.json, "report", "simulated_allowed"), "pass");
}

TEST_F(CliVerify, RejectsAReportWhoseNonceIsNotTheOneSent) {
  const std::string sent(64, 'b');
  const std::string substituted(64, 'c');
  std::string error;
  auto proxy = MitmProxy::start(node_->url, node_->cert_path, substituted, &error);
  ASSERT_TRUE(proxy) << error;
  auto run = run_verify(proxy->url(), {"--allow-simulated", "--nonce", sent}, false);
  EXPECT_EQ(run.result.exit_code, 1) << run.result.out << run.result.err;
  EXPECT_TRUE(text_names_failure(run.result.out, "nonce_match")) << run.result.out;

  auto json = run_verify(proxy->url(), {"--allow-simulated", "--nonce", sent}, true);
  EXPECT_EQ(json.result.exit_code, 1);
  EXPECT_EQ(json.json["accepted"], false) << json.result.out;
  EXPECT_EQ(check_result(json.json, "connection", "connection"), "pass") << json.result.out;
  EXPECT_EQ(check_result(json.json, "report", "nonce_match"), "fail") << json.result.out;
  // The rest of the report is the node's genuine evidence.
  EXPECT_EQ(check_result(json.json, "report", "quote_signature"), "pass");
  EXPECT_EQ(check_result(json.json, "report", "report_data_binding"), "pass");
  // The proxy really substituted the nonce.
  auto targets = proxy->forwarded_targets();
  ASSERT_FALSE(targets.empty());
  EXPECT_NE(targets.front().find("nonce=" + substituted), std::string::npos) << targets.front();
  EXPECT_EQ(proxy->seen().front().target.find("nonce=" + sent) != std::string::npos, true);
}

TEST_F(CliVerify, RejectsAManInTheMiddleThatCopiesTheEvidenceIntoItsOwnCertificate) {
  std::string error;
  auto proxy = MitmProxy::start(node_->url, node_->cert_path, std::nullopt, &error);
  ASSERT_TRUE(proxy) << error;
  auto run = run_verify(proxy->url(), {"--allow-simulated"}, false);
  EXPECT_EQ(run.result.exit_code, 1) << run.result.out << run.result.err;
  EXPECT_NE(run.result.out.find("VERDICT: REJECTED: tls_key_binding"), std::string::npos)
      << run.result.out;

  auto json = run_verify(proxy->url(), {"--allow-simulated"}, true);
  EXPECT_EQ(json.result.exit_code, 1);
  const Json& j = json.json;
  EXPECT_EQ(j["accepted"], false) << json.result.out;
  EXPECT_EQ(j["tls_spki_sha256"], proxy->spki_sha256());
  EXPECT_EQ(check_result(j, "certificate", "tls_key_binding"), "fail") << json.result.out;
  EXPECT_EQ(check_result(j, "report", "tls_key_binding"), "fail");
  // Forwarded unchanged: the nonce is right and the copied evidence itself is genuine, so
  // only the binding to this connection's key can catch the proxy.
  EXPECT_EQ(check_result(j, "report", "nonce_match"), "pass");
  for (const char* name : {"certificate_self_signed", "evidence_format", "quote_signature",
                           "report_data_binding", "event_log_replay", "measured_model"}) {
    EXPECT_EQ(check_result(j, "certificate", name), "pass") << name;
  }
}

TEST_F(CliVerify, ChatThroughAManInTheMiddleSendsNothingButTheNonce) {
  std::string error;
  auto proxy = MitmProxy::start(node_->url, node_->cert_path, std::nullopt, &error);
  ASSERT_TRUE(proxy) << error;
  auto r = test::run_process({test::cllm_binary(), "chat", proxy->url(), "a secret prompt",
                              "--verify", "--allow-simulated", "--api-key", "s3cret-key"},
                             60s);
  EXPECT_EQ(r.exit_code, 1) << r.out << r.err;
  EXPECT_NE(r.err.find("nothing was sent"), std::string::npos) << r.err;
  EXPECT_NE(r.out.find("tls_key_binding"), std::string::npos) << r.out;
  auto seen = proxy->seen();
  ASSERT_EQ(seen.size(), 1u);
  EXPECT_EQ(seen[0].method, "GET");
  EXPECT_EQ(seen[0].target.rfind("/v1/attestation/report?nonce=", 0), 0u) << seen[0].target;
  EXPECT_FALSE(seen[0].authorization) << "the API key went to an unverified server";
}

TEST_F(CliVerify, ChatWithVerifyStreamsTheAnswerAndChecksTheReceiptAgainstTheAttestedKey) {
  auto r = test::run_process({test::cllm_binary(), "chat", node_->url, "Once upon a time",
                              "--verify", "--allow-simulated", "-n", "24", "--temperature", "0"},
                             120s);
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  std::string text = r.out;
  while (!text.empty() && (text.back() == '\n' || text.back() == ' '))
    text.pop_back();
  EXPECT_FALSE(text.empty()) << r.err;
  EXPECT_NE(r.err.find("node verified (sim, SIMULATED)"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("signed by " + node_->signing_address + " (ecdsa, EIP-191)"),
            std::string::npos)
      << r.err;
  EXPECT_EQ(r.err.find("UNVERIFIED"), std::string::npos) << r.err;
}

TEST_F(CliVerify, ChatWithVerifyButWithoutAllowSimulatedSendsNothing) {
  const long before = requests_to("/v1/chat/completions");
  ASSERT_GE(before, 0);
  auto r = test::run_process(
      {test::cllm_binary(), "chat", node_->url, "a secret prompt", "--verify", "-n", "8"}, 60s);
  EXPECT_EQ(r.exit_code, 1) << r.out << r.err;
  EXPECT_NE(r.err.find("nothing was sent"), std::string::npos) << r.err;
  EXPECT_NE(r.out.find("VERDICT: REJECTED: simulated_allowed"), std::string::npos) << r.out;
  EXPECT_EQ(requests_to("/v1/chat/completions"), before);
}

TEST(CliVerifyDebugTd, RejectsADebugSimulatedTd) {
  CLLM_REQUIRE_SHARED_FILE(model, "models/stories260K.gguf");
  auto node = start_node(model, {"--sim-debug"});
  ASSERT_FALSE(node->url.empty()) << node->error;
  auto run = run_verify(node->url, {"--allow-simulated"}, false);
  EXPECT_EQ(run.result.exit_code, 1) << run.result.out << run.result.err;
  EXPECT_NE(run.result.out.find("VERDICT: REJECTED: debug_disabled"), std::string::npos)
      << run.result.out;
  auto json = run_verify(node->url, {"--allow-simulated"}, true);
  EXPECT_EQ(json.result.exit_code, 1);
  EXPECT_EQ(check_result(json.json, "certificate", "debug_disabled"), "fail") << json.result.out;
  EXPECT_EQ(check_result(json.json, "report", "debug_disabled"), "fail");
  EXPECT_EQ(check_result(json.json, "report", "simulated_allowed"), "pass");
  EXPECT_EQ(node->process->stop(SIGTERM, 20s), 0) << node->process->stderr_text();
}

TEST(CliVerifyApiKey, ChatSendsTheApiKeyOnlyOverThePinnedConnectionAfterVerifying) {
  CLLM_REQUIRE_SHARED_FILE(model, "models/stories260K.gguf");
  auto node = start_node(model, {"--api-key", "k3y-for-test"});
  ASSERT_FALSE(node->url.empty()) << node->error;
  // Verification needs no key (the report endpoint is public)...
  auto run = run_verify(node->url, {"--allow-simulated"}, false);
  EXPECT_EQ(run.result.exit_code, 0) << run.result.out << run.result.err;
  // ...and the chat after it carries the key.
  auto ok =
      test::run_process({test::cllm_binary(), "chat", node->url, "Once upon a time", "--verify",
                         "--allow-simulated", "-n", "8", "--api-key", "k3y-for-test"},
                        120s);
  EXPECT_EQ(ok.exit_code, 0) << ok.out << ok.err;
  EXPECT_NE(ok.err.find("signed by " + node->signing_address), std::string::npos) << ok.err;
  auto wrong = test::run_process({test::cllm_binary(), "chat", node->url, "Once upon a time",
                                  "--verify", "--allow-simulated", "-n", "8", "--api-key", "wrong"},
                                 120s);
  EXPECT_EQ(wrong.exit_code, 1) << wrong.out << wrong.err;
  EXPECT_NE(wrong.err.find("401"), std::string::npos) << wrong.err;
  EXPECT_EQ(node->process->stop(SIGTERM, 20s), 0) << node->process->stderr_text();
}

TEST(CliVerifyUsage, SimDebugNeedsTheSimulator) {
  auto r = test::run_process({test::cllm_binary(), "serve", "--upstream", "http://127.0.0.1:1",
                              "--model-id", "m", "--tee", "tdx", "--sim-debug"},
                             30s);
  EXPECT_EQ(r.exit_code, 2) << r.err;
  EXPECT_NE(r.err.find("--sim-debug needs --tee sim"), std::string::npos) << r.err;
}

TEST(CliVerifyUsage, AMalformedNonceIsAUsageError) {
  auto r = test::run_process(
      {test::cllm_binary(), "verify", "https://127.0.0.1:1", "--nonce", "xyz"}, 30s);
  EXPECT_EQ(r.exit_code, 2) << r.out << r.err;
  EXPECT_NE(r.err.find("nonce"), std::string::npos) << r.err;
}

TEST(CliVerifyUsage, AnUnreachableNodeIsRejectedNamingTheConnection) {
  auto r = test::run_process({test::cllm_binary(), "verify", "https://127.0.0.1:1", "--json"}, 30s);
  EXPECT_EQ(r.exit_code, 1) << r.out << r.err;
  auto j = parse_json(r.out);
  ASSERT_TRUE(j) << r.out;
  EXPECT_EQ((*j)["accepted"], false);
  EXPECT_EQ(check_result(*j, "connection", "connection"), "fail");
}

}  // namespace
}  // namespace cllm
