#include "cllm/tdx/pck_extension.hpp"

#include <gtest/gtest.h>

#include <string>

#include "cllm/common/file.hpp"
#include "cllm/common/hex.hpp"
#include "cllm/crypto/x509.hpp"
#include "support/test_paths.hpp"
#include "support/vectors.hpp"

namespace cllm::tdx {
namespace {

// The PCK leaf of the PEM chain embedded in a quote's certification data (type 5). Found by
// text search so this test does not depend on the quote parser.
Result<crypto::Certificate> pck_leaf_in(const std::string& path) {
  CLLM_ASSIGN_OR_RETURN(std::string text, read_text_file(path));
  const auto begin = text.find("-----BEGIN CERTIFICATE-----");
  const std::string end_marker = "-----END CERTIFICATE-----";
  const auto end = text.rfind(end_marker);
  if (begin == std::string::npos || end == std::string::npos) {
    return make_error(ErrorCode::kNotFound, "no PEM chain in " + path);
  }
  CLLM_ASSIGN_OR_RETURN(
      auto chain, crypto::parse_pem_chain(text.substr(begin, end + end_marker.size() - begin)));
  return chain.front();
}

struct RealCase {
  const char* file;
  const char* fmspc;
  const char* issuer_ca;
};

class PckExtensionRealTest : public ::testing::TestWithParam<RealCase> {};

TEST_P(PckExtensionRealTest, ParsesFmspcAndTcbAndReencodesExactly) {
  CLLM_REQUIRE_SHARED_FILE(path, GetParam().file);
  auto leaf = pck_leaf_in(path);
  ASSERT_TRUE(leaf.ok()) << leaf.error().message();
  EXPECT_NE(leaf->issuer().find(GetParam().issuer_ca), std::string::npos) << leaf->issuer();

  auto ext = pck_extension_of(*leaf);
  ASSERT_TRUE(ext.ok()) << ext.error().message();
  EXPECT_EQ(to_hex(ext->fmspc), GetParam().fmspc);
  EXPECT_EQ(ext->cpu_svn_components, ext->cpu_svn);
  EXPECT_EQ(ext->ppid.size(), 16u);
  EXPECT_EQ(to_hex(ext->pce_id), "0000");
  EXPECT_GT(ext->pce_svn, 0);
  const bool platform_ca = std::string(GetParam().issuer_ca) == "Platform";
  // Platform-CA certificates carry the platform instance id and configuration.
  EXPECT_EQ(ext->platform_instance_id.has_value(), platform_ca);
  EXPECT_EQ(ext->configuration.has_value(), platform_ca);
  EXPECT_EQ(ext->sgx_type, platform_ca ? 1 : 0);

  // Intel's encoding is minimal DER, so our writer reproduces it byte for byte.
  auto raw = leaf->extension(kSgxExtensionOid);
  ASSERT_TRUE(raw.ok());
  EXPECT_EQ(to_hex(encode_pck_extension(*ext)), to_hex(*raw));
}

INSTANTIATE_TEST_SUITE_P(
    PckExtensionRealQuotes, PckExtensionRealTest,
    ::testing::Values(
        RealCase{"testdata/tdx/dcapqvl_tdx_quote", "b0c06f000000", "Platform"},
        RealCase{"testdata/tdx/dcapqvl_near_tdx_quote.bin", "20a06f000000", "Platform"},
        RealCase{"testdata/tdx/dcapqvl_tdx_quote_outdated", "90c06f000000", "Platform"},
        RealCase{"testdata/tdx/go-tdx-guest/quote_v5_sample.dat", "90c06f000000", "Platform"},
        RealCase{"testdata/sgx/dcapqvl_sgx_quote", "00a067110000", "Processor"}));

TEST(PckExtension, QvlSamplePckCert) {
  CLLM_REQUIRE_SHARED_FILE(path, "testdata/tdx/intel_qvl_sample_tdx/pckCert.pem");
  auto pem = read_text_file(path);
  ASSERT_TRUE(pem.ok());
  auto cert = crypto::Certificate::from_pem(*pem);
  ASSERT_TRUE(cert.ok()) << cert.error().message();
  auto ext = pck_extension_of(*cert);
  ASSERT_TRUE(ext.ok()) << ext.error().message();
  EXPECT_EQ(ext->cpu_svn_components, ext->cpu_svn);
  auto raw = cert->extension(kSgxExtensionOid);
  ASSERT_TRUE(raw.ok());
  EXPECT_EQ(encode_pck_extension(*ext), *raw);
}

PckExtension sample() {
  PckExtension ext;
  ext.ppid = Bytes(16, 0x11);
  for (std::size_t i = 0; i < 16; ++i)
    ext.cpu_svn_components[i] = static_cast<std::uint8_t>(i * 17);
  ext.cpu_svn_components[3] = 255;  // needs 00 ff
  ext.cpu_svn = ext.cpu_svn_components;
  ext.pce_svn = 65535;  // needs three content octets
  ext.pce_id = {0x00, 0x01};
  ext.fmspc = {0x90, 0xc0, 0x6f, 0x00, 0x00, 0x00};
  ext.sgx_type = 2;
  return ext;
}

TEST(PckExtension, RoundTripsMinimal) {
  const auto ext = sample();
  auto parsed = parse_pck_extension(encode_pck_extension(ext));
  ASSERT_TRUE(parsed.ok()) << parsed.error().message();
  EXPECT_EQ(*parsed, ext);
}

TEST(PckExtension, RoundTripsPlatformFields) {
  auto ext = sample();
  ext.platform_instance_id = Bytes(16, 0xab);
  ext.configuration = PckConfiguration{true, std::nullopt, false};
  auto parsed = parse_pck_extension(encode_pck_extension(ext));
  ASSERT_TRUE(parsed.ok()) << parsed.error().message();
  EXPECT_EQ(*parsed, ext);
  ext.configuration = PckConfiguration{};
  parsed = parse_pck_extension(encode_pck_extension(ext));
  ASSERT_TRUE(parsed.ok()) << parsed.error().message();
  EXPECT_EQ(*parsed, ext);
}

TEST(PckExtension, RejectsEveryTruncation) {
  const Bytes der = encode_pck_extension(sample());
  for (std::size_t n = 0; n < der.size(); ++n) {
    auto parsed = parse_pck_extension(ByteView(der).first(n));
    EXPECT_FALSE(parsed.ok()) << "accepted a prefix of " << n << " bytes";
  }
}

TEST(PckExtension, RejectsTrailingBytes) {
  Bytes der = encode_pck_extension(sample());
  der.push_back(0);
  auto parsed = parse_pck_extension(der);
  ASSERT_FALSE(parsed.ok());
  EXPECT_NE(parsed.error().message().find("trailing"), std::string::npos);
}

// Replaces the first occurrence of `from` with `to` (same length) in the encoding.
Bytes patched(Bytes der, const Bytes& from, const Bytes& to) {
  auto it = std::search(der.begin(), der.end(), from.begin(), from.end());
  EXPECT_NE(it, der.end());
  if (it != der.end()) std::copy(to.begin(), to.end(), it);
  return der;
}

TEST(PckExtension, ErrorsNameTheField) {
  auto ext = sample();
  ext.fmspc = {1, 2, 3, 4, 5, 6};
  const Bytes der = encode_pck_extension(ext);
  // FMSPC OCTET STRING length 6 -> 5 makes the FMSPC entry malformed.
  auto bad = parse_pck_extension(
      patched(der, test::unhex("0406010203040506"), test::unhex("0405010203040506")));
  ASSERT_FALSE(bad.ok());
  EXPECT_NE(bad.error().message().find("1.2.840.113741.1.13.1.4"), std::string::npos)
      << bad.error().message();
}

TEST(PckExtension, RejectsNegativeAndOversizedIntegers) {
  auto ext = sample();
  ext.cpu_svn_components[0] = 0x7e;
  const Bytes der = encode_pck_extension(ext);
  // comp01 = 0x7e -> 0xfe makes it negative.
  auto negative = parse_pck_extension(patched(der, test::unhex("02017e"), test::unhex("0201fe")));
  ASSERT_FALSE(negative.ok());
  EXPECT_NE(negative.error().message().find("1.2.840.113741.1.13.1.2.1"), std::string::npos)
      << negative.error().message();
  // pcesvn 00 ff ff -> 01 ff ff is out of range.
  auto big =
      parse_pck_extension(patched(der, test::unhex("020300ffff"), test::unhex("020301ffff")));
  ASSERT_FALSE(big.ok());
  EXPECT_NE(big.error().message().find("pcesvn"), std::string::npos) << big.error().message();
}

TEST(PckExtension, RejectsMissingRequiredEntry) {
  auto ext = sample();
  Bytes der = encode_pck_extension(ext);

  // Drop the SGX type entry and shrink the outer SEQUENCE accordingly.
  const Bytes type_entry = test::unhex("300f060a2a864886f84d010d01050a0102");
  auto it = std::search(der.begin(), der.end(), type_entry.begin(), type_entry.end());
  ASSERT_NE(it, der.end());
  der.erase(it, it + static_cast<std::ptrdiff_t>(type_entry.size()));
  // Fix the outer length (long form, two octets).
  const std::size_t body = der.size() - 4;
  der[2] = static_cast<std::uint8_t>(body >> 8);
  der[3] = static_cast<std::uint8_t>(body);
  auto parsed = parse_pck_extension(der);
  ASSERT_FALSE(parsed.ok());
  EXPECT_NE(parsed.error().message().find("1.2.840.113741.1.13.1.5"), std::string::npos)
      << parsed.error().message();
}

TEST(PckExtension, RejectsIndefiniteLengthAndOversize) {
  EXPECT_FALSE(parse_pck_extension(test::unhex("30800000")).ok());
  EXPECT_FALSE(parse_pck_extension(Bytes(kMaxPckExtensionSize + 1, 0x30)).ok());
  EXPECT_FALSE(parse_pck_extension(Bytes{}).ok());
}

}  // namespace
}  // namespace cllm::tdx
