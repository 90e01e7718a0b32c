// NrasClient against a loopback HTTPS server that plays NRAS: it parses the request like the
// service does and answers detached EATs signed with a test P-384 key, serving the matching
// JWKS at /.well-known/jwks.json. Time is a FixedClock, so expiry and the JWKS cache are exact.
#include "cllm/gpu/nras_client.hpp"

#include <gtest/gtest.h>

#include <functional>
#include <map>
#include <mutex>

#include "cllm/common/hex.hpp"
#include "cllm/gpu/nras_request.hpp"
#include "cllm/net/http_server.hpp"
#include "cllm/net/tls_context.hpp"
#include "unit/gpu/nras_test_support.hpp"

namespace cllm::gpu {
namespace {

constexpr std::int64_t kIat = 1'760'000'000;

crypto::EcdsaPrivateKey p384() {
  auto key = crypto::EcdsaPrivateKey::generate(crypto::EcCurve::kP384);
  EXPECT_TRUE(key.ok());
  return std::move(key).value();
}

GpuEvidenceList some_evidence(std::size_t n) {
  GpuEvidenceList list;
  for (std::size_t i = 0; i < n; ++i) {
    GpuEvidence e;
    e.report = Bytes(64, static_cast<std::uint8_t>(i + 1));
    e.certificate_chain = "-----BEGIN CERTIFICATE-----\n" + std::string(2, '\0');
    list.push_back(std::move(e));
  }
  return list;
}

class FakeNras {
 public:
  using AnswerFn = std::function<std::string(const NrasRequest& request, const std::string& base)>;

  FakeNras()
      : tls_key_(p384()),
        tls_cert_(nras_test::self_signed(tls_key_, "nras test", "IP:127.0.0.1")) {}

  void start() {
    auto tls = net::TlsServerContext::from_openssl(tls_cert_.get(), tls_key_.pkey());
    ASSERT_TRUE(tls.ok()) << tls.error().message();
    net::ServerOptions options;
    options.tls = *tls;
    options.io_threads = 1;
    server_ = std::make_unique<net::HttpServer>(options);
    for (const char* path : {"/v3/attest/gpu", "/v4/attest/gpu"}) {
      server_->route("POST", path,
                     [this](const net::Request& request, std::shared_ptr<net::ResponseWriter> w) {
                       (void)w->send(attest(request));
                     });
    }
    server_->route("GET", "/.well-known/jwks.json",
                   [this](const net::Request&, std::shared_ptr<net::ResponseWriter> w) {
                     std::lock_guard lock(mutex_);
                     ++jwks_hits_;
                     (void)w->send(jwks_status_ == 200 ? net::Response::json(200, jwks_)
                                                       : net::Response::text(jwks_status_, "no"));
                   });
    auto port = server_->listen(net::ListenAddress::tcp("127.0.0.1", 0));
    ASSERT_TRUE(port.ok()) << port.error().message();
    ASSERT_TRUE(server_->start().ok());
    base_ = "https://127.0.0.1:" + std::to_string(*port);
  }

  ~FakeNras() {
    if (server_) server_->stop(std::chrono::milliseconds(0));
  }

  const std::string& base() const { return base_; }
  std::string ca_pem() const { return nras_test::certificate_pem(tls_cert_); }

  void set_answer(AnswerFn fn) {
    std::lock_guard lock(mutex_);
    answer_ = std::move(fn);
  }
  void set_status(int status, std::string body) {
    std::lock_guard lock(mutex_);
    status_ = status;
    status_body_ = std::move(body);
  }
  void set_jwks(std::string json, int status = 200) {
    std::lock_guard lock(mutex_);
    jwks_ = std::move(json);
    jwks_status_ = status;
  }
  int jwks_hits() const {
    std::lock_guard lock(mutex_);
    return jwks_hits_;
  }
  net::Request last_request() const {
    std::lock_guard lock(mutex_);
    return last_;
  }

 private:
  net::Response attest(const net::Request& request) {
    std::lock_guard lock(mutex_);
    last_ = request;
    if (status_ != 200) return net::Response::json(status_, status_body_);
    auto parsed = parse_nras_request(request.body);
    if (!parsed) return net::Response::json(400, "{\"error\":\"bad request\"}");
    return net::Response::json(200, answer_(*parsed, base_));
  }

  crypto::EcdsaPrivateKey tls_key_;
  crypto::Certificate tls_cert_;
  std::unique_ptr<net::HttpServer> server_;
  std::string base_;
  mutable std::mutex mutex_;
  AnswerFn answer_;
  int status_ = 200;
  std::string status_body_;
  std::string jwks_;
  int jwks_status_ = 200;
  int jwks_hits_ = 0;
  net::Request last_;
};

std::string jwks_json(const crypto::EcdsaPrivateKey& key, const std::string& kid) {
  std::vector<JwkSpec> specs = {
      {kid, key.public_key(), {nras_test::self_signed(key, "NRAS test")}}};
  auto json = make_jwks_json(specs);
  EXPECT_TRUE(json.ok());
  return *json;
}

// An answer as NRAS gives it for the request: one good GPU token per evidence item, with the
// edit applied to the claims before signing.
FakeNras::AnswerFn answer_with(
    const crypto::EcdsaPrivateKey& key, std::string kid,
    std::function<void(Json& overall, std::vector<Json>& devices)> edit = {}) {
  return [&key, kid, edit](const NrasRequest& request, const std::string& base) {
    const std::string nonce = to_hex(request.nonce);
    Json overall = nras_test::good_overall_claims(nonce, base, kIat);
    std::vector<Json> devices;
    for (std::size_t i = 0; i < request.evidence.size(); ++i)
      devices.push_back(nras_test::good_gpu_claims(nonce, base, kIat));
    if (edit) edit(overall, devices);
    return nras_test::make_detached_eat(key, kid, overall, devices);
  };
}

class NrasClientTest : public ::testing::Test {
 protected:
  void SetUp() override {
    nras_.start();
    nras_.set_jwks(jwks_json(key_, "kid-a"));
    nras_.set_answer(answer_with(key_, "kid-a"));
  }

  NrasClient client(NrasClientOptions options = {}) {
    net::TlsClientOptions tls;
    tls.ca_pem = nras_.ca_pem();
    auto ctx = net::TlsClientContext::create(std::move(tls));
    EXPECT_TRUE(ctx.ok());
    net::ClientOptions co;
    co.tls = *ctx;
    options.base_url = nras_.base() + "/";  // the trailing slash is ignored
    return NrasClient(std::move(options), std::make_shared<net::HttpClient>(co), clock_);
  }

  static std::string outcome(const NrasAttestation& a, std::string_view name) {
    const Check* c = a.verification.checks.find(name);
    return c == nullptr ? "missing" : std::string(check_outcome_name(c->outcome));
  }

  FakeNras nras_;
  crypto::EcdsaPrivateKey key_ = p384();
  FixedClock clock_ = FixedClock::at_unix(kIat + 5);
  const Bytes nonce_ = Bytes(32, 0x5a);
};

TEST_F(NrasClientTest, AttestsAndCachesTheJwks) {
  NrasClientOptions options;
  options.service_key = SecretBytes(as_bytes("sekrit-key"));
  options.allow_hold_cert = true;
  auto nras = client(std::move(options));
  EXPECT_EQ(nras.attest_url(), nras_.base() + "/v3/attest/gpu");
  EXPECT_EQ(nras.jwks_url(), nras_.base() + "/.well-known/jwks.json");

  const GpuEvidenceList evidence = some_evidence(2);
  auto result = nras.attest(nonce_, evidence);
  ASSERT_TRUE(result.ok()) << result.error().message();
  EXPECT_TRUE(result->verification.accepted()) << result->verification.status().error().message();
  ASSERT_EQ(result->verification.devices.size(), 2u);
  EXPECT_EQ(result->verification.devices[1].claims["measres"], "success");
  EXPECT_FALSE(result->response_body.empty());
  EXPECT_NE(result->jwks_json.find("kid-a"), std::string::npos);

  // What the service received: the Phala-shaped body, the key as Bearer, the hold header.
  const net::Request sent = nras_.last_request();
  EXPECT_EQ(sent.headers.get("Authorization"), "Bearer sekrit-key");
  EXPECT_EQ(sent.headers.get("X-NVIDIA-OCSP-ALLOW-CERT-HOLD"), "true");
  EXPECT_EQ(sent.headers.get("Content-Type"), "application/json");
  auto body = parse_nras_request(sent.body);
  ASSERT_TRUE(body.ok());
  EXPECT_EQ(body->nonce, nonce_);
  ASSERT_EQ(body->evidence.size(), 2u);
  EXPECT_EQ(body->evidence[1].report, evidence[1].report);
  EXPECT_EQ(body->evidence[1].certificate_chain, evidence[1].certificate_chain);

  // Within 15 minutes the JWKS comes from the cache; after, it is fetched again.
  EXPECT_EQ(nras_.jwks_hits(), 1);
  clock_.advance(std::chrono::minutes(14));
  ASSERT_TRUE(nras.attest(nonce_, evidence).ok());
  EXPECT_EQ(nras_.jwks_hits(), 1);
  clock_.advance(std::chrono::minutes(2));
  auto later = nras.attest(nonce_, evidence);
  ASSERT_TRUE(later.ok());
  EXPECT_EQ(nras_.jwks_hits(), 2);
  EXPECT_EQ(nras.jwks_fetches(), 2u);
  EXPECT_TRUE(later->verification.accepted());
}

TEST_F(NrasClientTest, NoServiceKeyNoAuthorizationHeader) {
  auto nras = client();
  ASSERT_TRUE(nras.attest(nonce_, some_evidence(1)).ok());
  const net::Request sent = nras_.last_request();
  EXPECT_FALSE(sent.headers.contains("Authorization"));
  EXPECT_FALSE(sent.headers.contains("X-NVIDIA-OCSP-ALLOW-CERT-HOLD"));
}

TEST_F(NrasClientTest, V4WithClaimsVersion) {
  NrasClientOptions options;
  options.api_version = NrasApiVersion::kV4;
  options.claims_version = "3.0";
  auto nras = client(std::move(options));
  EXPECT_EQ(nras.attest_url(), nras_.base() + "/v4/attest/gpu");
  auto result = nras.attest(nonce_, some_evidence(1));
  ASSERT_TRUE(result.ok()) << result.error().message();
  EXPECT_TRUE(result->verification.accepted());
  auto body = parse_nras_request(nras_.last_request().body);
  ASSERT_TRUE(body.ok());
  EXPECT_EQ(body->claims_version, "3.0");
}

TEST_F(NrasClientTest, RefetchesOnceWhenTheKeyRotates) {
  auto nras = client();
  ASSERT_TRUE(nras.attest(nonce_, some_evidence(1))->verification.accepted());
  EXPECT_EQ(nras_.jwks_hits(), 1);
  // NRAS rotates: new kid and key, the cached set does not know it.
  auto rotated = p384();
  nras_.set_jwks(jwks_json(rotated, "kid-b"));
  nras_.set_answer(answer_with(rotated, "kid-b"));
  clock_.advance(std::chrono::minutes(1));
  auto result = nras.attest(nonce_, some_evidence(1));
  ASSERT_TRUE(result.ok()) << result.error().message();
  EXPECT_TRUE(result->verification.accepted()) << result->verification.status().error().message();
  EXPECT_EQ(nras_.jwks_hits(), 2);
  EXPECT_NE(result->jwks_json.find("kid-b"), std::string::npos);
}

TEST_F(NrasClientTest, UnknownKidAfterRefetchIsReported) {
  auto nras = client();
  ASSERT_TRUE(nras.attest(nonce_, some_evidence(1)).ok());
  auto stranger = p384();
  nras_.set_answer(answer_with(stranger, "kid-unpublished"));
  auto result = nras.attest(nonce_, some_evidence(1));
  ASSERT_TRUE(result.ok()) << result.error().message();
  EXPECT_FALSE(result->verification.accepted());
  EXPECT_EQ(outcome(*result, "nras-token-signature"), "fail");
  EXPECT_NE(result->verification.status().error().message().find("unknown kid 'kid-unpublished'"),
            std::string::npos);
  EXPECT_EQ(nras_.jwks_hits(), 2);  // one refetch, not a loop
  // A token signed by a stranger under a published kid fails as a bad signature.
  nras_.set_answer(answer_with(stranger, "kid-a"));
  auto forged = nras.attest(nonce_, some_evidence(1));
  ASSERT_TRUE(forged.ok());
  EXPECT_EQ(outcome(*forged, "nras-token-signature"), "fail");
  EXPECT_EQ(nras_.jwks_hits(), 2);
}

TEST_F(NrasClientTest, ExpiredTokenByTheInjectedClock) {
  auto nras = client();
  clock_.set(FixedClock::time_point(std::chrono::seconds(kIat + 3600 + 120)));
  auto result = nras.attest(nonce_, some_evidence(1));
  ASSERT_TRUE(result.ok());
  EXPECT_FALSE(result->verification.accepted());
  EXPECT_EQ(outcome(*result, "nras-token-time"), "fail");
  EXPECT_EQ(outcome(*result, "nras-gpu-0-token-time"), "fail");
}

TEST_F(NrasClientTest, WrongNonceInTheAnswer) {
  nras_.set_answer(answer_with(key_, "kid-a", [](Json& overall, std::vector<Json>& devices) {
    overall["eat_nonce"] = std::string(64, '0');
    devices[0]["eat_nonce"] = std::string(64, '0');
  }));
  auto result = client().attest(nonce_, some_evidence(1));
  ASSERT_TRUE(result.ok());
  EXPECT_FALSE(result->verification.accepted());
  EXPECT_EQ(outcome(*result, "nras-eat-nonce"), "fail");
  EXPECT_EQ(outcome(*result, "nras-gpu-0-eat-nonce"), "fail");
}

TEST_F(NrasClientTest, BadSubmodsDigest) {
  nras_.set_answer(answer_with(key_, "kid-a", [](Json& overall, std::vector<Json>&) {
    overall["submods"] =
        Json{{"GPU-0", Json::array({"DIGEST", Json::array({"SHA-256", std::string(64, 'f')})})}};
  }));
  auto result = client().attest(nonce_, some_evidence(1));
  ASSERT_TRUE(result.ok());
  EXPECT_FALSE(result->verification.accepted());
  EXPECT_EQ(outcome(*result, "nras-submods-digest"), "fail");
}

TEST_F(NrasClientTest, FewerTokensThanEvidence) {
  nras_.set_answer(
      answer_with(key_, "kid-a", [](Json&, std::vector<Json>& devices) { devices.pop_back(); }));
  auto result = client().attest(nonce_, some_evidence(2));
  ASSERT_TRUE(result.ok());
  EXPECT_EQ(outcome(*result, "nras-device-count"), "fail");
}

TEST_F(NrasClientTest, OverallFalseWithNonceMismatchDetails) {
  nras_.set_answer(answer_with(key_, "kid-a", [](Json& overall, std::vector<Json>& devices) {
    overall["x-nvidia-overall-att-result"] = false;
    devices[0]["measres"] = nullptr;
    devices[0]["x-nvidia-gpu-attestation-report-nonce-match"] = false;
    devices[0]["x-nvidia-error-details"] =
        Json{{"code", 4010}, {"message", "NONCE_NOT_MATCHING"}, {"httpStatus", 400}};
  }));
  auto result = client().attest(nonce_, some_evidence(1));
  ASSERT_TRUE(result.ok());
  EXPECT_FALSE(result->verification.accepted());
  const std::string message = result->verification.status().error().message();
  EXPECT_NE(message.find("NRAS error 4010"), std::string::npos) << message;
  EXPECT_NE(message.find("nonce does not match"), std::string::npos) << message;
  EXPECT_EQ(outcome(*result, "nras-gpu-0-error-details"), "fail");
}

TEST_F(NrasClientTest, HttpErrorsAreNamed) {
  NrasClientOptions options;
  options.service_key = SecretBytes(as_bytes("do-not-print-me"));
  auto nras = client(std::move(options));
  nras_.set_status(401, R"({"error":"invalid key"})");
  auto denied = nras.attest(nonce_, some_evidence(1));
  ASSERT_FALSE(denied.ok());
  EXPECT_NE(denied.error().message().find("NRAS rejected the service key (HTTP 401)"),
            std::string::npos)
      << denied.error().message();
  EXPECT_EQ(denied.error().message().find("do-not-print-me"), std::string::npos);
  nras_.set_status(403, "{}");
  EXPECT_NE(nras.attest(nonce_, some_evidence(1)).error().message().find("HTTP 403"),
            std::string::npos);

  nras_.set_status(500, std::string(5000, 'x') + "\x01");
  auto failed = nras.attest(nonce_, some_evidence(1));
  ASSERT_FALSE(failed.ok());
  EXPECT_NE(failed.error().message().find("HTTP 500: xxxx"), std::string::npos);
  EXPECT_LT(failed.error().message().size(), 400u);  // bounded excerpt

  nras_.set_status(200, "");
  nras_.set_answer([](const NrasRequest&, const std::string&) { return std::string("[1,2]"); });
  auto garbled = nras.attest(nonce_, some_evidence(1));
  ASSERT_FALSE(garbled.ok());
  EXPECT_NE(garbled.error().message().find("detached eat"), std::string::npos);
}

TEST_F(NrasClientTest, JwksUnavailableIsAnError) {
  nras_.set_jwks("", 404);
  auto result = client().attest(nonce_, some_evidence(1));
  ASSERT_FALSE(result.ok());
  EXPECT_NE(result.error().message().find("jwks.json"), std::string::npos);
  EXPECT_NE(result.error().message().find("HTTP 404"), std::string::npos);
}

TEST_F(NrasClientTest, RefusesBadInputBeforeSending) {
  auto nras = client();
  EXPECT_FALSE(nras.attest(Bytes(16, 1), some_evidence(1)).ok());
  EXPECT_FALSE(nras.attest(nonce_, {}).ok());
  EXPECT_EQ(nras_.jwks_hits(), 0);
}

TEST_F(NrasClientTest, ServiceKeyNeedsHttps) {
  NrasClientOptions options;
  options.base_url = "http://127.0.0.1:1";
  options.service_key = SecretBytes(as_bytes("sekrit"));
  NrasClient nras(std::move(options), std::make_shared<net::HttpClient>(), clock_);
  auto result = nras.attest(nonce_, some_evidence(1));
  ASSERT_FALSE(result.ok());
  EXPECT_NE(result.error().message().find("non-https"), std::string::npos);
  EXPECT_EQ(result.error().message().find("sekrit"), std::string::npos);
}

TEST_F(NrasClientTest, PlainHttpIsRefusedEvenWithoutAKey) {
  // Over http anyone on the path could serve their own JWKS and a signed "true".
  NrasClientOptions options;
  options.base_url = "http://127.0.0.1:1";
  NrasClient nras(std::move(options), std::make_shared<net::HttpClient>(), clock_);
  auto result = nras.attest(nonce_, some_evidence(1));
  ASSERT_FALSE(result.ok());
  EXPECT_NE(result.error().message().find("non-https"), std::string::npos);
}

TEST_F(NrasClientTest, UntrustedServerCertificateFails) {
  auto other = p384();
  net::TlsClientOptions tls;
  tls.ca_pem = nras_test::certificate_pem(nras_test::self_signed(other, "someone else"));
  auto ctx = net::TlsClientContext::create(std::move(tls));
  ASSERT_TRUE(ctx.ok());
  net::ClientOptions co;
  co.tls = *ctx;
  NrasClientOptions options;
  options.base_url = nras_.base();
  NrasClient nras(std::move(options), std::make_shared<net::HttpClient>(co), clock_);
  auto result = nras.attest(nonce_, some_evidence(1));
  ASSERT_FALSE(result.ok());
  EXPECT_EQ(result.error().code(), ErrorCode::kVerification);
}

}  // namespace
}  // namespace cllm::gpu
