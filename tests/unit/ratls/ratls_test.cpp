// RA-TLS: certificates issued from the real simulator's evidence, their strict parser, and
// real TLS handshakes on loopback (HttpServer + HttpClient) through the RA-TLS verifier:
// accepted with --allow-simulated, rejected (naming the factor) without it, for a
// man-in-the-middle that re-signs the evidence with its own key, a DEBUG TD, a wrong
// expected model, stale claims and an expired certificate.
#include <gtest/gtest.h>

#include <memory>
#include <string>

#include "cllm/common/base64.hpp"
#include "cllm/crypto/x509.hpp"
#include "cllm/net/http_client.hpp"
#include "cllm/net/http_server.hpp"
#include "cllm/ratls/certificate.hpp"
#include "cllm/ratls/client_verifier.hpp"
#include "cllm/tdx/sim_pki.hpp"
#include "unit/attest/node_fixture.hpp"

namespace cllm::ratls {
namespace {

using attest::Claims;
using attest::Factor;
using attest::testing::describe;
using attest::testing::kNow;
using attest::testing::SimNode;

IssuedCertificate issue(SimNode& node, Claims claims,
                        std::int64_t validity = kDefaultCertificateValiditySeconds) {
  RatlsIssueOptions options;
  options.names.dns_names = {"localhost"};
  options.names.ip_addresses = {"127.0.0.1", "::1"};
  options.validity_seconds = validity;
  auto cert = make_ratls_certificate(node.attester(), nullptr, std::move(claims), options);
  EXPECT_TRUE(cert.ok()) << (cert.ok() ? "" : cert.error().message());
  return cert.ok() ? std::move(cert).value() : IssuedCertificate{};
}

// What `cllm verify --allow-simulated` knows before the handshake: the simulator root and
// its collateral (in the CLI they come from a report; here from the platform directly).
attest::AppraisalOptions client_options(SimNode& node, bool allow_simulated = true) {
  attest::AppraisalOptions o = node.options(allow_simulated);
  auto collateral = node.attester().collateral();
  EXPECT_TRUE(collateral.ok());
  o.collateral = *collateral;
  o.simulated_roots.push_back(node.attester().platform().root_certificate());
  return o;
}

// A real TLS server on 127.0.0.1 presenting cert, and one HTTPS request through the
// RA-TLS verifier. Returns the request's result and the verifier's state.
struct Outcome {
  Result<net::ClientResponse> response = make_error(ErrorCode::kInternal, "not run");
  std::shared_ptr<RatlsVerifierState> state;
};

Outcome request_through_ratls(const std::string& cert_pem, EVP_PKEY* key,
                              const attest::AppraisalOptions& appraisal,
                              const Clock* clock = nullptr) {
  Outcome out;
  auto key_pem = private_key_pem(key);
  EXPECT_TRUE(key_pem.ok());
  auto tls = net::TlsServerContext::from_pem(
      cert_pem, std::string_view(reinterpret_cast<const char*>(key_pem->data()), key_pem->size()));
  EXPECT_TRUE(tls.ok()) << (tls.ok() ? "" : tls.error().message());
  if (!tls.ok()) return out;
  net::ServerOptions server_options;
  server_options.tls = *tls;
  server_options.io_threads = 1;
  net::HttpServer server(server_options);
  server.route("GET", "/hello", [](const net::Request&, std::shared_ptr<net::ResponseWriter> w) {
    (void)w->send(net::Response::text(200, "hello from the TEE"));
  });
  auto port = server.listen(net::ListenAddress::tcp("127.0.0.1", 0));
  EXPECT_TRUE(port.ok());
  EXPECT_TRUE(server.start().ok());

  RatlsVerifierOptions options;
  options.appraisal = appraisal;
  FixedClock fixed = FixedClock::at_unix(appraisal.now);
  options.clock = clock != nullptr ? clock : &fixed;
  RatlsVerifier verifier = make_ratls_verifier(options);
  out.state = verifier.state;
  net::TlsClientOptions tls_options;
  tls_options.verify_peer = verifier.verify;
  auto client_tls = net::TlsClientContext::create(tls_options);
  EXPECT_TRUE(client_tls.ok());
  net::ClientOptions client_options;
  client_options.tls = *client_tls;
  client_options.timeout = std::chrono::milliseconds(10'000);
  net::HttpClient client(client_options);
  out.response = client.get("https://127.0.0.1:" + std::to_string(*port) + "/hello");
  server.stop(std::chrono::milliseconds(1000));
  return out;
}

void expect_rejected_naming(const Outcome& out, std::string_view factor) {
  ASSERT_FALSE(out.response.ok()) << "the handshake should have failed";
  EXPECT_EQ(out.response.error().code(), ErrorCode::kVerification)
      << out.response.error().message();
  EXPECT_NE(out.response.error().message().find("ratls: " + std::string(factor) + ":"),
            std::string::npos)
      << out.response.error().message();
  auto last = out.state->last();
  ASSERT_TRUE(last.has_value());
  EXPECT_FALSE(last->verdict.accepted);
  ASSERT_NE(last->verdict.first_failure(), nullptr);
  EXPECT_EQ(last->verdict.first_failure()->name, factor) << describe(last->verdict);
}

TEST(RatlsCertificate, IssueAndParse) {
  SimNode node;
  IssuedCertificate cert = issue(node, node.claims(attest::kPurposeRatls));
  ASSERT_FALSE(cert.der.empty());
  auto parsed = crypto::Certificate::from_der(cert.der);
  ASSERT_TRUE(parsed.ok());
  EXPECT_TRUE(parsed->is_signed_by(*parsed));
  EXPECT_EQ(parsed->subject_common_name(), "cllm node");
  EXPECT_EQ(parsed->not_before(), kNow - 60);
  EXPECT_EQ(parsed->not_after(), kNow + 24 * 3600);
  EXPECT_EQ(parsed->serial().size(), 16u);
  std::printf("RA-TLS certificate: %zu bytes\n", cert.der.size());

  auto evidence = parse_ratls_evidence(cert.der);
  ASSERT_TRUE(evidence.ok()) << evidence.error().message();
  EXPECT_EQ(evidence->claims, cert.claims);
  EXPECT_EQ(evidence->claims.purpose, "ratls");
  EXPECT_FALSE(evidence->claims.nonce.has_value());
  auto spki = certificate_spki_sha256(cert.der);
  ASSERT_TRUE(spki.ok());
  EXPECT_EQ(evidence->claims.tls_spki_sha256, *spki);
  auto key_spki = public_key_spki_sha256(cert.key.get());
  ASSERT_TRUE(key_spki.ok());
  EXPECT_EQ(*key_spki, *spki);
  auto quote = tdx::parse_quote(evidence->quote);
  ASSERT_TRUE(quote.ok());
  EXPECT_EQ(quote->td_report()->report_data,
            *attest::claims_report_data(attest::kRatlsTag, evidence->claims));
  EXPECT_TRUE(evidence->event_log.is_array());

  // The extension is non-critical and its value is a DER UTF8String (tag 0x0C).
  auto value = parsed->extension(kCmwOid);
  ASSERT_TRUE(value.ok());
  ASSERT_GT(value->size(), 4u);
  EXPECT_EQ((*value)[0], 0x0C);

  // The whole certificate, appraised offline, is accepted.
  const attest::Verdict v = appraise_ratls_certificate(cert.der, client_options(node));
  EXPECT_TRUE(v.accepted) << describe(v);
  EXPECT_EQ(v.find("tls_key_binding")->outcome, Factor::Outcome::kPass);
  EXPECT_EQ(v.find("nonce_match")->outcome, Factor::Outcome::kSkip);
}

TEST(RatlsCertificate, IssuerRefusesIncoherentEvidence) {
  SimNode node;
  auto key = generate_tls_key();
  ASSERT_TRUE(key.ok());
  auto other = generate_tls_key();
  ASSERT_TRUE(other.ok());
  Claims claims = node.claims(attest::kPurposeRatls);
  claims.tls_spki_sha256 = *public_key_spki_sha256(key->get());
  auto report_data = attest::claims_report_data(attest::kRatlsTag, claims);
  ASSERT_TRUE(report_data.ok());
  auto quote = node.attester().get_quote(*report_data);
  ASSERT_TRUE(quote.ok());
  RatlsCertificateRequest request;
  request.key = key->get();
  request.claims = claims;
  request.quote = *quote;
  request.event_log_json = node.attester().event_log()->to_json().dump();
  EXPECT_TRUE(issue_ratls_certificate(request).ok());

  crypto::EvpPkeyPtr p384(EVP_PKEY_Q_keygen(nullptr, nullptr, "EC", "P-384"));
  ASSERT_TRUE(p384);
  request.key = p384.get();  // not P-256
  auto refused = issue_ratls_certificate(request);
  ASSERT_FALSE(refused.ok());
  EXPECT_NE(refused.error().message().find("P-256"), std::string::npos);
  request.key = other->get();  // claims bind another key
  EXPECT_FALSE(issue_ratls_certificate(request).ok());
  request.key = key->get();
  request.claims.model_id = "other";  // the quote does not commit to these claims
  EXPECT_FALSE(issue_ratls_certificate(request).ok());
  request.claims = claims;
  request.names.dns_names = {"evil,DNS:x"};
  EXPECT_FALSE(issue_ratls_certificate(request).ok());
  request.names = {};
  request.names.ip_addresses = {"not-an-ip"};
  EXPECT_FALSE(issue_ratls_certificate(request).ok());
}

TEST(RatlsCertificate, ParserIsStrict) {
  SimNode node;
  IssuedCertificate cert = issue(node, node.claims(attest::kPurposeRatls));
  auto evidence = parse_ratls_evidence(cert.der);
  ASSERT_TRUE(evidence.ok());
  auto key = generate_tls_key();
  ASSERT_TRUE(key.ok());
  auto forged = [&](const std::string& collection) {
    auto der = issue_self_signed_certificate(key->get(), collection, {}, kNow - 60, kNow + 3600);
    EXPECT_TRUE(der.ok());
    return parse_ratls_evidence(*der);
  };
  const std::string quote64 = base64url_encode(evidence->quote);
  const std::string log64 = base64url_encode(as_bytes(evidence->event_log_text));
  const std::string claims64 = base64url_encode(as_bytes(evidence->claims_text));
  auto collection = [&](std::string type, std::string extra, std::string claims) {
    return "{\"__cmwc_t\":\"" + type + "\"," + extra + "\"claims\":[\"" +
           std::string(kMediaTypeClaims) + "\",\"" + claims + "\"],\"evlog\":[\"" +
           std::string(kMediaTypeEventLog) + "\",\"" + log64 + "\"],\"tdx\":[\"" +
           std::string(kMediaTypeQuote) + "\",\"" + quote64 + "\"]}";
  };
  // The same content re-encoded by hand parses (the test's encoding is right)...
  EXPECT_TRUE(forged(collection(std::string(kCmwCollectionType), "", claims64)).ok());
  // ...and each deviation is rejected.
  EXPECT_FALSE(forged(collection("tag:other", "", claims64)).ok());
  EXPECT_FALSE(
      forged(collection(std::string(kCmwCollectionType), "\"gpu\":[\"x\",\"\"],", claims64)).ok());
  EXPECT_FALSE(forged(collection(std::string(kCmwCollectionType), "", claims64 + "!")).ok());
  Json pretty = *parse_json(evidence->claims_text);
  EXPECT_FALSE(forged(collection(std::string(kCmwCollectionType), "",
                                 base64url_encode(as_bytes(pretty.dump(1)))))
                   .ok());  // not canonical
  EXPECT_FALSE(forged("{}").ok());
  EXPECT_FALSE(forged("not json").ok());
  EXPECT_FALSE(parse_ratls_evidence(Bytes{0x30, 0x03, 0x02, 0x01, 0x01}).ok());
  EXPECT_FALSE(parse_ratls_evidence(Bytes{}).ok());
}

// Deterministic mutations of a genuine certificate: the parser and the appraisal must never
// crash, and no mutated certificate is ever accepted (every byte is signed or checked).
TEST(RatlsCertificate, MutatedCertificatesAreNeverAccepted) {
  SimNode node;
  IssuedCertificate cert = issue(node, node.claims(attest::kPurposeRatls));
  const attest::AppraisalOptions options = client_options(node);
  ASSERT_TRUE(appraise_ratls_certificate(cert.der, options).accepted);
  std::uint32_t state = 12345;
  auto next = [&state] {
    state = state * 1103515245u + 12345u;
    return state >> 8;
  };
  for (int i = 0; i < 200; ++i) {
    Bytes mutated = cert.der;
    const int flips = 1 + static_cast<int>(next() % 3);
    for (int k = 0; k < flips; ++k)
      mutated[next() % mutated.size()] ^= static_cast<std::uint8_t>(1u << (next() % 8));
    if (mutated == cert.der) continue;
    (void)parse_ratls_evidence(mutated);
    const attest::Verdict v = appraise_ratls_certificate(mutated, options);
    EXPECT_FALSE(v.accepted) << "mutation " << i << describe(v);
  }
  // Truncations too.
  for (std::size_t n : {std::size_t{0}, std::size_t{1}, cert.der.size() / 2, cert.der.size() - 1}) {
    EXPECT_FALSE(appraise_ratls_certificate(ByteView(cert.der).first(n), options).accepted);
  }
}

TEST(RatlsTls, AcceptsSimulatedNodeWithAllowSimulated) {
  SimNode node;
  IssuedCertificate cert = issue(node, node.claims(attest::kPurposeRatls));
  attest::AppraisalOptions options = client_options(node);
  options.expected_model_sha256 = node.model_sha256_hex();
  Outcome out = request_through_ratls(cert.pem, cert.key.get(), options);
  ASSERT_TRUE(out.response.ok()) << out.response.error().message();
  EXPECT_EQ(out.response->status, 200);
  EXPECT_EQ(out.response->body, "hello from the TEE");
  EXPECT_EQ(out.response->peer_certificate_der, cert.der);
  auto last = out.state->last();
  ASSERT_TRUE(last.has_value());
  EXPECT_TRUE(last->verdict.accepted) << describe(last->verdict);
  EXPECT_EQ(last->spki_sha256, cert.claims.tls_spki_sha256);
  ASSERT_TRUE(last->verdict.claims.has_value());
  EXPECT_EQ(last->verdict.claims->signing_address, cert.claims.signing_address);
  for (std::string_view name :
       {"certificate_self_signed", "certificate_validity", "evidence_format", "quote_chain",
        "event_log_replay", "measured_model", "report_data_binding", "tls_key_binding"}) {
    EXPECT_EQ(last->verdict.find(name)->outcome, Factor::Outcome::kPass) << name;
  }
}

TEST(RatlsTls, RejectsSimulatedNodeWithoutTheFlag) {
  SimNode node;
  IssuedCertificate cert = issue(node, node.claims(attest::kPurposeRatls));
  expect_rejected_naming(
      request_through_ratls(cert.pem, cert.key.get(), client_options(node, false)),
      "simulated_allowed");
}

TEST(RatlsTls, RejectsManInTheMiddleWithCopiedEvidence) {
  SimNode node;
  IssuedCertificate genuine = issue(node, node.claims(attest::kPurposeRatls));
  auto evidence = parse_ratls_evidence(genuine.der);
  ASSERT_TRUE(evidence.ok());
  // The attacker copies the evidence byte for byte into a certificate for its own key.
  auto collection =
      encode_cmw_collection(evidence->quote, evidence->event_log_text, evidence->claims_text);
  ASSERT_TRUE(collection.ok());
  auto attacker_key = generate_tls_key();
  ASSERT_TRUE(attacker_key.ok());
  CertificateNames names;
  names.ip_addresses = {"127.0.0.1"};
  auto der = issue_self_signed_certificate(attacker_key->get(), *collection, names, kNow - 60,
                                           kNow + 3600);
  ASSERT_TRUE(der.ok());
  auto forged = crypto::Certificate::from_der(*der);
  ASSERT_TRUE(forged.ok());
  auto pem = tdx::certificate_pem(*forged);
  ASSERT_TRUE(pem.ok());
  expect_rejected_naming(request_through_ratls(*pem, attacker_key->get(), client_options(node)),
                         "tls_key_binding");
}

TEST(RatlsTls, RejectsDebugTd) {
  SimNode node(/*debug=*/true);
  IssuedCertificate cert = issue(node, node.claims(attest::kPurposeRatls));
  expect_rejected_naming(request_through_ratls(cert.pem, cert.key.get(), client_options(node)),
                         "debug_disabled");
}

TEST(RatlsTls, RejectsWrongExpectedModel) {
  SimNode node;
  IssuedCertificate cert = issue(node, node.claims(attest::kPurposeRatls));
  attest::AppraisalOptions options = client_options(node);
  options.expected_model_sha256 = std::string(64, 'f');
  expect_rejected_naming(request_through_ratls(cert.pem, cert.key.get(), options),
                         "measured_model");
}

TEST(RatlsTls, RejectsStaleClaimsAndExpiredCertificates) {
  SimNode node;
  Claims claims = node.claims(attest::kPurposeRatls);
  claims.issued_at = kNow - 2 * 24 * 3600;
  // A certificate still inside its (long) validity whose claims are too old.
  IssuedCertificate stale = issue(node, claims, 3 * 24 * 3600);
  expect_rejected_naming(request_through_ratls(stale.pem, stale.key.get(), client_options(node)),
                         "freshness");
  // A fresh certificate seen after its notAfter.
  IssuedCertificate cert = issue(node, node.claims(attest::kPurposeRatls));
  attest::AppraisalOptions late = client_options(node);
  late.now = kNow + 24 * 3600 + 1;
  expect_rejected_naming(request_through_ratls(cert.pem, cert.key.get(), late),
                         "certificate_validity");
}

}  // namespace
}  // namespace cllm::ratls
