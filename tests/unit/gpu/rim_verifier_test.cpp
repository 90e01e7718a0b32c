#include "cllm/gpu/rim_verifier.hpp"

#include <gtest/gtest.h>

#include <string>

#include "cllm/common/file.hpp"
#include "cllm/crypto/certificate_issuer.hpp"
#include "cllm/gpu/xml_signature.hpp"
#include "support/test_paths.hpp"

namespace cllm::gpu {
namespace {

constexpr std::int64_t kToday = 1795651200;        // 2026-11-26
constexpr std::int64_t kJune2024 = 1717200000;     // 2024-06-01
constexpr std::int64_t kJan2025Noon = 1735732800;  // 2025-01-01T12:00Z
constexpr const char* kNvidia = "testdata/nvidia/";
constexpr const char* kRoot = "testdata/nvidia/roots/nvidia_corim_signing_root_ca.pem";

struct Loaded {
  std::string xml;
  crypto::Certificate root;
};

crypto::Certificate load_cert(const std::string& path) {
  auto pem = read_text_file(path);
  EXPECT_TRUE(pem.ok()) << path;
  auto cert = crypto::Certificate::from_pem(*pem);
  EXPECT_TRUE(cert.ok()) << cert.error().message();
  return cert.value();
}

RimVerifyOptions options_at(const crypto::Certificate& root, std::int64_t now) {
  RimVerifyOptions o;
  o.trust_anchor = root;
  o.now = now;
  return o;
}

CheckOutcome outcome(const RimAppraisal& a, std::string_view name) {
  const Check* c = a.checks.find(name);
  EXPECT_NE(c, nullptr) << name;
  return c == nullptr ? CheckOutcome::kSkip : c->outcome;
}

std::string dump(const RimAppraisal& a) {
  std::string out;
  for (const auto& c : a.checks.checks()) {
    out += c.name + "=" + std::string(check_outcome_name(c.outcome)) + " (" + c.detail + ")\n";
  }
  return out;
}

#define LOAD_RIM(var, relative)                                          \
  CLLM_REQUIRE_SHARED_FILE(var##_path, std::string(kNvidia) + relative); \
  CLLM_REQUIRE_SHARED_FILE(var##_root_path, kRoot);                      \
  const std::string var = read_text_file(var##_path).value();            \
  const crypto::Certificate var##_root = load_cert(var##_root_path)

TEST(RimVerifier, GenuineDriverRimIsValidToday) {
  LOAD_RIM(xml, "nvat_sdk/rims/NV_GPU_DRIVER_GH100_550.144.03.xml");
  auto o = options_at(xml_root, kToday);
  o.expected_rim_id = "NV_GPU_DRIVER_GH100_550.144.03";
  o.expected_version = "550.144.03";
  const RimAppraisal a = verify_rim(as_bytes(xml), o);
  EXPECT_TRUE(a.passed()) << dump(a);
  EXPECT_EQ(outcome(a, kCheckRimSchemaValidated), CheckOutcome::kPass);
  EXPECT_EQ(outcome(a, kCheckRimSignatureVerified), CheckOutcome::kPass);
  EXPECT_EQ(outcome(a, kCheckRimCertChainValidated), CheckOutcome::kPass);
  EXPECT_EQ(outcome(a, kCheckRimVersionMatch), CheckOutcome::kPass);
  EXPECT_EQ(a.cert_chain.status, RimCertStatus::kValid);
  // Leaf "HCC RIM L4 Signer" notAfter 2026-12-30 16:56:50Z is the earliest in the chain.
  EXPECT_EQ(a.cert_chain.earliest_expiry, 1798649810);
  ASSERT_TRUE(a.document.has_value());
  EXPECT_EQ(a.document->firmware_manufacturer_id, "5703");
  EXPECT_EQ(a.certificates.size(), 4U);
  EXPECT_EQ(a.rim_id, "NV_GPU_DRIVER_GH100_550.144.03");
  EXPECT_NE(a.checks.find(kCheckRimSignatureVerified)->detail.find("HCC RIM L4 Signer"),
            std::string::npos);
}

TEST(RimVerifier, OnlyAnEndEntityThatMaySignCanBeTheSigner) {
  LOAD_RIM(xml, "nvat_sdk/rims/NV_GPU_DRIVER_GH100_550.144.03.xml");
  const RimAppraisal a = verify_rim(as_bytes(xml), options_at(xml_root, kToday));
  ASSERT_EQ(a.certificates.size(), 4U);
  const crypto::Certificate& signer = a.certificates[0];  // HCC RIM L4 Signer
  EXPECT_FALSE(signer.is_ca());
  EXPECT_TRUE(signer.may_sign_documents());
  const std::vector<crypto::Certificate> others(a.certificates.begin() + 1, a.certificates.end());
  EXPECT_EQ(verify_rim_cert_chain(signer, others, xml_root, kToday).status, RimCertStatus::kValid);
  // The intermediate CA chains to the same root, but a CA is no document signer.
  const crypto::Certificate& ca = a.certificates[1];
  ASSERT_TRUE(ca.is_ca());
  const RimCertChainVerdict v = verify_rim_cert_chain(ca, others, xml_root, kToday);
  EXPECT_EQ(v.status, RimCertStatus::kInvalid);
  EXPECT_NE(v.detail.find("is a CA certificate"), std::string::npos) << v.detail;
}

TEST(RimVerifier, VersionComparesCaseInsensitivelyAndFailsOnADifference) {
  LOAD_RIM(xml, "nvtrust_local_verifier/rims/1010_0200_882_96005E0001_PROD.swidtag");
  auto o = options_at(xml_root, kJune2024);
  o.expected_version = "96.00.5e.00.01";
  EXPECT_TRUE(verify_rim(as_bytes(xml), o).passed());
  o.expected_version = "96.00.5E.00.02";
  const RimAppraisal a = verify_rim(as_bytes(xml), o);
  EXPECT_FALSE(a.passed());
  EXPECT_EQ(a.checks.first_failure()->name, kCheckRimVersionMatch);
  o.expected_version.reset();
  EXPECT_EQ(outcome(verify_rim(as_bytes(xml), o), kCheckRimVersionMatch), CheckOutcome::kSkip);
}

TEST(RimVerifier, ARimOfAnotherGpuFamilyFailsTheVersionCheck) {
  LOAD_RIM(xml, "nvtrust_local_verifier/rims/1010_0200_882_96005E0001_PROD.swidtag");
  auto o = options_at(xml_root, kJune2024);
  o.expected_version = "96.00.5e.00.01";
  o.expected_product_prefix = "GH1";  // the RIM's product is GH100
  EXPECT_TRUE(verify_rim(as_bytes(xml), o).passed());
  o.expected_product_prefix = "GB1";  // a Blackwell GPU with the same version number
  const RimAppraisal a = verify_rim(as_bytes(xml), o);
  EXPECT_FALSE(a.passed());
  EXPECT_EQ(a.checks.first_failure()->name, kCheckRimVersionMatch);
  EXPECT_NE(a.checks.first_failure()->detail.find("product GH100"), std::string::npos);
}

TEST(RimVerifier, TamperedSignatureFailsOnlyTheSignatureCheck) {
  LOAD_RIM(xml, "nvat_sdk/rims/incorrect_signature_driver_rim.xml");
  const RimAppraisal a = verify_rim(as_bytes(xml), options_at(xml_root, kToday));
  EXPECT_FALSE(a.passed());
  EXPECT_EQ(outcome(a, kCheckRimSignatureVerified), CheckOutcome::kFail) << dump(a);
  EXPECT_EQ(outcome(a, kCheckRimSchemaValidated), CheckOutcome::kPass);
  EXPECT_EQ(outcome(a, kCheckRimCertChainValidated), CheckOutcome::kPass);
  EXPECT_EQ(a.checks.first_failure()->name, kCheckRimSignatureVerified);
}

TEST(RimVerifier, DebugChainFailsAgainstTheProductionRoot) {
  LOAD_RIM(xml, "nvat_sdk/rims/incorrect_cert_chain_driver_rim.xml");
  const RimAppraisal a = verify_rim(as_bytes(xml), options_at(xml_root, kToday));
  EXPECT_FALSE(a.passed());
  EXPECT_EQ(outcome(a, kCheckRimSignatureVerified), CheckOutcome::kPass) << dump(a);
  EXPECT_EQ(outcome(a, kCheckRimCertChainValidated), CheckOutcome::kFail);
  EXPECT_EQ(a.cert_chain.status, RimCertStatus::kInvalid);
  EXPECT_FALSE(a.cert_chain.earliest_expiry.has_value());
}

TEST(RimVerifier, ANonRootAnchorFailsTheChain) {
  LOAD_RIM(xml, "nvat_sdk/rims/NV_GPU_DRIVER_GH100_550.144.03.xml");
  CLLM_REQUIRE_SHARED_FILE(wrong_root, "testdata/nvidia/nvat_sdk/rims/incorrect_rim_root.crt");
  const RimAppraisal a = verify_rim(as_bytes(xml), options_at(load_cert(wrong_root), kToday));
  EXPECT_EQ(outcome(a, kCheckRimCertChainValidated), CheckOutcome::kFail) << dump(a);
  EXPECT_EQ(a.cert_chain.status, RimCertStatus::kInvalid);
  EXPECT_EQ(outcome(a, kCheckRimSignatureVerified), CheckOutcome::kPass);
}

TEST(RimVerifier, MissingAnchorFailsTheChain) {
  LOAD_RIM(xml, "nvat_sdk/rims/NV_GPU_DRIVER_GH100_550.144.03.xml");
  RimVerifyOptions o;
  o.now = kToday;
  const RimAppraisal a = verify_rim(as_bytes(xml), o);
  EXPECT_EQ(outcome(a, kCheckRimCertChainValidated), CheckOutcome::kFail);
}

class ExpiredNvtrustRim : public ::testing::TestWithParam<const char*> {};

TEST_P(ExpiredNvtrustRim, IsExpiredTodayAndValidInJune2024) {
  LOAD_RIM(xml, std::string("nvtrust_local_verifier/rims/") + GetParam());
  const RimAppraisal today = verify_rim(as_bytes(xml), options_at(xml_root, kToday));
  EXPECT_EQ(today.cert_chain.status, RimCertStatus::kExpired) << dump(today);
  EXPECT_EQ(outcome(today, kCheckRimCertChainValidated), CheckOutcome::kFail);
  EXPECT_EQ(outcome(today, kCheckRimSignatureVerified), CheckOutcome::kPass);
  ASSERT_TRUE(today.cert_chain.earliest_expiry.has_value());
  EXPECT_LT(*today.cert_chain.earliest_expiry, kToday);
  const RimAppraisal then = verify_rim(as_bytes(xml), options_at(xml_root, kJune2024));
  EXPECT_TRUE(then.passed()) << dump(then);
  EXPECT_EQ(then.cert_chain.status, RimCertStatus::kValid);
  EXPECT_EQ(then.cert_chain.earliest_expiry, today.cert_chain.earliest_expiry);
}

INSTANTIATE_TEST_SUITE_P(Vectors, ExpiredNvtrustRim,
                         ::testing::Values("1010_0200_882_96005E0001_PROD.swidtag",
                                           "1010_0200_882_96005E0001_test_no_gpu.swidtag",
                                           "1010_0205_862_9600740020_PROD.swidtag",
                                           "Driver_RIM_test_no_gpu.swidtag",
                                           "g520_0200_885_9600740001_PROD.swidtag"));

TEST(RimVerifier, ExpiredDriverRimWithSignatureCheckOff) {
  // NVIDIA's upstream test disables the signature check for this edited RIM and expects
  // cert status "expired".
  LOAD_RIM(xml, "nvat_sdk/rims/NV_GPU_DRIVER_GH100_570.124.03_expired.xml");
  auto o = options_at(xml_root, kToday);
  o.verify_signature = false;
  o.expected_version = "570.124.03";
  const RimAppraisal a = verify_rim(as_bytes(xml), o);
  EXPECT_EQ(outcome(a, kCheckRimSignatureVerified), CheckOutcome::kSkip) << dump(a);
  EXPECT_EQ(a.cert_chain.status, RimCertStatus::kExpired);
  EXPECT_EQ(outcome(a, kCheckRimVersionMatch), CheckOutcome::kPass);
  // Inside its one-day window (2025-01-01..02) the chain is valid; the digest never is.
  o.now = kJan2025Noon;
  o.verify_signature = true;
  const RimAppraisal in_window = verify_rim(as_bytes(xml), o);
  EXPECT_EQ(in_window.cert_chain.status, RimCertStatus::kValid) << dump(in_window);
  EXPECT_EQ(outcome(in_window, kCheckRimSignatureVerified), CheckOutcome::kFail);
}

TEST(RimVerifier, MeasurementMismatchVbiosRimIsGenuineButExpiredToday) {
  LOAD_RIM(xml, "nvat_sdk/rims/NV_GPU_VBIOS_1010_0200_882_96005E0001_measurement_mismatch.xml");
  const RimAppraisal then =
      verify_rim(as_bytes(xml), options_at(xml_root, 1735689600));  // 2025-01-01
  EXPECT_TRUE(then.passed()) << dump(then);
  const RimAppraisal today = verify_rim(as_bytes(xml), options_at(xml_root, kToday));
  EXPECT_EQ(today.cert_chain.status, RimCertStatus::kExpired);
}

TEST(RimVerifier, SwitchBiosRimIsValidToday) {
  LOAD_RIM(xml, "nvat_sdk/switch/NV_SWITCH_BIOS_5612_0002_890_9610550001.xml");
  auto o = options_at(xml_root, kToday);
  o.expected_version = "96.10.55.00.01";
  const RimAppraisal a = verify_rim(as_bytes(xml), o);
  EXPECT_TRUE(a.passed()) << dump(a);
  EXPECT_EQ(a.cert_chain.status, RimCertStatus::kValid);
}

TEST(RimVerifier, GarbageFailsTheSchemaCheckAndSkipsTheRest) {
  CLLM_REQUIRE_SHARED_FILE(root_path, kRoot);
  const RimAppraisal a =
      verify_rim(as_bytes("<SoftwareIdentity"), options_at(load_cert(root_path), kToday));
  EXPECT_EQ(outcome(a, kCheckRimSchemaValidated), CheckOutcome::kFail);
  EXPECT_EQ(outcome(a, kCheckRimSignatureVerified), CheckOutcome::kSkip);
  EXPECT_EQ(outcome(a, kCheckRimCertChainValidated), CheckOutcome::kSkip);
  EXPECT_EQ(outcome(a, kCheckRimVersionMatch), CheckOutcome::kSkip);
  EXPECT_FALSE(a.document.has_value());
}

// The simulator's path: a RIM signed with sign_enveloped under our own three-level PKI.
struct SimPki {
  crypto::EcdsaPrivateKey root_key =
      crypto::EcdsaPrivateKey::generate(crypto::EcCurve::kP384).value();
  crypto::EcdsaPrivateKey ca_key =
      crypto::EcdsaPrivateKey::generate(crypto::EcCurve::kP384).value();
  crypto::EcdsaPrivateKey leaf_key =
      crypto::EcdsaPrivateKey::generate(crypto::EcCurve::kP384).value();
  std::vector<crypto::Certificate> chain;  // leaf, ca, root
};

crypto::Certificate sim_issue(const std::string& cn, const crypto::EcdsaPublicKey& subject,
                              const crypto::Certificate* issuer,
                              const crypto::EcdsaPrivateKey& issuer_key, bool ca,
                              std::int64_t not_before, std::int64_t not_after) {
  crypto::CertificateSpec spec;
  spec.subject = {{"CN", cn}, {"O", "cllm simulator"}};
  spec.serial = crypto::random_serial().value();
  spec.not_before = not_before;
  spec.not_after = not_after;
  spec.basic_constraints =
      ca ? crypto::BasicConstraints::kCa : crypto::BasicConstraints::kEndEntity;
  spec.key_usage = ca ? "critical,keyCertSign,cRLSign" : "critical,digitalSignature";
  spec.signature_hash = crypto::HashAlgorithm::kSha384;
  return crypto::issue_certificate(spec, subject, issuer, issuer_key).value();
}

SimPki make_sim_pki(std::int64_t leaf_not_after) {
  SimPki p;
  auto root = sim_issue("Sim CoRIM Root", p.root_key.public_key(), nullptr, p.root_key, true,
                        1700000000, 2100000000);
  auto ca = sim_issue("Sim Reference Value CA", p.ca_key.public_key(), &root, p.root_key, true,
                      1700000000, 2000000000);
  auto leaf = sim_issue("Sim RIM Signer", p.leaf_key.public_key(), &ca, p.ca_key, false, 1700000000,
                        leaf_not_after);
  p.chain = {leaf, ca, root};
  return p;
}

const char* kSimRim =
    R"(<SoftwareIdentity xmlns="http://standards.iso.org/iso/19770/-2/2015/schema.xsd" )"
    R"(xmlns:ns2="http://www.w3.org/2001/04/xmlenc#sha384" name="GH100" tagId="t" version="1.0">)"
    R"(<Meta colloquialVersion="550.144.03" product="GH100"/><Payload>)"
    R"(<Resource type="Measurement" index="7" active="True" alternatives="1" size="48" ns2:Hash0=")"
    "0000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000"
    "07"
    R"("/></Payload></SoftwareIdentity>)";

TEST(RimVerifier, SimulatorSignedRimVerifiesUnderItsOwnRootOnly) {
  SimPki pki = make_sim_pki(1900000000);
  auto xml = sign_enveloped(as_bytes(kSimRim), pki.leaf_key, pki.chain);
  ASSERT_TRUE(xml.ok()) << xml.error().message();
  auto o = options_at(pki.chain[2], kToday);
  o.expected_version = "550.144.03";
  const RimAppraisal a = verify_rim(as_bytes(*xml), o);
  EXPECT_TRUE(a.passed()) << dump(a);
  EXPECT_EQ(a.cert_chain.earliest_expiry, 1900000000);
  // Under NVIDIA's root it is invalid, however well signed.
  CLLM_REQUIRE_SHARED_FILE(root_path, kRoot);
  const RimAppraisal nvidia = verify_rim(as_bytes(*xml), options_at(load_cert(root_path), kToday));
  EXPECT_EQ(nvidia.cert_chain.status, RimCertStatus::kInvalid);
  EXPECT_EQ(outcome(nvidia, kCheckRimSignatureVerified), CheckOutcome::kPass);
  // Without the intermediate in X509Data the chain cannot be built.
  std::vector<crypto::Certificate> gap{pki.chain[0], pki.chain[2]};
  auto gapped = sign_enveloped(as_bytes(kSimRim), pki.leaf_key, gap);
  ASSERT_TRUE(gapped.ok());
  EXPECT_EQ(verify_rim(as_bytes(*gapped), options_at(pki.chain[2], kToday)).cert_chain.status,
            RimCertStatus::kInvalid);
}

TEST(RimVerifier, SimulatorRimWithExpiredSignerIsExpired) {
  SimPki pki = make_sim_pki(1750000000);  // 2025-06-15
  auto xml = sign_enveloped(as_bytes(kSimRim), pki.leaf_key, pki.chain);
  ASSERT_TRUE(xml.ok());
  const RimAppraisal a = verify_rim(as_bytes(*xml), options_at(pki.chain[2], kToday));
  EXPECT_EQ(a.cert_chain.status, RimCertStatus::kExpired) << dump(a);
  EXPECT_EQ(a.cert_chain.earliest_expiry, 1750000000);
  EXPECT_EQ(verify_rim(as_bytes(*xml), options_at(pki.chain[2], 1740000000)).cert_chain.status,
            RimCertStatus::kValid);
  // Before the chain's start it is not "expired" but invalid.
  EXPECT_EQ(verify_rim(as_bytes(*xml), options_at(pki.chain[2], 1600000000)).cert_chain.status,
            RimCertStatus::kInvalid);
}

TEST(RimVerifier, StatusNames) {
  EXPECT_EQ(rim_cert_status_name(RimCertStatus::kValid), "valid");
  EXPECT_EQ(rim_cert_status_name(RimCertStatus::kExpired), "expired");
  EXPECT_EQ(rim_cert_status_name(RimCertStatus::kInvalid), "invalid");
}

}  // namespace
}  // namespace cllm::gpu
