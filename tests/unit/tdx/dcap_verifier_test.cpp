#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <string>
#include <vector>

#include "cllm/common/file.hpp"
#include "cllm/common/hex.hpp"
#include "cllm/common/json.hpp"
#include "cllm/crypto/x509.hpp"
#include "cllm/tdx/collateral.hpp"
#include "cllm/tdx/quote.hpp"
#include "cllm/tdx/verifier.hpp"
#include "support/test_paths.hpp"

namespace cllm::tdx {
namespace {

std::string read_text(const std::string& path) {
  auto text = read_text_file(path);
  EXPECT_TRUE(text.ok()) << path;
  return text.ok() ? *text : std::string();
}

Bytes read_bytes(const std::string& path) {
  auto bytes = read_file(path);
  EXPECT_TRUE(bytes.ok()) << path;
  return bytes.ok() ? *bytes : Bytes();
}

crypto::Certificate load_root(const std::string& path) {
  const Bytes data = read_bytes(path);
  auto der = crypto::Certificate::from_der(data);
  if (der.ok()) return *der;
  auto pem = crypto::Certificate::from_pem(cllm::to_string(data));
  EXPECT_TRUE(pem.ok()) << path;
  return *pem;
}

// One expected.json vector, loaded.
struct Vector {
  std::string name;
  Bytes quote;
  Collateral collateral;
  std::optional<crypto::Certificate> root;
  std::int64_t now = 0;
  Json expected;
};

std::vector<Vector> load_vectors() {
  std::vector<Vector> out;
  auto path = test::shared_file("testdata/tdx/expected.json");
  if (!path) return out;
  auto doc = parse_json(read_text(*path));
  EXPECT_TRUE(doc.ok());
  if (!doc.ok()) return out;
  const std::string base = test::shared_dir() + "/testdata/";
  for (const auto& v : (*doc)["vectors"]) {
    Vector vector;
    vector.name = v["name"].get<std::string>();
    auto quote = decode_quote_file(read_bytes(base + v["quote"].get<std::string>()));
    EXPECT_TRUE(quote.ok()) << vector.name;
    if (quote.ok()) vector.quote = *quote;
    auto collateral = parse_collateral_json(read_text(base + v["collateral"].get<std::string>()));
    EXPECT_TRUE(collateral.ok()) << vector.name << ": " << collateral.error().message();
    if (!collateral.ok()) continue;
    vector.collateral = *collateral;
    vector.root = load_root(base + v["root_ca"].get<std::string>());
    vector.now = v["now"].get<std::int64_t>();
    vector.expected = v["expected"];
    out.push_back(std::move(vector));
  }
  return out;
}

const std::vector<Vector>& vectors() {
  static const std::vector<Vector> loaded = load_vectors();
  return loaded;
}

const Vector* vector_named(std::string_view name) {
  for (const auto& v : vectors()) {
    if (v.name == name) return &v;
  }
  return nullptr;
}

#define CLLM_REQUIRE_VECTOR(var, name)                                              \
  const Vector* var = vector_named(name);                                           \
  if (var == nullptr) {                                                             \
    GTEST_SKIP() << "SKIPPED LOUDLY: shared vector " << (name) << " missing under " \
                 << ::cllm::test::shared_dir() << "/testdata/tdx/expected.json";    \
  }

std::string joined(const std::vector<std::string>& lines) {
  std::string out;
  for (const auto& line : lines)
    out += "\n  " + line;
  return out;
}

std::vector<std::string> strings(const Json& list) {
  std::vector<std::string> out;
  for (const auto& item : list)
    out.push_back(item.get<std::string>());
  return out;
}

void expect_component(const Json& expected, const std::optional<ComponentStatus>& actual,
                      const std::string& what) {
  if (expected.is_null()) {
    EXPECT_FALSE(actual.has_value()) << what;
    return;
  }
  ASSERT_TRUE(actual.has_value()) << what;
  EXPECT_EQ(to_string(actual->status), expected[0].get<std::string>()) << what;
  EXPECT_EQ(actual->advisory_ids, strings(expected[1])) << what;
}

VerificationResult verify_ok(const Vector& v, std::int64_t now) {
  auto result = verify_quote({v.quote, v.collateral, *v.root, now, {}});
  EXPECT_TRUE(result.ok()) << v.name << ": " << result.error().message();
  return result.ok() ? *result : VerificationResult{};
}

TEST(DcapVerifierTest, EveryExpectedVectorMatchesIntelQvlRules) {
  CLLM_REQUIRE_SHARED_FILE(path, "testdata/tdx/expected.json");
  ASSERT_EQ(vectors().size(), 8u);
  for (const auto& v : vectors()) {
    SCOPED_TRACE(v.name);
    const VerificationResult r = verify_ok(v, v.now);
    EXPECT_FALSE(r.simulated);
    if (v.expected.contains("error")) {
      ASSERT_EQ(v.expected["error"], "no tcb level");
      EXPECT_FALSE(r.verified);
      EXPECT_TRUE(r.signatures_verified) << joined(r.errors);
      EXPECT_TRUE(r.has_error("tcb_level")) << joined(r.errors);
      EXPECT_EQ(r.errors.size(), 1u) << joined(r.errors);
      continue;
    }
    ASSERT_TRUE(r.verified) << joined(r.errors);
    EXPECT_TRUE(r.errors.empty());
    const Json& e = v.expected;
    EXPECT_EQ(to_string(r.status), e["status"].get<std::string>());
    EXPECT_EQ(r.advisory_ids, strings(e["advisory_ids"]));
    expect_component(e["platform"], r.platform, "platform");
    expect_component(e["module"], r.module, "module");
    expect_component(e["qe"], r.qe, "qe");
    EXPECT_EQ(r.matched_tcb_date, e["matched_tcb_date"].get<std::string>());
    EXPECT_EQ(r.fmspc, e["fmspc"].get<std::string>());
    if (e["td_attributes"].is_null()) {
      EXPECT_FALSE(r.td_attributes.has_value());
      EXPECT_EQ(r.quote.td_report(), nullptr);
    } else {
      ASSERT_NE(r.quote.td_report(), nullptr);
      EXPECT_EQ(to_hex(r.quote.td_report()->td_attributes), e["td_attributes"].get<std::string>());
      ASSERT_TRUE(r.td_attributes.has_value());
      EXPECT_TRUE(r.td_attributes->sept_ve_disable);
    }
    EXPECT_GE(r.collateral_expires_at, v.now);
  }
}

TEST(DcapVerifierTest, SgxVectorIsConfigurationAndSwHardeningNeeded) {
  CLLM_REQUIRE_VECTOR(v, "sgx_v3_config_swhardening");
  const VerificationResult r = verify_ok(*v, 1752919277);
  ASSERT_TRUE(r.verified) << joined(r.errors);
  EXPECT_EQ(r.status, TcbStatus::kConfigurationAndSwHardeningNeeded);
  EXPECT_EQ(r.advisory_ids, (std::vector<std::string>{"INTEL-SA-00289", "INTEL-SA-00615"}));
  EXPECT_FALSE(r.module.has_value());
  EXPECT_EQ(r.fmspc, "00a067110000");
}

// --- Intel QVL synthetic samples (their own test root) ---------------------------------

struct IntelSample {
  Bytes quote;
  Collateral collateral;
  std::optional<crypto::Certificate> root;
};

std::optional<IntelSample> load_intel_sample(const std::string& dir) {
  auto probe = test::shared_file(dir + "/quote.dat");
  if (!probe) return std::nullopt;
  const std::string base = test::shared_dir() + "/" + dir + "/";
  IntelSample s;
  s.quote = read_bytes(base + "quote.dat");
  auto tcb = split_pcs_signed_json(read_text(base + "tcbInfo.json"), "tcbInfo");
  auto qe = split_pcs_signed_json(read_text(base + "qeIdentity.json"), "enclaveIdentity");
  EXPECT_TRUE(tcb.ok() && qe.ok());
  if (!tcb.ok() || !qe.ok()) return std::nullopt;
  Collateral& c = s.collateral;
  c.tcb_info = tcb->body;
  c.tcb_info_signature = tcb->signature;
  c.qe_identity = qe->body;
  c.qe_identity_signature = qe->signature;
  c.tcb_info_issuer_chain = read_text(base + "tcbSignChain.pem");
  c.qe_identity_issuer_chain = c.tcb_info_issuer_chain;
  c.pck_crl_issuer_chain = read_text(base + "pckSignChain.pem");
  c.root_ca_crl = read_bytes(base + "rootCaCrl.der");
  c.pck_crl = read_bytes(base + "intermediateCaCrl.der");
  // The sample quotes carry PPID or DER certificates, so the PCK chain comes from the files.
  c.pck_certificate_chain = read_text(base + "pckCert.pem") + c.pck_crl_issuer_chain;
  s.root = load_root(base + "trustedRootCaCert.pem");
  return s;
}

constexpr std::int64_t k2025 = 1735689600;  // 2025-01-01T00:00:00Z

TEST(DcapVerifierTest, IntelQvlSgxSampleIsUpToDate) {
  auto sample = load_intel_sample("testdata/sgx/intel_qvl_sample_sgx");
  if (!sample) GTEST_SKIP() << "SKIPPED LOUDLY: testdata/sgx/intel_qvl_sample_sgx missing";
  auto r = verify_quote({sample->quote, sample->collateral, *sample->root, k2025, {}});
  ASSERT_TRUE(r.ok()) << r.error().message();
  ASSERT_TRUE(r->verified) << joined(r->errors);
  EXPECT_EQ(r->status, TcbStatus::kUpToDate);
  EXPECT_TRUE(r->advisory_ids.empty());
}

TEST(DcapVerifierTest, IntelQvlTdxSampleIsTdxModuleMismatch) {
  auto sample = load_intel_sample("testdata/tdx/intel_qvl_sample_tdx");
  if (!sample) GTEST_SKIP() << "SKIPPED LOUDLY: testdata/tdx/intel_qvl_sample_tdx missing";
  auto r = verify_quote({sample->quote, sample->collateral, *sample->root, k2025, {}});
  ASSERT_TRUE(r.ok()) << r.error().message();
  EXPECT_FALSE(r->verified);
  EXPECT_TRUE(r->has_error("tdx_module_mismatch")) << joined(r->errors);
  EXPECT_TRUE(r->has_error("qe_identity_mismatch")) << joined(r->errors);
  // Everything signed verifies (PROVENANCE.md).
  for (const char* check :
       {"tcb_info_signature", "qe_identity_signature", "tcb_info_chain", "qe_identity_chain",
        "pck_chain", "qe_report_signature", "quote_signature", "root_ca_crl", "pck_crl"}) {
    EXPECT_FALSE(r->has_error(check)) << check << joined(r->errors);
  }
}

// --- Tampering ---------------------------------------------------------------------------

std::size_t offset_of(const Bytes& haystack, ByteView needle) {
  auto it = std::search(haystack.begin(), haystack.end(), needle.begin(), needle.end());
  EXPECT_NE(it, haystack.end());
  return static_cast<std::size_t>(it - haystack.begin());
}

struct Region {
  const char* name;
  std::size_t offset;
  const char* check;  // the check that must name the failure
};

std::vector<Region> signed_regions(const Quote& q) {
  const Bytes& raw = q.raw;
  const auto& cert = q.certification;
  std::vector<Region> regions = {
      {"header user_data", 30, "quote_signature"},
      {"body (last byte)", q.signed_region_size - 1, "quote_signature"},
      {"quote signature", offset_of(raw, q.signature) + 40, "quote_signature"},
      {"attestation key", offset_of(raw, q.attestation_key) + 10, "qe_report_binding"},
      {"QE report", offset_of(raw, cert.qe_report_raw) + 100, "qe_report_signature"},
      {"QE report data", offset_of(raw, cert.qe_report_raw) + 320 + 5, "qe_report_signature"},
      {"QE report signature", offset_of(raw, cert.qe_report_signature) + 20, "qe_report_signature"},
      // Near the end of the first PEM block: the leaf's signature.
      {"PCK leaf", offset_of(raw, cert.cert_data) + 900, "pck_chain"},
  };
  if (!cert.qe_auth_data.empty()) {
    regions.push_back({"QE auth data", offset_of(raw, cert.qe_auth_data) + 3, "qe_report_binding"});
  }
  return regions;
}

TEST(DcapVerifierTest, FlippingAByteInEverySignedRegionIsRejectedByTheRightCheck) {
  for (const char* name : {"tdx_v4_uptodate_dcapqvl", "tdx_v4_uptodate_near",
                           "tdx_v5_td15_uptodate_gotdxguest", "sgx_v3_config_swhardening"}) {
    CLLM_REQUIRE_VECTOR(v, name);
    SCOPED_TRACE(name);
    DcapVerifier verifier(*v->root);
    auto clean = verifier.verify(v->quote, v->collateral, v->now);
    ASSERT_TRUE(clean.ok() && clean->verified);  // also warms the cache
    for (const Region& region : signed_regions(clean->quote)) {
      SCOPED_TRACE(region.name);
      Bytes tampered = v->quote;
      ASSERT_LT(region.offset, tampered.size());
      tampered[region.offset] ^= 0x01;
      auto r = verifier.verify(tampered, v->collateral, v->now);
      if (!r.ok()) {
        ADD_FAILURE() << "tampering made the quote unparseable: " << r.error().message();
        continue;
      }
      EXPECT_FALSE(r->verified);
      EXPECT_TRUE(r->has_error(region.check)) << joined(r->errors);
    }
  }
}

// Changes the case of one hex letter: the document still means the same, but the signed
// text differs, so only the signature check can catch it.
std::string recase_first_hex_letter_after(std::string text, std::string_view key) {
  std::size_t pos = text.find(key);
  EXPECT_NE(pos, std::string::npos) << key;
  for (pos += key.size(); pos < text.size(); ++pos) {
    char& c = text[pos];
    if (c >= 'A' && c <= 'F') {
      c = static_cast<char>(c - 'A' + 'a');
      break;
    }
    if (c >= 'a' && c <= 'f') {
      c = static_cast<char>(c - 'a' + 'A');
      break;
    }
  }
  return text;
}

TEST(DcapVerifierTest, ChangedCollateralTextFailsTheSignatureCheck) {
  CLLM_REQUIRE_VECTOR(v, "tdx_v4_uptodate_dcapqvl");
  DcapVerifier verifier(*v->root);
  ASSERT_TRUE(verifier.verify(v->quote, v->collateral, v->now)->verified);

  Collateral tcb = v->collateral;
  tcb.tcb_info = recase_first_hex_letter_after(tcb.tcb_info, "\"fmspc\":\"");
  ASSERT_NE(tcb.tcb_info, v->collateral.tcb_info);
  auto r = verifier.verify(v->quote, tcb, v->now);
  ASSERT_TRUE(r.ok());
  EXPECT_FALSE(r->verified);
  EXPECT_TRUE(r->has_error("tcb_info_signature")) << joined(r->errors);
  EXPECT_EQ(r->errors.size(), 1u) << joined(r->errors);

  Collateral qe = v->collateral;
  qe.qe_identity = recase_first_hex_letter_after(qe.qe_identity, "\"mrsigner\":\"");
  ASSERT_NE(qe.qe_identity, v->collateral.qe_identity);
  r = verifier.verify(v->quote, qe, v->now);
  ASSERT_TRUE(r.ok());
  EXPECT_FALSE(r->verified);
  EXPECT_TRUE(r->has_error("qe_identity_signature")) << joined(r->errors);
  EXPECT_EQ(r->errors.size(), 1u) << joined(r->errors);

  Collateral sig = v->collateral;
  sig.tcb_info_signature[10] ^= 0x80;
  r = verifier.verify(v->quote, sig, v->now);
  ASSERT_TRUE(r.ok());
  EXPECT_TRUE(r->has_error("tcb_info_signature")) << joined(r->errors);

  Collateral broken = v->collateral;
  broken.tcb_info = "{not json";
  r = verifier.verify(v->quote, broken, v->now);
  ASSERT_TRUE(r.ok());
  EXPECT_TRUE(r->has_error("tcb_info")) << joined(r->errors);
  EXPECT_TRUE(r->has_error("tcb_info_signature")) << joined(r->errors);
  EXPECT_FALSE(r->verified);
}

TEST(DcapVerifierTest, VerifyingAfterTheCrlNextUpdateIsCollateralExpired) {
  CLLM_REQUIRE_VECTOR(v, "tdx_v4_uptodate_dcapqvl");
  auto pck_crl = crypto::Crl::parse(v->collateral.pck_crl);
  ASSERT_TRUE(pck_crl.ok());
  ASSERT_TRUE(pck_crl->next_update().has_value());
  DcapVerifier verifier(*v->root);
  ASSERT_TRUE(verifier.verify(v->quote, v->collateral, v->now)->verified);  // cached
  const std::int64_t later = *pck_crl->next_update() + 1;
  auto r = verifier.verify(v->quote, v->collateral, later);
  ASSERT_TRUE(r.ok());
  EXPECT_FALSE(r->verified);
  EXPECT_FALSE(r->signatures_verified);
  bool named = false;
  for (const auto& e : r->errors)
    named = named || e.rfind("collateral_expired: pck_crl", 0) == 0;
  EXPECT_TRUE(named) << joined(r->errors);

  // The TCB info's own nextUpdate (collateral_window end = 1752919235).
  r = verifier.verify(v->quote, v->collateral, 1752919236);
  ASSERT_TRUE(r.ok());
  EXPECT_FALSE(r->verified);
  EXPECT_TRUE(r->has_error("collateral_expired")) << joined(r->errors);

  // Before the documents were issued.
  r = verifier.verify(v->quote, v->collateral, 1750329147 - 86400);
  ASSERT_TRUE(r.ok());
  EXPECT_TRUE(r->has_error("collateral_not_yet_valid")) << joined(r->errors);

  // And back inside the window, the cached entry is used again.
  EXPECT_TRUE(verifier.verify(v->quote, v->collateral, v->now)->verified);
}

TEST(DcapVerifierTest, WrongRootFailsEveryChainAndSimulatedRootsAreMarked) {
  CLLM_REQUIRE_VECTOR(v, "tdx_v4_uptodate_dcapqvl");
  CLLM_REQUIRE_SHARED_FILE(other_path, "testdata/tdx/intel_qvl_sample_tdx/trustedRootCaCert.pem");
  const crypto::Certificate other = load_root(other_path);
  auto r = verify_quote({v->quote, v->collateral, other, v->now, {}});
  ASSERT_TRUE(r.ok());
  EXPECT_FALSE(r->verified);
  EXPECT_FALSE(r->simulated);
  for (const char* check : {"pck_chain", "tcb_info_chain", "qe_identity_chain", "root_ca_crl"}) {
    EXPECT_TRUE(r->has_error(check)) << check << joined(r->errors);
  }

  // The same evidence, with the real root given as a "simulated" root only.
  std::vector<crypto::Certificate> simulated = {*v->root};
  r = verify_quote({v->quote, v->collateral, other, v->now, simulated});
  ASSERT_TRUE(r.ok());
  EXPECT_TRUE(r->verified) << joined(r->errors);
  EXPECT_TRUE(r->simulated);
}

TEST(DcapVerifierTest, MismatchedCollateralIsTcbInfoMismatch) {
  CLLM_REQUIRE_VECTOR(v, "tdx_v4_uptodate_dcapqvl");
  CLLM_REQUIRE_VECTOR(near, "tdx_v4_uptodate_near");
  auto r = verify_quote({v->quote, near->collateral, *v->root, near->now, {}});
  ASSERT_TRUE(r.ok());
  EXPECT_FALSE(r->verified);
  EXPECT_TRUE(r->has_error("tcb_info_mismatch")) << joined(r->errors);
}

TEST(DcapVerifierTest, SgxCollateralForATdxQuoteIsRejected) {
  CLLM_REQUIRE_VECTOR(v, "tdx_v4_uptodate_dcapqvl");
  CLLM_REQUIRE_VECTOR(sgx, "sgx_v3_config_swhardening");
  auto r = verify_quote({v->quote, sgx->collateral, *v->root, sgx->now, {}});
  ASSERT_TRUE(r.ok());
  EXPECT_FALSE(r->verified);
  EXPECT_TRUE(r->has_error("qe_identity_mismatch")) << joined(r->errors);
  EXPECT_TRUE(r->has_error("tcb_info_mismatch")) << joined(r->errors);
}

TEST(DcapVerifierTest, UnparseableQuoteIsAResultError) {
  CLLM_REQUIRE_VECTOR(v, "tdx_v4_uptodate_dcapqvl");
  Bytes truncated(v->quote.begin(), v->quote.begin() + 700);
  auto r = verify_quote({truncated, v->collateral, *v->root, v->now, {}});
  EXPECT_FALSE(r.ok());
  auto empty = verify_quote({ByteView(), v->collateral, *v->root, v->now, {}});
  EXPECT_FALSE(empty.ok());
}

TEST(DcapVerifierTest, CachedAndOneShotResultsAgreeAndWarmIsFast) {
  CLLM_REQUIRE_VECTOR(v, "tdx_v4_uptodate_dcapqvl");
  DcapVerifier verifier(*v->root);
  const auto cold_start = std::chrono::steady_clock::now();
  auto cold = verifier.verify(v->quote, v->collateral, v->now);
  const auto cold_time = std::chrono::steady_clock::now() - cold_start;
  ASSERT_TRUE(cold.ok() && cold->verified);
  EXPECT_GT(verifier.cache_entries(), 0u);
  constexpr int kRounds = 200;
  const auto warm_start = std::chrono::steady_clock::now();
  for (int i = 0; i < kRounds; ++i) {
    auto warm = verifier.verify(v->quote, v->collateral, v->now);
    ASSERT_TRUE(warm.ok() && warm->verified);
    ASSERT_EQ(warm->status, cold->status);
    ASSERT_EQ(warm->advisory_ids, cold->advisory_ids);
    ASSERT_EQ(warm->matched_tcb_date, cold->matched_tcb_date);
  }
  const auto warm_time = (std::chrono::steady_clock::now() - warm_start) / kRounds;
  std::printf("cold %lld us, warm %lld us per verification (this build type)\n",
              static_cast<long long>(
                  std::chrono::duration_cast<std::chrono::microseconds>(cold_time).count()),
              static_cast<long long>(
                  std::chrono::duration_cast<std::chrono::microseconds>(warm_time).count()));
  EXPECT_LT(warm_time, cold_time);
  verifier.clear_cache();
  EXPECT_EQ(verifier.cache_entries(), 0u);
}

}  // namespace
}  // namespace cllm::tdx
