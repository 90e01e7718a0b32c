// Certificate issuing: names in the order given, the signature hash asked for, key usage and
// basic constraints as specified (or absent), raw extensions with their criticality, AIA and
// CRL distribution points, and chains that OpenSSL's strict verifier accepts.
#include "cllm/crypto/certificate_issuer.hpp"

#include <gtest/gtest.h>
#include <openssl/objects.h>
#include <openssl/x509v3.h>

#include "cllm/crypto/x509_ptr.hpp"

namespace cllm::crypto {
namespace {

constexpr std::int64_t kNow = 1767225600;  // 2026-01-01T00:00:00Z

EcdsaPrivateKey key(EcCurve curve) {
  return std::move(EcdsaPrivateKey::generate(curve)).value();
}

CertificateSpec ca(std::string cn, HashAlgorithm hash) {
  CertificateSpec spec;
  spec.subject = {{"CN", std::move(cn)}, {"O", "cllm test"}};
  spec.serial = std::move(random_serial()).value();
  spec.not_before = kNow - 3600;
  spec.not_after = kNow + 86400;
  spec.basic_constraints = BasicConstraints::kCa;
  spec.key_usage = "critical,keyCertSign,cRLSign";
  spec.signature_hash = hash;
  return spec;
}

TEST(CertificateIssuer, IssuesAStrictP384Sha384ChainWithCustomExtensions) {
  const EcdsaPrivateKey root_key = key(EcCurve::kP384);
  const EcdsaPrivateKey leaf_key = key(EcCurve::kP384);
  auto root = issue_certificate(ca("Root", HashAlgorithm::kSha384), root_key.public_key(), nullptr,
                                root_key);
  ASSERT_TRUE(root.ok()) << root.error().message();

  CertificateSpec leaf_spec;
  leaf_spec.subject = {{"serialNumber", "ABC123"}, {"C", "US"}, {"O", "cllm test"}, {"CN", "Leaf"}};
  leaf_spec.serial = Bytes{0x01, 0x02};
  leaf_spec.not_before = kNow - 3600;
  leaf_spec.not_after = 253402300799;  // 9999-12-31T23:59:59Z
  leaf_spec.basic_constraints = BasicConstraints::kAbsent;
  leaf_spec.key_usage = "critical,digitalSignature";
  leaf_spec.ocsp_uri = "http://ocsp.example.invalid";
  leaf_spec.crl_distribution_point = "http://crl.example.invalid/x.crl";
  leaf_spec.extensions.push_back({"1.2.3.4.5", false, Bytes{0x04, 0x02, 0xAB, 0xCD}});
  leaf_spec.extensions.push_back({"1.2.3.4.6", true, Bytes{0x05, 0x00}});
  leaf_spec.signature_hash = HashAlgorithm::kSha384;
  auto leaf = issue_certificate(leaf_spec, leaf_key.public_key(), &*root, root_key);
  ASSERT_TRUE(leaf.ok()) << leaf.error().message();

  EXPECT_EQ(leaf->subject(), "CN=Leaf,O=cllm test,C=US,serialNumber=ABC123");
  EXPECT_EQ(leaf->issuer(), "O=cllm test,CN=Root");
  EXPECT_EQ(leaf->serial(), (Bytes{0x01, 0x02}));
  EXPECT_EQ(leaf->not_after(), 253402300799);
  EXPECT_EQ(X509_get_signature_nid(leaf->get()), NID_ecdsa_with_SHA384);
  EXPECT_EQ(X509_get_extension_flags(leaf->get()) & EXFLAG_BCONS, 0u);
  EXPECT_EQ(X509_get_key_usage(leaf->get()), static_cast<std::uint32_t>(KU_DIGITAL_SIGNATURE));
  auto custom = leaf->extension("1.2.3.4.5");
  ASSERT_TRUE(custom.ok());
  EXPECT_EQ(*custom, (Bytes{0x04, 0x02, 0xAB, 0xCD}));
  // Criticality as asked.
  Asn1ObjectPtr critical_oid(OBJ_txt2obj("1.2.3.4.6", 1));
  const int at = X509_get_ext_by_OBJ(leaf->get(), critical_oid.get(), -1);
  ASSERT_GE(at, 0);
  EXPECT_EQ(X509_EXTENSION_get_critical(X509_get_ext(leaf->get(), at)), 1);
  EXPECT_GE(X509_get_ext_by_NID(leaf->get(), NID_info_access, -1), 0);
  EXPECT_GE(X509_get_ext_by_NID(leaf->get(), NID_crl_distribution_points, -1), 0);
  EXPECT_TRUE(leaf->is_signed_by(*root));
  EXPECT_TRUE(leaf->subject_key_id().has_value());

  // A chain with an unknown critical extension is rightly refused; drop it and it verifies.
  ChainVerifyOptions options;
  options.at_time = kNow;
  EXPECT_FALSE(verify_chain(std::vector<Certificate>{*leaf}, *root, options).ok());
  leaf_spec.extensions.pop_back();
  auto clean = issue_certificate(leaf_spec, leaf_key.public_key(), &*root, root_key);
  ASSERT_TRUE(clean.ok());
  auto verified = verify_chain(std::vector<Certificate>{*clean}, *root, options);
  EXPECT_TRUE(verified.ok()) << verified.error().message();
}

TEST(CertificateIssuer, Sha256P256AndPathLength) {
  const EcdsaPrivateKey root_key = key(EcCurve::kP256);
  CertificateSpec spec = ca("Root", HashAlgorithm::kSha256);
  spec.path_length = 1;
  auto root = issue_certificate(spec, root_key.public_key(), nullptr, root_key);
  ASSERT_TRUE(root.ok());
  EXPECT_EQ(X509_get_signature_nid(root->get()), NID_ecdsa_with_SHA256);
  EXPECT_EQ(X509_get_pathlen(root->get()), 1);
  EXPECT_EQ(X509_check_ca(root->get()), 1);
  auto pem = certificate_pem(*root);
  ASSERT_TRUE(pem.ok());
  auto reparsed = Certificate::from_pem(*pem);
  ASSERT_TRUE(reparsed.ok());
  EXPECT_EQ(reparsed->der(), root->der());
}

TEST(CertificateIssuer, RefusesBadSerialsAndEmptyNames) {
  const EcdsaPrivateKey k = key(EcCurve::kP384);
  CertificateSpec spec = ca("Root", HashAlgorithm::kSha384);
  spec.serial.clear();
  EXPECT_FALSE(issue_certificate(spec, k.public_key(), nullptr, k).ok());
  spec.serial = Bytes(21, 1);
  EXPECT_FALSE(issue_certificate(spec, k.public_key(), nullptr, k).ok());
  spec.serial = Bytes{1};
  spec.subject.clear();
  EXPECT_FALSE(issue_certificate(spec, k.public_key(), nullptr, k).ok());
  spec.subject = {{"NotAnAttribute", "x"}};
  EXPECT_FALSE(issue_certificate(spec, k.public_key(), nullptr, k).ok());
}

TEST(CertificateIssuer, EmptyCrlIsSignedWithTheAskedHash) {
  const EcdsaPrivateKey k = key(EcCurve::kP384);
  auto root = issue_certificate(ca("Root", HashAlgorithm::kSha384), k.public_key(), nullptr, k);
  ASSERT_TRUE(root.ok());
  auto crl = issue_empty_crl(*root, k, 7, kNow, kNow + 86400, HashAlgorithm::kSha384);
  ASSERT_TRUE(crl.ok()) << crl.error().message();
  EXPECT_TRUE(crl->verify_signature(*root).ok());
  EXPECT_TRUE(crl->has_crl_number());
  EXPECT_EQ(crl->this_update(), kNow);
  EXPECT_EQ(X509_CRL_get_signature_nid(crl->get()), NID_ecdsa_with_SHA384);
}

TEST(CertificateIssuer, RandomSerialsArePositiveAndDistinct) {
  auto a = random_serial();
  auto b = random_serial();
  ASSERT_TRUE(a.ok() && b.ok());
  EXPECT_EQ(a->size(), 16u);
  EXPECT_EQ((*a)[0] & 0x80, 0);
  EXPECT_NE((*a)[0], 0);
  EXPECT_NE(*a, *b);
}

}  // namespace
}  // namespace cllm::crypto
