// OCSP requests and responses: requests carry the CertID and nonce asked for; responses built
// and signed here with OpenSSL (by the issuer, a delegated responder, or someone else) are
// accepted or rejected with the failed check named; NVIDIA's real certificates give their AIA
// responder and valid requests.
#include "cllm/crypto/ocsp.hpp"

#include <gtest/gtest.h>
#include <openssl/ocsp.h>

#include <string>

#include "cllm/common/file.hpp"
#include "cllm/crypto/certificate_issuer.hpp"
#include "cllm/crypto/x509_ptr.hpp"
#include "support/test_paths.hpp"

namespace cllm::crypto {
namespace {

constexpr std::int64_t kNow = 1767225600;  // 2026-01-01T00:00:00Z
constexpr std::int64_t kDay = 86400;

EcdsaPrivateKey key() {
  return std::move(EcdsaPrivateKey::generate(EcCurve::kP384)).value();
}

// extendedKeyUsage = id-kp-OCSPSigning (1.3.6.1.5.5.7.3.9).
RawExtension ocsp_signing_eku() {
  return {"2.5.29.37", false,
          Bytes{0x30, 0x0A, 0x06, 0x08, 0x2B, 0x06, 0x01, 0x05, 0x05, 0x07, 0x03, 0x09}};
}

CertificateSpec spec(std::string cn, BasicConstraints bc) {
  CertificateSpec s;
  s.subject = {{"CN", std::move(cn)}, {"O", "cllm test"}};
  s.serial = std::move(random_serial()).value();
  s.not_before = kNow - kDay;
  s.not_after = kNow + 365 * kDay;
  s.basic_constraints = bc;
  s.key_usage =
      bc == BasicConstraints::kCa ? "critical,keyCertSign,cRLSign" : "critical,digitalSignature";
  s.signature_hash = HashAlgorithm::kSha384;
  return s;
}

Certificate issue(const CertificateSpec& s, const EcdsaPrivateKey& subject,
                  const Certificate* issuer, const EcdsaPrivateKey& issuer_key) {
  auto c = issue_certificate(s, subject.public_key(), issuer, issuer_key);
  EXPECT_TRUE(c.ok()) << c.error().message();
  return std::move(c).value();
}

// root -> intermediate -> leaf, a responder delegated by the intermediate, one issued by the
// intermediate without the OCSPSigning EKU, and a stranger (self-signed, with the EKU).
struct Pki {
  EcdsaPrivateKey root_key = key();
  EcdsaPrivateKey int_key = key();
  EcdsaPrivateKey leaf_key = key();
  EcdsaPrivateKey responder_key = key();
  EcdsaPrivateKey stranger_key = key();
  Certificate root = make_root();
  Certificate intermediate = make_intermediate();
  Certificate leaf = make_leaf();
  Certificate responder = make_responder(true);
  Certificate no_eku_responder = make_responder(false);
  Certificate stranger = make_stranger();

  Certificate make_root() {
    return issue(spec("Test Root", BasicConstraints::kCa), root_key, nullptr, root_key);
  }
  Certificate make_intermediate() {
    CertificateSpec s = spec("Test Intermediate", BasicConstraints::kCa);
    s.ocsp_uri = "http://ocsp.example.invalid";
    return issue(s, int_key, &root, root_key);
  }
  Certificate make_leaf() {
    CertificateSpec s = spec("Test Leaf", BasicConstraints::kEndEntity);
    s.ocsp_uri = "http://ocsp.example.invalid/leaf";
    return issue(s, leaf_key, &intermediate, int_key);
  }
  Certificate make_responder(bool eku) {
    CertificateSpec s =
        spec(eku ? "Test OCSP Responder" : "Test No-EKU Responder", BasicConstraints::kEndEntity);
    if (eku) s.extensions.push_back(ocsp_signing_eku());
    return issue(s, responder_key, &intermediate, int_key);
  }
  Certificate make_stranger() {
    CertificateSpec s = spec("Stranger", BasicConstraints::kEndEntity);
    s.extensions.push_back(ocsp_signing_eku());
    return issue(s, stranger_key, nullptr, stranger_key);
  }
};

using Asn1TimePtr = OpensslPtr<ASN1_TIME, ASN1_TIME_free>;
using OcspBasicPtrForTest = OpensslPtr<OCSP_BASICRESP, OCSP_BASICRESP_free>;

struct ResponseSpec {
  const Certificate* subject = nullptr;  // CertID
  const Certificate* issuer = nullptr;
  const EVP_MD* id_md = EVP_sha1();
  int status = V_OCSP_CERTSTATUS_GOOD;
  int reason = -1;
  std::int64_t revoked_at = kNow - kDay;
  std::int64_t this_update = kNow - 60;
  std::optional<std::int64_t> next_update = kNow + 7 * kDay;
  std::optional<Bytes> nonce;
  const Certificate* signer = nullptr;
  const EcdsaPrivateKey* signer_key = nullptr;
  unsigned long sign_flags = 0;  // OCSP_NOCERTS: signer certificate not carried
  int response_status = OCSP_RESPONSE_STATUS_SUCCESSFUL;
};

Bytes make_response(const ResponseSpec& r) {
  OcspBasicPtrForTest bs(OCSP_BASICRESP_new());
  OpensslPtr<OCSP_CERTID, OCSP_CERTID_free> id(
      OCSP_cert_to_id(r.id_md, r.subject->get(), r.issuer->get()));
  Asn1TimePtr tu(ASN1_GENERALIZEDTIME_set(nullptr, static_cast<time_t>(r.this_update)));
  Asn1TimePtr nu(r.next_update
                     ? ASN1_GENERALIZEDTIME_set(nullptr, static_cast<time_t>(*r.next_update))
                     : nullptr);
  Asn1TimePtr rt(ASN1_GENERALIZEDTIME_set(nullptr, static_cast<time_t>(r.revoked_at)));
  EXPECT_NE(OCSP_basic_add1_status(bs.get(), id.get(), r.status, r.reason,
                                   r.status == V_OCSP_CERTSTATUS_REVOKED ? rt.get() : nullptr,
                                   tu.get(), nu.get()),
            nullptr);
  if (r.nonce) {
    EXPECT_EQ(OCSP_basic_add1_nonce(bs.get(), const_cast<unsigned char*>(r.nonce->data()),
                                    static_cast<int>(r.nonce->size())),
              1);
  }
  EXPECT_EQ(OCSP_basic_sign(bs.get(), r.signer->get(), r.signer_key->pkey(), EVP_sha384(), nullptr,
                            r.sign_flags),
            1);
  OpensslPtr<OCSP_RESPONSE, OCSP_RESPONSE_free> resp(OCSP_response_create(
      r.response_status,
      r.response_status == OCSP_RESPONSE_STATUS_SUCCESSFUL ? bs.get() : nullptr));
  unsigned char* der = nullptr;
  const int len = i2d_OCSP_RESPONSE(resp.get(), &der);
  EXPECT_GT(len, 0);
  Bytes out(der, der + len);
  OPENSSL_free(der);
  return out;
}

class OcspTest : public ::testing::Test {
 protected:
  // A good response for the leaf, signed by the intermediate.
  ResponseSpec leaf_response() const {
    ResponseSpec r;
    r.subject = &pki.leaf;
    r.issuer = &pki.intermediate;
    r.signer = &pki.intermediate;
    r.signer_key = &pki.int_key;
    return r;
  }
  OcspVerifyOptions options() const {
    OcspVerifyOptions o;
    o.now = kNow;
    o.anchor = pki.root;
    return o;
  }
  Result<OcspResponse> verify_leaf(const Bytes& der, const OcspVerifyOptions& o) const {
    return parse_and_verify_ocsp_response(der, pki.leaf, pki.intermediate, o);
  }
  static void expect_error(const Result<OcspResponse>& r, const std::string& fragment) {
    ASSERT_FALSE(r.ok()) << "expected an error containing: " << fragment;
    EXPECT_NE(r.error().message().find(fragment), std::string::npos) << r.error().message();
  }

  Pki pki;
};

TEST_F(OcspTest, RequestCarriesCertIdAndNonce) {
  const Bytes nonce(32, 0x5A);
  auto der = build_ocsp_request(pki.leaf, pki.intermediate, OcspHash::kSha384, ByteView(nonce));
  ASSERT_TRUE(der.ok()) << der.error().message();
  const unsigned char* p = der->data();
  OpensslPtr<OCSP_REQUEST, OCSP_REQUEST_free> req(
      d2i_OCSP_REQUEST(nullptr, &p, static_cast<long>(der->size())));
  ASSERT_TRUE(req);
  ASSERT_EQ(OCSP_request_onereq_count(req.get()), 1);
  OpensslPtr<OCSP_CERTID, OCSP_CERTID_free> expected(
      OCSP_cert_to_id(EVP_sha384(), pki.leaf.get(), pki.intermediate.get()));
  EXPECT_EQ(
      OCSP_id_cmp(OCSP_onereq_get0_id(OCSP_request_onereq_get0(req.get(), 0)), expected.get()), 0);
  EXPECT_GE(OCSP_REQUEST_get_ext_by_NID(req.get(), NID_id_pkix_OCSP_Nonce, -1), 0);

  auto sha1_id = ocsp_cert_id_der(pki.leaf, pki.intermediate, OcspHash::kSha1);
  auto sha384_id = ocsp_cert_id_der(pki.leaf, pki.intermediate, OcspHash::kSha384);
  ASSERT_TRUE(sha1_id.ok() && sha384_id.ok());
  EXPECT_NE(*sha1_id, *sha384_id);

  auto plain = build_ocsp_request(pki.leaf, pki.intermediate, OcspHash::kSha1, std::nullopt);
  ASSERT_TRUE(plain.ok());
  p = plain->data();
  req.reset(d2i_OCSP_REQUEST(nullptr, &p, static_cast<long>(plain->size())));
  ASSERT_TRUE(req);
  EXPECT_LT(OCSP_REQUEST_get_ext_by_NID(req.get(), NID_id_pkix_OCSP_Nonce, -1), 0);
}

TEST_F(OcspTest, RequestRejectsBadNonceAndWrongIssuer) {
  const Bytes empty;
  EXPECT_FALSE(
      build_ocsp_request(pki.leaf, pki.intermediate, OcspHash::kSha1, ByteView(empty)).ok());
  const Bytes huge(kMaxOcspNonceSize + 1, 1);
  EXPECT_FALSE(
      build_ocsp_request(pki.leaf, pki.intermediate, OcspHash::kSha1, ByteView(huge)).ok());
  auto wrong = build_ocsp_request(pki.leaf, pki.root, OcspHash::kSha1, std::nullopt);
  ASSERT_FALSE(wrong.ok());
  EXPECT_NE(wrong.error().message().find("not signed by"), std::string::npos);
}

TEST_F(OcspTest, ReadsAiaOcspUri) {
  EXPECT_EQ(ocsp_uris(pki.leaf), std::vector<std::string>{"http://ocsp.example.invalid/leaf"});
  EXPECT_TRUE(ocsp_uris(pki.root).empty());
}

TEST_F(OcspTest, GoodSignedByIssuerWithNonce) {
  ResponseSpec r = leaf_response();
  r.nonce = Bytes(32, 0x11);
  OcspVerifyOptions o = options();
  o.expected_nonce = Bytes(32, 0x11);
  const Bytes der = make_response(r);
  auto got = verify_leaf(der, o);
  ASSERT_TRUE(got.ok()) << got.error().message();
  EXPECT_EQ(got->status, OcspCertStatus::kGood);
  EXPECT_FALSE(got->delegated_responder);
  EXPECT_TRUE(got->nonce_echoed);
  EXPECT_EQ(got->this_update, kNow - 60);
  ASSERT_TRUE(got->next_update.has_value());
  EXPECT_EQ(*got->next_update, kNow + 7 * kDay);
  EXPECT_GT(got->produced_at, 0);
  EXPECT_EQ(got->der, der);
  EXPECT_EQ(ocsp_cert_status_name(got->status), "good");
}

TEST_F(OcspTest, GoodSignedByDelegatedResponderWithSha384CertId) {
  ResponseSpec r = leaf_response();
  r.id_md = EVP_sha384();
  r.signer = &pki.responder;
  r.signer_key = &pki.responder_key;
  auto got = verify_leaf(make_response(r), options());
  ASSERT_TRUE(got.ok()) << got.error().message();
  EXPECT_EQ(got->status, OcspCertStatus::kGood);
  EXPECT_TRUE(got->delegated_responder);
}

TEST_F(OcspTest, IntermediateAnsweredByRootAnchor) {
  ResponseSpec r;
  r.subject = &pki.intermediate;
  r.issuer = &pki.root;
  r.signer = &pki.root;
  r.signer_key = &pki.root_key;
  auto got =
      parse_and_verify_ocsp_response(make_response(r), pki.intermediate, pki.root, options());
  ASSERT_TRUE(got.ok()) << got.error().message();
  EXPECT_EQ(got->status, OcspCertStatus::kGood);
}

TEST_F(OcspTest, RevokedWithReasonAndTime) {
  ResponseSpec r = leaf_response();
  r.status = V_OCSP_CERTSTATUS_REVOKED;
  r.reason = OCSP_REVOKED_STATUS_KEYCOMPROMISE;
  auto got = verify_leaf(make_response(r), options());
  ASSERT_TRUE(got.ok()) << got.error().message();
  EXPECT_EQ(got->status, OcspCertStatus::kRevoked);
  EXPECT_EQ(got->revocation_reason, "keyCompromise");
  ASSERT_TRUE(got->revocation_time.has_value());
  EXPECT_EQ(*got->revocation_time, kNow - kDay);

  r.reason = OCSP_REVOKED_STATUS_CERTIFICATEHOLD;
  got = verify_leaf(make_response(r), options());
  ASSERT_TRUE(got.ok()) << got.error().message();
  EXPECT_EQ(got->revocation_reason, "certificateHold");
}

TEST_F(OcspTest, Unknown) {
  ResponseSpec r = leaf_response();
  r.status = V_OCSP_CERTSTATUS_UNKNOWN;
  auto got = verify_leaf(make_response(r), options());
  ASSERT_TRUE(got.ok()) << got.error().message();
  EXPECT_EQ(got->status, OcspCertStatus::kUnknown);
}

TEST_F(OcspTest, NonceMismatchAndAbsence) {
  ResponseSpec r = leaf_response();
  r.nonce = Bytes(32, 0x22);
  OcspVerifyOptions o = options();
  o.expected_nonce = Bytes(32, 0x11);
  expect_error(verify_leaf(make_response(r), o), "nonce-match: response nonce differs");
  o.require_nonce = false;  // a different nonce fails even then
  expect_error(verify_leaf(make_response(r), o), "nonce-match");

  r.nonce.reset();
  const Bytes without = make_response(r);
  o.require_nonce = true;
  expect_error(verify_leaf(without, o), "nonce-match: response carries no nonce");
  o.require_nonce = false;
  auto got = verify_leaf(without, o);
  ASSERT_TRUE(got.ok()) << got.error().message();
  EXPECT_FALSE(got->nonce_echoed);
  // Without an expected nonce, a response's nonce is not looked at.
  r.nonce = Bytes(8, 0x33);
  EXPECT_TRUE(verify_leaf(make_response(r), options()).ok());
}

TEST_F(OcspTest, ValidityWindowUsesInjectedTimeAndSkew) {
  const Bytes der = make_response(leaf_response());  // thisUpdate now-60, nextUpdate now+7d
  OcspVerifyOptions o = options();
  o.now = kNow + 7 * kDay + 301;
  expect_error(verify_leaf(der, o), "validity: response expired");
  o.now = kNow + 7 * kDay + 299;  // within the skew
  EXPECT_TRUE(verify_leaf(der, o).ok());
  o.now = kNow - 60 - 301;
  expect_error(verify_leaf(der, o), "validity: thisUpdate");

  ResponseSpec r = leaf_response();
  r.next_update.reset();  // "newer information is always available": bounded by max age
  o.now = kNow + 6 * kDay;
  EXPECT_TRUE(verify_leaf(make_response(r), o).ok());
  o.now = kNow + 30 * kDay;
  expect_error(verify_leaf(make_response(r), o), "validity: response has no nextUpdate");
}

TEST_F(OcspTest, ResponseForAnotherCertificate) {
  ResponseSpec r = leaf_response();
  r.subject = &pki.responder;  // also issued by the intermediate
  expect_error(verify_leaf(make_response(r), options()), "cert-id-match");
}

TEST_F(OcspTest, SignedByStranger) {
  ResponseSpec r = leaf_response();
  r.signer = &pki.stranger;
  r.signer_key = &pki.stranger_key;
  expect_error(verify_leaf(make_response(r), options()),
               "neither the issuer nor issued by Test Intermediate");
  r.sign_flags = OCSP_NOCERTS;  // and without its certificate it cannot even be found
  expect_error(verify_leaf(make_response(r), options()), "responder certificate not found");
}

TEST_F(OcspTest, DelegatedResponderNeedsOcspSigningEku) {
  ResponseSpec r = leaf_response();
  r.signer = &pki.no_eku_responder;
  r.signer_key = &pki.responder_key;
  expect_error(verify_leaf(make_response(r), options()), "OCSPSigning");
}

TEST_F(OcspTest, DelegatedResponderOfAnotherIssuerIsRejected) {
  // The responder was delegated by the intermediate, not by the root: it cannot answer for
  // the intermediate.
  ResponseSpec r;
  r.subject = &pki.intermediate;
  r.issuer = &pki.root;
  r.signer = &pki.responder;
  r.signer_key = &pki.responder_key;
  expect_error(
      parse_and_verify_ocsp_response(make_response(r), pki.intermediate, pki.root, options()),
      "neither the issuer nor issued by Test Root");
}

TEST_F(OcspTest, TamperedSignatureFails) {
  ResponseSpec r = leaf_response();
  r.sign_flags = OCSP_NOCERTS;  // the signature is then the last field
  Bytes der = make_response(r);
  der.back() ^= 0x01;
  expect_error(verify_leaf(der, options()), "signature-verified");
}

TEST_F(OcspTest, IssuerMustChainToAnchor) {
  const EcdsaPrivateKey other_key = key();
  const Certificate other_root =
      issue(spec("Other Root", BasicConstraints::kCa), other_key, nullptr, other_key);
  OcspVerifyOptions o = options();
  o.anchor = other_root;
  expect_error(verify_leaf(make_response(leaf_response()), o), "issuer chain");
  ResponseSpec r = leaf_response();
  r.signer = &pki.responder;
  r.signer_key = &pki.responder_key;
  expect_error(verify_leaf(make_response(r), o), "chain");
  o.anchor.reset();
  expect_error(verify_leaf(make_response(r), o), "no trust anchor");
}

TEST_F(OcspTest, UnsuccessfulStatusAndMalformedInput) {
  ResponseSpec r = leaf_response();
  r.response_status = OCSP_RESPONSE_STATUS_TRYLATER;
  expect_error(verify_leaf(make_response(r), options()), "response-status: trylater");

  Bytes der = make_response(leaf_response());
  der.push_back(0);
  auto trailing = verify_leaf(der, options());
  expect_error(trailing, "trailing bytes");
  EXPECT_EQ(trailing.error().code(), ErrorCode::kParse);
  auto garbage = verify_leaf(Bytes{0x30, 0x03, 0x0A, 0x01, 0x00}, options());
  ASSERT_FALSE(garbage.ok());
  EXPECT_FALSE(verify_leaf(Bytes{}, options()).ok());
  auto huge = verify_leaf(Bytes(kMaxOcspResponseSize + 1, 0x30), options());
  ASSERT_FALSE(huge.ok());
  EXPECT_EQ(huge.error().code(), ErrorCode::kLimit);
}

TEST(OcspNvidia, RealChainGivesResponderAndRequests) {
  CLLM_REQUIRE_SHARED_FILE(path, "testdata/nvidia/nvat_sdk/gpu/hopper_580.159.03_CertChain.txt");
  auto text = read_text_file(path);
  ASSERT_TRUE(text.ok()) << text.error().message();
  auto chain = parse_pem_chain(*text);
  ASSERT_TRUE(chain.ok()) << chain.error().message();
  ASSERT_EQ(chain->size(), 5u);
  // FMC leaf and BROM carry no AIA; the provisioner ICA and identity CA name NVIDIA's
  // responder; the root none.
  EXPECT_TRUE(ocsp_uris((*chain)[1]).empty());
  EXPECT_EQ(ocsp_uris((*chain)[2]), std::vector<std::string>{"http://ocsp.ndis.nvidia.com"});
  EXPECT_EQ(ocsp_uris((*chain)[3]), std::vector<std::string>{"http://ocsp.ndis.nvidia.com"});
  EXPECT_TRUE(ocsp_uris((*chain)[4]).empty());
  const Bytes nonce(32, 0x42);
  for (std::size_t i = 1; i + 1 < chain->size(); ++i) {
    for (OcspHash h : {OcspHash::kSha1, OcspHash::kSha384}) {
      auto req = build_ocsp_request((*chain)[i], (*chain)[i + 1], h, ByteView(nonce));
      ASSERT_TRUE(req.ok()) << i << ": " << req.error().message();
      const unsigned char* p = req->data();
      OpensslPtr<OCSP_REQUEST, OCSP_REQUEST_free> parsed(
          d2i_OCSP_REQUEST(nullptr, &p, static_cast<long>(req->size())));
      ASSERT_TRUE(parsed);
      ASN1_INTEGER* serial = nullptr;
      ASSERT_EQ(OCSP_id_get0_info(nullptr, nullptr, nullptr, &serial,
                                  OCSP_onereq_get0_id(OCSP_request_onereq_get0(parsed.get(), 0))),
                1);
      EXPECT_EQ(ASN1_INTEGER_cmp(serial, X509_get0_serialNumber((*chain)[i].get())), 0);
    }
  }
}

}  // namespace
}  // namespace cllm::crypto
