#include "cllm/tdx/collateral.hpp"

#include <gtest/gtest.h>

#include <string>

#include "cllm/common/file.hpp"
#include "cllm/common/hex.hpp"
#include "cllm/common/json.hpp"
#include "cllm/crypto/x509.hpp"
#include "support/test_paths.hpp"

namespace cllm::tdx {
namespace {

std::string read_text(const std::string& path) {
  auto text = read_text_file(path);
  EXPECT_TRUE(text.ok()) << path;
  return text.ok() ? *text : std::string();
}

// Verifies `signature` over `text` with the key of the first certificate of `chain_pem`.
Status verify_with_chain_leaf(const std::string& chain_pem, std::string_view text,
                              ByteView signature) {
  CLLM_ASSIGN_OR_RETURN(auto chain, crypto::parse_pem_chain(chain_pem));
  CLLM_ASSIGN_OR_RETURN(auto key, chain.front().ecdsa_public_key());
  return key.verify(as_bytes(text), signature);
}

struct CollateralCase {
  const char* file;
  std::int64_t window_end;  // expected.json collateral_window[1]; 0 = not listed
};

class CollateralFileTest : public ::testing::TestWithParam<CollateralCase> {};

TEST_P(CollateralFileTest, ParsesVerifiesAndRoundTrips) {
  CLLM_REQUIRE_SHARED_FILE(path, GetParam().file);
  const std::string text = read_text(path);
  auto collateral = parse_collateral_json(text);
  ASSERT_TRUE(collateral.ok()) << collateral.error().message();
  EXPECT_EQ(collateral->tcb_info_signature.size(), 64u);
  EXPECT_EQ(collateral->qe_identity_signature.size(), 64u);
  EXPECT_TRUE(crypto::Crl::from_der(collateral->root_ca_crl).ok());
  EXPECT_TRUE(crypto::Crl::from_der(collateral->pck_crl).ok());

  // The texts are kept byte-exact: the Intel signatures verify over them.
  auto tcb = verify_with_chain_leaf(collateral->tcb_info_issuer_chain, collateral->tcb_info,
                                    collateral->tcb_info_signature);
  EXPECT_TRUE(tcb.ok()) << tcb.error().message();
  auto qe = verify_with_chain_leaf(collateral->qe_identity_issuer_chain, collateral->qe_identity,
                                   collateral->qe_identity_signature);
  EXPECT_TRUE(qe.ok()) << qe.error().message();

  // Our JSON reads back to the same value, and has the same members as the original.
  const std::string written = collateral_to_json(*collateral);
  auto reread = parse_collateral_json(written);
  ASSERT_TRUE(reread.ok()) << reread.error().message();
  EXPECT_EQ(*reread, *collateral);
  auto original_json = parse_json(text);
  auto written_json = parse_json(written);
  ASSERT_TRUE(original_json.ok() && written_json.ok());
  EXPECT_EQ(*written_json, *original_json);

  if (GetParam().window_end != 0) {
    auto next = collateral_next_update(*collateral);
    ASSERT_TRUE(next.ok()) << next.error().message();
    EXPECT_EQ(*next, GetParam().window_end);
  }
}

INSTANTIATE_TEST_SUITE_P(
    CollateralRealFiles, CollateralFileTest,
    ::testing::Values(
        CollateralCase{"testdata/tdx/dcapqvl_tdx_quote_collateral.json", 1752919235},
        CollateralCase{"testdata/tdx/dcapqvl_near_tdx_quote_collateral.json", 1759388631},
        CollateralCase{"testdata/tdx/dcapqvl_tdx_quote_outdated_collateral.json", 0},
        CollateralCase{"testdata/sgx/dcapqvl_sgx_quote_collateral.json", 0},
        CollateralCase{"testdata/tdx/go-tdx-guest/derived_collateral_v4_dcapqvl_format.json",
                       1688801099}));

class CollateralVariantsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto found = test::shared_file("testdata/tdx/dcapqvl_tdx_quote_collateral.json");
    if (!found) GTEST_SKIP() << "SKIPPED LOUDLY: shared test data missing";
    auto parsed = parse_json(read_text(*found));
    ASSERT_TRUE(parsed.ok());
    json_ = *parsed;
    auto collateral = parse_collateral_json(json_.dump());
    ASSERT_TRUE(collateral.ok()) << collateral.error().message();
    reference_ = *collateral;
  }
  Result<Collateral> parse_with(const std::string& key, const Json& value) {
    Json copy = json_;
    copy[key] = value;
    return parse_collateral_json(copy.dump());
  }
  Json json_;
  Collateral reference_;
};

TEST_F(CollateralVariantsTest, AcceptsPemCrls) {
  auto crl = crypto::Crl::from_der(reference_.pck_crl);
  ASSERT_TRUE(crl.ok());
  // PEM text of the same CRL, as PCS serves it without encoding=der.
  std::string b64;
  {
    auto der = reference_.pck_crl;
    static const char* kAlphabet =
        "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    std::size_t i = 0;
    for (; i + 2 < der.size(); i += 3) {
      const unsigned v = (der[i] << 16) | (der[i + 1] << 8) | der[i + 2];
      for (int s = 18; s >= 0; s -= 6)
        b64 += kAlphabet[(v >> s) & 63];
    }
    if (i < der.size()) {
      const unsigned v = (der[i] << 16) | ((i + 1 < der.size() ? der[i + 1] : 0) << 8);
      b64 += kAlphabet[(v >> 18) & 63];
      b64 += kAlphabet[(v >> 12) & 63];
      b64 += i + 1 < der.size() ? kAlphabet[(v >> 6) & 63] : '=';
      b64 += '=';
    }
  }
  std::string pem = "-----BEGIN X509 CRL-----\n";
  for (std::size_t i = 0; i < b64.size(); i += 64)
    pem += b64.substr(i, 64) + "\n";
  pem += "-----END X509 CRL-----\n";
  auto parsed = parse_with("pck_crl", pem);
  ASSERT_TRUE(parsed.ok()) << parsed.error().message();
  EXPECT_EQ(parsed->pck_crl, reference_.pck_crl);
  // Hex of PEM text (the bytes of a PEM body stored as a byte field).
  parsed = parse_with("pck_crl", to_hex(as_bytes(pem)));
  ASSERT_TRUE(parsed.ok()) << parsed.error().message();
  EXPECT_EQ(parsed->pck_crl, reference_.pck_crl);
}

TEST_F(CollateralVariantsTest, AcceptsHexOfHexRootCrl) {
  // PCCS rootcacrl returns hex text; stored as bytes, that is hex of hex.
  const std::string hex_text = to_hex(reference_.root_ca_crl);
  auto parsed = parse_with("root_ca_crl", to_hex(as_bytes(hex_text)));
  ASSERT_TRUE(parsed.ok()) << parsed.error().message();
  EXPECT_EQ(parsed->root_ca_crl, reference_.root_ca_crl);
  // Upper-case hex is fine too.
  std::string upper = to_hex(reference_.root_ca_crl);
  for (auto& c : upper)
    c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  parsed = parse_with("root_ca_crl", upper);
  ASSERT_TRUE(parsed.ok()) << parsed.error().message();
  EXPECT_EQ(parsed->root_ca_crl, reference_.root_ca_crl);
}

TEST_F(CollateralVariantsTest, RejectsBadFieldsNamingThem) {
  auto bad_sig = parse_with("tcb_info_signature", std::string(126, 'a'));
  ASSERT_FALSE(bad_sig.ok());
  EXPECT_NE(bad_sig.error().message().find("tcb_info_signature"), std::string::npos);

  auto bad_crl = parse_with("pck_crl", "3082");
  ASSERT_FALSE(bad_crl.ok());
  EXPECT_NE(bad_crl.error().message().find("pck_crl"), std::string::npos)
      << bad_crl.error().message();

  auto not_json = parse_with("qe_identity", "{\"id\":\"TD_QE\"");
  ASSERT_FALSE(not_json.ok());
  EXPECT_NE(not_json.error().message().find("qe_identity"), std::string::npos);

  auto not_object = parse_with("tcb_info", "[1,2]");
  ASSERT_FALSE(not_object.ok());

  auto too_big = parse_with("tcb_info", "{\"a\":\"" + std::string(kMaxSignedJsonSize, 'x') + "\"}");
  ASSERT_FALSE(too_big.ok());
  EXPECT_EQ(too_big.error().code(), ErrorCode::kLimit);

  Json missing = json_;
  missing.erase("qe_identity_issuer_chain");
  auto no_chain = parse_collateral_json(missing.dump());
  ASSERT_FALSE(no_chain.ok());
  EXPECT_NE(no_chain.error().message().find("qe_identity_issuer_chain"), std::string::npos);

  EXPECT_FALSE(parse_collateral_json("[]").ok());
  EXPECT_FALSE(parse_collateral_json("{").ok());
}

TEST_F(CollateralVariantsTest, OptionalPckChain) {
  auto with_null = parse_with("pck_certificate_chain", nullptr);
  ASSERT_TRUE(with_null.ok());
  EXPECT_FALSE(with_null->pck_certificate_chain.has_value());
  auto with_chain = parse_with("pck_certificate_chain", reference_.pck_crl_issuer_chain);
  ASSERT_TRUE(with_chain.ok());
  ASSERT_TRUE(with_chain->pck_certificate_chain.has_value());
  auto reread = parse_collateral_json(collateral_to_json(*with_chain));
  ASSERT_TRUE(reread.ok());
  EXPECT_EQ(*reread, *with_chain);
  EXPECT_FALSE(parse_with("pck_certificate_chain", 5).ok());
}

struct SignedCase {
  const char* response;
  const char* key;
  const char* chain;
};

class CollateralSplitTest : public ::testing::TestWithParam<SignedCase> {};

TEST_P(CollateralSplitTest, SubstringIsByteExact) {
  CLLM_REQUIRE_SHARED_FILE(response_path, GetParam().response);
  CLLM_REQUIRE_SHARED_FILE(chain_path, GetParam().chain);
  const std::string response = read_text(response_path);
  auto split = split_pcs_signed_json(response, GetParam().key);
  ASSERT_TRUE(split.ok()) << split.error().message();
  EXPECT_EQ(split->signature.size(), 64u);
  EXPECT_EQ(split->body.front(), '{');
  EXPECT_NE(response.find(split->body), std::string::npos);
  auto verified = verify_with_chain_leaf(read_text(chain_path), split->body, split->signature);
  EXPECT_TRUE(verified.ok()) << verified.error().message();
  // A single changed byte in the body breaks the signature (the check is meaningful).
  std::string tampered = split->body;
  tampered[tampered.size() / 2] ^= 1;
  EXPECT_FALSE(verify_with_chain_leaf(read_text(chain_path), tampered, split->signature).ok());
}

INSTANTIATE_TEST_SUITE_P(
    CollateralGoTdxGuest, CollateralSplitTest,
    ::testing::Values(SignedCase{"testdata/tdx/go-tdx-guest/sample_tcbInfo_response", "tcbInfo",
                                 "testdata/tdx/go-tdx-guest/tcbinfo_issuer_chain.pem"},
                      SignedCase{"testdata/tdx/go-tdx-guest/sample_tcbinfo_response_v5", "tcbInfo",
                                 "testdata/tdx/go-tdx-guest/tcbinfo_issuer_chain.pem"},
                      SignedCase{"testdata/tdx/go-tdx-guest/sample_qeIdentity_response",
                                 "enclaveIdentity",
                                 "testdata/tdx/go-tdx-guest/qeidentity_issuer_chain.pem"}));

const std::string kSig(128, 'a');

TEST(CollateralSplitPcsSignedJson, KeepsWhitespaceAndTrickyStrings) {
  const std::string body = "{ \"a\" : \"}{\\\"]\" , \"b\":[1,{\"c\":\"\\\\\"}] }";
  const std::string response =
      " {\n \"signature\" : \"" + kSig + "\",\n \"tcbInfo\" :  " + body + " \n} ";
  auto split = split_pcs_signed_json(response, "tcbInfo");
  ASSERT_TRUE(split.ok()) << split.error().message();
  EXPECT_EQ(split->body, body);
  EXPECT_EQ(split->signature, Bytes(64, 0xaa));
}

TEST(CollateralSplitPcsSignedJson, EscapedKeyMatchesDecoded) {
  const std::string response = "{\"tcb\\u0049nfo\":{\"x\":1},\"signature\":\"" + kSig + "\"}";
  auto split = split_pcs_signed_json(response, "tcbInfo");
  ASSERT_TRUE(split.ok()) << split.error().message();
  EXPECT_EQ(split->body, "{\"x\":1}");
}

TEST(CollateralSplitPcsSignedJson, Rejects) {
  const auto sig = "\"signature\":\"" + kSig + "\"";
  EXPECT_FALSE(split_pcs_signed_json("{\"tcbInfo\":{}}", "tcbInfo").ok());
  EXPECT_FALSE(split_pcs_signed_json("{" + sig + "}", "tcbInfo").ok());
  EXPECT_FALSE(split_pcs_signed_json("{\"tcbInfo\":[]," + sig + "}", "tcbInfo").ok());
  EXPECT_FALSE(split_pcs_signed_json("{\"tcbInfo\":{}," + sig + "," + sig + "}", "tcbInfo").ok());
  EXPECT_FALSE(
      split_pcs_signed_json("{\"tcbInfo\":{},\"tcbInfo\":{}," + sig + "}", "tcbInfo").ok());
  EXPECT_FALSE(split_pcs_signed_json("{\"tcbInfo\":{},\"signature\":\"abcd\"}", "tcbInfo").ok());
  EXPECT_FALSE(split_pcs_signed_json("{\"tcbInfo\":{}," + sig, "tcbInfo").ok());
  EXPECT_FALSE(split_pcs_signed_json("{\"tcbInfo\":{,}," + sig + "}", "tcbInfo").ok());
  EXPECT_FALSE(split_pcs_signed_json("[]", "tcbInfo").ok());
  auto big = split_pcs_signed_json(std::string(kMaxSignedJsonSize + 1, ' '), "tcbInfo");
  ASSERT_FALSE(big.ok());
  EXPECT_EQ(big.error().code(), ErrorCode::kLimit);
}

}  // namespace
}  // namespace cllm::tdx
