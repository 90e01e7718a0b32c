#include "cllm/crypto/x509.hpp"

#include <gtest/gtest.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include <optional>
#include <string>
#include <vector>

#include "cllm/common/file.hpp"
#include "cllm/common/hex.hpp"
#include "cllm/common/json.hpp"
#include "cllm/crypto/x509_ptr.hpp"
#include "support/test_paths.hpp"

namespace cllm::crypto {
namespace {

// ---------------------------------------------------------------------------------------
// A small CA built at run time with OpenSSL: root -> intermediate -> leaf.

constexpr std::int64_t kDay = 86400;
constexpr std::int64_t kNow = 1750000000;  // 2025-06-15T15:06:40Z
constexpr const char* kSgxOid = "1.2.840.113741.1.13.1";

struct CertSpec {
  std::string cn;
  bool ca = false;
  std::int64_t not_before = kNow - 365 * kDay;
  std::int64_t not_after = kNow + 365 * kDay;
  long serial = 1;
  std::optional<Bytes> sgx_extension;  // raw extnValue contents
  int duplicate_sgx_extension = 0;     // add the extension this many extra times
  const char* key_usage = nullptr;     // overrides the keyUsage (OpenSSL config syntax)
};

struct Node {
  EcdsaPrivateKey key;
  Certificate cert;
};

const EVP_MD* md_for(EcCurve curve) {
  return curve == EcCurve::kP256 ? EVP_sha256() : EVP_sha384();
}

void add_ext(X509* cert, X509V3_CTX* ctx, int nid, const char* value) {
  X509_EXTENSION* ext = X509V3_EXT_conf_nid(nullptr, ctx, nid, value);
  ASSERT_NE(ext, nullptr) << value;
  ASSERT_EQ(X509_add_ext(cert, ext, -1), 1);
  X509_EXTENSION_free(ext);
}

void add_raw_ext(X509* cert, const char* oid, ByteView value) {
  Asn1ObjectPtr obj(OBJ_txt2obj(oid, 1));
  ASN1_OCTET_STRING* data = ASN1_OCTET_STRING_new();
  ASSERT_EQ(ASN1_OCTET_STRING_set(data, value.data(), static_cast<int>(value.size())), 1);
  X509_EXTENSION* ext = X509_EXTENSION_create_by_OBJ(nullptr, obj.get(), 0, data);
  ASSERT_NE(ext, nullptr);
  ASSERT_EQ(X509_add_ext(cert, ext, -1), 1);
  X509_EXTENSION_free(ext);
  ASN1_OCTET_STRING_free(data);
}

Bytes der_of(X509* cert) {
  const int len = i2d_X509(cert, nullptr);
  Bytes out(static_cast<std::size_t>(len));
  unsigned char* p = out.data();
  i2d_X509(cert, &p);
  return out;
}

// Issues a certificate for subject_key, signed by issuer (or self-signed when null).
Certificate issue(const CertSpec& spec, const EcdsaPrivateKey& subject_key, const Node* issuer) {
  X509Ptr x(X509_new());
  EXPECT_EQ(X509_set_version(x.get(), X509_VERSION_3), 1);
  ASN1_INTEGER_set(X509_get_serialNumber(x.get()), spec.serial);
  ASN1_TIME_set(X509_getm_notBefore(x.get()), static_cast<time_t>(spec.not_before));
  ASN1_TIME_set(X509_getm_notAfter(x.get()), static_cast<time_t>(spec.not_after));
  X509_NAME* name = X509_get_subject_name(x.get());
  X509_NAME_add_entry_by_txt(name, "O", MBSTRING_ASC,
                             reinterpret_cast<const unsigned char*>("cllm test"), -1, -1, 0);
  X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC,
                             reinterpret_cast<const unsigned char*>(spec.cn.c_str()), -1, -1, 0);
  X509_set_issuer_name(x.get(), issuer ? X509_get_subject_name(issuer->cert.get()) : name);
  X509_set_pubkey(x.get(), subject_key.pkey());

  X509V3_CTX ctx;
  X509V3_set_ctx_nodb(&ctx);
  X509V3_set_ctx(&ctx, issuer ? issuer->cert.get() : x.get(), x.get(), nullptr, nullptr, 0);
  add_ext(x.get(), &ctx, NID_basic_constraints, spec.ca ? "critical,CA:TRUE" : "critical,CA:FALSE");
  add_ext(x.get(), &ctx, NID_key_usage,
          spec.key_usage != nullptr ? spec.key_usage
          : spec.ca                 ? "critical,keyCertSign,cRLSign"
                                    : "critical,digitalSignature");
  add_ext(x.get(), &ctx, NID_subject_key_identifier, "hash");
  add_ext(x.get(), &ctx, NID_authority_key_identifier, "keyid:always");
  if (spec.sgx_extension) {
    for (int i = 0; i <= spec.duplicate_sgx_extension; ++i) {
      add_raw_ext(x.get(), kSgxOid, *spec.sgx_extension);
    }
  }
  const EcdsaPrivateKey& signer = issuer ? issuer->key : subject_key;
  EXPECT_GT(X509_sign(x.get(), signer.pkey(), md_for(signer.curve())), 0);
  auto cert = Certificate::from_der(der_of(x.get()));
  EXPECT_TRUE(cert.ok()) << cert.error().message();
  return std::move(cert).value();
}

Node make_node(EcCurve curve, const CertSpec& spec, const Node* issuer) {
  auto key = EcdsaPrivateKey::generate(curve);
  EXPECT_TRUE(key.ok());
  Certificate cert = issue(spec, *key, issuer);
  return Node{std::move(key).value(), std::move(cert)};
}

struct Pki {
  Node root;
  Node inter;
  Node leaf;
};

CertSpec spec(std::string cn, bool ca, std::int64_t not_before, std::int64_t not_after,
              long serial) {
  CertSpec s;
  s.cn = std::move(cn);
  s.ca = ca;
  s.not_before = not_before;
  s.not_after = not_after;
  s.serial = serial;
  return s;
}
CertSpec root_spec() {
  return spec("Test Root", true, kNow - 5 * 365 * kDay, kNow + 20 * 365 * kDay, 1);
}
CertSpec inter_spec() {
  return spec("Test Intermediate", true, kNow - 2 * 365 * kDay, kNow + 10 * 365 * kDay, 2);
}
CertSpec leaf_spec() {
  CertSpec s = spec("Test Leaf", false, kNow - kDay, kNow + 30 * kDay, 0x1234);
  s.sgx_extension = Bytes{0x30, 0x03, 0x02, 0x01, 0x05};
  return s;
}

Pki make_pki(EcCurve curve) {
  Node root = make_node(curve, root_spec(), nullptr);
  Node inter = make_node(curve, inter_spec(), &root);
  Node leaf = make_node(curve, leaf_spec(), &inter);
  return Pki{std::move(root), std::move(inter), std::move(leaf)};
}

struct CrlSpec {
  std::vector<long> revoked;
  std::int64_t this_update = kNow - kDay;
  std::optional<std::int64_t> next_update = kNow + 30 * kDay;
  bool aki = true;
  const Node* aki_from = nullptr;  // whose key the AKI names (default: the issuer)
  bool idp = false;                // add an issuing distribution point
  bool delta = false;              // add a delta CRL indicator
};

CrlSpec revoking(std::vector<long> serials) {
  CrlSpec s;
  s.revoked = std::move(serials);
  return s;
}
CrlSpec valid_between(std::int64_t this_update, std::optional<std::int64_t> next_update) {
  CrlSpec s;
  s.this_update = this_update;
  s.next_update = next_update;
  return s;
}

// A CRL with issuer's name, signed by signer (normally issuer's own key).
Crl make_crl(const Node& issuer, const CrlSpec& spec, const EcdsaPrivateKey* signer = nullptr) {
  X509CrlPtr crl(X509_CRL_new());
  EXPECT_EQ(X509_CRL_set_version(crl.get(), 1), 1);  // v2
  X509_CRL_set_issuer_name(crl.get(), X509_get_subject_name(issuer.cert.get()));
  ASN1_TIME* t = ASN1_TIME_set(nullptr, static_cast<time_t>(spec.this_update));
  X509_CRL_set1_lastUpdate(crl.get(), t);
  if (spec.next_update) {
    ASN1_TIME_set(t, static_cast<time_t>(*spec.next_update));
    X509_CRL_set1_nextUpdate(crl.get(), t);
  }
  for (long serial : spec.revoked) {
    X509_REVOKED* entry = X509_REVOKED_new();
    ASN1_INTEGER* ai = ASN1_INTEGER_new();
    ASN1_INTEGER_set(ai, serial);
    X509_REVOKED_set_serialNumber(entry, ai);
    ASN1_TIME_set(t, static_cast<time_t>(spec.this_update));
    X509_REVOKED_set_revocationDate(entry, t);
    X509_CRL_add0_revoked(crl.get(), entry);
    ASN1_INTEGER_free(ai);
  }
  ASN1_TIME_free(t);
  X509_CRL_sort(crl.get());
  X509V3_CTX ctx;
  X509V3_set_ctx_nodb(&ctx);
  X509V3_set_ctx(&ctx, (spec.aki_from ? spec.aki_from : &issuer)->cert.get(), nullptr, nullptr,
                 crl.get(), 0);
  if (spec.aki) {
    X509_EXTENSION* aki =
        X509V3_EXT_conf_nid(nullptr, &ctx, NID_authority_key_identifier, "keyid:always");
    EXPECT_NE(aki, nullptr);
    X509_CRL_add_ext(crl.get(), aki, -1);
    X509_EXTENSION_free(aki);
  }
  ASN1_INTEGER* number = ASN1_INTEGER_new();
  ASN1_INTEGER_set(number, 1);
  X509_CRL_add1_ext_i2d(crl.get(), NID_crl_number, number, 0, 0);
  if (spec.delta) X509_CRL_add1_ext_i2d(crl.get(), NID_delta_crl, number, 1, 0);
  ASN1_INTEGER_free(number);
  if (spec.idp) {
    ISSUING_DIST_POINT* idp = ISSUING_DIST_POINT_new();
    idp->onlyCA = 0xFF;
    X509_CRL_add1_ext_i2d(crl.get(), NID_issuing_distribution_point, idp, 1, 0);
    ISSUING_DIST_POINT_free(idp);
  }
  const EcdsaPrivateKey& key = signer ? *signer : issuer.key;
  EXPECT_GT(X509_CRL_sign(crl.get(), key.pkey(), md_for(key.curve())), 0);
  const int len = i2d_X509_CRL(crl.get(), nullptr);
  Bytes der(static_cast<std::size_t>(len));
  unsigned char* p = der.data();
  i2d_X509_CRL(crl.get(), &p);
  auto parsed = Crl::from_der(der);
  EXPECT_TRUE(parsed.ok()) << parsed.error().message();
  return std::move(parsed).value();
}

std::string to_pem(const Certificate& cert) {
  BioPtr bio(BIO_new(BIO_s_mem()));
  EXPECT_EQ(PEM_write_bio_X509(bio.get(), cert.get()), 1);
  char* data = nullptr;
  const long len = BIO_ctrl(bio.get(), BIO_CTRL_INFO, 0, &data);
  return std::string(data, static_cast<std::size_t>(len));
}

std::string to_pem(const Crl& crl) {
  BioPtr bio(BIO_new(BIO_s_mem()));
  EXPECT_EQ(PEM_write_bio_X509_CRL(bio.get(), crl.get()), 1);
  char* data = nullptr;
  const long len = BIO_ctrl(bio.get(), BIO_CTRL_INFO, 0, &data);
  return std::string(data, static_cast<std::size_t>(len));
}

ChainVerifyOptions at(std::int64_t time, std::vector<Crl> crls = {}) {
  ChainVerifyOptions options;
  options.at_time = time;
  options.crls = std::move(crls);
  return options;
}

void expect_chain_error(const Result<std::vector<Certificate>>& r, std::string_view needle) {
  ASSERT_FALSE(r.ok()) << "expected failure containing: " << needle;
  EXPECT_EQ(r.error().code(), ErrorCode::kVerification) << r.error().message();
  EXPECT_NE(r.error().message().find(needle), std::string::npos) << r.error().message();
}

// ---------------------------------------------------------------------------------------
// Parsing and accessors

TEST(X509Certificate, AccessorsOnAGeneratedCertificate) {
  Pki pki = make_pki(EcCurve::kP256);
  const Certificate& leaf = pki.leaf.cert;
  EXPECT_EQ(leaf.subject(), "CN=Test Leaf,O=cllm test");
  EXPECT_EQ(leaf.issuer(), "CN=Test Intermediate,O=cllm test");
  EXPECT_EQ(leaf.subject_common_name(), "Test Leaf");
  EXPECT_EQ(leaf.serial_hex(), "1234");
  EXPECT_EQ(leaf.serial(), (Bytes{0x12, 0x34}));
  EXPECT_EQ(leaf.not_before(), kNow - kDay);
  EXPECT_EQ(leaf.not_after(), kNow + 30 * kDay);

  // SubjectPublicKeyInfo decodes back to the subject's key.
  const Bytes spki = leaf.spki_der();
  ASSERT_FALSE(spki.empty());
  const unsigned char* p = spki.data();
  EVP_PKEY* decoded = d2i_PUBKEY(nullptr, &p, static_cast<long>(spki.size()));
  ASSERT_NE(decoded, nullptr);
  auto from_spki = EcdsaPublicKey::from_pkey(decoded);
  EVP_PKEY_free(decoded);
  ASSERT_TRUE(from_spki.ok());
  EXPECT_EQ(from_spki->to_sec1(), pki.leaf.key.public_key().to_sec1());

  auto pub = leaf.ecdsa_public_key();
  ASSERT_TRUE(pub.ok()) << pub.error().message();
  EXPECT_EQ(pub->to_sec1(), pki.leaf.key.public_key().to_sec1());
  EXPECT_NE(leaf.public_key(), nullptr);

  EXPECT_TRUE(leaf.is_signed_by(pki.inter.cert));
  EXPECT_FALSE(leaf.is_signed_by(pki.root.cert));
  EXPECT_TRUE(pki.root.cert.is_signed_by(pki.root.cert));
}

TEST(X509Certificate, ExtensionByOid) {
  Pki pki = make_pki(EcCurve::kP384);
  auto ext = pki.leaf.cert.extension(kSgxOid);
  ASSERT_TRUE(ext.ok()) << ext.error().message();
  EXPECT_EQ(*ext, (Bytes{0x30, 0x03, 0x02, 0x01, 0x05}));

  // A standard extension by OID: basicConstraints (2.5.29.19) of a CA, SEQUENCE{TRUE}.
  auto bc = pki.root.cert.extension("2.5.29.19");
  ASSERT_TRUE(bc.ok());
  EXPECT_EQ(to_hex(*bc), "30030101ff");

  auto missing = pki.root.cert.extension(kSgxOid);
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.error().code(), ErrorCode::kNotFound);
  EXPECT_NE(missing.error().message().find("CN=Test Root"), std::string::npos);

  for (const char* bad : {"", "1..2", ".1.2", "1.2.", "1.2.x", "CN"}) {
    auto r = pki.leaf.cert.extension(bad);
    ASSERT_FALSE(r.ok()) << bad;
    EXPECT_EQ(r.error().code(), ErrorCode::kInvalidArgument) << bad;
  }

  // The same extension twice is ambiguous: refuse to pick one.
  CertSpec dup = leaf_spec();
  dup.duplicate_sgx_extension = 1;
  auto key = EcdsaPrivateKey::generate(EcCurve::kP384);
  ASSERT_TRUE(key.ok());
  Certificate twice = issue(dup, *key, &pki.inter);
  auto r = twice.extension(kSgxOid);
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.error().message().find("appears twice"), std::string::npos);
}

TEST(X509Certificate, DerAndPemRoundTrip) {
  Pki pki = make_pki(EcCurve::kP256);
  const std::string pem = to_pem(pki.root.cert);
  auto from_pem = Certificate::from_pem(pem);
  ASSERT_TRUE(from_pem.ok()) << from_pem.error().message();
  EXPECT_EQ(from_pem->der(), pki.root.cert.der());
  // Whitespace and NUL padding around a single block.
  auto padded = Certificate::from_pem("\n  " + pem + "\r\n" + std::string(5, '\0'));
  ASSERT_TRUE(padded.ok()) << padded.error().message();
  EXPECT_EQ(padded->der(), pki.root.cert.der());
}

TEST(X509Certificate, FarFutureNotAfter) {
  // Device certificates (NVIDIA) use notAfter 9999-12-31T23:59:59Z (GeneralizedTime).
  CertSpec spec = root_spec();
  spec.not_after = 253402300799;
  auto key = EcdsaPrivateKey::generate(EcCurve::kP256);
  ASSERT_TRUE(key.ok());
  Certificate cert = issue(spec, *key, nullptr);
  EXPECT_EQ(cert.not_after(), 253402300799);
}

TEST(X509Certificate, RejectsMalformedDer) {
  Pki pki = make_pki(EcCurve::kP256);
  const Bytes& der = pki.leaf.cert.der();

  auto expect_fail = [](ByteView bytes, ErrorCode code, std::string_view needle) {
    auto r = Certificate::from_der(bytes);
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(r.error().code(), code) << r.error().message();
    EXPECT_NE(r.error().message().find(needle), std::string::npos) << r.error().message();
  };
  expect_fail({}, ErrorCode::kParse, "empty");
  Bytes trailing = der;
  trailing.push_back(0);
  expect_fail(trailing, ErrorCode::kParse, "trailing bytes");
  expect_fail(ByteView(der).first(der.size() - 1), ErrorCode::kParse, "does not parse");
  expect_fail(ByteView(der).first(10), ErrorCode::kParse, "does not parse");
  expect_fail(to_bytes("not a certificate"), ErrorCode::kParse, "does not parse");
  expect_fail(Bytes(kMaxCertificateSize + 1, 0x30), ErrorCode::kLimit, "larger than");

  // Every truncation of a valid certificate fails cleanly.
  for (std::size_t n = 0; n < der.size(); n += 7) {
    EXPECT_FALSE(Certificate::from_der(ByteView(der).first(n)).ok());
  }
}

TEST(X509PemChain, ToleratesWhitespaceBlankLinesAndNulPadding) {
  Pki pki = make_pki(EcCurve::kP384);
  const std::string chain = to_pem(pki.leaf.cert) + "\n\n" + to_pem(pki.inter.cert) + "\r\n" +
                            to_pem(pki.root.cert) + std::string(5, '\0');
  auto certs = parse_pem_chain(chain);
  ASSERT_TRUE(certs.ok()) << certs.error().message();
  ASSERT_EQ(certs->size(), 3u);
  EXPECT_EQ((*certs)[0].der(), pki.leaf.cert.der());
  EXPECT_EQ((*certs)[1].der(), pki.inter.cert.der());
  EXPECT_EQ((*certs)[2].der(), pki.root.cert.der());

  // The ByteView overload, and no trailing newline at all.
  std::string bare = to_pem(pki.leaf.cert);
  while (!bare.empty() && bare.back() == '\n')
    bare.pop_back();
  auto one = parse_pem_chain(as_bytes(bare));
  ASSERT_TRUE(one.ok()) << one.error().message();
  EXPECT_EQ(one->size(), 1u);
}

TEST(X509PemChain, RejectsJunkAndOtherTypes) {
  Pki pki = make_pki(EcCurve::kP256);
  const std::string a = to_pem(pki.leaf.cert);
  const std::string b = to_pem(pki.inter.cert);

  auto expect_fail = [](std::string_view text, std::string_view needle) {
    auto r = parse_pem_chain(text);
    ASSERT_FALSE(r.ok());
    EXPECT_NE(r.error().message().find(needle), std::string::npos) << r.error().message();
  };
  expect_fail("", "no certificate");
  expect_fail(std::string(8, '\0'), "no certificate");
  expect_fail(a + "junk\n" + b, "unexpected data");
  expect_fail(a + "junk", "unexpected data");
  expect_fail(a + std::string(1, '\0') + b, "unexpected data");  // NUL only at the end
  expect_fail("-----BEGIN CERTIFICATE-----\nMIIB\n", "no END line");
  expect_fail("-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n",
              "expected a CERTIFICATE block");
  expect_fail("-----BEGIN CERTIFICATE-----\n!!!!\n-----END CERTIFICATE-----\n", "certificate 0");
  expect_fail("-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n", "certificate 0");
  expect_fail("-----BEGIN CERTIFICATE\n", "malformed BEGIN");

  std::string many;
  for (std::size_t i = 0; i <= kMaxChainCertificates; ++i)
    many += a;
  auto r = parse_pem_chain(many);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code(), ErrorCode::kLimit);

  // A single-certificate parse refuses a chain.
  EXPECT_FALSE(Certificate::from_pem(a + b).ok());
}

// ---------------------------------------------------------------------------------------
// Chain verification

class X509ChainTest : public ::testing::TestWithParam<EcCurve> {
 protected:
  void SetUp() override { pki_.emplace(make_pki(GetParam())); }
  const Pki& pki() const { return *pki_; }
  std::vector<Certificate> intermediates() const { return {pki().inter.cert}; }

  std::optional<Pki> pki_;
};

TEST_P(X509ChainTest, VerifiesInsideTheValidityWindow) {
  auto chain = verify_chain(pki().leaf.cert, intermediates(), pki().root.cert, at(kNow));
  ASSERT_TRUE(chain.ok()) << chain.error().message();
  ASSERT_EQ(chain->size(), 3u);
  EXPECT_EQ((*chain)[0].der(), pki().leaf.cert.der());
  EXPECT_EQ((*chain)[1].der(), pki().inter.cert.der());
  EXPECT_EQ((*chain)[2].der(), pki().root.cert.der());

  // Leaf-first form, with a copy of the root appended (as NVIDIA ships chains).
  const std::vector<Certificate> shipped = {pki().leaf.cert, pki().inter.cert, pki().root.cert};
  auto again = verify_chain(shipped, pki().root.cert, at(kNow));
  ASSERT_TRUE(again.ok()) << again.error().message();
  EXPECT_EQ(again->size(), 3u);

  // Edges of the window: notBefore itself is valid; OpenSSL treats notAfter itself as
  // already expired, so the last valid second checked here is notAfter - 1.
  EXPECT_TRUE(verify_chain(pki().leaf.cert, intermediates(), pki().root.cert,
                           at(pki().leaf.cert.not_after() - 1))
                  .ok());
  EXPECT_TRUE(verify_chain(pki().leaf.cert, intermediates(), pki().root.cert,
                           at(pki().leaf.cert.not_before()))
                  .ok());
}

TEST_P(X509ChainTest, FailsOutsideTheValidityWindowNamingTheCertificate) {
  expect_chain_error(verify_chain(pki().leaf.cert, intermediates(), pki().root.cert,
                                  at(pki().leaf.cert.not_before() - 1)),
                     "x509: chain verification failed at depth 0 (CN=Test Leaf): certificate is "
                     "not yet valid");
  expect_chain_error(verify_chain(pki().leaf.cert, intermediates(), pki().root.cert,
                                  at(pki().leaf.cert.not_after() + 1)),
                     "x509: chain verification failed at depth 0 (CN=Test Leaf): certificate has "
                     "expired");

  // An expired intermediate under a still-valid leaf.
  CertSpec old_inter = inter_spec();
  old_inter.not_after = kNow - kDay;
  Node inter = make_node(GetParam(), old_inter, &pki().root);
  Node leaf = make_node(GetParam(), leaf_spec(), &inter);
  expect_chain_error(
      verify_chain(leaf.cert, std::vector<Certificate>{inter.cert}, pki().root.cert, at(kNow)),
      "at depth 1 (CN=Test Intermediate): certificate has expired");
}

TEST_P(X509ChainTest, FailsWithTheWrongRoot) {
  // Another root with the very same name but its own key.
  Node impostor = make_node(GetParam(), root_spec(), nullptr);
  expect_chain_error(verify_chain(pki().leaf.cert, intermediates(), impostor.cert, at(kNow)),
                     "unable to get local issuer certificate");
  // A chain that the attacker rooted in the impostor, shipped with the impostor root: the
  // copy in the chain is not a trust anchor.
  Node evil_inter = make_node(GetParam(), inter_spec(), &impostor);
  Node evil_leaf = make_node(GetParam(), leaf_spec(), &evil_inter);
  expect_chain_error(
      verify_chain(evil_leaf.cert, std::vector<Certificate>{evil_inter.cert, impostor.cert},
                   pki().root.cert, at(kNow)),
      "self-signed certificate in certificate chain");
  // Missing intermediate.
  expect_chain_error(verify_chain(pki().leaf.cert, {}, pki().root.cert, at(kNow)),
                     "at depth 0 (CN=Test Leaf): unable to get local issuer certificate");
}

TEST_P(X509ChainTest, FailsOnATamperedSignature) {
  Bytes der = pki().leaf.cert.der();
  der.back() ^= 0x01;  // inside the signature's s INTEGER
  auto tampered = Certificate::from_der(der);
  ASSERT_TRUE(tampered.ok()) << tampered.error().message();
  expect_chain_error(verify_chain(*tampered, intermediates(), pki().root.cert, at(kNow)),
                     "at depth 0 (CN=Test Leaf): certificate signature failure");
  EXPECT_FALSE(tampered->is_signed_by(pki().inter.cert));
}

TEST_P(X509ChainTest, FailsWhenAnIntermediateIsNotACa) {
  CertSpec not_ca = inter_spec();
  not_ca.ca = false;
  Node inter = make_node(GetParam(), not_ca, &pki().root);
  Node leaf = make_node(GetParam(), leaf_spec(), &inter);
  expect_chain_error(
      verify_chain(leaf.cert, std::vector<Certificate>{inter.cert}, pki().root.cert, at(kNow)),
      "depth 1 (CN=Test Intermediate)");
}

TEST_P(X509ChainTest, CrlsCoverEveryCertificate) {
  const Crl root_crl = make_crl(pki().root, {});
  const Crl inter_crl = make_crl(pki().inter, revoking({7, 99}));
  auto ok = verify_chain(pki().leaf.cert, intermediates(), pki().root.cert,
                         at(kNow, {root_crl, inter_crl}));
  EXPECT_TRUE(ok.ok()) << ok.error().message();

  // With CRLs on, each certificate below the root needs its issuer's CRL.
  expect_chain_error(
      verify_chain(pki().leaf.cert, intermediates(), pki().root.cert, at(kNow, {inter_crl})),
      "at depth 1 (CN=Test Intermediate): unable to get certificate CRL");
  expect_chain_error(
      verify_chain(pki().leaf.cert, intermediates(), pki().root.cert, at(kNow, {root_crl})),
      "at depth 0 (CN=Test Leaf): unable to get certificate CRL");
}

TEST_P(X509ChainTest, RevokedCertificatesFail) {
  const Crl root_crl = make_crl(pki().root, {});
  const Crl revoking_leaf = make_crl(pki().inter, revoking({7, 0x1234}));
  expect_chain_error(verify_chain(pki().leaf.cert, intermediates(), pki().root.cert,
                                  at(kNow, {root_crl, revoking_leaf})),
                     "x509: chain verification failed at depth 0 (CN=Test Leaf): certificate "
                     "revoked");

  const Crl revoking_inter = make_crl(pki().root, revoking({2}));
  const Crl inter_crl = make_crl(pki().inter, {});
  expect_chain_error(verify_chain(pki().leaf.cert, intermediates(), pki().root.cert,
                                  at(kNow, {revoking_inter, inter_crl})),
                     "at depth 1 (CN=Test Intermediate): certificate revoked");
}

TEST_P(X509ChainTest, CrlValidityAndSignatureAreChecked) {
  const Crl root_crl = make_crl(pki().root, {});
  const Crl expired = make_crl(pki().inter, valid_between(kNow - 40 * kDay, kNow - 10 * kDay));
  expect_chain_error(verify_chain(pki().leaf.cert, intermediates(), pki().root.cert,
                                  at(kNow, {root_crl, expired})),
                     "at depth 0 (CN=Test Leaf): CRL has expired");

  const Crl future = make_crl(pki().inter, valid_between(kNow + kDay, kNow + 30 * kDay));
  expect_chain_error(
      verify_chain(pki().leaf.cert, intermediates(), pki().root.cert, at(kNow, {root_crl, future})),
      "CRL is not yet valid");

  // Right issuer name, wrong key.
  auto stranger = EcdsaPrivateKey::generate(GetParam());
  ASSERT_TRUE(stranger.ok());
  const Crl forged = make_crl(pki().inter, {}, &*stranger);
  auto r =
      verify_chain(pki().leaf.cert, intermediates(), pki().root.cert, at(kNow, {root_crl, forged}));
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code(), ErrorCode::kVerification);
}

TEST_P(X509ChainTest, RejectsEmptyAndOverlongChains) {
  auto empty = verify_chain(std::span<const Certificate>{}, pki().root.cert, at(kNow));
  ASSERT_FALSE(empty.ok());
  EXPECT_EQ(empty.error().code(), ErrorCode::kInvalidArgument);
  const std::vector<Certificate> many(kMaxChainCertificates, pki().inter.cert);
  auto overlong = verify_chain(pki().leaf.cert, many, pki().root.cert, at(kNow));
  ASSERT_FALSE(overlong.ok());
  EXPECT_EQ(overlong.error().code(), ErrorCode::kLimit);
}

INSTANTIATE_TEST_SUITE_P(X509, X509ChainTest, ::testing::Values(EcCurve::kP256, EcCurve::kP384),
                         [](const ::testing::TestParamInfo<EcCurve>& p) {
                           return p.param == EcCurve::kP256 ? std::string("P256")
                                                            : std::string("P384");
                         });

// ---------------------------------------------------------------------------------------
// CRL wrapper

TEST(X509Crl, ParsesAndAnswersRevocationQueries) {
  Pki pki = make_pki(EcCurve::kP256);
  const Crl crl = make_crl(pki.inter, revoking({2, 0x1234, 0x80}));
  EXPECT_EQ(crl.issuer(), "CN=Test Intermediate,O=cllm test");
  EXPECT_EQ(crl.this_update(), kNow - kDay);
  ASSERT_TRUE(crl.next_update().has_value());
  EXPECT_EQ(*crl.next_update(), kNow + 30 * kDay);

  EXPECT_TRUE(crl.is_revoked(Bytes{0x12, 0x34}));
  EXPECT_TRUE(crl.is_revoked(Bytes{0x00, 0x00, 0x12, 0x34}));  // leading zeros ignored
  EXPECT_TRUE(crl.is_revoked(Bytes{0x80}));
  EXPECT_FALSE(crl.is_revoked(Bytes{0x12, 0x35}));
  EXPECT_FALSE(crl.is_revoked(Bytes{}));
  EXPECT_TRUE(crl.is_revoked(pki.leaf.cert));
  // The intermediate's serial (2) is listed, but this CRL is not its issuer's.
  EXPECT_FALSE(crl.is_revoked(pki.inter.cert));

  EXPECT_TRUE(crl.verify_signature(pki.inter.cert).ok());
  const Status wrong_name = crl.verify_signature(pki.root.cert);
  ASSERT_FALSE(wrong_name.ok());
  EXPECT_EQ(wrong_name.error().code(), ErrorCode::kVerification);
  EXPECT_NE(wrong_name.error().message().find("is not the certificate's subject"),
            std::string::npos);
  // Same name, different key.
  Node twin = make_node(EcCurve::kP256, inter_spec(), &pki.root);
  const Status wrong_key = crl.verify_signature(twin.cert);
  ASSERT_FALSE(wrong_key.ok());
  EXPECT_NE(wrong_key.error().message().find("CRL signature does not verify"), std::string::npos);
}

TEST(X509Crl, IssuerBindingNeedsCrlSignAndMatchingKeyIdentifier) {
  Pki pki = make_pki(EcCurve::kP256);
  const Crl good = make_crl(pki.inter, {});
  ASSERT_TRUE(good.verify_signature(pki.inter.cert).ok());
  ASSERT_TRUE(good.authority_key_id().has_value());
  EXPECT_EQ(*good.authority_key_id(), pki.inter.cert.subject_key_id().value_or(Bytes{}));
  EXPECT_TRUE(good.has_crl_number());

  // Signed by the right key, but the AKI names another key of a CA with the same name.
  Node twin = make_node(EcCurve::kP256, inter_spec(), &pki.root);
  CrlSpec other_aki;
  other_aki.aki_from = &twin;
  const Status aki = make_crl(pki.inter, other_aki).verify_signature(pki.inter.cert);
  ASSERT_FALSE(aki.ok());
  EXPECT_NE(aki.error().message().find("authority key identifier"), std::string::npos)
      << aki.error().message();

  // No AKI at all: nothing to compare (the DCAP verifier requires one separately).
  CrlSpec no_aki;
  no_aki.aki = false;
  const Crl bare = make_crl(pki.inter, no_aki);
  EXPECT_FALSE(bare.authority_key_id().has_value());
  EXPECT_TRUE(bare.verify_signature(pki.inter.cert).ok());

  // An issuer whose keyUsage lacks cRLSign may not issue CRLs.
  CertSpec no_crl_sign = inter_spec();
  no_crl_sign.key_usage = "critical,keyCertSign";
  Node signer = make_node(EcCurve::kP256, no_crl_sign, &pki.root);
  const Status ku = make_crl(signer, {}).verify_signature(signer.cert);
  ASSERT_FALSE(ku.ok());
  EXPECT_NE(ku.error().message().find("cRLSign"), std::string::npos) << ku.error().message();
}

TEST(X509Crl, CompleteCrlsOnly) {
  Pki pki = make_pki(EcCurve::kP256);
  EXPECT_TRUE(make_crl(pki.inter, revoking({3})).check_complete().ok());
  CrlSpec idp;
  idp.idp = true;
  const Status partitioned = make_crl(pki.inter, idp).check_complete();
  ASSERT_FALSE(partitioned.ok());
  EXPECT_NE(partitioned.error().message().find("issuing distribution point"), std::string::npos);
  CrlSpec delta;
  delta.delta = true;
  const Status is_delta = make_crl(pki.inter, delta).check_complete();
  ASSERT_FALSE(is_delta.ok());
  EXPECT_NE(is_delta.error().message().find("delta"), std::string::npos);
}

TEST(X509Certificate, VerifiesRawEcdsaWithItsOwnKey) {
  for (EcCurve curve : {EcCurve::kP256, EcCurve::kP384}) {
    Pki pki = make_pki(curve);
    auto sig = pki.leaf.key.sign(to_bytes("message"));
    ASSERT_TRUE(sig.ok());
    ASSERT_EQ(pki.leaf.cert.ecdsa_curve().value_or(EcCurve::kP256), curve);
    EXPECT_TRUE(pki.leaf.cert.verify_ecdsa(curve, to_bytes("message"), *sig).ok());
    EXPECT_FALSE(pki.leaf.cert.verify_ecdsa(curve, to_bytes("messagf"), *sig).ok());
    EXPECT_FALSE(pki.inter.cert.verify_ecdsa(curve, to_bytes("message"), *sig).ok());
    const EcCurve other = curve == EcCurve::kP256 ? EcCurve::kP384 : EcCurve::kP256;
    EXPECT_FALSE(pki.leaf.cert.verify_ecdsa(other, to_bytes("message"), *sig).ok());
    Bytes bad = *sig;
    bad.back() ^= 1;
    EXPECT_FALSE(pki.leaf.cert.verify_ecdsa(curve, to_bytes("message"), bad).ok());
  }
}

TEST(X509Certificate, PemChainDerMatchesTheCertificates) {
  Pki pki = make_pki(EcCurve::kP256);
  auto ders = pem_chain_der(to_pem(pki.leaf.cert) + "\n" + to_pem(pki.inter.cert));
  ASSERT_TRUE(ders.ok()) << ders.error().message();
  ASSERT_EQ(ders->size(), 2u);
  EXPECT_EQ((*ders)[0], pki.leaf.cert.der());
  EXPECT_EQ((*ders)[1], pki.inter.cert.der());
  EXPECT_FALSE(pem_chain_der("").ok());
  EXPECT_FALSE(pem_chain_der(to_pem(make_crl(pki.inter, {}))).ok());
}

TEST(X509Crl, DerPemAndAutodetect) {
  Pki pki = make_pki(EcCurve::kP384);
  CrlSpec no_next = revoking({5});
  no_next.next_update = std::nullopt;
  const Crl crl = make_crl(pki.root, no_next);
  EXPECT_FALSE(crl.next_update().has_value());
  const std::string pem = to_pem(crl);
  auto from_pem = Crl::from_pem(pem);
  ASSERT_TRUE(from_pem.ok()) << from_pem.error().message();
  EXPECT_EQ(from_pem->der(), crl.der());
  auto detected_pem = Crl::parse(as_bytes("\n" + pem));
  auto detected_der = Crl::parse(crl.der());
  ASSERT_TRUE(detected_pem.ok() && detected_der.ok());
  EXPECT_EQ(detected_pem->der(), crl.der());
  EXPECT_EQ(detected_der->der(), crl.der());

  EXPECT_FALSE(Crl::from_der({}).ok());
  EXPECT_FALSE(Crl::from_der(to_bytes("garbage")).ok());
  Bytes trailing = crl.der();
  trailing.push_back(0);
  EXPECT_FALSE(Crl::from_der(trailing).ok());
  EXPECT_FALSE(Crl::from_pem(to_pem(pki.root.cert)).ok());  // a CERTIFICATE, not a CRL
}

// ---------------------------------------------------------------------------------------
// Real chains from shared/testdata (skipped loudly when absent)

Bytes read_or_fail(const std::string& path) {
  auto bytes = read_file(path);
  EXPECT_TRUE(bytes.ok()) << path;
  return bytes.ok() ? *bytes : Bytes{};
}

TEST(X509RealData, IntelPckChainFromATdxQuote) {
  // See testdata/tdx/PROVENANCE.md: dcap-qvl sample/tdx_quote with its collateral; the PCK
  // chain is PEM inside the quote's certification data, followed by NUL padding.
  CLLM_REQUIRE_SHARED_FILE(quote_path, "testdata/tdx/dcapqvl_tdx_quote");
  CLLM_REQUIRE_SHARED_FILE(collateral_path, "testdata/tdx/dcapqvl_tdx_quote_collateral.json");
  CLLM_REQUIRE_SHARED_FILE(root_path,
                           "testdata/tdx/Intel_SGX_Provisioning_Certification_RootCA.der");
  const Bytes quote = read_or_fail(quote_path);
  const std::string_view text(reinterpret_cast<const char*>(quote.data()), quote.size());
  const std::size_t begin = text.find("-----BEGIN CERTIFICATE-----");
  ASSERT_NE(begin, std::string_view::npos);
  // Everything from the first PEM line to the end of the file: the chain, then zeros.
  auto chain = parse_pem_chain(text.substr(begin));
  ASSERT_TRUE(chain.ok()) << chain.error().message();
  ASSERT_EQ(chain->size(), 3u);
  EXPECT_EQ((*chain)[0].subject_common_name(), "Intel SGX PCK Certificate");
  EXPECT_EQ((*chain)[1].subject_common_name(), "Intel SGX PCK Platform CA");
  // Intel encodes CN first, so the RFC 2253 string (last RDN first) starts with C.
  EXPECT_EQ((*chain)[2].subject(),
            "C=US,ST=CA,L=Santa Clara,O=Intel Corporation,CN=Intel SGX Root CA");

  auto sgx = (*chain)[0].extension(kSgxOid);
  ASSERT_TRUE(sgx.ok()) << sgx.error().message();
  ASSERT_FALSE(sgx->empty());
  EXPECT_EQ((*sgx)[0], 0x30);  // a SEQUENCE of SGX extension entries
  auto pck_key = (*chain)[0].ecdsa_public_key();
  ASSERT_TRUE(pck_key.ok());
  EXPECT_EQ(pck_key->curve(), EcCurve::kP256);

  auto root = Certificate::from_der(read_or_fail(root_path));
  ASSERT_TRUE(root.ok()) << root.error().message();
  EXPECT_EQ((*chain)[2].der(), root->der());

  auto collateral_text = read_text_file(collateral_path);
  ASSERT_TRUE(collateral_text.ok());
  auto collateral = parse_json(*collateral_text);
  ASSERT_TRUE(collateral.ok());
  auto root_crl_hex = json_string(*collateral, "root_ca_crl");
  auto pck_crl_hex = json_string(*collateral, "pck_crl");
  ASSERT_TRUE(root_crl_hex.ok() && pck_crl_hex.ok());
  auto root_crl = Crl::from_der(from_hex(*root_crl_hex).value_or(Bytes{}));
  auto pck_crl = Crl::from_der(from_hex(*pck_crl_hex).value_or(Bytes{}));
  ASSERT_TRUE(root_crl.ok()) << root_crl.error().message();
  ASSERT_TRUE(pck_crl.ok()) << pck_crl.error().message();
  EXPECT_TRUE(pck_crl->verify_signature((*chain)[1]).ok());
  EXPECT_TRUE(root_crl->verify_signature(*root).ok());
  EXPECT_FALSE(pck_crl->is_revoked((*chain)[0]));

  // expected.json: now = 1752919234 is inside the collateral window.
  constexpr std::int64_t kQuoteNow = 1752919234;
  auto verified = verify_chain(*chain, *root, at(kQuoteNow, {*root_crl, *pck_crl}));
  ASSERT_TRUE(verified.ok()) << verified.error().message();
  EXPECT_EQ(verified->size(), 3u);

  // After the PCK CRL's nextUpdate the same chain fails on the CRL.
  ASSERT_TRUE(pck_crl->next_update().has_value());
  expect_chain_error(
      verify_chain(*chain, *root, at(*pck_crl->next_update() + 1, {*root_crl, *pck_crl})),
      "CRL has expired");
}

TEST(X509RealData, IntelPckCrlIssuerChainAndCrls) {
  // go-tdx-guest testing/testdata: PCS issuer-chain header, PCK CRL and root CRL (2023).
  CLLM_REQUIRE_SHARED_FILE(chain_path, "testdata/tdx/go-tdx-guest/pckcrl_issuer_chain.pem");
  CLLM_REQUIRE_SHARED_FILE(pckcrl_path, "testdata/tdx/go-tdx-guest/pckcrl");
  CLLM_REQUIRE_SHARED_FILE(rootcrl_path, "testdata/tdx/go-tdx-guest/rootcrl.der");
  CLLM_REQUIRE_SHARED_FILE(root_path,
                           "testdata/tdx/Intel_SGX_Provisioning_Certification_RootCA.pem");
  auto chain = parse_pem_chain(as_bytes(to_string(read_or_fail(chain_path))));
  ASSERT_TRUE(chain.ok()) << chain.error().message();
  ASSERT_EQ(chain->size(), 2u);
  auto root = Certificate::from_pem(to_string(read_or_fail(root_path)));
  ASSERT_TRUE(root.ok());
  auto pck_crl = Crl::parse(read_or_fail(pckcrl_path));
  auto root_crl = Crl::parse(read_or_fail(rootcrl_path));
  ASSERT_TRUE(pck_crl.ok()) << pck_crl.error().message();
  ASSERT_TRUE(root_crl.ok()) << root_crl.error().message();
  EXPECT_EQ(pck_crl->issuer(),
            "C=US,ST=CA,L=Santa Clara,O=Intel Corporation,CN=Intel SGX PCK Platform CA");
  EXPECT_TRUE(pck_crl->verify_signature((*chain)[0]).ok());
  EXPECT_TRUE(root_crl->verify_signature(*root).ok());
  EXPECT_FALSE(pck_crl->verify_signature(*root).ok());

  // PROVENANCE.md: verified upstream at 2023-07-01T01:00:00Z.
  auto ok = verify_chain(*chain, *root, at(1688173200, {*root_crl}));
  EXPECT_TRUE(ok.ok()) << ok.error().message();
}

TEST(X509RealData, IntelQvlSampleChainNeedsItsOwnTestRoot) {
  // Intel QVL sample data: signed by a TEST root that copies the real root's name.
  CLLM_REQUIRE_SHARED_FILE(leaf_path, "testdata/tdx/intel_qvl_sample_tdx/pckCert.pem");
  CLLM_REQUIRE_SHARED_FILE(chain_path, "testdata/tdx/intel_qvl_sample_tdx/pckSignChain.pem");
  CLLM_REQUIRE_SHARED_FILE(test_root_path,
                           "testdata/tdx/intel_qvl_sample_tdx/trustedRootCaCert.pem");
  CLLM_REQUIRE_SHARED_FILE(real_root_path,
                           "testdata/tdx/Intel_SGX_Provisioning_Certification_RootCA.der");
  auto leaf = Certificate::from_pem(to_string(read_or_fail(leaf_path)));
  auto intermediates = parse_pem_chain(read_or_fail(chain_path));  // root first here
  auto test_root = Certificate::from_pem(to_string(read_or_fail(test_root_path)));
  auto real_root = Certificate::from_der(read_or_fail(real_root_path));
  ASSERT_TRUE(leaf.ok() && intermediates.ok() && test_root.ok() && real_root.ok());
  EXPECT_EQ(test_root->subject(), real_root->subject());

  EXPECT_TRUE(verify_chain(*leaf, *intermediates, *test_root, at(kNow)).ok());
  expect_chain_error(verify_chain(*leaf, *intermediates, *real_root, at(kNow)),
                     "self-signed certificate in certificate chain");
}

TEST(X509RealData, NvidiaGpuDeviceChains) {
  // NVIDIA device identity chains (leaf first, pinned root last), ECDSA P-384.
  CLLM_REQUIRE_SHARED_FILE(root_path, "testdata/nvidia/roots/nvidia_device_identity_ca.pem");
  auto root = Certificate::from_pem(to_string(read_or_fail(root_path)));
  ASSERT_TRUE(root.ok()) << root.error().message();
  for (const char* relative : {"testdata/nvidia/nvat_sdk/gpu/hopper_580.159.03_CertChain.txt",
                               "testdata/nvidia/nvat_sdk/gpu/blackwell_575.32_CertChain.txt",
                               "testdata/nvidia/nvtrust_local_verifier/hopperCertChain.txt"}) {
    SCOPED_TRACE(relative);
    CLLM_REQUIRE_SHARED_FILE(path, relative);
    Bytes pem = read_or_fail(path);
    pem.insert(pem.end(), 5, 0);  // NVML buffers carry NUL padding
    auto chain = parse_pem_chain(pem);
    ASSERT_TRUE(chain.ok()) << chain.error().message();
    ASSERT_EQ(chain->size(), 5u);
    EXPECT_EQ(chain->back().der(), root->der());
    auto leaf_key = chain->front().ecdsa_public_key();
    ASSERT_TRUE(leaf_key.ok());
    EXPECT_EQ(leaf_key->curve(), EcCurve::kP384);
    auto verified = verify_chain(*chain, *root, at(kNow));
    ASSERT_TRUE(verified.ok()) << verified.error().message();
    EXPECT_EQ(verified->size(), 5u);
  }
}

}  // namespace
}  // namespace cllm::crypto
