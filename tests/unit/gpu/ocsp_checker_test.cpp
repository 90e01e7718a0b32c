// OcspChecker against a real loopback OCSP responder (net::HttpServer) that answers with
// responses signed here with OpenSSL: good, revoked, on hold, unknown, wrong nonce, expired,
// for another certificate, signed by a stranger; offline and unreachable with and without
// stored responses; chains that name no responder are skipped; NVIDIA's real chain finds
// its responder even for the BROM certificate that carries no AIA.
#include "cllm/gpu/ocsp_checker.hpp"

#include <gtest/gtest.h>
#include <openssl/ocsp.h>
#include <unistd.h>

#include <atomic>
#include <filesystem>
#include <map>
#include <mutex>
#include <string>

#include "cllm/common/file.hpp"
#include "cllm/crypto/certificate_issuer.hpp"
#include "cllm/crypto/x509_ptr.hpp"
#include "cllm/net/http_server.hpp"
#include "support/test_paths.hpp"

namespace cllm::gpu {
namespace {

using crypto::Certificate;
using crypto::EcdsaPrivateKey;

constexpr std::int64_t kNow = 1767225600;  // 2026-01-01T00:00:00Z
constexpr std::int64_t kDay = 86400;

using Asn1TimePtr = crypto::OpensslPtr<ASN1_TIME, ASN1_TIME_free>;
using BasicPtr = crypto::OpensslPtr<OCSP_BASICRESP, OCSP_BASICRESP_free>;
using ResponsePtr = crypto::OpensslPtr<OCSP_RESPONSE, OCSP_RESPONSE_free>;
using RequestPtr = crypto::OpensslPtr<OCSP_REQUEST, OCSP_REQUEST_free>;
using CertIdPtr = crypto::OpensslPtr<OCSP_CERTID, OCSP_CERTID_free>;

EcdsaPrivateKey key() {
  return std::move(EcdsaPrivateKey::generate(crypto::EcCurve::kP384)).value();
}

crypto::CertificateSpec spec(std::string cn, crypto::BasicConstraints bc,
                             std::optional<std::string> ocsp_uri) {
  crypto::CertificateSpec s;
  s.subject = {{"CN", std::move(cn)}, {"O", "cllm test"}};
  s.serial = std::move(crypto::random_serial()).value();
  s.not_before = kNow - kDay;
  s.not_after = kNow + 365 * kDay;
  s.basic_constraints = bc;
  s.key_usage = bc == crypto::BasicConstraints::kCa ? "critical,keyCertSign,cRLSign"
                                                    : "critical,digitalSignature";
  s.ocsp_uri = std::move(ocsp_uri);
  s.signature_hash = crypto::HashAlgorithm::kSha384;
  return s;
}

Certificate issue(const crypto::CertificateSpec& s, const EcdsaPrivateKey& subject,
                  const Certificate* issuer, const EcdsaPrivateKey& issuer_key) {
  auto c = crypto::issue_certificate(s, subject.public_key(), issuer, issuer_key);
  EXPECT_TRUE(c.ok()) << c.error().message();
  return std::move(c).value();
}

enum class Signer { kIssuer, kDelegated, kStranger };
enum class NonceMode { kEcho, kWrong, kNone };

// How the responder answers for one certificate.
struct Answer {
  int status = V_OCSP_CERTSTATUS_GOOD;
  int reason = -1;
  Signer signer = Signer::kIssuer;
  NonceMode nonce = NonceMode::kEcho;
  std::int64_t next_update = kNow + 7 * kDay;
  bool for_other_certificate = false;
};

class OcspCheckerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    server_.route_prefix(
        "POST", "/", [this](const net::Request& request, std::shared_ptr<net::ResponseWriter> w) {
          ++requests_;
          if (request.headers.get("Content-Type").value_or("") != "application/ocsp-request") {
            ++bad_content_type_;
          }
          (void)w->send(answer(request.body));
        });
    auto port = server_.listen(net::ListenAddress::tcp("127.0.0.1", 0));
    ASSERT_TRUE(port.ok()) << port.error().message();
    ASSERT_TRUE(server_.start().ok());
    url_ = "http://127.0.0.1:" + std::to_string(*port) + "/";

    root_ = issue(spec("Test Root", crypto::BasicConstraints::kCa, std::nullopt), root_key_,
                  nullptr, root_key_);
    intermediate_ = issue(spec("Test Intermediate", crypto::BasicConstraints::kCa, url_), int_key_,
                          &root_, root_key_);
    leaf_ = issue(spec("Test Leaf", crypto::BasicConstraints::kEndEntity, url_), leaf_key_,
                  &intermediate_, int_key_);
    crypto::CertificateSpec r =
        spec("Test Responder", crypto::BasicConstraints::kEndEntity, std::nullopt);
    r.extensions.push_back({"2.5.29.37", false,
                            Bytes{0x30, 0x0A, 0x06, 0x08, 0x2B, 0x06, 0x01, 0x05, 0x05, 0x07, 0x03,
                                  0x09}});  // extendedKeyUsage OCSPSigning
    int_responder_ = issue(r, responder_key_, &intermediate_, int_key_);
    root_responder_ = issue(r, responder_key_, &root_, root_key_);
    crypto::CertificateSpec s = r;
    s.subject = {{"CN", "Stranger"}};
    stranger_ = issue(s, stranger_key_, nullptr, stranger_key_);
    chain_ = {leaf_, intermediate_, root_};

    store_dir_ = std::filesystem::path(::testing::TempDir()) /
                 ("ocsp_store_" + std::to_string(::getpid()) + "_" +
                  ::testing::UnitTest::GetInstance()->current_test_info()->name());
    std::filesystem::remove_all(store_dir_);
  }
  void TearDown() override {
    server_.stop();
    std::filesystem::remove_all(store_dir_);
  }

  void set_answer(const Certificate& cert, Answer a) {
    std::lock_guard lock(mutex_);
    answers_[cert.subject_common_name()] = a;
  }
  void set_http(int status, std::string body = {}) {
    std::lock_guard lock(mutex_);
    http_status_ = status;
    http_body_ = std::move(body);
  }

  OcspCheckerOptions online(bool with_store = false) const {
    OcspCheckerOptions o;
    o.client = std::make_shared<net::HttpClient>();
    if (with_store) o.store_dir = store_dir_.string();
    return o;
  }
  OcspCheckerOptions offline(bool with_store = true) const {
    OcspCheckerOptions o;
    if (with_store) o.store_dir = store_dir_.string();
    return o;
  }
  Check run(const OcspCheckerOptions& o, std::int64_t now = kNow, bool skip_leaf = false) const {
    CheckList list = OcspChecker(o).check_chain(chain_, "cert-chain-ocsp", now, skip_leaf);
    EXPECT_EQ(list.checks().size(), 1u);
    return list.checks().empty() ? Check{} : list.checks().front();
  }
  static void expect(const Check& c, CheckOutcome outcome, const std::string& fragment) {
    EXPECT_EQ(c.name, "cert-chain-ocsp");
    EXPECT_EQ(c.outcome, outcome) << c.detail;
    EXPECT_NE(c.detail.find(fragment), std::string::npos) << c.detail;
  }

  // The responder: finds which certificate the request names, answers per answers_.
  net::Response answer(const std::string& body) {
    std::lock_guard lock(mutex_);
    net::Response out;
    out.status = http_status_;
    out.headers.set("Content-Type", "application/ocsp-response");
    if (http_status_ != 200 || !http_body_.empty()) {
      out.body = http_body_;
      return out;
    }
    const unsigned char* p = reinterpret_cast<const unsigned char*>(body.data());
    RequestPtr req(d2i_OCSP_REQUEST(nullptr, &p, static_cast<long>(body.size())));
    if (!req || OCSP_request_onereq_count(req.get()) != 1) {
      out.status = 400;
      return out;
    }
    OCSP_CERTID* asked = OCSP_onereq_get0_id(OCSP_request_onereq_get0(req.get(), 0));
    ASN1_OBJECT* md_oid = nullptr;
    OCSP_id_get0_info(nullptr, &md_oid, nullptr, nullptr, asked);
    const EVP_MD* md = EVP_get_digestbynid(OBJ_obj2nid(md_oid));
    const Certificate* subject = nullptr;
    const Certificate* issuer = nullptr;
    for (auto [c, i] : {std::pair{&leaf_, &intermediate_}, std::pair{&intermediate_, &root_}}) {
      CertIdPtr id(OCSP_cert_to_id(md, c->get(), i->get()));
      if (OCSP_id_cmp(id.get(), asked) == 0) {
        subject = c;
        issuer = i;
      }
    }
    if (subject == nullptr) {
      out.status = 404;
      return out;
    }
    const Answer a = answers_[subject->subject_common_name()];
    const bool for_leaf = subject == &leaf_;
    const Certificate* named = subject;
    if (a.for_other_certificate) named = for_leaf ? &int_responder_ : &root_responder_;
    CertIdPtr id(OCSP_cert_to_id(md, named->get(), issuer->get()));
    BasicPtr bs(OCSP_BASICRESP_new());
    Asn1TimePtr tu(ASN1_GENERALIZEDTIME_set(nullptr, static_cast<time_t>(kNow - 60)));
    Asn1TimePtr nu(ASN1_GENERALIZEDTIME_set(nullptr, static_cast<time_t>(a.next_update)));
    Asn1TimePtr rt(ASN1_GENERALIZEDTIME_set(nullptr, static_cast<time_t>(kNow - kDay)));
    OCSP_basic_add1_status(bs.get(), id.get(), a.status, a.reason,
                           a.status == V_OCSP_CERTSTATUS_REVOKED ? rt.get() : nullptr, tu.get(),
                           nu.get());
    if (a.nonce == NonceMode::kEcho) {
      OCSP_copy_nonce(bs.get(), req.get());
    } else if (a.nonce == NonceMode::kWrong) {
      unsigned char wrong[32] = {7};
      OCSP_basic_add1_nonce(bs.get(), wrong, sizeof wrong);
    }
    const Certificate* signer = issuer;
    const EcdsaPrivateKey* signer_key = for_leaf ? &int_key_ : &root_key_;
    if (a.signer == Signer::kDelegated) {
      signer = for_leaf ? &int_responder_ : &root_responder_;
      signer_key = &responder_key_;
    } else if (a.signer == Signer::kStranger) {
      signer = &stranger_;
      signer_key = &stranger_key_;
    }
    OCSP_basic_sign(bs.get(), signer->get(), signer_key->pkey(), EVP_sha384(), nullptr, 0);
    ResponsePtr resp(OCSP_response_create(OCSP_RESPONSE_STATUS_SUCCESSFUL, bs.get()));
    unsigned char* der = nullptr;
    const int len = i2d_OCSP_RESPONSE(resp.get(), &der);
    out.body.assign(reinterpret_cast<const char*>(der), static_cast<std::size_t>(len));
    OPENSSL_free(der);
    return out;
  }

  EcdsaPrivateKey root_key_ = key();
  EcdsaPrivateKey int_key_ = key();
  EcdsaPrivateKey leaf_key_ = key();
  EcdsaPrivateKey responder_key_ = key();
  EcdsaPrivateKey stranger_key_ = key();
  Certificate root_ = issue(spec("x", crypto::BasicConstraints::kCa, std::nullopt), root_key_,
                            nullptr, root_key_);  // replaced in SetUp
  Certificate intermediate_ = root_;
  Certificate leaf_ = root_;
  Certificate int_responder_ = root_;
  Certificate root_responder_ = root_;
  Certificate stranger_ = root_;
  std::vector<Certificate> chain_;
  std::filesystem::path store_dir_;

  net::HttpServer server_;
  std::string url_;
  std::atomic<int> requests_{0};
  std::atomic<int> bad_content_type_{0};
  std::mutex mutex_;
  std::map<std::string, Answer> answers_;
  int http_status_ = 200;
  std::string http_body_;
};

TEST_F(OcspCheckerTest, GoodChain) {
  set_answer(leaf_, Answer{.signer = Signer::kDelegated});
  expect(run(online()), CheckOutcome::kPass, "good: 2 certificates");
  EXPECT_EQ(requests_.load(), 2);
  EXPECT_EQ(bad_content_type_.load(), 0);
  // The per-boot leaf is left out when asked.
  expect(run(online(), kNow, /*skip_leaf=*/true), CheckOutcome::kPass, "good: 1 certificates");
  EXPECT_EQ(requests_.load(), 3);
}

TEST_F(OcspCheckerTest, RevokedFailsNamingCertificateAndReason) {
  set_answer(leaf_, Answer{.status = V_OCSP_CERTSTATUS_REVOKED,
                           .reason = OCSP_REVOKED_STATUS_KEYCOMPROMISE});
  expect(run(online()), CheckOutcome::kFail, "certificate Test Leaf: revoked (keyCompromise)");
  // Skipping the leaf skips its revocation too.
  expect(run(online(), kNow, true), CheckOutcome::kPass, "good: 1 certificates");
}

TEST_F(OcspCheckerTest, CertificateHoldOnlyWithAllowHold) {
  set_answer(intermediate_, Answer{.status = V_OCSP_CERTSTATUS_REVOKED,
                                   .reason = OCSP_REVOKED_STATUS_CERTIFICATEHOLD});
  expect(run(online()), CheckOutcome::kFail,
         "certificate Test Intermediate: revoked (certificateHold), hold not allowed by policy");
  OcspCheckerOptions o = online();
  o.allow_hold = true;
  expect(run(o), CheckOutcome::kPass, "Test Intermediate on certificateHold (allowed by policy)");
}

TEST_F(OcspCheckerTest, UnknownFails) {
  set_answer(leaf_, Answer{.status = V_OCSP_CERTSTATUS_UNKNOWN});
  expect(run(online()), CheckOutcome::kFail, "certificate Test Leaf: OCSP status unknown");
}

TEST_F(OcspCheckerTest, NonceHandling) {
  set_answer(leaf_, Answer{.nonce = NonceMode::kWrong});
  expect(run(online()), CheckOutcome::kFail, "nonce-match: response nonce differs");

  set_answer(leaf_, Answer{.nonce = NonceMode::kNone});
  expect(run(online()), CheckOutcome::kPass, "good: 2 certificates");  // not echoed: accepted
  OcspCheckerOptions o = online();
  o.require_nonce_echo = true;
  expect(run(o), CheckOutcome::kFail, "nonce-match: response carries no nonce");
  o.use_nonce = false;  // nothing sent, nothing required
  expect(run(o), CheckOutcome::kPass, "good: 2 certificates");
}

TEST_F(OcspCheckerTest, ExpiredResponseFails) {
  // nextUpdate a week after kNow; checked as of eight days later.
  expect(run(online(), kNow + 8 * kDay), CheckOutcome::kFail, "validity: response expired");
}

TEST_F(OcspCheckerTest, ResponseForAnotherCertificateFails) {
  set_answer(intermediate_, Answer{.for_other_certificate = true});
  expect(run(online()), CheckOutcome::kFail, "cert-id-match");
}

TEST_F(OcspCheckerTest, SignedByStrangerFails) {
  set_answer(leaf_, Answer{.signer = Signer::kStranger});
  expect(run(online()), CheckOutcome::kFail,
         "certificate Test Leaf: no valid OCSP response (responder " + url_);
  expect(run(online()), CheckOutcome::kFail, "neither the issuer nor issued by Test Intermediate");
}

TEST_F(OcspCheckerTest, HttpErrorsAndOversizedBodies) {
  set_http(503);
  expect(run(online()), CheckOutcome::kFail, "HTTP status 503");
  set_http(200, std::string(crypto::kMaxOcspResponseSize + 1, '\x30'));
  expect(run(online()), CheckOutcome::kFail, "exceeds");
  set_http(200, "not an OCSP response");
  expect(run(online()), CheckOutcome::kFail, "not a DER OCSPResponse");
}

TEST_F(OcspCheckerTest, OfflineUsesValidStoredResponses) {
  expect(run(offline()), CheckOutcome::kFail, "offline; no stored response");
  expect(run(offline(false)), CheckOutcome::kFail, "offline");

  expect(run(online(/*with_store=*/true)), CheckOutcome::kPass, "good: 2 certificates");
  EXPECT_EQ(std::distance(std::filesystem::directory_iterator(store_dir_),
                          std::filesystem::directory_iterator{}),
            2);
  const int before = requests_.load();
  expect(run(offline(), kNow + kDay), CheckOutcome::kPass, "(2 from stored responses)");
  EXPECT_EQ(requests_.load(), before);

  // Expired by then: a stored response is re-verified on every use.
  expect(run(offline(), kNow + 8 * kDay), CheckOutcome::kFail,
         "stored response unusable: ocsp: validity: response expired");
}

TEST_F(OcspCheckerTest, UnreachableResponderFallsBackToStore) {
  OcspCheckerOptions o = online(true);
  o.responder_url = "http://127.0.0.1:1/";  // nothing listens there
  expect(run(o), CheckOutcome::kFail, "responder http://127.0.0.1:1/");

  expect(run(online(true)), CheckOutcome::kPass, "good: 2 certificates");  // fills the store
  expect(run(o), CheckOutcome::kPass, "(2 from stored responses)");
}

TEST_F(OcspCheckerTest, StoredResponsesAreRefreshedWhenOnline) {
  expect(run(online(true)), CheckOutcome::kPass, "good: 2 certificates");
  set_answer(leaf_, Answer{.status = V_OCSP_CERTSTATUS_REVOKED,
                           .reason = OCSP_REVOKED_STATUS_KEYCOMPROMISE});
  // A valid stored "good" does not hide a fresh "revoked"...
  expect(run(online(true)), CheckOutcome::kFail, "revoked (keyCompromise)");
  // ...and the fresh answer replaced it in the store.
  expect(run(offline()), CheckOutcome::kFail, "revoked (keyCompromise)");
}

TEST_F(OcspCheckerTest, ChainWithoutOcspUrisIsSkipped) {
  const Certificate int2 =
      issue(spec("Plain Intermediate", crypto::BasicConstraints::kCa, std::nullopt), int_key_,
            &root_, root_key_);
  const Certificate leaf2 =
      issue(spec("Plain Leaf", crypto::BasicConstraints::kEndEntity, std::nullopt), leaf_key_,
            &int2, int_key_);
  const std::vector<Certificate> plain{leaf2, int2, root_};
  CheckList list = OcspChecker(online()).check_chain(plain, "x-ocsp", kNow, false);
  ASSERT_EQ(list.checks().size(), 1u);
  EXPECT_EQ(list.checks()[0].outcome, CheckOutcome::kSkip);
  EXPECT_NE(list.checks()[0].detail.find("names an OCSP responder"), std::string::npos);
  EXPECT_EQ(requests_.load(), 0);

  // With a responder configured the same chain is checked (and this responder does not know
  // these certificates: HTTP 404).
  OcspCheckerOptions o = online();
  o.responder_url = url_;
  list = OcspChecker(o).check_chain(plain, "x-ocsp", kNow, false);
  EXPECT_EQ(list.checks()[0].outcome, CheckOutcome::kFail);
  EXPECT_NE(list.checks()[0].detail.find("HTTP status 404"), std::string::npos);

  // A chain with only a root has nothing to check.
  list = OcspChecker(online()).check_chain({root_}, "x-ocsp", kNow, false);
  EXPECT_EQ(list.checks()[0].outcome, CheckOutcome::kSkip);
}

TEST(OcspCheckerNvidia, RealChainUsesChainResponderForBromCertificate) {
  CLLM_REQUIRE_SHARED_FILE(path, "testdata/nvidia/nvat_sdk/gpu/hopper_580.159.03_CertChain.txt");
  auto text = read_text_file(path);
  ASSERT_TRUE(text.ok());
  auto chain = crypto::parse_pem_chain(*text);
  ASSERT_TRUE(chain.ok()) << chain.error().message();
  // Offline and with nothing stored, every certificate below the root but the leaf fails
  // (not skipped: the BROM certificate borrows the chain's responder URI).
  CheckList list = OcspChecker(OcspCheckerOptions{}).check_chain(*chain, "ocsp", kNow, true);
  ASSERT_EQ(list.checks().size(), 1u);
  const Check& c = list.checks()[0];
  EXPECT_EQ(c.outcome, CheckOutcome::kFail);
  EXPECT_NE(c.detail.find("certificate GH100 A01 GSP BROM: no valid OCSP response (offline"),
            std::string::npos)
      << c.detail;
  EXPECT_NE(c.detail.find("NVIDIA GH100 Identity"), std::string::npos) << c.detail;
  EXPECT_EQ(c.detail.find("GSP FMC LF"), std::string::npos) << c.detail;  // leaf skipped
}

}  // namespace
}  // namespace cllm::gpu
