// Device chains: tolerant PEM parsing with bounds, verification to one anchor without time
// checks (status and earliest notAfter reported instead), the leaf FWID for Hopper and
// Blackwell, ueid/hwmodel; and the pinned NVIDIA roots against the shared copies.
#include "cllm/gpu/device_chain.hpp"

#include <gtest/gtest.h>

#include "cllm/common/file.hpp"
#include "cllm/common/hex.hpp"
#include "cllm/crypto/hash.hpp"
#include "cllm/gpu/nvidia_roots.hpp"
#include "support/test_paths.hpp"

namespace cllm::gpu {
namespace {

constexpr std::int64_t kNow = 1795000000;  // 2026-11-18

std::string read_text(const std::string& path) {
  auto text = read_text_file(path);
  EXPECT_TRUE(text.ok()) << path;
  return text.ok() ? *text : std::string();
}

std::string sha256_hex(ByteView data) {
  auto digest = crypto::sha256(data);
  return digest.ok() ? to_hex(*digest) : std::string();
}

TEST(NvidiaRoots, MatchTheSharedCopiesAndProvenance) {
  CLLM_REQUIRE_SHARED_FILE(device_path, "testdata/nvidia/roots/nvidia_device_identity_ca.pem");
  CLLM_REQUIRE_SHARED_FILE(rim_path, "testdata/nvidia/roots/nvidia_corim_signing_root_ca.pem");
  CLLM_REQUIRE_SHARED_FILE(provenance_path, "testdata/nvidia/PROVENANCE.md");
  auto device_file = crypto::Certificate::from_pem(read_text(device_path));
  auto rim_file = crypto::Certificate::from_pem(read_text(rim_path));
  ASSERT_TRUE(device_file.ok() && rim_file.ok());
  EXPECT_EQ(nvidia_device_identity_ca().der(), device_file->der());
  EXPECT_EQ(nvidia_corim_signing_root_ca().der(), rim_file->der());
  EXPECT_EQ(sha256_hex(nvidia_device_identity_ca().der()), kNvidiaDeviceIdentityCaSha256);
  EXPECT_EQ(sha256_hex(nvidia_corim_signing_root_ca().der()), kNvidiaCorimSigningRootCaSha256);
  const std::string provenance = read_text(provenance_path);
  EXPECT_NE(provenance.find(kNvidiaDeviceIdentityCaSha256), std::string::npos);
  EXPECT_NE(provenance.find(kNvidiaCorimSigningRootCaSha256), std::string::npos);
  EXPECT_EQ(nvidia_device_identity_ca().subject_common_name(), "NVIDIA Device Identity CA");
  EXPECT_EQ(nvidia_corim_signing_root_ca().subject_common_name(), "NVIDIA CoRIM signing Root CA");
  EXPECT_EQ(nvidia_device_identity_ca_pem().substr(0, 27), "-----BEGIN CERTIFICATE-----");
  EXPECT_EQ(nvidia_corim_signing_root_ca_pem().substr(0, 27), "-----BEGIN CERTIFICATE-----");
}

class DeviceChainTest : public ::testing::Test {
 protected:
  std::string hopper_text_;
  std::string blackwell_text_;
  std::vector<crypto::Certificate> hopper_;
  std::vector<crypto::Certificate> blackwell_;

  void load(bool& ok) {
    ok = false;
    CLLM_REQUIRE_SHARED_FILE(hopper, "testdata/nvidia/nvtrust_local_verifier/hopperCertChain.txt");
    CLLM_REQUIRE_SHARED_FILE(blackwell,
                             "testdata/nvidia/nvat_sdk/gpu/blackwell_575.32_CertChain.txt");
    hopper_text_ = read_text(hopper);
    blackwell_text_ = read_text(blackwell);
    auto h = parse_device_chain(hopper_text_);
    auto b = parse_device_chain(blackwell_text_);
    ASSERT_TRUE(h.ok() && b.ok());
    hopper_ = *h;
    blackwell_ = *b;
    ok = true;
  }
};

#define LOAD_OR_SKIP()    \
  do {                    \
    bool loaded_ = false; \
    load(loaded_);        \
    if (!loaded_) return; \
  } while (false)

TEST_F(DeviceChainTest, ToleratesWhatDriversEmit) {
  LOAD_OR_SKIP();
  ASSERT_EQ(hopper_.size(), 5U);
  // No trailing newline (as stored), NUL padding, blank lines between blocks, CRLF.
  std::string padded = hopper_text_ + std::string(5, '\0');
  std::string spaced = hopper_text_;
  for (std::size_t at = spaced.find("-----END CERTIFICATE-----\n"); at != std::string::npos;
       at = spaced.find("-----END CERTIFICATE-----\n", at + 30)) {
    spaced.insert(at + 26, "\n\n");
  }
  for (const std::string& text : {padded, spaced, hopper_text_ + "\n"}) {
    auto chain = parse_device_chain(text);
    ASSERT_TRUE(chain.ok()) << chain.error().message();
    ASSERT_EQ(chain->size(), 5U);
    EXPECT_EQ(chain->front().der(), hopper_.front().der());
  }
}

TEST_F(DeviceChainTest, RejectsGarbageAndBoundsSizeAndCount) {
  LOAD_OR_SKIP();
  EXPECT_FALSE(parse_device_chain("").ok());
  EXPECT_FALSE(parse_device_chain("hello").ok());
  EXPECT_FALSE(parse_device_chain(hopper_text_ + "\ntrailing text").ok());
  const std::string leaf_pem = hopper_text_.substr(0, hopper_text_.find("-----BEGIN", 10));
  std::string nine;
  for (int i = 0; i < 9; ++i)
    nine += leaf_pem;
  auto too_many = parse_device_chain(nine);
  ASSERT_FALSE(too_many.ok());
  EXPECT_EQ(too_many.error().code(), ErrorCode::kLimit);
  auto too_big = parse_device_chain(hopper_text_ + std::string(kMaxDeviceChainPemSize, '\n'));
  ASSERT_FALSE(too_big.ok());
  EXPECT_EQ(too_big.error().code(), ErrorCode::kLimit);
}

TEST_F(DeviceChainTest, VerifiesToThePinnedRootWithoutTimeChecks) {
  LOAD_OR_SKIP();
  for (const auto* chain : {&hopper_, &blackwell_}) {
    const DeviceChainAppraisal a = verify_device_chain(*chain, nvidia_device_identity_ca(), kNow);
    EXPECT_EQ(a.status, CertStatus::kValid) << a.detail;
    EXPECT_TRUE(a.supplied_root_matches_anchor);
    EXPECT_EQ(a.earliest_not_after, 253402300799);  // 9999-12-31T23:59:59Z
  }
  // Long after every notAfter: still verified, but reported expired.
  const DeviceChainAppraisal late =
      verify_device_chain(hopper_, nvidia_device_identity_ca(), 253402300800);
  EXPECT_EQ(late.status, CertStatus::kExpired);
  EXPECT_EQ(cert_status_name(late.status), "expired");
  // Before the leaf was issued: no time check either.
  EXPECT_EQ(verify_device_chain(hopper_, nvidia_device_identity_ca(), 0).status,
            CertStatus::kValid);
  // Intermediates listed out of order: the path is still in issuing order.
  std::vector<crypto::Certificate> shuffled = hopper_;
  std::swap(shuffled[1], shuffled[3]);
  const DeviceChainAppraisal reordered =
      verify_device_chain(shuffled, nvidia_device_identity_ca(), kNow);
  ASSERT_EQ(reordered.status, CertStatus::kValid) << reordered.detail;
  ASSERT_EQ(reordered.path.size(), 5U);
  EXPECT_EQ(reordered.path[1].subject_common_name(), "GH100 A01 GSP BROM");
  EXPECT_EQ(reordered.path[4].der(), nvidia_device_identity_ca().der());
  // Without the supplied root copy.
  std::vector<crypto::Certificate> no_root(hopper_.begin(), hopper_.end() - 1);
  const DeviceChainAppraisal trimmed =
      verify_device_chain(no_root, nvidia_device_identity_ca(), kNow);
  EXPECT_EQ(trimmed.status, CertStatus::kValid) << trimmed.detail;
  EXPECT_FALSE(trimmed.supplied_root_matches_anchor);
}

TEST_F(DeviceChainTest, RejectsWrongAnchorMissingLinksAndStrayCertificates) {
  LOAD_OR_SKIP();
  const DeviceChainAppraisal wrong_anchor =
      verify_device_chain(hopper_, nvidia_corim_signing_root_ca(), kNow);
  EXPECT_EQ(wrong_anchor.status, CertStatus::kInvalid);
  EXPECT_FALSE(wrong_anchor.supplied_root_matches_anchor);
  EXPECT_NE(wrong_anchor.detail.find("chain verification failed"), std::string::npos)
      << wrong_anchor.detail;

  std::vector<crypto::Certificate> missing = hopper_;
  missing.erase(missing.begin() + 2);  // the provisioner ICA
  EXPECT_EQ(verify_device_chain(missing, nvidia_device_identity_ca(), kNow).status,
            CertStatus::kInvalid);

  std::vector<crypto::Certificate> stray = hopper_;
  stray.insert(stray.begin() + 2, blackwell_[2]);  // another family's ICA
  const DeviceChainAppraisal a = verify_device_chain(stray, nvidia_device_identity_ca(), kNow);
  EXPECT_EQ(a.status, CertStatus::kInvalid);
  EXPECT_NE(a.detail.find("not on the path"), std::string::npos) << a.detail;

  // A leaf from one device with another device's issuers.
  std::vector<crypto::Certificate> mixed = blackwell_;
  mixed[0] = hopper_[0];
  EXPECT_EQ(verify_device_chain(mixed, nvidia_device_identity_ca(), kNow).status,
            CertStatus::kInvalid);

  EXPECT_EQ(verify_device_chain(std::vector<crypto::Certificate>{hopper_[0]},
                                nvidia_device_identity_ca(), kNow)
                .status,
            CertStatus::kInvalid);
}

TEST_F(DeviceChainTest, LeafFwidPerArch) {
  LOAD_OR_SKIP();
  auto hopper = leaf_fwid(hopper_[0], GpuArch::kHopper);
  ASSERT_TRUE(hopper.ok()) << hopper.error().message();
  ASSERT_TRUE(hopper->has_value());
  EXPECT_EQ(to_hex(**hopper),
            "f5c384aebb579217a2c66b17ed0f28e6a9b8d639041acd7b4721cec004f7275494ba94bb5cdfdb3055ee"
            "051762b1f75d");
  auto blackwell = leaf_fwid(blackwell_[0], GpuArch::kBlackwell);
  ASSERT_TRUE(blackwell.ok()) << blackwell.error().message();
  ASSERT_TRUE(blackwell->has_value());
  EXPECT_EQ(to_hex(**blackwell),
            "d090cab1b6e6ffddca83d1781e25b3f040fa1f3c7608230cb5f41b1c1b99f5f748349e59d0ef8eb830c9"
            "bc79ccf77502");
  // The other family's extension is absent.
  auto none = leaf_fwid(hopper_[0], GpuArch::kBlackwell);
  ASSERT_TRUE(none.ok());
  EXPECT_FALSE(none->has_value());
  auto none2 = leaf_fwid(blackwell_[0], GpuArch::kHopper);
  ASSERT_TRUE(none2.ok());
  EXPECT_FALSE(none2->has_value());
}

TEST_F(DeviceChainTest, UeidAndHwmodel) {
  LOAD_OR_SKIP();
  EXPECT_EQ(leaf_ueid(hopper_[0]), "478176379286082186618948445787393647364802107249");
  EXPECT_EQ(leaf_ueid(blackwell_[0]), "474146966256510137525212816567191319424869109849");
  EXPECT_EQ(hopper_[1].subject_common_name(), "GH100 A01 GSP BROM");
}

TEST(BigEndianToDecimal, KnownValues) {
  EXPECT_EQ(big_endian_to_decimal({}), "0");
  EXPECT_EQ(big_endian_to_decimal(Bytes{0, 0}), "0");
  EXPECT_EQ(big_endian_to_decimal(Bytes{9}), "9");
  EXPECT_EQ(big_endian_to_decimal(Bytes{1, 0}), "256");
  EXPECT_EQ(big_endian_to_decimal(Bytes(8, 0xff)), "18446744073709551615");
  auto serial = from_hex("592ca97dbe569cf105a2af7787c854b504ddcfc4");
  ASSERT_TRUE(serial.ok());
  EXPECT_EQ(big_endian_to_decimal(*serial), "509096176156678437554566035365892618958504054724");
}

}  // namespace
}  // namespace cllm::gpu
