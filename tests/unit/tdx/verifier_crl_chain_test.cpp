// The verifier's CRL and chain-shape checks (note §2 steps 2, 3, 5, 6) on simulator evidence
// with hand-made CRLs and certificates: each check must fail when its condition is broken,
// naming the check, and the same hand-made material must pass when it is well formed.
#include <gtest/gtest.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>
#include <stdlib.h>

#include <filesystem>
#include <string>
#include <vector>

#include "cllm/common/file.hpp"
#include "cllm/crypto/x509_ptr.hpp"
#include "cllm/tdx/intel_root_ca.hpp"
#include "cllm/tdx/pck_extension.hpp"
#include "cllm/tdx/sim_pki.hpp"
#include "cllm/tdx/sim_platform.hpp"
#include "cllm/tdx/sim_quote.hpp"
#include "cllm/tdx/verifier.hpp"
#include "support/temp_dir.hpp"

namespace cllm::tdx {
namespace {

constexpr std::int64_t kNow = 1767225600;  // 2026-01-01T00:00:00Z
constexpr std::int64_t kDay = 86400;

std::string joined(const std::vector<std::string>& lines) {
  std::string out;
  for (const auto& line : lines)
    out += "\n  " + line;
  return out;
}

// The error of `check`, or "" when there is none.
std::string error_of(const VerificationResult& r, std::string_view check) {
  for (const auto& e : r.errors) {
    if (e.rfind(std::string(check) + ":", 0) == 0) return e;
  }
  return {};
}

struct CrlSpec {
  std::vector<Bytes> revoked = {};  // serials
  bool crl_number = true;
  bool aki = true;
  const crypto::Certificate* aki_from = nullptr;  // default: the issuer
  bool idp = false;                               // add an issuing distribution point
};

// A CRL in issuer's name signed with key; DER.
Bytes make_crl(const crypto::Certificate& issuer, const crypto::EcdsaPrivateKey& key,
               const CrlSpec& spec) {
  crypto::X509CrlPtr crl(X509_CRL_new());
  EXPECT_EQ(X509_CRL_set_version(crl.get(), 1), 1);
  X509_CRL_set_issuer_name(crl.get(), X509_get_subject_name(issuer.get()));
  ASN1_TIME* t = ASN1_TIME_set(nullptr, static_cast<time_t>(kNow - kDay));
  X509_CRL_set1_lastUpdate(crl.get(), t);
  ASN1_TIME_set(t, static_cast<time_t>(kNow + 20 * kDay));
  X509_CRL_set1_nextUpdate(crl.get(), t);
  for (const Bytes& serial : spec.revoked) {
    X509_REVOKED* entry = X509_REVOKED_new();
    crypto::BignumPtr bn(BN_bin2bn(serial.data(), static_cast<int>(serial.size()), nullptr));
    crypto::Asn1IntegerPtr ai(BN_to_ASN1_INTEGER(bn.get(), nullptr));
    X509_REVOKED_set_serialNumber(entry, ai.get());
    ASN1_TIME_set(t, static_cast<time_t>(kNow - kDay));
    X509_REVOKED_set_revocationDate(entry, t);
    X509_CRL_add0_revoked(crl.get(), entry);
  }
  ASN1_TIME_free(t);
  X509_CRL_sort(crl.get());
  if (spec.aki) {
    X509V3_CTX ctx;
    X509V3_set_ctx_nodb(&ctx);
    X509V3_set_ctx(&ctx, spec.aki_from ? spec.aki_from->get() : issuer.get(), nullptr, nullptr,
                   crl.get(), 0);
    X509_EXTENSION* aki =
        X509V3_EXT_nconf_nid(nullptr, &ctx, NID_authority_key_identifier, "keyid:always");
    EXPECT_NE(aki, nullptr);
    X509_CRL_add_ext(crl.get(), aki, -1);
    X509_EXTENSION_free(aki);
  }
  if (spec.crl_number) {
    crypto::Asn1IntegerPtr number(ASN1_INTEGER_new());
    ASN1_INTEGER_set(number.get(), 7);
    X509_CRL_add1_ext_i2d(crl.get(), NID_crl_number, number.get(), 0, 0);
  }
  if (spec.idp) {
    ISSUING_DIST_POINT* idp = ISSUING_DIST_POINT_new();
    idp->onlyuser = 0xFF;  // a CRL that covers end-entity certificates only
    EXPECT_EQ(X509_CRL_add1_ext_i2d(crl.get(), NID_issuing_distribution_point, idp, 1, 0), 1);
    ISSUING_DIST_POINT_free(idp);
  }
  EXPECT_GT(X509_CRL_sign(crl.get(), key.pkey(), EVP_sha256()), 0);
  const int len = i2d_X509_CRL(crl.get(), nullptr);
  Bytes der(static_cast<std::size_t>(len));
  unsigned char* p = der.data();
  i2d_X509_CRL(crl.get(), &p);
  return der;
}

std::string pem(const crypto::Certificate& cert) {
  auto text = certificate_pem(cert);
  EXPECT_TRUE(text.ok());
  return text.ok() ? *text : std::string();
}

class VerifierCrlChainTest : public ::testing::Test {
 protected:
  void SetUp() override {
    SimPlatformOptions options;
    options.dir = dir_.path() + "/platform";
    options.clock = &clock_;
    auto platform = SimPlatform::open(options);
    ASSERT_TRUE(platform.ok()) << platform.error().message();
    platform_ = std::make_unique<SimPlatform>(std::move(platform).value());
    // keys.bin: root, PCK CA, PCK, TCB signing, attestation key; 32-byte scalars.
    auto keys = read_file(platform_->dir() + "/keys.bin");
    ASSERT_TRUE(keys.ok());
    ASSERT_EQ(keys->size(), 5u * 32);
    for (std::size_t i = 0; i < 5; ++i) {
      auto key = crypto::EcdsaPrivateKey::from_scalar(crypto::EcCurve::kP256,
                                                      ByteView(keys->data() + 32 * i, 32));
      ASSERT_TRUE(key.ok());
      keys_.push_back(std::move(key).value());
    }
    auto quote = make_sim_quote(*platform_, SimQuoteRequest{});
    ASSERT_TRUE(quote.ok()) << quote.error().message();
    quote_ = std::move(quote).value();
  }

  const crypto::EcdsaPrivateKey& root_key() const { return keys_[0]; }
  const crypto::EcdsaPrivateKey& pck_ca_key() const { return keys_[1]; }
  const crypto::Certificate& root() const { return platform_->root_certificate(); }
  const crypto::Certificate& pck_ca() const { return platform_->pck_ca_certificate(); }

  VerificationResult verify(const Collateral& collateral) {
    auto intel = crypto::Certificate::from_der(intel_sgx_root_ca_der());
    EXPECT_TRUE(intel.ok());
    DcapVerifier verifier(*intel, {platform_->root_certificate()});
    auto result = verifier.verify(quote_, collateral, kNow);
    EXPECT_TRUE(result.ok()) << (result.ok() ? "" : result.error().message());
    return result.ok() ? *result : VerificationResult{};
  }

  // A CA certificate with the PCK CA's name but its own key (a "re-keyed" CA).
  crypto::Certificate twin_pck_ca(const crypto::EcdsaPrivateKey& key,
                                  std::string name = std::string(kSimPckCaName)) {
    SimCertificateSpec spec;
    spec.common_name = std::move(name);
    spec.serial = Bytes{0x01, 0x23, 0x45};
    spec.not_before = kNow - 10 * kDay;
    spec.not_after = kNow + 365 * kDay;
    spec.is_ca = true;
    spec.path_length = 0;
    spec.key_usage = SimKeyUsage::kCa;
    auto cert = issue_certificate(spec, key.public_key(), &root(), root_key());
    EXPECT_TRUE(cert.ok()) << (cert.ok() ? "" : cert.error().message());
    return std::move(cert).value();
  }

  // The platform's PCK leaf re-issued by issuer with a changed SGX extension (same key, so
  // the quote's QE report signature still verifies).
  crypto::Certificate reissue_leaf(const crypto::Certificate& issuer,
                                   const crypto::EcdsaPrivateKey& issuer_key,
                                   const PckExtension& extension) {
    SimCertificateSpec spec;
    spec.common_name = std::string(kSimPckName);
    spec.serial = Bytes{0x05, 0x06};
    spec.not_before = kNow - 10 * kDay;
    spec.not_after = kNow + 365 * kDay;
    spec.key_usage = SimKeyUsage::kLeaf;
    spec.custom_extension_oid = "1.2.840.113741.1.13.1";
    spec.custom_extension_value = encode_pck_extension(extension);
    auto cert = issue_certificate(spec, platform_->pck_key().public_key(), &issuer, issuer_key);
    EXPECT_TRUE(cert.ok()) << (cert.ok() ? "" : cert.error().message());
    return std::move(cert).value();
  }

  PckExtension extension() const {
    auto ext = pck_extension_of(platform_->pck_certificate());
    EXPECT_TRUE(ext.ok());
    return ext.ok() ? *ext : PckExtension{};
  }

  test::TempDir dir_{"cllm-verifier-crl-test"};
  FixedClock clock_ = FixedClock::at_unix(kNow);
  std::unique_ptr<SimPlatform> platform_;
  std::vector<crypto::EcdsaPrivateKey> keys_;
  Bytes quote_;
};

TEST_F(VerifierCrlChainTest, WellFormedHandMadeCrlsVerify) {
  Collateral c = platform_->collateral();
  c.root_ca_crl = make_crl(root(), root_key(), {});
  c.pck_crl = make_crl(pck_ca(), pck_ca_key(), {});
  const VerificationResult r = verify(c);
  EXPECT_TRUE(r.verified) << joined(r.errors);
}

TEST_F(VerifierCrlChainTest, CrlWithoutAuthorityKeyIdentifierIsRejected) {
  Collateral c = platform_->collateral();
  c.root_ca_crl = make_crl(root(), root_key(), {.aki = false});
  const VerificationResult r = verify(c);
  EXPECT_FALSE(r.verified);
  EXPECT_NE(error_of(r, "root_ca_crl").find("no Authority Key Identifier"), std::string::npos)
      << joined(r.errors);
}

TEST_F(VerifierCrlChainTest, CrlWithoutCrlNumberIsRejected) {
  Collateral c = platform_->collateral();
  c.pck_crl = make_crl(pck_ca(), pck_ca_key(), {.crl_number = false});
  const VerificationResult r = verify(c);
  EXPECT_FALSE(r.verified);
  EXPECT_NE(error_of(r, "pck_crl").find("no CRL Number"), std::string::npos) << joined(r.errors);
}

TEST_F(VerifierCrlChainTest, CrlAuthorityKeyIdentifierMustNameTheIssuersKey) {
  // Signed by the real PCK CA key, but its AKI names a re-keyed CA of the same name.
  auto other_key = crypto::EcdsaPrivateKey::generate(crypto::EcCurve::kP256);
  ASSERT_TRUE(other_key.ok());
  const crypto::Certificate twin = twin_pck_ca(*other_key);
  Collateral c = platform_->collateral();
  c.pck_crl = make_crl(pck_ca(), pck_ca_key(), {.aki_from = &twin});
  const VerificationResult r = verify(c);
  EXPECT_FALSE(r.verified);
  EXPECT_NE(error_of(r, "pck_crl").find("authority key identifier"), std::string::npos)
      << joined(r.errors);
}

TEST_F(VerifierCrlChainTest, CrlSignedByAReKeyedCaOfTheSameNameIsRejected) {
  auto other_key = crypto::EcdsaPrivateKey::generate(crypto::EcCurve::kP256);
  ASSERT_TRUE(other_key.ok());
  const crypto::Certificate twin = twin_pck_ca(*other_key);
  Collateral c = platform_->collateral();
  c.pck_crl = make_crl(twin, *other_key, {});  // the issuer chain still holds the real CA
  const VerificationResult r = verify(c);
  EXPECT_FALSE(r.verified);
  EXPECT_NE(error_of(r, "pck_crl").find("signature does not verify"), std::string::npos)
      << joined(r.errors);
}

TEST_F(VerifierCrlChainTest, PartitionedCrlIsRejected) {
  Collateral c = platform_->collateral();
  c.pck_crl = make_crl(pck_ca(), pck_ca_key(), {.idp = true});
  const VerificationResult r = verify(c);
  EXPECT_FALSE(r.verified);
  EXPECT_NE(error_of(r, "pck_crl").find("issuing distribution point"), std::string::npos)
      << joined(r.errors);
}

TEST_F(VerifierCrlChainTest, RevokedPckLeafIsRejected) {
  Collateral c = platform_->collateral();
  c.pck_crl =
      make_crl(pck_ca(), pck_ca_key(), {.revoked = {platform_->pck_certificate().serial()}});
  const VerificationResult r = verify(c);
  EXPECT_FALSE(r.verified);
  EXPECT_NE(error_of(r, "pck_chain").find("is revoked"), std::string::npos) << joined(r.errors);
  EXPECT_TRUE(error_of(r, "pck_crl_chain").empty()) << joined(r.errors);
}

TEST_F(VerifierCrlChainTest, RevokedPckCaIsRejectedInBothChains) {
  Collateral c = platform_->collateral();
  c.root_ca_crl = make_crl(root(), root_key(), {.revoked = {pck_ca().serial()}});
  const VerificationResult r = verify(c);
  EXPECT_FALSE(r.verified);
  EXPECT_NE(error_of(r, "pck_crl_chain").find("is revoked"), std::string::npos) << joined(r.errors);
  EXPECT_NE(error_of(r, "pck_chain").find("is revoked"), std::string::npos) << joined(r.errors);
  EXPECT_TRUE(error_of(r, "tcb_info_chain").empty()) << joined(r.errors);
}

TEST_F(VerifierCrlChainTest, RevokedTcbSigningCertificateIsRejected) {
  Collateral c = platform_->collateral();
  c.root_ca_crl =
      make_crl(root(), root_key(), {.revoked = {platform_->tcb_signing_certificate().serial()}});
  const VerificationResult r = verify(c);
  EXPECT_FALSE(r.verified);
  EXPECT_NE(error_of(r, "tcb_info_chain").find("is revoked"), std::string::npos)
      << joined(r.errors);
  EXPECT_NE(error_of(r, "qe_identity_chain").find("is revoked"), std::string::npos)
      << joined(r.errors);
}

TEST_F(VerifierCrlChainTest, PckCrlMustVerifyWithTheLeafsOwnCa) {
  // The quote's chain: leaf <- a re-keyed CA with the PCK CA's name <- root. The collateral's
  // PCK CRL (from the real CA) has the right issuer name but not that CA's key.
  auto other_key = crypto::EcdsaPrivateKey::generate(crypto::EcCurve::kP256);
  ASSERT_TRUE(other_key.ok());
  const crypto::Certificate twin = twin_pck_ca(*other_key);
  const crypto::Certificate leaf = reissue_leaf(twin, *other_key, extension());
  Collateral c = platform_->collateral();
  c.pck_certificate_chain = pem(leaf) + pem(twin) + pem(root());
  const VerificationResult r = verify(c);
  EXPECT_FALSE(r.verified);
  EXPECT_NE(error_of(r, "pck_chain").find("no valid CRL"), std::string::npos) << joined(r.errors);

  // With a CRL from that CA in the collateral (and it as the CRL's issuer), it verifies.
  c.pck_crl = make_crl(twin, *other_key, {});
  c.pck_crl_issuer_chain = pem(twin) + pem(root());
  const VerificationResult ok = verify(c);
  EXPECT_TRUE(ok.verified) << joined(ok.errors);
}

TEST_F(VerifierCrlChainTest, PckIntermediateMustBeACa) {
  auto other_key = crypto::EcdsaPrivateKey::generate(crypto::EcCurve::kP256);
  ASSERT_TRUE(other_key.ok());
  const crypto::Certificate odd = twin_pck_ca(*other_key, "cllm Simulated SGX PCK Platform");
  const crypto::Certificate leaf = reissue_leaf(odd, *other_key, extension());
  Collateral c = platform_->collateral();
  c.pck_certificate_chain = pem(leaf) + pem(odd) + pem(root());
  c.pck_crl = make_crl(odd, *other_key, {});
  c.pck_crl_issuer_chain = pem(odd) + pem(root());
  const VerificationResult r = verify(c);
  EXPECT_FALSE(r.verified);
  EXPECT_NE(error_of(r, "pck_chain").find("is not a PCK CA"), std::string::npos)
      << joined(r.errors);
}

TEST_F(VerifierCrlChainTest, TcbSigningChainMustBeSignerAndRoot) {
  // root <- an intermediate CA <- a TCB signing certificate: a valid chain, but not the
  // shape QVL accepts for TCB info and QE identity signers.
  auto ca_key = crypto::EcdsaPrivateKey::generate(crypto::EcCurve::kP256);
  auto signer_key = crypto::EcdsaPrivateKey::generate(crypto::EcCurve::kP256);
  ASSERT_TRUE(ca_key.ok() && signer_key.ok());
  const crypto::Certificate ca = twin_pck_ca(*ca_key, "cllm Test Intermediate CA");
  SimCertificateSpec spec;
  spec.common_name = std::string(kSimTcbSigningName);
  spec.serial = Bytes{0x07};
  spec.not_before = kNow - 10 * kDay;
  spec.not_after = kNow + 365 * kDay;
  auto signer = issue_certificate(spec, signer_key->public_key(), &ca, *ca_key);
  ASSERT_TRUE(signer.ok()) << signer.error().message();
  Collateral c = platform_->collateral();
  c.tcb_info_issuer_chain = pem(*signer) + pem(ca) + pem(root());
  auto sig = signer_key->sign(as_bytes(c.tcb_info));
  ASSERT_TRUE(sig.ok());
  c.tcb_info_signature = *sig;
  // The intermediate needs CRL coverage from the root CRL and its own CRL for the signer;
  // the shape check must fire regardless.
  const VerificationResult r = verify(c);
  EXPECT_FALSE(r.verified);
  EXPECT_NE(error_of(r, "tcb_info_chain").find("expected the signer and the root"),
            std::string::npos)
      << joined(r.errors);
  EXPECT_TRUE(error_of(r, "tcb_info_signature").empty()) << joined(r.errors);
}

TEST_F(VerifierCrlChainTest, PckComponentsMustEqualCpuSvn) {
  PckExtension ext = extension();
  ext.cpu_svn[0] ^= 0x01;  // components unchanged, CPUSVN octets differ
  const crypto::Certificate leaf = reissue_leaf(pck_ca(), pck_ca_key(), ext);
  Collateral c = platform_->collateral();
  c.pck_certificate_chain = pem(leaf) + pem(pck_ca()) + pem(root());
  const VerificationResult r = verify(c);
  EXPECT_FALSE(r.verified);
  EXPECT_NE(error_of(r, "pck_extension").find("differ from the CPUSVN"), std::string::npos)
      << joined(r.errors);

  // The same re-issued leaf with consistent values verifies (the test's leaf is sound).
  c.pck_certificate_chain =
      pem(reissue_leaf(pck_ca(), pck_ca_key(), extension())) + pem(pck_ca()) + pem(root());
  const VerificationResult ok = verify(c);
  EXPECT_TRUE(ok.verified) << joined(ok.errors);
}

}  // namespace
}  // namespace cllm::tdx
