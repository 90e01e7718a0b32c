// Claims: the canonical form (byte-exact), the report_data derivation against an
// independent computation, and the strict parser (unknown keys, wrong types, non-unique
// spellings all rejected).
#include "cllm/attest/claims.hpp"

#include <gtest/gtest.h>

#include "cllm/common/hex.hpp"
#include "cllm/crypto/hash.hpp"
#include "unit/attest/node_fixture.hpp"

namespace cllm::attest {
namespace {

using testing::SimNode;

Claims sample() {
  Claims c;
  c.purpose = "report";
  c.tee_type = "sim";
  c.tls_spki_sha256 = std::string(64, 'a');
  c.signing_address = "0x0000000000000000000000000000000000000000";
  c.secp256k1_public_key = "04" + std::string(128, 'b');
  c.ed25519_public_key = std::string(64, 'c');
  c.model_id = "m";
  c.model_sha256 = std::string(64, 'd');
  c.issued_at = 1767225600;
  c.nonce = std::string(64, 'e');
  return c;
}

TEST(Claims, CanonicalFormIsSortedCompactJson) {
  auto text = canonical_claims(sample());
  ASSERT_TRUE(text.ok()) << text.error().message();
  EXPECT_EQ(*text, "{\"ed25519_public_key\":\"" + std::string(64, 'c') +
                       "\",\"issued_at\":1767225600,\"model_id\":\"m\",\"model_sha256\":\"" +
                       std::string(64, 'd') + "\",\"nonce\":\"" + std::string(64, 'e') +
                       "\",\"purpose\":\"report\",\"secp256k1_public_key\":\"04" +
                       std::string(128, 'b') +
                       "\",\"signing_address\":\"0x0000000000000000000000000000000000000000\","
                       "\"tee_type\":\"sim\",\"tls_spki_sha256\":\"" +
                       std::string(64, 'a') + "\",\"version\":\"cllm.claims.v1\"}");
}

TEST(Claims, ReportDataIsSha512OfTagZeroCanonical) {
  const Claims c = sample();
  auto text = canonical_claims(c);
  ASSERT_TRUE(text.ok());
  auto expected = crypto::sha512(as_bytes(std::string("cllm/report/v1") + '\0' + *text));
  ASSERT_TRUE(expected.ok());
  auto rd = claims_report_data(kReportTag, c);
  ASSERT_TRUE(rd.ok());
  EXPECT_EQ(to_hex(*rd), to_hex(*expected));
  // Domain separation: another tag gives another value.
  auto other = claims_report_data(kRatlsTag, c);
  ASSERT_TRUE(other.ok());
  EXPECT_NE(*other, *rd);
}

TEST(Claims, JsonRoundTripAndCanonicalParse) {
  SimNode node;
  const Claims c = node.claims(kPurposeReport);
  auto back = claims_from_json(claims_to_json(c));
  ASSERT_TRUE(back.ok()) << back.error().message();
  EXPECT_EQ(*back, c);
  auto text = canonical_claims(c);
  ASSERT_TRUE(text.ok());
  auto parsed = parse_canonical_claims(*text);
  ASSERT_TRUE(parsed.ok()) << parsed.error().message();
  EXPECT_EQ(*parsed, c);
  // The same object with whitespace is not canonical.
  Json j = claims_to_json(c);
  EXPECT_FALSE(parse_canonical_claims(j.dump(1)).ok());
}

TEST(Claims, StrictParserRejects) {
  const Json good = claims_to_json(sample());
  ASSERT_TRUE(claims_from_json(good).ok());
  auto rejects = [&](const Json& j, std::string_view field) {
    auto r = claims_from_json(j);
    ASSERT_FALSE(r.ok()) << j.dump();
    EXPECT_NE(r.error().message().find(field), std::string::npos) << r.error().message();
  };
  Json j = good;
  j["extra"] = 1;
  rejects(j, "claims.extra");
  j = good;
  j["issued_at"] = 1767225600.0;
  rejects(j, "claims.issued_at");
  j = good;
  j["issued_at"] = "1767225600";
  rejects(j, "claims.issued_at");
  j = good;
  j["tls_spki_sha256"] = std::string(64, 'A');  // upper case: a second spelling
  rejects(j, "claims.tls_spki_sha256");
  j = good;
  j["nonce"] = std::string(62, 'e');
  rejects(j, "claims.nonce");
  j = good;
  j.erase("nonce");  // report claims need one
  rejects(j, "claims.nonce");
  j = good;
  j["purpose"] = "ratls";  // ... and RA-TLS claims must not have one
  rejects(j, "claims.nonce");
  j = good;
  j["signing_address"] = "0xabc";
  rejects(j, "claims.signing_address");
  j = good;
  j["version"] = "cllm.claims.v2";
  rejects(j, "claims.version");
  j = good;
  j["model_id"] = "";
  rejects(j, "claims.model_id");
  j = good;
  j.erase("ed25519_public_key");
  rejects(j, "claims.ed25519_public_key");
  EXPECT_FALSE(claims_from_json(Json::array()).ok());
  EXPECT_FALSE(parse_canonical_claims(std::string(kMaxClaimsJsonSize + 1, ' ')).ok());
  EXPECT_FALSE(parse_canonical_claims("{").ok());
}

TEST(Claims, TagForPurpose) {
  EXPECT_EQ(*tag_for_purpose("ratls"), kRatlsTag);
  EXPECT_EQ(*tag_for_purpose("report"), kReportTag);
  EXPECT_FALSE(tag_for_purpose("kms").ok());
}

}  // namespace
}  // namespace cllm::attest
