// The GPU simulator's PKI: the shape of its device chains (names, key usages, SHA-384, the
// Hopper FWID extension and NVIDIA SAN), that they verify under the simulator root with the
// real chain verifier, file modes, persistence across reopen, and refusal of mixed-up files.
#include "cllm/gpu/sim_gpu_pki.hpp"

#include <gtest/gtest.h>
#include <openssl/objects.h>
#include <openssl/x509v3.h>
#include <sys/stat.h>

#include <filesystem>
#include <string>

#include "cllm/common/clock.hpp"
#include "cllm/crypto/x509.hpp"
#include "cllm/gpu/device_chain.hpp"
#include "support/temp_dir.hpp"

namespace cllm::gpu {
namespace {

constexpr std::int64_t kNow = 1767225600;  // 2026-01-01T00:00:00Z

unsigned mode_of(const std::string& path) {
  struct stat st {};
  EXPECT_EQ(::stat(path.c_str(), &st), 0) << path;
  return st.st_mode & 0777;
}

std::string signature_algorithm(const crypto::Certificate& cert) {
  return OBJ_nid2sn(X509_get_signature_nid(cert.get()));
}

class SimGpuPkiTest : public ::testing::Test {
 protected:
  SimGpuPki open() {
    SimGpuPkiOptions options;
    options.dir = dir_.path() + "/sim/gpu";
    options.clock = &clock_;
    auto pki = SimGpuPki::open(options);
    EXPECT_TRUE(pki.ok()) << pki.error().message();
    return std::move(pki).value();
  }

  test::TempDir dir_{"cllm-gpu-pki"};
  FixedClock clock_ = FixedClock::at_unix(kNow);
};

TEST_F(SimGpuPkiTest, DeviceChainsAreShapedLikeHoppersAndVerifyUnderTheSimulatorRoot) {
  SimGpuPki pki = open();
  EXPECT_EQ(pki.device_root().subject_common_name(), kSimDeviceRootCaName);
  for (std::size_t i = 0; i < kSimMaxGpus; ++i) {
    const SimGpuIdentity& gpu = pki.gpu(i);
    auto chain = parse_device_chain(gpu.chain_pem);
    ASSERT_TRUE(chain.ok()) << chain.error().message();
    ASSERT_EQ(chain->size(), 5u);
    EXPECT_EQ((*chain)[0].der(), gpu.leaf.der());
    EXPECT_EQ((*chain)[1].der(), gpu.brom.der());
    EXPECT_EQ((*chain)[4].der(), pki.device_root().der());
    EXPECT_EQ((*chain)[0].subject_common_name(), kSimLeafName);
    EXPECT_EQ((*chain)[1].subject_common_name(), kSimBromName);
    for (const auto& cert : *chain) {
      // Every name says it is simulated; nothing claims to be NVIDIA's.
      EXPECT_NE(cert.subject_common_name().find("cllm Simulated"), std::string::npos)
          << cert.subject();
      EXPECT_EQ(signature_algorithm(cert), "ecdsa-with-SHA384") << cert.subject();
      auto curve = cert.ecdsa_curve();
      ASSERT_TRUE(curve.ok());
      EXPECT_EQ(*curve, crypto::EcCurve::kP384);
      EXPECT_EQ(cert.not_after(), 253402300799) << "device certificates never expire";
    }
    // The leaf: digitalSignature only, no basicConstraints, the attestation key's cert.
    X509* leaf = gpu.leaf.get();
    EXPECT_EQ(X509_get_extension_flags(leaf) & EXFLAG_BCONS, 0u);
    EXPECT_EQ(X509_get_key_usage(leaf), static_cast<std::uint32_t>(KU_DIGITAL_SIGNATURE));
    EXPECT_EQ(EVP_PKEY_eq(gpu.leaf.public_key(), gpu.attestation_key.pkey()), 1);
    // The BROM certificate signs only certificates.
    EXPECT_EQ(X509_check_ca(gpu.brom.get()), 1);
    EXPECT_EQ(X509_get_key_usage(gpu.brom.get()), static_cast<std::uint32_t>(KU_KEY_CERT_SIGN));
    // The FWID the real parser finds in the leaf is the simulated firmware's.
    auto fwid = leaf_fwid(gpu.leaf, GpuArch::kHopper);
    ASSERT_TRUE(fwid.ok()) << fwid.error().message();
    ASSERT_TRUE(fwid->has_value());
    EXPECT_EQ(**fwid, sim_gsp_fmc_fwid());
    auto ext = gpu.leaf.extension(kHopperFwidExtensionOid);
    ASSERT_TRUE(ext.ok());
    EXPECT_EQ(Bytes(ext->end() - 48, ext->end()), sim_gsp_fmc_fwid());
    // SAN otherName NVIDIA:GH100:<PDI>.
    auto san = gpu.leaf.extension("2.5.29.17");
    ASSERT_TRUE(san.ok());
    const std::string san_text(san->begin(), san->end());
    EXPECT_NE(san_text.find("NVIDIA:GH100:"), std::string::npos);
    EXPECT_EQ(gpu.pdi.size(), 8u);

    const DeviceChainAppraisal appraisal = verify_device_chain(*chain, pki.device_root(), kNow);
    EXPECT_EQ(appraisal.status, CertStatus::kValid) << appraisal.detail;
    EXPECT_TRUE(appraisal.supplied_root_matches_anchor);
    // Strict RFC 5280 profile checks too.
    crypto::ChainVerifyOptions strict;
    strict.at_time = kNow;
    auto verified = crypto::verify_chain(*chain, pki.device_root(), strict);
    EXPECT_TRUE(verified.ok()) << verified.error().message();
  }
  // Each GPU has its own identity.
  EXPECT_NE(pki.gpu(0).leaf.der(), pki.gpu(1).leaf.der());
  EXPECT_NE(pki.gpu(0).pdi, pki.gpu(1).pdi);
  EXPECT_EQ(pki.switch_pdis().size(), kSimSwitchCount);
}

TEST_F(SimGpuPkiTest, ARealNvidiaRootDoesNotAcceptSimulatedChains) {
  SimGpuPki pki = open();
  SimGpuPkiOptions other_options;
  other_options.dir = dir_.path() + "/other";
  other_options.clock = &clock_;
  auto other = SimGpuPki::open(other_options);
  ASSERT_TRUE(other.ok());
  auto chain = parse_device_chain(pki.gpu(0).chain_pem);
  ASSERT_TRUE(chain.ok());
  EXPECT_EQ(verify_device_chain(*chain, other->device_root(), kNow).status, CertStatus::kInvalid);
}

TEST_F(SimGpuPkiTest, RimSignerChainVerifiesUnderTheRimRoot) {
  SimGpuPki pki = open();
  const auto& chain = pki.rim_signer_chain();
  ASSERT_EQ(chain.size(), 4u);
  EXPECT_EQ(chain[3].subject_common_name(), kSimRimRootCaName);
  EXPECT_EQ(chain[3].der(), pki.rim_root().der());
  EXPECT_EQ(EVP_PKEY_eq(chain[0].public_key(), pki.rim_signing_key().pkey()), 1);
  EXPECT_EQ(X509_check_ca(chain[0].get()), 0);
  crypto::ChainVerifyOptions options;
  options.at_time = kNow;
  auto verified = crypto::verify_chain(chain, pki.rim_root(), options);
  EXPECT_TRUE(verified.ok()) << verified.error().message();
  // Not under the device root: the two PKIs are separate.
  EXPECT_FALSE(crypto::verify_chain(chain, pki.device_root(), options).ok());
}

TEST_F(SimGpuPkiTest, FilesArePrivateAndKeysPersistAcrossReopen) {
  SimGpuPki first = open();
  const std::string dir = dir_.path() + "/sim/gpu";
  EXPECT_EQ(mode_of(dir), 0700u);
  std::size_t files = 0;
  for (const auto& entry : std::filesystem::directory_iterator(dir)) {
    EXPECT_EQ(mode_of(entry.path().string()), 0600u) << entry.path();
    ++files;
  }
  EXPECT_EQ(files, 1u + 1u + 7u + 2u * kSimMaxGpus);  // keys, pki.json, CA/RIM PEMs, GPUs

  clock_.advance(std::chrono::hours(1));
  SimGpuPki second = open();
  EXPECT_EQ(second.device_root().der(), first.device_root().der());
  EXPECT_EQ(second.rim_root().der(), first.rim_root().der());
  EXPECT_EQ(second.switch_pdis(), first.switch_pdis());
  for (std::size_t i = 0; i < kSimMaxGpus; ++i) {
    EXPECT_EQ(second.gpu(i).chain_pem, first.gpu(i).chain_pem);
    EXPECT_EQ(second.gpu(i).pdi, first.gpu(i).pdi);
    EXPECT_EQ(second.gpu(i).attestation_key.public_key().to_sec1(),
              first.gpu(i).attestation_key.public_key().to_sec1());
  }
  EXPECT_EQ(second.rim_signing_key().public_key().to_sec1(),
            first.rim_signing_key().public_key().to_sec1());
}

TEST_F(SimGpuPkiTest, MixedUpFilesAreRefused) {
  { SimGpuPki pki = open(); }
  const std::string dir = dir_.path() + "/sim/gpu";
  std::filesystem::copy_file(dir + "/gpu1_leaf.pem", dir + "/gpu0_leaf.pem",
                             std::filesystem::copy_options::overwrite_existing);
  SimGpuPkiOptions options;
  options.dir = dir;
  options.clock = &clock_;
  auto reopened = SimGpuPki::open(options);
  ASSERT_FALSE(reopened.ok());
  EXPECT_NE(reopened.error().message().find("gpu0_leaf.pem does not match its key"),
            std::string::npos)
      << reopened.error().message();
}

TEST_F(SimGpuPkiTest, ATruncatedKeyFileIsRefused) {
  { SimGpuPki pki = open(); }
  const std::string dir = dir_.path() + "/sim/gpu";
  std::filesystem::resize_file(dir + "/keys.bin", 100);
  SimGpuPkiOptions options;
  options.dir = dir;
  auto reopened = SimGpuPki::open(options);
  ASSERT_FALSE(reopened.ok());
  EXPECT_NE(reopened.error().message().find("keys.bin"), std::string::npos);
}

}  // namespace
}  // namespace cllm::gpu
