#include "cllm/gpu/xml_signature.hpp"

#include <gtest/gtest.h>

#include <string>
#include <thread>
#include <vector>

#include "cllm/common/file.hpp"
#include "cllm/crypto/certificate_issuer.hpp"
#include "cllm/gpu/rim_document.hpp"
#include "support/test_paths.hpp"

namespace cllm::gpu {
namespace {

constexpr const char* kRims = "testdata/nvidia/nvat_sdk/rims/";

std::string read_text(const std::string& path) {
  auto text = read_text_file(path);
  EXPECT_TRUE(text.ok()) << path;
  return text.ok() ? *text : std::string();
}

void replace_once(std::string& s, const std::string& from, const std::string& to) {
  auto pos = s.find(from);
  ASSERT_NE(pos, std::string::npos) << from;
  s.replace(pos, from.size(), to);
}

void expect_rejected(const std::string& xml, const std::string& needle) {
  auto r = verify_xml_signature(as_bytes(xml));
  ASSERT_FALSE(r.ok()) << needle;
  EXPECT_EQ(r.error().code(), ErrorCode::kVerification) << r.error().message();
  EXPECT_NE(r.error().message().find(needle), std::string::npos) << r.error().message();
}

TEST(XmlSignature, VerifiesTheGenuineDriverRimWithItsLeafKey) {
  CLLM_REQUIRE_SHARED_FILE(path, std::string(kRims) + "NV_GPU_DRIVER_GH100_550.144.03.xml");
  const std::string xml = read_text(path);
  testing::internal::CaptureStderr();
  auto parts = verify_xml_signature(as_bytes(xml));
  EXPECT_EQ(testing::internal::GetCapturedStderr(), "");
  ASSERT_TRUE(parts.ok()) << parts.error().message();
  ASSERT_EQ(parts->certificates.size(), 4U);
  EXPECT_EQ(parts->signer_index, 0U);
  EXPECT_EQ(parts->signer().subject_common_name(), "HCC RIM L4 Signer");
  EXPECT_EQ(parts->certificates[3].subject_common_name(), "NVIDIA CoRIM signing Root CA");
}

class GenuinelySignedRim : public ::testing::TestWithParam<const char*> {};

// The signature alone does not depend on time (the chain does): every genuinely signed
// vector verifies, expired signers included.
TEST_P(GenuinelySignedRim, Verifies) {
  CLLM_REQUIRE_SHARED_FILE(path, std::string("testdata/nvidia/") + GetParam());
  auto parts = verify_xml_signature(as_bytes(read_text(path)));
  ASSERT_TRUE(parts.ok()) << parts.error().message();
}

INSTANTIATE_TEST_SUITE_P(
    Vectors, GenuinelySignedRim,
    ::testing::Values(
        "nvtrust_local_verifier/rims/1010_0200_882_96005E0001_PROD.swidtag",
        "nvtrust_local_verifier/rims/1010_0200_882_96005E0001_test_no_gpu.swidtag",
        "nvtrust_local_verifier/rims/1010_0205_862_9600740020_PROD.swidtag",
        "nvtrust_local_verifier/rims/Driver_RIM_test_no_gpu.swidtag",
        "nvtrust_local_verifier/rims/g520_0200_885_9600740001_PROD.swidtag",
        "nvat_sdk/rims/NV_GPU_VBIOS_1010_0200_882_96005E0001_measurement_mismatch.xml",
        "nvat_sdk/rims/incorrect_cert_chain_driver_rim.xml",
        "nvat_sdk/switch/NV_SWITCH_BIOS_5612_0002_890_9610550001.xml"));

class BadlySignedRim : public ::testing::TestWithParam<const char*> {};

TEST_P(BadlySignedRim, FailsQuietlyWithXmlsecsReason) {
  CLLM_REQUIRE_SHARED_FILE(path, std::string(kRims) + GetParam());
  testing::internal::CaptureStderr();
  auto parts = verify_xml_signature(as_bytes(read_text(path)));
  EXPECT_EQ(testing::internal::GetCapturedStderr(), "");
  ASSERT_FALSE(parts.ok());
  EXPECT_EQ(parts.error().code(), ErrorCode::kVerification);
  EXPECT_NE(parts.error().message().find("does not verify"), std::string::npos)
      << parts.error().message();
}

INSTANTIATE_TEST_SUITE_P(Vectors, BadlySignedRim,
                         ::testing::Values("incorrect_signature_driver_rim.xml",
                                           "NV_GPU_DRIVER_GH100_535.86.09_measurement_mismatch.xml",
                                           "NV_GPU_DRIVER_GH100_570.124.03_expired.xml"));

TEST(XmlSignature, AnyEditOfTheSignedContentBreaksIt) {
  CLLM_REQUIRE_SHARED_FILE(path, std::string(kRims) + "NV_GPU_DRIVER_GH100_550.144.03.xml");
  std::string xml = read_text(path);
  std::string edited = xml;
  replace_once(edited, "colloquialVersion=\"550.144.03\"", "colloquialVersion=\"550.144.04\"");
  expect_rejected(edited, "does not verify");
  edited = xml;
  replace_once(edited, "4a5e4b3d501fe31f", "4a5e4b3d501fe31e");
  expect_rejected(edited, "does not verify");
  // A comment or whitespace outside the root is not part of C14N: harmless, still valid.
  auto with_comment = verify_xml_signature(as_bytes("<!-- hello -->\n" + xml));
  EXPECT_TRUE(with_comment.ok()) << with_comment.error().message();
}

TEST(XmlSignature, RejectsEveryOtherShape) {
  CLLM_REQUIRE_SHARED_FILE(path, std::string(kRims) + "NV_GPU_DRIVER_GH100_550.144.03.xml");
  const std::string xml = read_text(path);
  std::string s = xml;
  replace_once(s, "xmldsig-more#ecdsa-sha384", "xmldsig-more#rsa-sha256");
  expect_rejected(s, "SignatureMethod Algorithm");
  s = xml;
  replace_once(s, "<ds:CanonicalizationMethod Algorithm=\"http://www.w3.org/2006/12/xml-c14n11\"",
               "<ds:CanonicalizationMethod Algorithm=\"http://www.w3.org/2001/10/xml-exc-c14n#\"");
  expect_rejected(s, "CanonicalizationMethod Algorithm");
  s = xml;
  replace_once(s, "xmldsig-more#sha384", "xmlenc#sha256");
  expect_rejected(s, "DigestMethod Algorithm");
  s = xml;
  replace_once(s, "<ds:Reference URI=\"\">", "<ds:Reference URI=\"#payload\">");
  expect_rejected(s, "Reference URI");
  s = xml;
  replace_once(s, "<ds:Reference URI=\"\">", "<ds:Reference>");
  expect_rejected(s, "no URI");
  s = xml;
  replace_once(
      s, "<ds:Transform Algorithm=\"http://www.w3.org/2000/09/xmldsig#enveloped-signature\"/>", "");
  expect_rejected(s, "transforms");
  s = xml;
  replace_once(s, "<ds:Transform Algorithm=\"http://www.w3.org/2006/12/xml-c14n11\"/>",
               "<ds:Transform Algorithm=\"http://www.w3.org/TR/1999/REC-xslt-19991116\"/>");
  expect_rejected(s, "second Transform");
  // No signature, two signatures, a signature that is not a child of the root.
  const auto sig_start = xml.find("<ds:Signature");
  const auto sig_end = xml.find("</ds:Signature>") + std::string("</ds:Signature>").size();
  const std::string signature = xml.substr(sig_start, sig_end - sig_start);
  s = xml;
  s.erase(sig_start, sig_end - sig_start);
  expect_rejected(s, "no ds:Signature");
  s = xml;
  s.insert(sig_start, signature);
  expect_rejected(s, "2 ds:Signature");
  s = xml;
  s.erase(sig_start, sig_end - sig_start);
  replace_once(s, "</ns0:Payload>", signature + "</ns0:Payload>");
  expect_rejected(s, "not a child of the root");
  // An Object (a place to hide signed-but-unchecked content) is not NVIDIA's shape.
  s = xml;
  replace_once(s, "</ds:KeyInfo>", "</ds:KeyInfo><ds:Object/>");
  expect_rejected(s, "nothing else");
  // Extra X509Data content is refused rather than ignored.
  s = xml;
  replace_once(s, "<ds:X509Data>", "<ds:X509Data><ds:X509SubjectName>CN=x</ds:X509SubjectName>");
  expect_rejected(s, "only X509Certificate");
}

TEST(XmlSignature, XmlsecErrorsEndUpInTheErrorNotOnStderr) {
  CLLM_REQUIRE_SHARED_FILE(path, std::string(kRims) + "NV_GPU_DRIVER_GH100_550.144.03.xml");
  std::string s = read_text(path);
  const auto start = s.find("<ds:SignatureValue>") + std::string("<ds:SignatureValue>").size();
  const auto end = s.find("</ds:SignatureValue>");
  s.replace(start, end - start, "AAAA");  // 3 bytes: no ECDSA P-384 signature has that size
  testing::internal::CaptureStderr();
  auto r = verify_xml_signature(as_bytes(s));
  EXPECT_EQ(testing::internal::GetCapturedStderr(), "");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code(), ErrorCode::kVerification);
  EXPECT_NE(r.error().message().find("XML signature:"), std::string::npos) << r.error().message();
}

TEST(XmlSignature, RejectsUnreadableCertificates) {
  CLLM_REQUIRE_SHARED_FILE(path, std::string(kRims) + "NV_GPU_DRIVER_GH100_550.144.03.xml");
  std::string s = read_text(path);
  replace_once(s, "<ds:X509Certificate>MIIC", "<ds:X509Certificate>!!IC");
  auto r = verify_xml_signature(as_bytes(s));
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.error().message().find("X509Certificate 0 is not base64"), std::string::npos)
      << r.error().message();
}

TEST(XmlSignature, VerifiesFromManyThreadsAtOnce) {
  CLLM_REQUIRE_SHARED_FILE(good, std::string(kRims) + "NV_GPU_DRIVER_GH100_550.144.03.xml");
  CLLM_REQUIRE_SHARED_FILE(bad, std::string(kRims) + "incorrect_signature_driver_rim.xml");
  const std::string good_xml = read_text(good);
  const std::string bad_xml = read_text(bad);
  std::vector<std::thread> threads;
  std::atomic<int> wrong{0};
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < 5; ++i) {
        const bool use_good = (t + i) % 2 == 0;
        auto r = verify_xml_signature(as_bytes(use_good ? good_xml : bad_xml));
        if (r.ok() != use_good) ++wrong;
      }
    });
  }
  for (auto& th : threads)
    th.join();
  EXPECT_EQ(wrong.load(), 0);
}

// A small P-384 PKI shaped like NVIDIA's RIM signers.
struct TestPki {
  crypto::EcdsaPrivateKey root_key;
  crypto::EcdsaPrivateKey leaf_key;
  std::vector<crypto::Certificate> chain;  // leaf, root
};

Result<crypto::Certificate> issue(const std::string& cn, const crypto::EcdsaPublicKey& subject,
                                  const crypto::Certificate* issuer,
                                  const crypto::EcdsaPrivateKey& issuer_key, bool ca,
                                  std::int64_t not_before, std::int64_t not_after) {
  crypto::CertificateSpec spec;
  spec.subject = {{"CN", cn}, {"O", "cllm test"}};
  CLLM_ASSIGN_OR_RETURN(spec.serial, crypto::random_serial());
  spec.not_before = not_before;
  spec.not_after = not_after;
  spec.basic_constraints =
      ca ? crypto::BasicConstraints::kCa : crypto::BasicConstraints::kEndEntity;
  spec.key_usage = ca ? "critical,keyCertSign,cRLSign" : "critical,digitalSignature";
  spec.signature_hash = crypto::HashAlgorithm::kSha384;
  return crypto::issue_certificate(spec, subject, issuer, issuer_key);
}

TestPki make_pki() {
  auto root_key = crypto::EcdsaPrivateKey::generate(crypto::EcCurve::kP384).value();
  auto leaf_key = crypto::EcdsaPrivateKey::generate(crypto::EcCurve::kP384).value();
  auto root = issue("Test CoRIM Root", root_key.public_key(), nullptr, root_key, true, 1700000000,
                    2000000000)
                  .value();
  auto leaf = issue("Test RIM Signer", leaf_key.public_key(), &root, root_key, false, 1700000000,
                    1900000000)
                  .value();
  return TestPki{std::move(root_key), std::move(leaf_key), {leaf, root}};
}

const char* kUnsignedRim =
    R"(<SoftwareIdentity xmlns="http://standards.iso.org/iso/19770/-2/2015/schema.xsd" )"
    R"(xmlns:ns2="http://www.w3.org/2001/04/xmlenc#sha384" name="GH100" tagId="t" version="1.0">)"
    R"(<Meta colloquialVersion="1.2.3" product="GH100"/>)"
    "\n  <Payload><Resource type=\"Measurement\" index=\"0\" active=\"True\" alternatives=\"1\" "
    "size=\"48\" "
    "ns2:Hash0="
    "\"00000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000"
    "0001\"/>"
    "</Payload>\n</SoftwareIdentity>";

TEST(XmlSignature, SignEnvelopedProducesNvidiasShape) {
  TestPki pki = make_pki();
  auto signed_xml = sign_enveloped(as_bytes(kUnsignedRim), pki.leaf_key, pki.chain);
  ASSERT_TRUE(signed_xml.ok()) << signed_xml.error().message();
  EXPECT_NE(signed_xml->find("xmldsig-more#ecdsa-sha384"), std::string::npos);
  EXPECT_NE(signed_xml->find("<ds:Reference URI=\"\">"), std::string::npos);
  auto parts = verify_xml_signature(as_bytes(*signed_xml));
  ASSERT_TRUE(parts.ok()) << parts.error().message() << "\n" << *signed_xml;
  ASSERT_EQ(parts->certificates.size(), 2U);
  EXPECT_EQ(parts->signer().subject_common_name(), "Test RIM Signer");
  EXPECT_EQ(parts->certificates[1].der(), pki.chain[1].der());
  auto doc = parse_rim_document(as_bytes(*signed_xml));
  ASSERT_TRUE(doc.ok()) << doc.error().message();
  EXPECT_EQ(doc->colloquial_version, "1.2.3");

  std::string tampered = *signed_xml;
  replace_once(tampered, "0000000001\"", "0000000002\"");
  expect_rejected(tampered, "does not verify");
  // The signer is the chain's leaf even when X509Data lists it last.
  std::vector<crypto::Certificate> reversed{pki.chain[1], pki.chain[0]};
  auto wrong_order = sign_enveloped(as_bytes(kUnsignedRim), pki.leaf_key, reversed);
  EXPECT_FALSE(wrong_order.ok());  // chain[0] must hold the signing key
}

TEST(XmlSignature, SignEnvelopedRefusesBadInput) {
  TestPki pki = make_pki();
  std::vector<crypto::Certificate> root_only{pki.chain[1]};
  EXPECT_FALSE(sign_enveloped(as_bytes(kUnsignedRim), pki.leaf_key, root_only).ok());
  EXPECT_FALSE(sign_enveloped(as_bytes(kUnsignedRim), pki.leaf_key, {}).ok());
  auto p256 = crypto::EcdsaPrivateKey::generate(crypto::EcCurve::kP256).value();
  EXPECT_FALSE(sign_enveloped(as_bytes(kUnsignedRim), p256, pki.chain).ok());
  auto once = sign_enveloped(as_bytes(kUnsignedRim), pki.leaf_key, pki.chain);
  ASSERT_TRUE(once.ok());
  EXPECT_FALSE(sign_enveloped(as_bytes(*once), pki.leaf_key, pki.chain).ok());  // already signed
  EXPECT_FALSE(sign_enveloped(as_bytes("<not xml"), pki.leaf_key, pki.chain).ok());
}

TEST(XmlSignature, AnotherKeysSignatureDoesNotVerify) {
  TestPki pki = make_pki();
  TestPki other = make_pki();
  auto signed_xml = sign_enveloped(as_bytes(kUnsignedRim), pki.leaf_key, pki.chain);
  ASSERT_TRUE(signed_xml.ok());
  auto doc = detail::parse_xml_bounded(as_bytes(*signed_xml));
  ASSERT_TRUE(doc.ok());
  auto st = verify_enveloped_signature(**doc, other.chain[0]);
  ASSERT_FALSE(st.ok());
  EXPECT_NE(st.error().message().find("does not verify with the key of Test RIM Signer"),
            std::string::npos)
      << st.error().message();
}

}  // namespace
}  // namespace cllm::gpu
