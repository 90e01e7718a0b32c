#include "cllm/tdx/quote.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <optional>
#include <string>
#include <vector>

#include "cllm/common/file.hpp"
#include "cllm/common/hex.hpp"
#include "cllm/crypto/ecdsa.hpp"
#include "cllm/crypto/hash.hpp"
#include "cllm/crypto/x509.hpp"
#include "cllm/tdx/quote_json.hpp"
#include "support/test_paths.hpp"
#include "support/vectors.hpp"

namespace cllm::tdx {
namespace {

using crypto::EcCurve;
using crypto::EcdsaPublicKey;

constexpr const char* kIntelVendorHex = "939a7233f79c4ca9940a0db3957f0607";
constexpr const char* kIntelTdQeMrSigner =
    "dc9e2a7c6f948f17474e34a7fc43ed030f7c1563f1babddf6340c82e0e54a8c5";
constexpr const char* kIntelSgxQeMrSigner =
    "8c4f5775d796503e96137f77c68a829a0056ac8ded70140b081b094490c57bff";

Bytes load_quote_file(const std::string& path) {
  auto content = read_file(path);
  EXPECT_TRUE(content.ok()) << path;
  if (!content.ok()) return {};
  auto decoded = decode_quote_file(*content);
  EXPECT_TRUE(decoded.ok()) << path << ": " << decoded.error().message();
  return decoded.ok() ? *decoded : Bytes{};
}

template <std::size_t N>
std::string hex(const std::array<std::uint8_t, N>& bytes) {
  return to_hex(bytes);
}

void put_u16(Bytes& b, std::size_t offset, std::uint16_t v) {
  b.at(offset) = static_cast<std::uint8_t>(v);
  b.at(offset + 1) = static_cast<std::uint8_t>(v >> 8);
}
void put_u32(Bytes& b, std::size_t offset, std::uint32_t v) {
  for (std::size_t i = 0; i < 4; ++i)
    b.at(offset + i) = static_cast<std::uint8_t>(v >> (8 * i));
}
std::uint32_t get_u32(const Bytes& b, std::size_t offset) {
  std::uint32_t v = 0;
  for (std::size_t i = 0; i < 4; ++i)
    v |= std::uint32_t{b.at(offset + i)} << (8 * i);
  return v;
}

// Splits concatenated DER certificates (the Intel QVL TDX sample puts DER in type 5).
std::vector<crypto::Certificate> split_der_chain(ByteView data) {
  std::vector<crypto::Certificate> out;
  std::size_t i = 0;
  while (i + 4 <= data.size() && data[i] == 0x30 && data[i + 1] == 0x82) {
    const std::size_t len = (std::size_t{data[i + 2]} << 8) | data[i + 3];
    if (i + 4 + len > data.size()) break;
    auto cert = crypto::Certificate::from_der(data.subspan(i, 4 + len));
    EXPECT_TRUE(cert.ok());
    if (cert.ok()) out.push_back(*cert);
    i += 4 + len;
  }
  EXPECT_EQ(i, data.size()) << "DER chain has trailing bytes";
  return out;
}

// ---------------------------------------------------------------------------------------
// Every real quote in the shared test data.

enum class Certs { kPemChain, kDerChain, kPpidOnly };

struct Vector {
  const char* path;  // relative to the shared dir
  std::uint16_t version;
  std::uint32_t tee_type;
  BodyType body_type;
  std::size_t file_size;  // after decode_quote_file (with padding or junk)
  std::size_t raw_size;   // the quote itself
  std::size_t signed_region_size;
  const char* td_attributes;  // hex; nullptr for SGX
  const char* tee_tcb_svn;    // hex; nullptr for SGX
  std::uint16_t cert_data_type;
  std::size_t cert_data_size;
  std::size_t qe_auth_size;
  Certs certs;
  const char* pck_cert_file;  // the PCK leaf, when the quote does not carry it as PEM
  bool intel_signed;          // real Intel QE (vendor id, QE MRSIGNER)
};

std::ostream& operator<<(std::ostream& os, const Vector& v) {
  return os << v.path;
}

const Vector kVectors[] = {
    {"testdata/tdx/dcapqvl_tdx_quote", 4, kTeeTypeTdx, BodyType::kTdReport10, 5006, 4936, 632,
     "0000001000000000", "06010300000000000000000000000000", 5, 3678, 32, Certs::kPemChain, nullptr,
     true},
    {"testdata/tdx/dcapqvl_tdx_quote_outdated", 5, kTeeTypeTdx, BodyType::kTdReport15, 5006, 5006,
     702, "0000001000000000", "07010300000000000000000000000000", 5, 3678, 32, Certs::kPemChain,
     nullptr, true},
    {"testdata/tdx/dcapqvl_near_tdx_quote.bin", 4, kTeeTypeTdx, BodyType::kTdReport10, 5006, 4936,
     632, "0000001000000000", "06010400000000000000000000000000", 5, 3678, 32, Certs::kPemChain,
     nullptr, true},
    {"testdata/tdx/dcapqvl_tdx-quote.hex", 4, kTeeTypeTdx, BodyType::kTdReport10, 5006, 4936, 632,
     "0000001000000000", "05010200000000000000000000000000", 5, 3678, 32, Certs::kPemChain, nullptr,
     true},
    {"testdata/tdx/dcapqvl_quote-from-tappd.hex", 4, kTeeTypeTdx, BodyType::kTdReport10, 5006, 4936,
     632, "0000001000000000", "05010200000000000000000000000000", 5, 3678, 32, Certs::kPemChain,
     nullptr, true},
    {"testdata/tdx/dcapqvl_tdx-quote.hex.bin", 4, kTeeTypeTdx, BodyType::kTdReport10, 5006, 4936,
     632, "0000001000000000", "05010200000000000000000000000000", 5, 3678, 32, Certs::kPemChain,
     nullptr, true},
    {"testdata/tdx/dcapqvl_quote-from-tappd.hex.bin", 4, kTeeTypeTdx, BodyType::kTdReport10, 5006,
     4936, 632, "0000001000000000", "05010200000000000000000000000000", 5, 3678, 32,
     Certs::kPemChain, nullptr, true},
    // PKS set, SEPT_VE_DISABLE clear; 39 bytes of ASCII after the quote.
    {"testdata/tdx/go-tdx-guest/tdx_prod_quote_SPR_E4.dat", 4, kTeeTypeTdx, BodyType::kTdReport10,
     4974, 4935, 632, "0000004000000000", "03000400000000000000000000000000", 5, 3677, 32,
     Certs::kPemChain, nullptr, true},
    {"testdata/tdx/go-tdx-guest/quote_v5_sample.dat", 5, kTeeTypeTdx, BodyType::kTdReport15, 5006,
     5006, 702, "0000001000000000", "0b010400000000000000000000000000", 5, 3678, 32,
     Certs::kPemChain, nullptr, true},
    {"testdata/tdx/go-tdx-guest/ccel_cos-113-tdx-quote.dat", 4, kTeeTypeTdx, BodyType::kTdReport10,
     8000, 4935, 632, "0000001000000000", "04010700000000000000000000000000", 5, 3677, 32,
     Certs::kPemChain, nullptr, true},
    // Synthetic (Intel's TEST keys): DER certificates in type 5, empty QE auth data.
    {"testdata/tdx/intel_qvl_sample_tdx/quote.dat", 4, kTeeTypeTdx, BodyType::kTdReport10, 3696,
     3696, 632, "0000000000000000", "52c1a38cf7edf30a524b4ebb049f59c7", 5, 2470, 0,
     Certs::kDerChain, "testdata/tdx/intel_qvl_sample_tdx/pckCert.pem", false},
    {"testdata/sgx/dcapqvl_sgx_quote", 3, kTeeTypeSgx, BodyType::kSgxEnclave, 4600, 4600, 432,
     nullptr, nullptr, 5, 3548, 32, Certs::kPemChain, nullptr, true},
    // Synthetic SGX v3 with certification data type 1 (PPID): the PCK cert is a separate file.
    {"testdata/sgx/intel_qvl_sample_sgx/quote.dat", 3, kTeeTypeSgx, BodyType::kSgxEnclave, 1054,
     1054, 432, nullptr, nullptr, 1, 34, 0, Certs::kPpidOnly,
     "testdata/sgx/intel_qvl_sample_sgx/pckCert.pem", false},
};

class QuoteRealVector : public ::testing::TestWithParam<Vector> {};

TEST_P(QuoteRealVector, ParsesWithExpectedLayout) {
  const Vector& v = GetParam();
  CLLM_REQUIRE_SHARED_FILE(path, v.path);
  const Bytes file = load_quote_file(path);
  ASSERT_EQ(file.size(), v.file_size);
  auto quote = parse_quote(file);
  ASSERT_TRUE(quote.ok()) << quote.error().message();

  EXPECT_EQ(quote->header.version, v.version);
  EXPECT_EQ(quote->header.att_key_type, kAttestationKeyEcdsaP256);
  EXPECT_EQ(quote->header.tee_type, v.tee_type);
  EXPECT_EQ(quote->body_type, v.body_type);
  EXPECT_EQ(hex(quote->header.qe_vendor_id), kIntelVendorHex);
  ASSERT_EQ(quote->raw.size(), v.raw_size);
  EXPECT_TRUE(std::equal(quote->raw.begin(), quote->raw.end(), file.begin()));
  EXPECT_EQ(quote->signed_region_size, v.signed_region_size);
  EXPECT_EQ(quote->signed_region().size(), v.signed_region_size);
  EXPECT_EQ(get_u32(quote->raw, v.signed_region_size), v.raw_size - v.signed_region_size - 4)
      << "sig_data_len must follow the signed region";

  if (v.tee_type == kTeeTypeTdx) {
    const TdReport* td = quote->td_report();
    ASSERT_NE(td, nullptr);
    EXPECT_EQ(td->is_v15, v.body_type == BodyType::kTdReport15);
    EXPECT_EQ(hex(td->td_attributes), v.td_attributes);
    EXPECT_EQ(hex(td->tee_tcb_svn), v.tee_tcb_svn);
    EXPECT_EQ(quote->enclave_report(), nullptr);
  } else {
    EXPECT_NE(quote->enclave_report(), nullptr);
    EXPECT_EQ(quote->td_report(), nullptr);
  }

  const QeCertificationData& cert = quote->certification;
  EXPECT_EQ(cert.cert_data_type, v.cert_data_type);
  EXPECT_EQ(cert.cert_data.size(), v.cert_data_size);
  EXPECT_EQ(cert.qe_auth_data.size(), v.qe_auth_size);
  ASSERT_EQ(cert.qe_report_raw.size(), EnclaveReport::kSize);
  EXPECT_EQ(serialize_enclave_report(cert.qe_report).size(), EnclaveReport::kSize);
  if (v.intel_signed) {
    EXPECT_EQ(hex(cert.qe_report.mr_signer),
              v.tee_type == kTeeTypeTdx ? kIntelTdQeMrSigner : kIntelSgxQeMrSigner);
    EXPECT_EQ(cert.qe_report.isv_prod_id, v.tee_type == kTeeTypeTdx ? 2 : 1);
    EXPECT_FALSE(cert.qe_report.debug());
  }
}

// The attestation key's signature over signed_region() verifies: proof that the signed
// region ends exactly where it should for this version and body type (a 6-byte shift fails).
TEST_P(QuoteRealVector, QuoteSignatureVerifiesOverSignedRegion) {
  const Vector& v = GetParam();
  CLLM_REQUIRE_SHARED_FILE(path, v.path);
  auto quote = parse_quote(load_quote_file(path));
  ASSERT_TRUE(quote.ok()) << quote.error().message();
  auto key = EcdsaPublicKey::from_raw_xy(EcCurve::kP256, quote->attestation_key);
  ASSERT_TRUE(key.ok()) << key.error().message();
  auto verified = key->verify(quote->signed_region(), quote->signature);
  EXPECT_TRUE(verified.ok()) << verified.error().message();

  // The same key rejects the region shifted by the v5 descriptor's 6 bytes either way.
  ByteView raw(quote->raw);
  EXPECT_FALSE(key->verify(raw.subspan(0, quote->signed_region_size - 6), quote->signature).ok());
  EXPECT_FALSE(key->verify(raw.subspan(0, quote->signed_region_size + 6), quote->signature).ok());
}

// The QE report binds the attestation key (report_data = SHA-256(key || auth data) || 0^32)
// and is signed by the PCK leaf: proof of the QE report, auth data and chain offsets.
TEST_P(QuoteRealVector, QeReportBindsKeyAndIsSignedByPck) {
  const Vector& v = GetParam();
  CLLM_REQUIRE_SHARED_FILE(path, v.path);
  auto quote = parse_quote(load_quote_file(path));
  ASSERT_TRUE(quote.ok()) << quote.error().message();
  const QeCertificationData& cert = quote->certification;

  auto digest = crypto::sha256(concat({quote->attestation_key, cert.qe_auth_data}));
  ASSERT_TRUE(digest.ok());
  const ReportData& rd = cert.qe_report.report_data;
  EXPECT_TRUE(std::equal(digest->begin(), digest->end(), rd.begin()));
  EXPECT_TRUE(std::all_of(rd.begin() + 32, rd.end(), [](std::uint8_t b) { return b == 0; }));

  std::vector<crypto::Certificate> chain;
  if (v.certs == Certs::kPemChain) {
    auto parsed = crypto::parse_pem_chain(ByteView(cert.cert_data));
    ASSERT_TRUE(parsed.ok()) << parsed.error().message();
    chain = *parsed;
    ASSERT_EQ(chain.size(), 3u);
    EXPECT_NE(chain[0].subject_common_name().find("SGX PCK Certificate"), std::string::npos);
    EXPECT_NE(chain[2].subject_common_name().find("SGX Root CA"), std::string::npos);
  } else if (v.certs == Certs::kDerChain) {
    chain = split_der_chain(cert.cert_data);
    EXPECT_EQ(chain.size(), 3u);
  }
  crypto::Certificate const* leaf = nullptr;
  std::optional<crypto::Certificate> file_leaf;
  if (v.pck_cert_file != nullptr) {
    CLLM_REQUIRE_SHARED_FILE(pck_path, v.pck_cert_file);
    auto pem = read_text_file(pck_path);
    ASSERT_TRUE(pem.ok());
    auto parsed = crypto::Certificate::from_pem(*pem);
    ASSERT_TRUE(parsed.ok()) << parsed.error().message();
    file_leaf = *parsed;
    leaf = &*file_leaf;
    if (!chain.empty()) {  // the quote's DER chain carries the same leaf
      EXPECT_TRUE(std::any_of(chain.begin(), chain.end(),
                              [&](const auto& c) { return c.der() == file_leaf->der(); }));
    }
  } else {
    ASSERT_FALSE(chain.empty());
    leaf = &chain[0];
  }
  auto pck_key = leaf->ecdsa_public_key();
  ASSERT_TRUE(pck_key.ok()) << pck_key.error().message();
  auto verified = pck_key->verify(cert.qe_report_raw, cert.qe_report_signature);
  EXPECT_TRUE(verified.ok()) << verified.error().message();
}

// Re-serializing from the parsed fields gives the identical bytes.
TEST_P(QuoteRealVector, RoundTripsThroughSerialization) {
  const Vector& v = GetParam();
  CLLM_REQUIRE_SHARED_FILE(path, v.path);
  auto quote = parse_quote(load_quote_file(path));
  ASSERT_TRUE(quote.ok()) << quote.error().message();

  Result<Bytes> region = std::visit(
      [&](const auto& body) { return serialize_signed_region(quote->header, body); }, quote->body);
  ASSERT_TRUE(region.ok()) << region.error().message();
  ASSERT_EQ(region->size(), quote->signed_region_size);
  EXPECT_TRUE(std::equal(region->begin(), region->end(), quote->signed_region().begin()));

  auto rebuilt =
      serialize_quote(*region, quote->signature, quote->attestation_key, quote->certification);
  ASSERT_TRUE(rebuilt.ok()) << rebuilt.error().message();
  EXPECT_EQ(*rebuilt, quote->raw);

  auto whole = serialize_quote(*quote);
  ASSERT_TRUE(whole.ok()) << whole.error().message();
  EXPECT_EQ(*whole, quote->raw);

  // The QE report rebuilt from its fields equals the signed bytes (no reserved bytes used).
  EXPECT_EQ(serialize_enclave_report(quote->certification.qe_report),
            quote->certification.qe_report_raw);
}

TEST_P(QuoteRealVector, RendersJsonAndText) {
  const Vector& v = GetParam();
  CLLM_REQUIRE_SHARED_FILE(path, v.path);
  auto quote = parse_quote(load_quote_file(path));
  ASSERT_TRUE(quote.ok()) << quote.error().message();
  Json j = quote_to_json(*quote);
  EXPECT_EQ(j["schema"], kQuoteJsonSchema);
  EXPECT_EQ(j["version"], v.version);
  EXPECT_EQ(j["size"], v.raw_size);
  EXPECT_EQ(j["signed_region_size"], v.signed_region_size);
  EXPECT_EQ(j["body_type"], std::string(body_type_name(v.body_type)));
  EXPECT_EQ(j["body_type_code"], static_cast<int>(v.body_type));
  EXPECT_EQ(j["certification_data"]["type"], v.cert_data_type);
  EXPECT_EQ(j["certification_data"]["size"], v.cert_data_size);
  EXPECT_EQ(j["header"]["qe_vendor_id"], kIntelVendorHex);
  EXPECT_EQ(j["signature"], hex(quote->signature));
  EXPECT_EQ(j["attestation_key"], hex(quote->attestation_key));
  EXPECT_EQ(j["qe_report"]["mr_signer"], hex(quote->certification.qe_report.mr_signer));
  if (v.tee_type == kTeeTypeTdx) {
    EXPECT_EQ(j["tee_type"], "TDX");
    EXPECT_EQ(j["td_report"]["td_attributes"], v.td_attributes);
    EXPECT_EQ(j["td_report"]["tee_tcb_svn"], v.tee_tcb_svn);
    EXPECT_FALSE(j.contains("enclave_report"));
    EXPECT_EQ(j["td_report"].contains("tee_tcb_svn_2"), v.body_type == BodyType::kTdReport15);
  } else {
    EXPECT_EQ(j["tee_type"], "SGX");
    EXPECT_TRUE(j.contains("enclave_report"));
    EXPECT_FALSE(j.contains("td_report"));
  }
  EXPECT_NO_THROW((void)j.dump());
  const std::string text = quote_to_text(*quote);
  EXPECT_NE(text.find("DCAP quote v" + std::to_string(v.version)), std::string::npos);
  EXPECT_NE(text.find(hex(quote->attestation_key)), std::string::npos);
}

INSTANTIATE_TEST_SUITE_P(Quote, QuoteRealVector, ::testing::ValuesIn(kVectors));

// ---------------------------------------------------------------------------------------
// Exact values of single vectors.

TEST(QuoteVectors, DcapQvlTdxQuoteValues) {
  CLLM_REQUIRE_SHARED_FILE(path, "testdata/tdx/dcapqvl_tdx_quote");
  auto quote = parse_quote(load_quote_file(path));
  ASSERT_TRUE(quote.ok()) << quote.error().message();
  EXPECT_EQ(quote->raw.size(), 4936u);  // PROVENANCE.md: 70 zero bytes follow
  EXPECT_EQ(hex(quote->header.user_data), "889b7d6ff9df2405b240a830e73faf3d00000000");
  const TdReport* td = quote->td_report();
  ASSERT_NE(td, nullptr);
  EXPECT_EQ(hex(td->td_attributes), "0000001000000000");
  EXPECT_EQ(hex(td->xfam), "e702060000000000");
  EXPECT_EQ(hex(td->seam_attributes), "0000000000000000");
  EXPECT_EQ(hex(td->mr_td).substr(0, 16), "91eb2b44d141d4ec");
  EXPECT_EQ(hex(td->rtmr[3]), std::string(96, '0'));
  const TdAttributes attrs = decode_td_attributes(td->td_attributes);
  EXPECT_TRUE(attrs.sept_ve_disable);
  EXPECT_FALSE(attrs.debug);
  EXPECT_FALSE(attrs.reserved_bits_set);
  const EnclaveReport& qe = quote->certification.qe_report;
  EXPECT_EQ(qe.isv_svn, 6);
  EXPECT_EQ(hex(qe.attributes), "1500000000000000e700000000000000");
}

TEST(QuoteVectors, GoTdxGuestV5Td15Values) {
  CLLM_REQUIRE_SHARED_FILE(path, "testdata/tdx/go-tdx-guest/quote_v5_sample.dat");
  auto quote = parse_quote(load_quote_file(path));
  ASSERT_TRUE(quote.ok()) << quote.error().message();
  EXPECT_EQ(quote->header.version, 5);
  EXPECT_EQ(quote->body_type, BodyType::kTdReport15);
  const TdReport* td = quote->td_report();
  ASSERT_NE(td, nullptr);
  ASSERT_TRUE(td->is_v15);
  EXPECT_EQ(hex(td->tee_tcb_svn), "0b010400000000000000000000000000");
  EXPECT_EQ(hex(td->tee_tcb_svn_2), "0d010400000000000000000000000000");
  EXPECT_EQ(hex(td->mr_service_td), std::string(96, '0'));
  EXPECT_EQ(hex(td->td_attributes), "0000001000000000");
  EXPECT_EQ(quote->certification.qe_report.isv_svn, 7);
}

TEST(QuoteVectors, CcelQuoteReportDataIsTheNonce) {
  CLLM_REQUIRE_SHARED_FILE(path, "testdata/tdx/go-tdx-guest/ccel_cos-113-tdx-quote.dat");
  CLLM_REQUIRE_SHARED_FILE(nonce_path, "testdata/tdx/go-tdx-guest/ccel_nonce.dat");
  auto quote = parse_quote(load_quote_file(path));
  ASSERT_TRUE(quote.ok()) << quote.error().message();
  auto nonce = read_file(nonce_path);
  ASSERT_TRUE(nonce.ok());
  const TdReport* td = quote->td_report();
  ASSERT_NE(td, nullptr);
  EXPECT_EQ(Bytes(td->report_data.begin(), td->report_data.end()), *nonce);
  EXPECT_EQ(hex(td->rtmr[3]), std::string(96, '0'));
  EXPECT_EQ(hex(quote->header.user_data), std::string(40, '0'));  // GCP: no QE-ID
}

TEST(QuoteVectors, SgxV3Values) {
  CLLM_REQUIRE_SHARED_FILE(path, "testdata/sgx/dcapqvl_sgx_quote");
  auto quote = parse_quote(load_quote_file(path));
  ASSERT_TRUE(quote.ok()) << quote.error().message();
  EXPECT_EQ(quote->header.qe_svn, 10);
  EXPECT_EQ(quote->header.pce_svn, 15);
  const EnclaveReport* er = quote->enclave_report();
  ASSERT_NE(er, nullptr);
  EXPECT_EQ(hex(er->mr_enclave),
            "33d8736db756ed4997e04ba358d27833188f1932ff7b1d156904d3f560452fbb");
  EXPECT_EQ(hex(er->attributes), "0500000000000000e700000000000000");
  EXPECT_EQ(quote->certification.qe_report.isv_svn, 10);
}

TEST(QuoteVectors, HexFilesDecodeToTheirBinaries) {
  for (const char* name : {"dcapqvl_tdx-quote", "dcapqvl_quote-from-tappd"}) {
    CLLM_REQUIRE_SHARED_FILE(hex_path, std::string("testdata/tdx/") + name + ".hex");
    CLLM_REQUIRE_SHARED_FILE(bin_path, std::string("testdata/tdx/") + name + ".hex.bin");
    auto bin = read_file(bin_path);
    ASSERT_TRUE(bin.ok());
    EXPECT_EQ(load_quote_file(hex_path), *bin) << name;
  }
}

// ---------------------------------------------------------------------------------------
// Malformed quotes: every one fails cleanly, naming the field and offset.

struct Base {
  Bytes v4;  // dcapqvl_tdx_quote, padding removed
  Bytes v5;  // dcapqvl_tdx_quote_outdated (TD 1.5)
  Bytes v3;  // dcapqvl_sgx_quote
  Bytes v4_padded;
};

class QuoteMalformed : public ::testing::Test {
 protected:
  void SetUp() override {
    auto v4 = test::shared_file("testdata/tdx/dcapqvl_tdx_quote");
    auto v5 = test::shared_file("testdata/tdx/dcapqvl_tdx_quote_outdated");
    auto v3 = test::shared_file("testdata/sgx/dcapqvl_sgx_quote");
    if (!v4 || !v5 || !v3) {
      GTEST_SKIP() << "SKIPPED LOUDLY: shared test data missing under " << test::shared_dir()
                   << "/testdata (dcapqvl_tdx_quote, dcapqvl_tdx_quote_outdated, "
                      "dcapqvl_sgx_quote)";
    }
    base_.v4_padded = load_quote_file(*v4);
    base_.v4.assign(base_.v4_padded.begin(), base_.v4_padded.begin() + 4936);
    base_.v5 = load_quote_file(*v5);
    base_.v3 = load_quote_file(*v3);
  }

  // Expects failure with this code and a message naming field and offset.
  static void expect_error(const Bytes& bytes, ErrorCode code, const std::string& field,
                           std::size_t offset) {
    auto quote = parse_quote(bytes);
    ASSERT_FALSE(quote.ok()) << "parsed although broken at " << field;
    EXPECT_EQ(quote.error().code(), code) << quote.error().message();
    const std::string expected = "field '" + field + "' at offset " + std::to_string(offset);
    EXPECT_NE(quote.error().message().find(expected), std::string::npos)
        << "message: " << quote.error().message() << "\nexpected to contain: " << expected;
  }

  Base base_;
};

TEST_F(QuoteMalformed, EveryPrefixFailsCleanly) {
  for (const Bytes* full : {&base_.v4, &base_.v5, &base_.v3}) {
    ASSERT_TRUE(parse_quote(*full).ok());
    for (std::size_t n = 0; n < full->size(); ++n) {
      auto quote = parse_quote(ByteView(*full).subspan(0, n));
      ASSERT_FALSE(quote.ok()) << "prefix of " << n << " bytes parsed";
      ASSERT_NE(quote.error().message().find("at offset"), std::string::npos)
          << quote.error().message();
    }
  }
}

TEST_F(QuoteMalformed, TruncationNamesTheField) {
  expect_error(Bytes(base_.v4.begin(), base_.v4.begin() + 100), ErrorCode::kParse,
               "td_report.mr_seam", 64);
  expect_error(Bytes(base_.v4.begin(), base_.v4.begin() + 634), ErrorCode::kParse,
               "signature_data_len", 632);
  expect_error(Bytes(base_.v5.begin(), base_.v5.begin() + 52), ErrorCode::kParse, "body.size", 50);
}

TEST_F(QuoteMalformed, TrailingBytesAreIgnored) {
  Bytes padded = base_.v4;
  padded.insert(padded.end(), {'j', 'u', 'n', 'k', 0, 0xff});
  auto quote = parse_quote(padded);
  ASSERT_TRUE(quote.ok()) << quote.error().message();
  EXPECT_EQ(quote->raw, base_.v4);
}

TEST_F(QuoteMalformed, UnsupportedVersion) {
  for (std::uint16_t version : {0, 1, 2, 6, 0xffff}) {
    Bytes b = base_.v4;
    put_u16(b, 0, version);
    expect_error(b, ErrorCode::kUnsupported, "header.version", 0);
  }
  expect_error(Bytes{7}, ErrorCode::kParse, "header.version", 0);  // one byte: truncated
  expect_error(Bytes{6, 0}, ErrorCode::kUnsupported, "header.version", 0);
}

TEST_F(QuoteMalformed, UnsupportedAttestationKeyType) {
  for (std::uint16_t type : {0, 1, 3, 0x200}) {
    Bytes b = base_.v4;
    put_u16(b, 2, type);
    expect_error(b, ErrorCode::kUnsupported, "header.att_key_type", 2);
  }
}

TEST_F(QuoteMalformed, UnknownTeeType) {
  for (std::uint32_t tee : {0x80u, 0x82u, 0x81000000u, 1u}) {
    Bytes b = base_.v4;
    put_u32(b, 4, tee);
    expect_error(b, ErrorCode::kUnsupported, "header.tee_type", 4);
  }
}

TEST_F(QuoteMalformed, V3CannotBeTdx) {
  Bytes b = base_.v3;
  put_u32(b, 4, kTeeTypeTdx);
  expect_error(b, ErrorCode::kParse, "header.tee_type", 4);
}

TEST_F(QuoteMalformed, V5BodyDescriptorMustBeConsistent) {
  Bytes b = base_.v5;
  put_u16(b, 48, 4);  // "v1.5_ex" bodies are not supported
  expect_error(b, ErrorCode::kUnsupported, "body.type", 48);
  b = base_.v5;
  put_u16(b, 48, 0);
  expect_error(b, ErrorCode::kUnsupported, "body.type", 48);
  b = base_.v5;
  put_u16(b, 48, 1);  // SGX body in a TDX quote
  put_u32(b, 50, 384);
  expect_error(b, ErrorCode::kParse, "body.type", 48);
  b = base_.v5;
  put_u32(b, 50, 584);  // TD 1.5 type with the 1.0 size
  expect_error(b, ErrorCode::kParse, "body.size", 50);
  b = base_.v5;
  put_u32(b, 50, 649);
  expect_error(b, ErrorCode::kParse, "body.size", 50);
  b = base_.v5;
  put_u16(b, 48, 2);  // TD 1.0 type with the 1.5 size
  expect_error(b, ErrorCode::kParse, "body.size", 50);
  b = base_.v5;
  put_u32(b, 4, kTeeTypeSgx);  // TD report body under an SGX tee_type
  expect_error(b, ErrorCode::kParse, "body.type", 48);
  // Consistent but false descriptor (TD 1.0): the lengths that follow no longer fit.
  b = base_.v5;
  put_u16(b, 48, 2);
  put_u32(b, 50, 584);
  EXPECT_FALSE(parse_quote(b).ok());
}

TEST_F(QuoteMalformed, OuterCertificationDataTypeMustBeSix) {
  // v4: sig_data_len @632, signature data @636, cert type @636+128.
  for (std::uint16_t type : {0, 1, 5, 7, 0xffff}) {
    Bytes b = base_.v4;
    put_u16(b, 764, type);
    expect_error(b, ErrorCode::kUnsupported, "signature_data.cert_data_type", 764);
  }
  Bytes b = base_.v5;  // v5 TD15: sig_data_len @702, cert type @706+128
  put_u16(b, 834, 5);
  expect_error(b, ErrorCode::kUnsupported, "signature_data.cert_data_type", 834);
}

TEST_F(QuoteMalformed, InnerCertificationDataTypeMustBeOneToFive) {
  // v4: QE cert data @770: report 384, signature 64, auth size @1218, auth 32, type @1252.
  for (std::uint16_t type : {0, 6, 7, 0xffff}) {
    Bytes b = base_.v4;
    put_u16(b, 1252, type);
    expect_error(b, ErrorCode::kUnsupported, "qe_cert_data.cert_data_type", 1252);
  }
  // v3: QE report inline @564, auth size @1012, auth 32, type @1046.
  Bytes b = base_.v3;
  put_u16(b, 1046, 6);
  expect_error(b, ErrorCode::kUnsupported, "signature_data.cert_data_type", 1046);
  // Types 1..4 are structurally fine.
  b = base_.v4;
  put_u16(b, 1252, 4);
  auto quote = parse_quote(b);
  ASSERT_TRUE(quote.ok()) << quote.error().message();
  EXPECT_EQ(quote->certification.cert_data_type, 4);
}

TEST_F(QuoteMalformed, LyingSignatureDataLength) {
  Bytes b = base_.v4;
  put_u32(b, 632, 4301);  // one past the end
  expect_error(b, ErrorCode::kParse, "signature_data_len", 632);
  b = base_.v4_padded;  // the same inside the padded buffer: now the inner sizes disagree
  put_u32(b, 632, 4301);
  expect_error(b, ErrorCode::kParse, "signature_data.cert_data_size", 766);
  b = base_.v4;
  put_u32(b, 632, 4299);
  expect_error(b, ErrorCode::kParse, "signature_data.cert_data_size", 766);
  b = base_.v4;
  put_u32(b, 632, 0xffffffff);
  expect_error(b, ErrorCode::kLimit, "signature_data_len", 632);
  b = base_.v4;
  put_u32(b, 632, 100);  // too short for even the fixed part
  expect_error(b, ErrorCode::kParse, "signature_data.attestation_key", 700);
}

TEST_F(QuoteMalformed, LyingCertificationDataSizes) {
  Bytes b = base_.v4;
  put_u32(b, 766, 4167);
  expect_error(b, ErrorCode::kParse, "signature_data.cert_data_size", 766);
  b = base_.v4;
  put_u32(b, 766, 4165);
  expect_error(b, ErrorCode::kParse, "signature_data.cert_data_size", 766);
  b = base_.v4;
  put_u32(b, 766, 0x7fffffff);
  expect_error(b, ErrorCode::kLimit, "signature_data.cert_data_size", 766);
  b = base_.v4;
  put_u32(b, 1254, 3679);
  expect_error(b, ErrorCode::kParse, "qe_cert_data.cert_data_size", 1254);
  b = base_.v4;
  put_u32(b, 1254, 3677);
  expect_error(b, ErrorCode::kParse, "qe_cert_data.cert_data_size", 1254);
  b = base_.v4;
  put_u32(b, 1254, 0xffffffff);
  expect_error(b, ErrorCode::kLimit, "qe_cert_data.cert_data_size", 1254);
  b = base_.v4;
  put_u16(b, 1218, 0xffff);  // QE auth data past the end
  expect_error(b, ErrorCode::kParse, "qe_cert_data.qe_auth_data", 1220);
  b = base_.v4;
  put_u16(b, 1218, 33);  // one more auth byte: everything after shifts
  EXPECT_FALSE(parse_quote(b).ok());
  b = base_.v3;
  put_u32(b, 1048, 3549);
  expect_error(b, ErrorCode::kParse, "signature_data.cert_data_size", 1048);
}

TEST_F(QuoteMalformed, ChangedBodyBreaksTheSignature) {
  Bytes b = base_.v4;
  b[184] ^= 0x01;  // first byte of MRTD
  auto quote = parse_quote(b);
  ASSERT_TRUE(quote.ok()) << quote.error().message();
  auto key = EcdsaPublicKey::from_raw_xy(EcCurve::kP256, quote->attestation_key);
  ASSERT_TRUE(key.ok());
  EXPECT_FALSE(key->verify(quote->signed_region(), quote->signature).ok());
  EXPECT_EQ(quote->td_report()->mr_td[0], b[184]);
}

// ---------------------------------------------------------------------------------------
// Building quotes (what the simulator does), without shared data.

QeCertificationData sample_certification() {
  QeCertificationData cert;
  cert.qe_report.isv_prod_id = 2;
  cert.qe_report.isv_svn = 7;
  cert.qe_report.misc_select = 0x11223344;
  cert.qe_report.attributes[0] = 0x15;
  cert.qe_report.report_data[0] = 0xaa;
  cert.qe_report_raw = serialize_enclave_report(cert.qe_report);
  cert.qe_report_signature.fill(0x5a);
  cert.qe_auth_data = Bytes(32, 0x11);
  cert.cert_data_type = kCertDataPckCertChain;
  cert.cert_data = to_bytes("-----BEGIN CERTIFICATE-----\n...\n");
  cert.cert_data.push_back(0);
  return cert;
}

TdReport sample_td_report(bool v15) {
  TdReport r;
  r.is_v15 = v15;
  r.tee_tcb_svn[0] = 0x0b;
  r.tee_tcb_svn[1] = 0x01;
  r.td_attributes = encode_td_attributes(TdAttributes{.sept_ve_disable = true});
  for (std::size_t i = 0; i < r.mr_td.size(); ++i)
    r.mr_td[i] = static_cast<std::uint8_t>(i);
  r.rtmr[3].fill(0x33);
  r.report_data.fill(0x44);
  if (v15) {
    r.tee_tcb_svn_2[0] = 0x0d;
    r.mr_service_td.fill(0x55);
  }
  return r;
}

TEST(QuoteBuild, SignedQuoteRoundTripsForEveryVersionAndBody) {
  auto key = crypto::EcdsaPrivateKey::generate(EcCurve::kP256);
  ASSERT_TRUE(key.ok());
  RawPublicKey att_key{};
  const Bytes xy = key->public_key().to_raw_xy();
  std::copy(xy.begin(), xy.end(), att_key.begin());

  struct Case {
    std::uint16_t version;
    std::uint32_t tee;
    int body;  // 0 = SGX enclave report, 10 / 15 = TD report
    std::size_t signed_size;
  };
  for (const Case& c : {Case{3, kTeeTypeSgx, 0, 432}, Case{4, kTeeTypeSgx, 0, 432},
                        Case{5, kTeeTypeSgx, 0, 438}, Case{4, kTeeTypeTdx, 10, 632},
                        Case{5, kTeeTypeTdx, 10, 638}, Case{5, kTeeTypeTdx, 15, 702}}) {
    SCOPED_TRACE("version " + std::to_string(c.version) + " body " + std::to_string(c.body));
    QuoteHeader header;
    header.version = c.version;
    header.tee_type = c.tee;
    header.user_data[0] = 0x77;
    EnclaveReport enclave;
    enclave.mr_enclave.fill(0x21);
    enclave.isv_svn = 3;
    Result<Bytes> region = c.body == 0
                               ? serialize_signed_region(header, enclave)
                               : serialize_signed_region(header, sample_td_report(c.body == 15));
    ASSERT_TRUE(region.ok()) << region.error().message();
    ASSERT_EQ(region->size(), c.signed_size);
    auto sig = key->sign(*region);
    ASSERT_TRUE(sig.ok());
    RawSignature signature{};
    std::copy(sig->begin(), sig->end(), signature.begin());
    auto bytes = serialize_quote(*region, signature, att_key, sample_certification());
    ASSERT_TRUE(bytes.ok()) << bytes.error().message();

    auto quote = parse_quote(*bytes);
    ASSERT_TRUE(quote.ok()) << quote.error().message();
    EXPECT_EQ(quote->raw, *bytes);
    EXPECT_EQ(quote->header, header);
    EXPECT_EQ(quote->signed_region_size, c.signed_size);
    EXPECT_EQ(quote->certification, sample_certification());
    EXPECT_TRUE(key->public_key().verify(quote->signed_region(), quote->signature).ok());
    if (c.body == 0) {
      ASSERT_NE(quote->enclave_report(), nullptr);
      EXPECT_EQ(*quote->enclave_report(), enclave);
      EXPECT_EQ(quote->body_type, BodyType::kSgxEnclave);
    } else {
      ASSERT_NE(quote->td_report(), nullptr);
      EXPECT_EQ(*quote->td_report(), sample_td_report(c.body == 15));
      EXPECT_EQ(quote->body_type, c.body == 15 ? BodyType::kTdReport15 : BodyType::kTdReport10);
    }
    auto again = serialize_quote(*quote);
    ASSERT_TRUE(again.ok()) << again.error().message();
    EXPECT_EQ(*again, *bytes);
  }
}

TEST(QuoteBuild, RejectsInconsistentInputs) {
  QuoteHeader header;                                                          // v4 TDX
  EXPECT_FALSE(serialize_signed_region(header, sample_td_report(true)).ok());  // 1.5 needs v5
  EXPECT_FALSE(serialize_signed_region(header, EnclaveReport{}).ok());         // SGX body, TDX tee
  header.version = 3;
  EXPECT_FALSE(serialize_signed_region(header, sample_td_report(false)).ok());
  header.version = 6;
  EXPECT_FALSE(serialize_signed_region(header, sample_td_report(false)).ok());
  header.version = 4;
  header.att_key_type = 3;
  EXPECT_FALSE(serialize_signed_region(header, sample_td_report(false)).ok());
  header.att_key_type = 2;
  header.tee_type = 7;
  EXPECT_FALSE(serialize_signed_region(header, EnclaveReport{}).ok());

  header = QuoteHeader{};
  auto region = serialize_signed_region(header, sample_td_report(false));
  ASSERT_TRUE(region.ok());
  const QeCertificationData good = sample_certification();
  ASSERT_TRUE(serialize_quote(*region, {}, {}, good).ok());

  // A signed region that is cut short or has extra bytes.
  EXPECT_FALSE(serialize_quote(ByteView(*region).subspan(0, 631), {}, {}, good).ok());
  Bytes longer = *region;
  longer.push_back(0);
  EXPECT_FALSE(serialize_quote(longer, {}, {}, good).ok());

  QeCertificationData cert = good;
  cert.cert_data_type = 6;
  EXPECT_FALSE(serialize_quote(*region, {}, {}, cert).ok());
  cert = good;
  cert.cert_data_type = 0;
  EXPECT_FALSE(serialize_quote(*region, {}, {}, cert).ok());
  cert = good;
  cert.qe_report_raw[0] ^= 1;  // raw and parsed QE report disagree
  EXPECT_FALSE(serialize_quote(*region, {}, {}, cert).ok());
  cert = good;
  cert.qe_report_raw.pop_back();
  EXPECT_FALSE(serialize_quote(*region, {}, {}, cert).ok());
  cert = good;
  cert.qe_report_raw.clear();  // rebuilt from qe_report instead
  auto built = serialize_quote(*region, {}, {}, cert);
  ASSERT_TRUE(built.ok());
  EXPECT_EQ(parse_quote(*built)->certification.qe_report_raw, good.qe_report_raw);
  cert = good;
  cert.qe_auth_data.assign(65536, 0);
  EXPECT_FALSE(serialize_quote(*region, {}, {}, cert).ok());
  cert = good;
  cert.cert_data.assign(kMaxQuoteSize, 0);
  auto too_big = serialize_quote(*region, {}, {}, cert);
  ASSERT_FALSE(too_big.ok());
  EXPECT_EQ(too_big.error().code(), ErrorCode::kLimit);

  Quote quote;  // body_type that disagrees with the body
  quote.header.version = 5;
  quote.body = sample_td_report(false);
  quote.body_type = BodyType::kTdReport15;
  quote.certification = good;
  EXPECT_FALSE(serialize_quote(quote).ok());
}

TEST(QuoteBuild, EnclaveReportLayout) {
  EnclaveReport r;
  r.cpu_svn.fill(0x01);
  r.misc_select = 0x04030201;
  r.isv_ext_prod_id.fill(0x02);
  r.attributes.fill(0x03);
  r.mr_enclave.fill(0x04);
  r.mr_signer.fill(0x05);
  r.config_id.fill(0x06);
  r.isv_prod_id = 0x0807;
  r.isv_svn = 0x0a09;
  r.config_svn = 0x0c0b;
  r.isv_family_id.fill(0x0d);
  r.report_data.fill(0x0e);
  const Bytes b = serialize_enclave_report(r);
  ASSERT_EQ(b.size(), 384u);
  EXPECT_EQ(b[16], 0x01);  // misc_select LE at 16
  EXPECT_EQ(b[19], 0x04);
  EXPECT_EQ(b[20], 0x00);  // reserved
  EXPECT_EQ(b[32], 0x02);
  EXPECT_EQ(b[48], 0x03);
  EXPECT_EQ(b[64], 0x04);
  EXPECT_EQ(b[96], 0x00);
  EXPECT_EQ(b[128], 0x05);
  EXPECT_EQ(b[192], 0x06);
  EXPECT_EQ(b[256], 0x07);
  EXPECT_EQ(b[258], 0x09);
  EXPECT_EQ(b[260], 0x0b);
  EXPECT_EQ(b[262], 0x00);
  EXPECT_EQ(b[304], 0x0d);
  EXPECT_EQ(b[320], 0x0e);
  EXPECT_EQ(b[383], 0x0e);
}

TEST(QuoteBuild, TdReportLayout) {
  TdReport r = sample_td_report(true);
  const Bytes b = serialize_td_report(r);
  ASSERT_EQ(b.size(), 648u);
  EXPECT_EQ(b[0], 0x0b);
  EXPECT_EQ(b[120 + 3], 0x10);  // td_attributes: SEPT_VE_DISABLE
  EXPECT_EQ(b[136 + 47], 47);   // mr_td
  EXPECT_EQ(b[472], 0x33);      // rtmr3
  EXPECT_EQ(b[520], 0x44);      // report_data
  EXPECT_EQ(b[584], 0x0d);      // tee_tcb_svn_2
  EXPECT_EQ(b[600], 0x55);      // mr_service_td
  r.is_v15 = false;
  EXPECT_EQ(serialize_td_report(r).size(), 584u);
}

TEST(QuoteBuild, BodyTypeNamesAndSizes) {
  EXPECT_EQ(body_type_name(BodyType::kSgxEnclave), "sgx_enclave_report");
  EXPECT_EQ(body_type_name(BodyType::kTdReport10), "td_report_1.0");
  EXPECT_EQ(body_type_name(BodyType::kTdReport15), "td_report_1.5");
  EXPECT_EQ(body_size(BodyType::kSgxEnclave), 384u);
  EXPECT_EQ(body_size(BodyType::kTdReport10), 584u);
  EXPECT_EQ(body_size(BodyType::kTdReport15), 648u);
}

// ---------------------------------------------------------------------------------------
// Quote files.

TEST(QuoteFile, BinaryPassesThrough) {
  const Bytes binary = {0x04, 0x00, 0x02, 0x00, 0x81, 0x00, 0x00, 0x00, 0x0a, ' '};
  auto out = decode_quote_file(binary);
  ASSERT_TRUE(out.ok());
  EXPECT_EQ(*out, binary);
}

TEST(QuoteFile, HexTextForms) {
  const Bytes expected = {0x04, 0x00, 0xde, 0xad, 0xbe, 0xef};
  for (const char* text : {"0400deadbeef", "0x0400deadbeef\n", "  0X0400DEADBEEF  \r\n",
                           "0400de\nadbe ef\n", "\t0x04 00 de ad be ef"}) {
    auto out = decode_quote_file(as_bytes(text));
    ASSERT_TRUE(out.ok()) << text << ": " << out.error().message();
    EXPECT_EQ(*out, expected) << text;
  }
}

TEST(QuoteFile, BadHexTextFails) {
  struct Case {
    const char* text;
    const char* message;
  };
  for (const Case& c : {Case{"0xzz", "offset 2"}, Case{"04g0", "offset 2"},
                        Case{"abc", "odd number"}, Case{"0x", "no digits"}, Case{"", "empty"},
                        Case{" \n\t", "empty"}, Case{"0x0x04", "offset 3"}}) {
    auto out = decode_quote_file(as_bytes(c.text));
    ASSERT_FALSE(out.ok()) << c.text;
    EXPECT_EQ(out.error().code(), ErrorCode::kParse);
    EXPECT_NE(out.error().message().find(c.message), std::string::npos)
        << c.text << ": " << out.error().message();
  }
}

TEST(QuoteFile, OversizedInputIsRejected) {
  const Bytes big(kMaxQuoteFileSize + 1, '0');
  auto out = decode_quote_file(big);
  ASSERT_FALSE(out.ok());
  EXPECT_EQ(out.error().code(), ErrorCode::kLimit);
}

// ---------------------------------------------------------------------------------------
// td_attributes.

std::array<std::uint8_t, 8> attrs(std::string_view hex_text) {
  const Bytes b = test::unhex(hex_text);
  std::array<std::uint8_t, 8> out{};
  std::copy(b.begin(), b.end(), out.begin());
  return out;
}

TEST(TdAttributes, ProductionValueIsOnlySeptVeDisable) {
  const TdAttributes a = decode_td_attributes(attrs("0000001000000000"));
  EXPECT_EQ(a, (TdAttributes{.sept_ve_disable = true}));
}

TEST(TdAttributes, EachKnownBit) {
  EXPECT_EQ(decode_td_attributes(attrs("0100000000000000")), (TdAttributes{.debug = true}));
  EXPECT_EQ(decode_td_attributes(attrs("0000004000000000")), (TdAttributes{.pks = true}));
  EXPECT_EQ(decode_td_attributes(attrs("0000008000000000")), (TdAttributes{.kl = true}));
  EXPECT_EQ(decode_td_attributes(attrs("0000000000000080")), (TdAttributes{.perfmon = true}));
  EXPECT_EQ(decode_td_attributes(attrs("0000000000000000")), TdAttributes{});
}

TEST(TdAttributes, EveryOtherBitIsReserved) {
  const std::uint64_t known = 1 | (1ull << 28) | (1ull << 30) | (1ull << 31) | (1ull << 63);
  for (int bit = 0; bit < 64; ++bit) {
    const std::uint64_t value = 1ull << bit;
    std::array<std::uint8_t, 8> raw{};
    for (std::size_t i = 0; i < 8; ++i)
      raw[i] = static_cast<std::uint8_t>(value >> (8 * i));
    EXPECT_EQ(decode_td_attributes(raw).reserved_bits_set, (known & value) == 0) << "bit " << bit;
  }
}

TEST(TdAttributes, EncodeRoundTripsEveryCombination) {
  for (int mask = 0; mask < 64; ++mask) {
    TdAttributes a;
    a.debug = (mask & 1) != 0;
    a.sept_ve_disable = (mask & 2) != 0;
    a.pks = (mask & 4) != 0;
    a.kl = (mask & 8) != 0;
    a.perfmon = (mask & 16) != 0;
    a.reserved_bits_set = (mask & 32) != 0;
    EXPECT_EQ(decode_td_attributes(encode_td_attributes(a)), a) << mask;
  }
  EXPECT_EQ(encode_td_attributes(TdAttributes{.sept_ve_disable = true}), attrs("0000001000000000"));
  EXPECT_EQ(encode_td_attributes(TdAttributes{.debug = true, .perfmon = true}),
            attrs("0100000000000080"));
}

TEST(TdAttributes, JsonShowsDecodedBits) {
  QuoteHeader header;
  TdReport td = sample_td_report(false);
  td.td_attributes = attrs("0100004002000000");  // DEBUG, PKS, reserved bit 33
  auto region = serialize_signed_region(header, td);
  ASSERT_TRUE(region.ok());
  auto bytes = serialize_quote(*region, {}, {}, sample_certification());
  ASSERT_TRUE(bytes.ok());
  auto quote = parse_quote(*bytes);
  ASSERT_TRUE(quote.ok()) << quote.error().message();
  const Json j = quote_to_json(*quote);
  const Json& d = j["td_report"]["td_attributes_decoded"];
  EXPECT_EQ(j["td_report"]["td_attributes"], "0100004002000000");
  EXPECT_EQ(d["debug"], true);
  EXPECT_EQ(d["pks"], true);
  EXPECT_EQ(d["reserved_bits_set"], true);
  EXPECT_EQ(d["sept_ve_disable"], false);
  EXPECT_EQ(d["kl"], false);
  EXPECT_EQ(d["perfmon"], false);
  const std::string text = quote_to_text(*quote);
  EXPECT_NE(text.find("DEBUG, PKS, RESERVED BITS SET"), std::string::npos) << text;
}

}  // namespace
}  // namespace cllm::tdx
