#include "cllm/net/tls_context.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>

#include "cllm/net/http_client.hpp"
#include "cllm/net/http_server.hpp"
#include "unit/net/test_certs.hpp"

namespace cllm::net {
namespace {

using test::make_cert;
using test::TestCert;

// root -> intermediate -> leaf (127.0.0.1, localhost), and an unrelated root.
struct Pki {
  TestCert root = make_cert("Test Root", nullptr, true, "");
  TestCert intermediate = make_cert("Test Intermediate", &root, true, "");
  TestCert leaf = make_cert("server", &intermediate, false);
  TestCert other_root = make_cert("Other Root", nullptr, true, "");
};

const Pki& pki() {
  static const Pki instance;
  return instance;
}

struct TlsServer {
  explicit TlsServer(std::shared_ptr<TlsServerContext> tls) {
    ServerOptions options;
    options.tls = std::move(tls);
    server = std::make_unique<HttpServer>(options);
    server->route("GET", "/hello", [](const Request&, std::shared_ptr<ResponseWriter> w) {
      (void)w->send(Response::text(200, "secure hello"));
    });
    auto p = server->listen(ListenAddress::tcp("127.0.0.1", 0));
    EXPECT_TRUE(p.ok());
    port = p.ok() ? *p : 0;
    EXPECT_TRUE(server->start().ok());
  }
  std::string url(const std::string& host = "127.0.0.1") const {
    return "https://" + host + ":" + std::to_string(port) + "/hello";
  }
  std::unique_ptr<HttpServer> server;
  std::uint16_t port = 0;
};

std::shared_ptr<TlsServerContext> server_context() {
  auto ctx = TlsServerContext::from_pem(pki().leaf.cert_pem + pki().intermediate.cert_pem,
                                        pki().leaf.key_pem);
  EXPECT_TRUE(ctx.ok()) << ctx.error().message();
  return ctx.ok() ? *ctx : nullptr;
}

TlsClientOptions pinned(const std::string& ca_pem, bool verify_hostname = true) {
  TlsClientOptions o;
  o.ca_pem = ca_pem;
  o.verify_hostname = verify_hostname;
  return o;
}

TlsClientOptions verifier(PeerChainVerifier fn) {
  TlsClientOptions o;
  o.verify_peer = std::move(fn);
  return o;
}

HttpClient client_with(TlsClientOptions options) {
  auto ctx = TlsClientContext::create(std::move(options));
  EXPECT_TRUE(ctx.ok()) << ctx.error().message();
  ClientOptions co;
  co.tls = ctx.ok() ? *ctx : nullptr;
  co.timeout = std::chrono::milliseconds(3000);
  return HttpClient(co);
}

TEST(TlsServerContext, RejectsAKeyThatDoesNotMatch) {
  auto ctx = TlsServerContext::from_pem(pki().leaf.cert_pem, pki().other_root.key_pem);
  ASSERT_FALSE(ctx.ok());
  EXPECT_NE(ctx.error().message().find("does not match"), std::string::npos);
  EXPECT_FALSE(TlsServerContext::from_pem("not pem", pki().leaf.key_pem).ok());
  EXPECT_FALSE(TlsServerContext::from_pem(pki().leaf.cert_pem, "not a key").ok());
  EXPECT_FALSE(TlsServerContext::from_openssl(nullptr, nullptr).ok());
}

TEST(TlsClientContext, RequiresATrustDecision) {
  EXPECT_FALSE(TlsClientContext::create(TlsClientOptions()).ok());
  TlsClientOptions bad;
  bad.ca_pem = "garbage";
  EXPECT_FALSE(TlsClientContext::create(bad).ok());
}

TEST(Tls, RoundTripWithPinnedCa) {
  TlsServer ts(server_context());
  HttpClient client = client_with(pinned(pki().root.cert_pem));
  for (const char* host : {"127.0.0.1", "localhost"}) {
    auto resp = client.get(ts.url(host));
    ASSERT_TRUE(resp.ok()) << host << ": " << resp.error().message();
    EXPECT_EQ(resp->status, 200);
    EXPECT_EQ(resp->body, "secure hello");
    EXPECT_EQ(resp->peer_certificate_der, pki().leaf.der);
  }
}

TEST(Tls, RejectsAnUntrustedServerCertificate) {
  TlsServer ts(server_context());
  HttpClient client = client_with(pinned(pki().other_root.cert_pem));
  auto resp = client.get(ts.url());
  ASSERT_FALSE(resp.ok());
  EXPECT_EQ(resp.error().code(), ErrorCode::kVerification);
  EXPECT_NE(resp.error().message().find("verification failed"), std::string::npos)
      << resp.error().message();
}

TEST(Tls, RejectsAHostNameTheCertificateDoesNotName) {
  auto wrong = make_cert("wrong", &pki().intermediate, false, "DNS:other.example");
  auto ctx = TlsServerContext::from_openssl(wrong.cert.get(), wrong.key.get(),
                                            std::vector<X509*>{pki().intermediate.cert.get()});
  ASSERT_TRUE(ctx.ok()) << ctx.error().message();
  TlsServer ts(*ctx);
  auto strict = client_with(pinned(pki().root.cert_pem));
  auto resp = strict.get(ts.url());
  ASSERT_FALSE(resp.ok());
  EXPECT_EQ(resp.error().code(), ErrorCode::kVerification);
  auto lax = client_with(pinned(pki().root.cert_pem, false));
  EXPECT_TRUE(lax.get(ts.url()).ok());
}

TEST(Tls, CustomVerifierSeesThePeerChainAndDecides) {
  TlsServer ts(server_context());
  std::vector<Bytes> seen;
  HttpClient accepting = client_with(verifier([&](std::span<const Bytes> chain) {
    seen.assign(chain.begin(), chain.end());
    return ok_status();
  }));
  auto ok = accepting.get(ts.url());
  ASSERT_TRUE(ok.ok()) << ok.error().message();
  ASSERT_EQ(seen.size(), 2u);
  EXPECT_EQ(seen[0], pki().leaf.der);
  EXPECT_EQ(seen[1], pki().intermediate.der);

  HttpClient rejecting = client_with(verifier([](std::span<const Bytes>) -> Status {
    return make_error(ErrorCode::kVerification, "attestation evidence missing");
  }));
  auto rejected = rejecting.get(ts.url());
  ASSERT_FALSE(rejected.ok());
  EXPECT_EQ(rejected.error().code(), ErrorCode::kVerification);
  EXPECT_NE(rejected.error().message().find("attestation evidence missing"), std::string::npos)
      << rejected.error().message();
}

TEST(Tls, CertificateReplacedAtRunTimeServesNewConnections) {
  auto ctx = server_context();
  TlsServer ts(ctx);
  std::vector<Bytes> leaves;
  HttpClient client = client_with(verifier([&](std::span<const Bytes> chain) {
    leaves.push_back(chain[0]);
    return ok_status();
  }));
  ASSERT_TRUE(client.get(ts.url()).ok());
  auto renewed = make_cert("renewed", nullptr, false);
  ASSERT_TRUE(ctx->replace_certificate(renewed.cert.get(), renewed.key.get()).ok());
  EXPECT_EQ(ctx->certificate_der(), renewed.der);
  auto resp = client.get(ts.url());
  ASSERT_TRUE(resp.ok()) << resp.error().message();
  EXPECT_EQ(resp->peer_certificate_der, renewed.der);
  ASSERT_EQ(leaves.size(), 2u);
  EXPECT_EQ(leaves[0], pki().leaf.der);
  EXPECT_EQ(leaves[1], renewed.der);
}

TEST(Tls, PlainClientAgainstTlsServerFailsCleanly) {
  TlsServer ts(server_context());
  ClientOptions options;
  options.timeout = std::chrono::milliseconds(1000);
  HttpClient plain(options);
  auto resp = plain.get("http://127.0.0.1:" + std::to_string(ts.port) + "/hello");
  EXPECT_TRUE(!resp.ok() || resp->status == 400);
  HttpClient no_tls;
  EXPECT_EQ(no_tls.get(ts.url()).error().code(), ErrorCode::kInvalidArgument);
}

}  // namespace
}  // namespace cllm::net
