// The TDX simulator: platform creation and reload, quote layout and every signature in it,
// the PKI and collateral a verifier needs, TCB variants, the deterministic boot, RTMR3, and
// full round trips through the DCAP verifier with the simulator's root pinned.
#include <gtest/gtest.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <string>

#include "cllm/common/clock.hpp"
#include "cllm/common/file.hpp"
#include "cllm/common/hex.hpp"
#include "cllm/common/json.hpp"
#include "cllm/crypto/hash.hpp"
#include "cllm/crypto/x509.hpp"
#include "cllm/tdx/intel_root_ca.hpp"
#include "cllm/tdx/pck_extension.hpp"
#include "cllm/tdx/quote.hpp"
#include "cllm/tdx/runtime_event_log.hpp"
#include "cllm/tdx/sim_attester.hpp"
#include "cllm/tdx/sim_boot.hpp"
#include "cllm/tdx/sim_platform.hpp"
#include "cllm/tdx/sim_quote.hpp"
#include "cllm/tdx/verifier.hpp"
#include "support/temp_dir.hpp"

namespace cllm::tdx {
namespace {

constexpr std::int64_t kNow = 1767225600;  // 2026-01-01T00:00:00Z

Measurement measurement_from_hex(std::string_view text) {
  Measurement out{};
  auto bytes = from_hex(text);
  EXPECT_TRUE(bytes.ok());
  if (bytes.ok() && bytes->size() == out.size())
    std::copy(bytes->begin(), bytes->end(), out.begin());
  return out;
}

ReportData sample_report_data() {
  ReportData data{};
  for (std::size_t i = 0; i < data.size(); ++i)
    data[i] = static_cast<std::uint8_t>(0xA0 + i);
  return data;
}

class SimTest : public ::testing::Test {
 protected:
  SimPlatform open_platform(SimTcbVariant variant = SimTcbVariant::kUpToDate,
                            const std::string& subdir = "platform") {
    SimPlatformOptions options;
    options.dir = dir_.path() + "/" + subdir;
    options.variant = variant;
    options.clock = &clock_;
    auto platform = SimPlatform::open(options);
    EXPECT_TRUE(platform.ok()) << (platform.ok() ? "" : platform.error().message());
    return std::move(platform).value();
  }

  Quote quote_of(const SimPlatform& platform, const SimQuoteRequest& request) {
    auto raw = make_sim_quote(platform, request);
    EXPECT_TRUE(raw.ok()) << (raw.ok() ? "" : raw.error().message());
    auto quote = parse_quote(*raw);
    EXPECT_TRUE(quote.ok()) << (quote.ok() ? "" : quote.error().message());
    return std::move(quote).value();
  }

  test::TempDir dir_{"cllm-sim-test"};
  FixedClock clock_ = FixedClock::at_unix(kNow);
};

// Every signature and binding of a simulated quote, checked with crypto:: directly.
void expect_quote_signatures_valid(const SimPlatform& platform, const Quote& quote,
                                   std::int64_t now) {
  // Quote signature by the attestation key over header || [descriptor] || body.
  auto attestation_key =
      crypto::EcdsaPublicKey::from_raw_xy(crypto::EcCurve::kP256, quote.attestation_key);
  ASSERT_TRUE(attestation_key.ok());
  EXPECT_EQ(attestation_key->to_raw_xy(), platform.attestation_key().public_key().to_raw_xy());
  EXPECT_TRUE(attestation_key->verify(quote.signed_region(), quote.signature).ok());

  // Certification data 6 -> 5: the PEM chain leaf, PCK CA, root.
  const QeCertificationData& cert = quote.certification;
  EXPECT_EQ(cert.cert_data_type, 5);
  auto chain = crypto::parse_pem_chain(ByteView(cert.cert_data));
  ASSERT_TRUE(chain.ok()) << chain.error().message();
  ASSERT_EQ(chain->size(), 3u);
  EXPECT_EQ((*chain)[0].subject_common_name(), kSimPckName);
  EXPECT_EQ((*chain)[1].subject_common_name(), kSimPckCaName);
  EXPECT_EQ((*chain)[2].der(), platform.root_certificate_der());

  // QE report signed by the PCK leaf key; QE report data binds the attestation key.
  auto pck_key = (*chain)[0].ecdsa_public_key();
  ASSERT_TRUE(pck_key.ok());
  EXPECT_TRUE(pck_key->verify(cert.qe_report_raw, cert.qe_report_signature).ok());
  EXPECT_EQ(cert.qe_auth_data.size(), 32u);
  auto binding = crypto::sha256(concat({quote.attestation_key, cert.qe_auth_data}));
  ASSERT_TRUE(binding.ok());
  EXPECT_TRUE(std::equal(binding->begin(), binding->end(), cert.qe_report.report_data.begin()));
  EXPECT_TRUE(std::all_of(cert.qe_report.report_data.begin() + 32, cert.qe_report.report_data.end(),
                          [](std::uint8_t b) { return b == 0; }));
  EXPECT_FALSE(cert.qe_report.debug());

  // The chain to the simulator's root at now, with both CRLs.
  const Collateral& collateral = platform.collateral();
  auto root_crl = crypto::Crl::from_der(collateral.root_ca_crl);
  auto pck_crl = crypto::Crl::from_der(collateral.pck_crl);
  ASSERT_TRUE(root_crl.ok());
  ASSERT_TRUE(pck_crl.ok());
  EXPECT_TRUE(root_crl->verify_signature(platform.root_certificate()).ok());
  EXPECT_TRUE(pck_crl->verify_signature(platform.pck_ca_certificate()).ok());
  crypto::ChainVerifyOptions options;
  options.at_time = now;
  options.crls = {*root_crl, *pck_crl};
  auto verified = crypto::verify_chain(*chain, platform.root_certificate(), options);
  EXPECT_TRUE(verified.ok()) << verified.error().message();

  // TCB info and QE identity: signed by the TCB signing cert, which chains to the root.
  auto tcb_chain = crypto::parse_pem_chain(collateral.tcb_info_issuer_chain);
  ASSERT_TRUE(tcb_chain.ok());
  ASSERT_EQ(tcb_chain->size(), 2u);
  EXPECT_EQ((*tcb_chain)[0].subject_common_name(), kSimTcbSigningName);
  crypto::ChainVerifyOptions tcb_options;
  tcb_options.at_time = now;
  tcb_options.crls = {*root_crl};
  auto tcb_verified =
      crypto::verify_chain((*tcb_chain)[0], {}, platform.root_certificate(), tcb_options);
  EXPECT_TRUE(tcb_verified.ok()) << tcb_verified.error().message();
  auto tcb_key = (*tcb_chain)[0].ecdsa_public_key();
  ASSERT_TRUE(tcb_key.ok());
  EXPECT_TRUE(tcb_key->verify(as_bytes(collateral.tcb_info), collateral.tcb_info_signature).ok());
  EXPECT_TRUE(
      tcb_key->verify(as_bytes(collateral.qe_identity), collateral.qe_identity_signature).ok());
}

TEST_F(SimTest, CreatesThenReloadsTheSamePlatform) {
  SimPlatform first = open_platform();
  const Bytes root = first.root_certificate_der();
  const Bytes attestation = first.attestation_key().public_key().to_raw_xy();
  const Bytes pck = first.pck_certificate().der();
  const std::string tcb_info = first.collateral().tcb_info;

  clock_.advance(std::chrono::hours(1));
  SimPlatform second = open_platform();
  EXPECT_EQ(second.root_certificate_der(), root);
  EXPECT_EQ(second.attestation_key().public_key().to_raw_xy(), attestation);
  EXPECT_EQ(second.pck_key().public_key().to_raw_xy(), first.pck_key().public_key().to_raw_xy());
  EXPECT_EQ(second.pck_certificate().der(), pck);
  EXPECT_EQ(second.collateral().tcb_info, tcb_info);  // still fresh: not re-issued
  EXPECT_EQ(second.fmspc(), first.fmspc());
  EXPECT_EQ(second.ppid(), first.ppid());
  EXPECT_EQ(second.variant(), SimTcbVariant::kUpToDate);
  EXPECT_EQ(second.root_certificate().subject_common_name(), kSimRootCaName);
  EXPECT_EQ(second.root_certificate_pem().rfind("-----BEGIN CERTIFICATE-----", 0), 0u);
}

TEST_F(SimTest, FilesArePrivate) {
  SimPlatform platform = open_platform();
  for (const char* name : {"platform.json", "keys.bin", "root_ca.pem", "pck_ca.pem", "pck.pem",
                           "tcb_signing.pem", "collateral.json"}) {
    struct stat st {};
    ASSERT_EQ(::stat((platform.dir() + "/" + name).c_str(), &st), 0) << name;
    EXPECT_EQ(st.st_mode & 0077, 0u) << name;
  }
}

TEST_F(SimTest, ReloadRejectsAVariantMismatchWhenRequired) {
  (void)open_platform(SimTcbVariant::kUpToDate);
  SimPlatformOptions options;
  options.dir = dir_.path() + "/platform";
  options.variant = SimTcbVariant::kRevoked;
  options.require_variant = true;
  options.clock = &clock_;
  auto reopened = SimPlatform::open(options);
  ASSERT_FALSE(reopened.ok());
  EXPECT_EQ(reopened.error().code(), ErrorCode::kInvalidArgument);
}

TEST_F(SimTest, ReloadRejectsAKeyThatDoesNotMatchItsCertificate) {
  SimPlatform platform = open_platform();
  // Swap in another platform's PCK certificate.
  SimPlatform other = open_platform(SimTcbVariant::kUpToDate, "other");
  std::filesystem::copy_file(other.dir() + "/pck.pem", platform.dir() + "/pck.pem",
                             std::filesystem::copy_options::overwrite_existing);
  SimPlatformOptions options;
  options.dir = platform.dir();
  options.clock = &clock_;
  auto reopened = SimPlatform::open(options);
  ASSERT_FALSE(reopened.ok());
  EXPECT_NE(reopened.error().message().find("pck.pem"), std::string::npos)
      << reopened.error().message();
}

TEST_F(SimTest, V4QuoteParsesAndEverySignatureChecks) {
  SimPlatform platform = open_platform();
  SimQuoteRequest request;
  request.report_data = sample_report_data();
  Quote quote = quote_of(platform, request);
  EXPECT_EQ(quote.header.version, 4);
  EXPECT_EQ(quote.header.tee_type, kTeeTypeTdx);
  EXPECT_EQ(quote.body_type, BodyType::kTdReport10);
  const TdReport* td = quote.td_report();
  ASSERT_NE(td, nullptr);
  EXPECT_FALSE(td->is_v15);
  EXPECT_EQ(td->report_data, request.report_data);
  EXPECT_EQ(td->tee_tcb_svn, platform.tcb().tee_tcb_svn);
  EXPECT_EQ(td->tee_tcb_svn[1], kSimTdxModuleMajorVersion);
  EXPECT_EQ(td->xfam, kSimXfam);
  const TdAttributes attributes = decode_td_attributes(td->td_attributes);
  EXPECT_FALSE(attributes.debug);
  EXPECT_TRUE(attributes.sept_ve_disable);
  EXPECT_FALSE(attributes.reserved_bits_set);
  expect_quote_signatures_valid(platform, quote, kNow);
}

TEST_F(SimTest, V5QuoteWithTdReport15ParsesAndEverySignatureChecks) {
  SimPlatform platform = open_platform();
  SimQuoteRequest request;
  request.report_data = sample_report_data();
  request.td_report_15 = true;
  Quote quote = quote_of(platform, request);
  EXPECT_EQ(quote.header.version, 5);
  EXPECT_EQ(quote.body_type, BodyType::kTdReport15);
  const TdReport* td = quote.td_report();
  ASSERT_NE(td, nullptr);
  EXPECT_TRUE(td->is_v15);
  EXPECT_EQ(td->tee_tcb_svn_2, td->tee_tcb_svn);
  EXPECT_EQ(td->mr_service_td, Measurement{});
  EXPECT_EQ(td->report_data, request.report_data);
  expect_quote_signatures_valid(platform, quote, kNow);
}

TEST_F(SimTest, DebugAttributeOnlyWhenAsked) {
  SimPlatform platform = open_platform();
  SimQuoteRequest request;
  request.debug = true;
  Quote quote = quote_of(platform, request);
  ASSERT_NE(quote.td_report(), nullptr);
  const TdAttributes attributes = decode_td_attributes(quote.td_report()->td_attributes);
  EXPECT_TRUE(attributes.debug);
  EXPECT_TRUE(attributes.sept_ve_disable);
  expect_quote_signatures_valid(platform, quote, kNow);
}

TEST_F(SimTest, PckCertificateCarriesThePlatformTcb) {
  for (auto variant :
       {SimTcbVariant::kUpToDate, SimTcbVariant::kOutOfDate, SimTcbVariant::kRevoked}) {
    SimPlatform platform = open_platform(variant, std::string(to_string(variant)));
    auto extension = pck_extension_of(platform.pck_certificate());
    ASSERT_TRUE(extension.ok()) << extension.error().message();
    EXPECT_EQ(extension->fmspc, platform.fmspc());
    EXPECT_EQ(extension->pce_id, platform.pce_id());
    EXPECT_EQ(extension->ppid, platform.ppid());
    EXPECT_EQ(extension->cpu_svn_components, platform.tcb().sgx_components);
    EXPECT_EQ(extension->cpu_svn, platform.tcb().sgx_components);
    EXPECT_EQ(extension->pce_svn, platform.tcb().pce_svn);
  }
}

// The QVL level match (dcap-tdx.md §2 step 11) over the platform's own TCB: the first level
// whose SGX components, PCESVN and TDX components (from index 2, as tee_tcb_svn[1] > 0)
// the platform meets.
std::string matching_level_status(const SimPlatform& platform) {
  auto info = parse_json(platform.collateral().tcb_info);
  EXPECT_TRUE(info.ok());
  const SimPlatformTcb& tcb = platform.tcb();
  for (const Json& level : (*info)["tcbLevels"]) {
    const Json& t = level["tcb"];
    bool ok = t["pcesvn"].get<int>() <= tcb.pce_svn;
    for (std::size_t i = 0; i < 16; ++i) {
      ok = ok && t["sgxtcbcomponents"][i]["svn"].get<int>() <= tcb.sgx_components[i];
      if (i >= 2) ok = ok && t["tdxtcbcomponents"][i]["svn"].get<int>() <= tcb.tee_tcb_svn[i];
    }
    if (ok) return level["tcbStatus"].get<std::string>();
  }
  return "none";
}

TEST_F(SimTest, EachVariantFallsIntoALevelWithItsStatus) {
  for (auto variant :
       {SimTcbVariant::kUpToDate, SimTcbVariant::kOutOfDate, SimTcbVariant::kRevoked}) {
    SimPlatform platform = open_platform(variant, std::string(to_string(variant)));
    EXPECT_EQ(matching_level_status(platform), to_string(variant));
  }
}

TEST_F(SimTest, CollateralDocumentsHaveThePcsShape) {
  SimPlatform platform = open_platform();
  const Collateral& collateral = platform.collateral();
  EXPECT_EQ(collateral.tcb_info.rfind(
                "{\"id\":\"TDX\",\"version\":3,\"issueDate\":\"2026-01-01T00:00:00Z\","
                "\"nextUpdate\":\"2026-01-31T00:00:00Z\",\"fmspc\":\"",
                0),
            0u)
      << collateral.tcb_info;
  EXPECT_NE(collateral.tcb_info.find("\"tdxModuleIdentities\":[{\"id\":\"TDX_03\""),
            std::string::npos);
  EXPECT_NE(collateral.tcb_info.find("{\"id\":\"TDX_01\""), std::string::npos);
  EXPECT_EQ(collateral.qe_identity.rfind("{\"id\":\"TD_QE\",\"version\":2,", 0), 0u);
  // Compact: re-serializing the parsed document in order gives the same bytes.
  auto ordered = nlohmann::ordered_json::parse(collateral.tcb_info);
  EXPECT_EQ(ordered.dump(), collateral.tcb_info);
  auto qe = nlohmann::ordered_json::parse(collateral.qe_identity);
  EXPECT_EQ(qe.dump(), collateral.qe_identity);
  EXPECT_EQ(qe["isvprodid"].get<int>(), kSimQeIsvProdId);
  EXPECT_EQ(qe["tcbLevels"][0]["tcb"]["isvsvn"].get<int>(), kSimQeIsvSvn);
  EXPECT_EQ(qe["tcbLevels"][0]["tcbStatus"].get<std::string>(), "UpToDate");
  EXPECT_EQ(platform.collateral_next_update() - platform.collateral_issue_date(),
            kSimCollateralValiditySeconds);
  // Both CRLs are empty v2 CRLs valid now.
  auto pck_crl = crypto::Crl::from_der(collateral.pck_crl);
  ASSERT_TRUE(pck_crl.ok());
  EXPECT_EQ(pck_crl->this_update(), kNow);
  EXPECT_EQ(pck_crl->next_update(), kNow + kSimCollateralValiditySeconds);
  EXPECT_FALSE(pck_crl->is_revoked(platform.pck_certificate()));
}

TEST_F(SimTest, ExpiringCollateralIsReissuedWithTheSameKeys) {
  SimPlatform platform = open_platform();
  const Bytes root = platform.root_certificate_der();
  const std::string old_tcb_info = platform.collateral().tcb_info;
  clock_.advance(std::chrono::hours(24 * 29) + std::chrono::hours(1));
  ASSERT_TRUE(platform.refresh_collateral_if_needed().ok());
  EXPECT_NE(platform.collateral().tcb_info, old_tcb_info);
  EXPECT_EQ(platform.collateral_issue_date(), clock_.now_unix());
  EXPECT_EQ(platform.root_certificate_der(), root);

  // A reload after expiry also re-issues, and the quote still verifies then.
  clock_.advance(std::chrono::hours(24 * 40));
  SimPlatform reloaded = open_platform();
  EXPECT_EQ(reloaded.collateral_issue_date(), clock_.now_unix());
  EXPECT_EQ(reloaded.root_certificate_der(), root);
  Quote quote = quote_of(reloaded, SimQuoteRequest{});
  expect_quote_signatures_valid(reloaded, quote, clock_.now_unix());
}

TEST_F(SimTest, TamperedStoredCollateralIsReissued) {
  SimPlatform platform = open_platform();
  const std::string path = platform.dir() + "/collateral.json";
  auto text = read_text_file(path);
  ASSERT_TRUE(text.ok());
  auto stored = parse_json(*text);
  ASSERT_TRUE(stored.ok());
  std::string tcb_info = (*stored)["tcb_info"].get<std::string>();
  tcb_info.replace(tcb_info.find("\"OutOfDate\""), 11, "\"UpToDate\"");
  (*stored)["tcb_info"] = tcb_info;
  ASSERT_TRUE(write_file_atomic(path, as_bytes(stored->dump()), 0600).ok());

  clock_.advance(std::chrono::seconds(10));
  SimPlatform reloaded = open_platform();
  EXPECT_EQ(reloaded.collateral_issue_date(), clock_.now_unix());
  EXPECT_NE(reloaded.collateral().tcb_info.find("{\"tcb\":{\"isvsvn\":2},\"tcbDate\":\"2023-08-"
                                                "09T00:00:00Z\",\"tcbStatus\":\"OutOfDate\"}"),
            std::string::npos);
  Quote quote = quote_of(reloaded, SimQuoteRequest{});
  expect_quote_signatures_valid(reloaded, quote, clock_.now_unix());
}

TEST(SimDirTest, DefaultDirFollowsXdgDataHome) {
  const char* old_xdg = std::getenv("XDG_DATA_HOME");
  const std::string saved = old_xdg ? old_xdg : "";
  ::setenv("XDG_DATA_HOME", "/srv/data", 1);
  auto dir = default_sim_dir();
  ASSERT_TRUE(dir.ok());
  EXPECT_EQ(*dir, "/srv/data/cllm/sim");
  ::unsetenv("XDG_DATA_HOME");
  auto fallback = default_sim_dir();
  if (std::getenv("HOME") != nullptr && std::getenv("HOME")[0] == '/') {
    ASSERT_TRUE(fallback.ok());
    EXPECT_EQ(*fallback, std::string(std::getenv("HOME")) + "/.local/share/cllm/sim");
  }
  if (old_xdg) ::setenv("XDG_DATA_HOME", saved.c_str(), 1);
}

TEST_F(SimTest, BootMeasurementsAreTheDocumentedValues) {
  auto boot = sim_boot_measurements();
  ASSERT_TRUE(boot.ok());
  EXPECT_EQ(boot->mr_td, measurement_from_hex("781a786e466045800712fc7ac3655934e3070c8f6a970ac1"
                                              "10372086cf9a0ea36677e59d6de4846838bb07692f01d762"));
  EXPECT_EQ(boot->rtmr[0],
            measurement_from_hex("04d379b0ede823a503ff95f45c8986baee2b23445ea5a6fd"
                                 "3ce5fc5856954a08faef21c2045692b1921210046d44ae98"));
  EXPECT_EQ(boot->rtmr[1],
            measurement_from_hex("ee61cc145bd2c53e27ed8c8672746de4c91b5bd535c02938"
                                 "e48c692919853b17c4eeeb76d27769d50cc1aec0549d131a"));
  EXPECT_EQ(boot->rtmr[2],
            measurement_from_hex("067d45a4ca9b077a53bddbf14f1f7a4fe66579eeb9614ede"
                                 "8fc1198922ee58a985ee98f0dc2636404b818eeace5d109a"));
  auto again = sim_boot_measurements();
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(again->mr_td, boot->mr_td);
  EXPECT_EQ(again->rtmr, boot->rtmr);

  // The quote carries them, on any platform.
  SimPlatform platform = open_platform();
  Quote quote = quote_of(platform, SimQuoteRequest{});
  ASSERT_NE(quote.td_report(), nullptr);
  EXPECT_EQ(quote.td_report()->mr_td, boot->mr_td);
  for (std::size_t i = 0; i < 3; ++i)
    EXPECT_EQ(quote.td_report()->rtmr[i], boot->rtmr[i]);
}

class SimAttesterTest : public SimTest {
 protected:
  std::unique_ptr<SimAttester> make_attester(SimTcbVariant variant = SimTcbVariant::kUpToDate,
                                             bool debug = false, bool v15 = false) {
    SimAttesterOptions options;
    options.platform.dir = dir_.path() + "/attester-" + std::string(to_string(variant));
    options.platform.variant = variant;
    options.platform.clock = &clock_;
    options.debug = debug;
    options.td_report_15 = v15;
    auto attester = SimAttester::create(options);
    EXPECT_TRUE(attester.ok()) << (attester.ok() ? "" : attester.error().message());
    return std::move(attester).value();
  }
};

TEST_F(SimAttesterTest, Rtmr3IsTheReplayOfTheRuntimeEventLog) {
  auto attester = make_attester();
  EXPECT_EQ(attester->kind(), "sim");
  EXPECT_TRUE(attester->simulated());
  ASSERT_TRUE(attester->extend_event("system-preparing", {}).ok());
  ASSERT_TRUE(attester->extend_event("cllm.binary", as_bytes("sha256:0123")).ok());
  ASSERT_TRUE(attester->extend_event("app-id", Bytes(20, 0x42)).ok());

  auto log = attester->event_log();
  ASSERT_TRUE(log.ok());
  RuntimeEventLog expected;
  ASSERT_TRUE(expected.append("system-preparing", {}).ok());
  ASSERT_TRUE(expected.append("cllm.binary", as_bytes("sha256:0123")).ok());
  ASSERT_TRUE(expected.append("app-id", Bytes(20, 0x42)).ok());
  EXPECT_EQ(log->replay(3), expected.replay(3));
  EXPECT_NE(log->replay(3), Measurement{});

  auto raw = attester->get_quote(sample_report_data());
  ASSERT_TRUE(raw.ok());
  auto quote = parse_quote(*raw);
  ASSERT_TRUE(quote.ok());
  const TdReport* td = quote->td_report();
  ASSERT_NE(td, nullptr);
  EXPECT_EQ(td->rtmr[3], expected.replay(3));
  EXPECT_EQ(td->report_data, sample_report_data());
  // The boot entries of the log replay to the quote's RTMR0..2.
  for (std::uint32_t i = 0; i < 3; ++i)
    EXPECT_EQ(log->replay(i), td->rtmr[i]);

  // The JSON form round-trips through the parser (digests checked).
  auto reparsed = RuntimeEventLog::from_json(log->to_json());
  ASSERT_TRUE(reparsed.ok()) << reparsed.error().message();
  EXPECT_EQ(reparsed->replay(3), td->rtmr[3]);
}

TEST_F(SimAttesterTest, PlatformInfoSaysSimulated) {
  auto attester = make_attester(SimTcbVariant::kOutOfDate);
  auto info = attester->platform_info();
  ASSERT_TRUE(info.ok());
  EXPECT_EQ((*info)["simulated"], true);
  EXPECT_EQ((*info)["kind"], "sim");
  EXPECT_EQ((*info)["tcb_variant"], "OutOfDate");
  EXPECT_EQ((*info)["fmspc"], to_hex(attester->platform().fmspc()));
  EXPECT_EQ((*info)["sim_dir"], attester->platform().dir());
}

// --- round trips through the DCAP verifier, with the simulator's root as a simulated root ---

Result<VerificationResult> verify_sim_quote(SimAttester& attester, ByteView quote,
                                            std::int64_t now) {
  auto collateral = attester.collateral();
  if (!collateral.ok()) return collateral.error();
  auto intel_root = crypto::Certificate::from_der(intel_sgx_root_ca_der());
  if (!intel_root.ok()) return intel_root.error();
  std::vector<crypto::Certificate> simulated = {attester.platform().root_certificate()};
  VerifyInput input{quote, *collateral, *intel_root, now, simulated};
  return verify_quote(input);
}

std::string joined_errors(const VerificationResult& result) {
  std::string out;
  for (const auto& e : result.errors)
    out += e + "; ";
  return out;
}

TEST_F(SimAttesterTest, VerifierAcceptsAnUpToDateV4QuoteAsSimulated) {
  auto attester = make_attester();
  ASSERT_TRUE(attester->extend_event("cllm.binary", as_bytes("x")).ok());
  auto quote = attester->get_quote(sample_report_data());
  ASSERT_TRUE(quote.ok());
  auto result = verify_sim_quote(*attester, *quote, kNow);
  ASSERT_TRUE(result.ok()) << result.error().message();
  EXPECT_TRUE(result->verified) << joined_errors(*result);
  EXPECT_TRUE(result->signatures_verified);
  EXPECT_TRUE(result->simulated);
  EXPECT_EQ(result->status, TcbStatus::kUpToDate);
  EXPECT_TRUE(result->advisory_ids.empty());
  EXPECT_EQ(result->fmspc, to_hex(attester->platform().fmspc()));
  ASSERT_TRUE(result->td_attributes.has_value());
  EXPECT_FALSE(result->td_attributes->debug);
}

TEST_F(SimAttesterTest, VerifierAcceptsAnUpToDateV5Quote) {
  auto attester = make_attester(SimTcbVariant::kUpToDate, false, true);
  auto quote = attester->get_quote(sample_report_data());
  ASSERT_TRUE(quote.ok());
  auto result = verify_sim_quote(*attester, *quote, kNow);
  ASSERT_TRUE(result.ok()) << result.error().message();
  EXPECT_TRUE(result->verified) << joined_errors(*result);
  EXPECT_TRUE(result->simulated);
  EXPECT_EQ(result->status, TcbStatus::kUpToDate);
}

TEST_F(SimAttesterTest, VerifierReportsOutOfDateAndRevoked) {
  for (auto [variant, status] : {std::pair{SimTcbVariant::kOutOfDate, TcbStatus::kOutOfDate},
                                 std::pair{SimTcbVariant::kRevoked, TcbStatus::kRevoked}}) {
    for (bool v15 : {false, true}) {
      SCOPED_TRACE(std::string(to_string(variant)) + (v15 ? " v5" : " v4"));
      SimAttesterOptions options;
      options.platform.dir =
          dir_.path() + "/rt-" + std::string(to_string(variant)) + (v15 ? "-v5" : "-v4");
      options.platform.variant = variant;
      options.platform.clock = &clock_;
      options.td_report_15 = v15;
      auto attester = SimAttester::create(options);
      ASSERT_TRUE(attester.ok());
      auto quote = (*attester)->get_quote(sample_report_data());
      ASSERT_TRUE(quote.ok());
      auto result = verify_sim_quote(**attester, *quote, kNow);
      ASSERT_TRUE(result.ok()) << result.error().message();
      EXPECT_TRUE(result->signatures_verified) << joined_errors(*result);
      EXPECT_TRUE(result->simulated);
      EXPECT_EQ(result->status, status) << joined_errors(*result);
      ASSERT_TRUE(result->platform.has_value());
      EXPECT_EQ(result->platform->status, status);
      EXPECT_FALSE(result->advisory_ids.empty());
    }
  }
}

TEST_F(SimAttesterTest, VerifierSeesTheDebugAttribute) {
  auto attester = make_attester(SimTcbVariant::kUpToDate, /*debug=*/true);
  auto quote = attester->get_quote(sample_report_data());
  ASSERT_TRUE(quote.ok());
  auto result = verify_sim_quote(*attester, *quote, kNow);
  ASSERT_TRUE(result.ok()) << result.error().message();
  EXPECT_TRUE(result->signatures_verified) << joined_errors(*result);
  ASSERT_TRUE(result->td_attributes.has_value());
  EXPECT_TRUE(result->td_attributes->debug);
}

TEST_F(SimAttesterTest, VerifierRejectsSimulatedEvidenceWithoutTheSimulatedRoot) {
  auto attester = make_attester();
  auto quote = attester->get_quote(sample_report_data());
  ASSERT_TRUE(quote.ok());
  auto collateral = attester->collateral();
  ASSERT_TRUE(collateral.ok());
  auto intel_root = crypto::Certificate::from_der(intel_sgx_root_ca_der());
  ASSERT_TRUE(intel_root.ok());
  VerifyInput input{*quote, *collateral, *intel_root, kNow, {}};
  auto result = verify_quote(input);
  ASSERT_TRUE(result.ok());
  EXPECT_FALSE(result->verified);
  EXPECT_FALSE(result->signatures_verified);
}

TEST_F(SimAttesterTest, VerifierRejectsExpiredCollateral) {
  auto attester = make_attester();
  auto quote = attester->get_quote(sample_report_data());
  ASSERT_TRUE(quote.ok());
  const Collateral stale = attester->platform().collateral();
  auto intel_root = crypto::Certificate::from_der(intel_sgx_root_ca_der());
  ASSERT_TRUE(intel_root.ok());
  std::vector<crypto::Certificate> simulated = {attester->platform().root_certificate()};
  VerifyInput input{*quote, stale, *intel_root, kNow + kSimCollateralValiditySeconds + 1,
                    simulated};
  auto result = verify_quote(input);
  ASSERT_TRUE(result.ok());
  EXPECT_FALSE(result->verified);
  EXPECT_TRUE(result->has_error("collateral_expired")) << joined_errors(*result);
}

}  // namespace
}  // namespace cllm::tdx
