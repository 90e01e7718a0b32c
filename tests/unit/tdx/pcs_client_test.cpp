// PcsClient and CollateralCache against a real HTTP server on 127.0.0.1 that serves the
// dcap-qvl test collateral the way Intel PCS / PCCS do (signed JSON bodies, URL-encoded PEM
// issuer chains in headers, DER or PEM CRLs).
#include "cllm/tdx/pcs_client.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <filesystem>
#include <map>
#include <memory>
#include <string>

#include "cllm/common/clock.hpp"
#include "cllm/common/file.hpp"
#include "cllm/common/hex.hpp"
#include "cllm/crypto/random.hpp"
#include "cllm/crypto/x509.hpp"
#include "cllm/net/http_client.hpp"
#include "cllm/net/http_server.hpp"
#include "cllm/net/url.hpp"
#include "cllm/tdx/collateral_cache.hpp"
#include "support/test_paths.hpp"

namespace cllm::tdx {
namespace {

constexpr const char* kCollateralFile = "testdata/tdx/dcapqvl_tdx_quote_collateral.json";
constexpr const char* kQuoteFile = "testdata/tdx/dcapqvl_tdx_quote";
const std::array<std::uint8_t, 6> kFmspc = {0xb0, 0xc0, 0x6f, 0x00, 0x00, 0x00};
constexpr std::int64_t kNextUpdate = 1752919235;  // expected.json collateral_window end

std::string crl_pem(const Bytes& der) {
  static const char* kAlphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string b64;
  std::size_t i = 0;
  for (; i + 2 < der.size(); i += 3) {
    const unsigned v = (unsigned{der[i]} << 16) | (unsigned{der[i + 1]} << 8) | der[i + 2];
    for (int s = 18; s >= 0; s -= 6)
      b64 += kAlphabet[(v >> s) & 63];
  }
  if (i < der.size()) {
    const unsigned second = i + 1 < der.size() ? der[i + 1] : 0;
    const unsigned v = (unsigned{der[i]} << 16) | (second << 8);
    b64 += kAlphabet[(v >> 18) & 63];
    b64 += kAlphabet[(v >> 12) & 63];
    b64 += i + 1 < der.size() ? kAlphabet[(v >> 6) & 63] : '=';
    b64 += '=';
  }
  std::string pem = "-----BEGIN X509 CRL-----\n";
  for (std::size_t j = 0; j < b64.size(); j += 64)
    pem += b64.substr(j, 64) + "\n";
  return pem + "-----END X509 CRL-----\n";
}

// A loopback PCS/PCCS serving one collateral set.
class FakePcs {
 public:
  explicit FakePcs(Collateral collateral) : collateral_(std::move(collateral)) {}

  Status start() {
    auto serve = [this](const char* path, std::function<net::Response(const net::Request&)> make) {
      server_.route(
          "GET", path,
          [this, make](const net::Request& request, std::shared_ptr<net::ResponseWriter> w) {
            ++requests_;
            {
              std::lock_guard lock(mutex_);
              ++hits_[std::string(request.target)];
            }
            (void)w->send(fail_status_ != 0 ? net::Response::text(fail_status_, "unavailable")
                                            : make(request));
          });
    };
    serve("/tdx/certification/v4/tcb", [this](const net::Request& request) {
      if (request.query() != "fmspc=" + to_hex(kFmspc))
        return net::Response::text(404, "no such fmspc");
      auto response =
          net::Response::json(200, "{\"tcbInfo\":" + collateral_.tcb_info + ",\"signature\":\"" +
                                       to_hex(collateral_.tcb_info_signature) + "\"}");
      response.headers.add(legacy_headers_ ? "SGX-TCB-Info-Issuer-Chain" : "TCB-Info-Issuer-Chain",
                           net::percent_encode(collateral_.tcb_info_issuer_chain));
      return response;
    });
    serve("/tdx/certification/v4/qe/identity", [this](const net::Request&) {
      auto response = net::Response::json(
          200, "{\"enclaveIdentity\":" + collateral_.qe_identity + ",\"signature\":\"" +
                   to_hex(collateral_.qe_identity_signature) + "\"}");
      if (!omit_qe_chain_) {
        response.headers.add("SGX-Enclave-Identity-Issuer-Chain",
                             net::percent_encode(collateral_.qe_identity_issuer_chain));
      }
      return response;
    });
    serve("/sgx/certification/v4/pckcrl", [this](const net::Request& request) {
      if (request.query() != "ca=platform&encoding=der")
        return net::Response::text(400, "bad query");
      net::Response response;
      response.body =
          pem_pck_crl_ ? crl_pem(collateral_.pck_crl) : cllm::to_string(collateral_.pck_crl);
      response.headers.add("SGX-PCK-CRL-Issuer-Chain",
                           net::percent_encode(collateral_.pck_crl_issuer_chain));
      return response;
    });
    serve("/IntelSGXRootCA.der", [this](const net::Request&) {
      net::Response response;
      response.body = cllm::to_string(collateral_.root_ca_crl);
      return response;
    });
    serve("/sgx/certification/v4/rootcacrl", [this](const net::Request&) {
      return net::Response::text(200, to_hex(collateral_.root_ca_crl));  // PCCS: hex text
    });
    CLLM_ASSIGN_OR_RETURN(port_, server_.listen(net::ListenAddress::tcp("127.0.0.1", 0)));
    return server_.start();
  }

  std::string base_url() const { return "http://127.0.0.1:" + std::to_string(port_); }
  int requests() const { return requests_.load(); }

  bool legacy_headers_ = false;
  bool pem_pck_crl_ = false;
  bool omit_qe_chain_ = false;
  std::atomic<int> fail_status_{0};

 private:
  Collateral collateral_;
  net::HttpServer server_;
  std::uint16_t port_ = 0;
  std::atomic<int> requests_{0};
  std::mutex mutex_;
  std::map<std::string, int> hits_;
};

class PcsClientTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto found = test::shared_file(kCollateralFile);
    if (!found) GTEST_SKIP() << "SKIPPED LOUDLY: shared test data missing: " << kCollateralFile;
    auto text = read_text_file(*found);
    ASSERT_TRUE(text.ok());
    auto collateral = parse_collateral_json(*text);
    ASSERT_TRUE(collateral.ok()) << collateral.error().message();
    expected_ = *collateral;
    pcs_ = std::make_unique<FakePcs>(expected_);
    auto started = pcs_->start();
    ASSERT_TRUE(started.ok()) << started.error().message();
    get_ = http_get_over(std::make_shared<net::HttpClient>());
  }

  PcsClient pcs_client() const {
    PcsOptions options;
    options.base_url = pcs_->base_url() + "/";
    options.root_ca_crl_url = pcs_->base_url() + "/IntelSGXRootCA.der";
    return PcsClient(options, get_);
  }

  PcsClient pccs_client() const {
    PcsOptions options;
    options.base_url = pcs_->base_url();
    options.pccs = true;
    return PcsClient(options, get_);
  }

  CollateralRequest request() const {
    return CollateralRequest{CollateralTee::kTdx, kFmspc, PckCaType::kPlatform};
  }

  Collateral expected_;
  std::unique_ptr<FakePcs> pcs_;
  HttpGet get_;
};

TEST_F(PcsClientTest, ReassemblesTheCollateralFromPcs) {
  auto fetched = pcs_client().fetch_collateral(request());
  ASSERT_TRUE(fetched.ok()) << fetched.error().message();
  EXPECT_EQ(*fetched, expected_);
  EXPECT_EQ(pcs_->requests(), 4);
}

TEST_F(PcsClientTest, ReassemblesFromPccsWithLegacyHeaderAndPemCrl) {
  pcs_->legacy_headers_ = true;
  pcs_->pem_pck_crl_ = true;
  auto fetched = pccs_client().fetch_collateral(request());
  ASSERT_TRUE(fetched.ok()) << fetched.error().message();
  EXPECT_EQ(*fetched, expected_);
}

TEST_F(PcsClientTest, Urls) {
  const auto client = pcs_client();
  const std::string base = pcs_->base_url();
  EXPECT_EQ(client.tcb_info_url(CollateralTee::kTdx, kFmspc),
            base + "/tdx/certification/v4/tcb?fmspc=b0c06f000000");
  EXPECT_EQ(client.qe_identity_url(CollateralTee::kSgx),
            base + "/sgx/certification/v4/qe/identity");
  EXPECT_EQ(client.pck_crl_url(PckCaType::kProcessor),
            base + "/sgx/certification/v4/pckcrl?ca=processor&encoding=der");
  EXPECT_EQ(client.root_ca_crl_url(), base + "/IntelSGXRootCA.der");
  EXPECT_EQ(pccs_client().root_ca_crl_url(), base + "/sgx/certification/v4/rootcacrl");
  PcsOptions defaults;
  EXPECT_EQ(PcsClient(defaults, get_).root_ca_crl_url(),
            "https://certificates.trustedservices.intel.com/IntelSGXRootCA.der");
  defaults.update = "early";
  EXPECT_EQ(PcsClient(defaults, get_).tcb_info_url(CollateralTee::kTdx, kFmspc),
            "https://api.trustedservices.intel.com/tdx/certification/v4/"
            "tcb?fmspc=b0c06f000000&update=early");
}

TEST_F(PcsClientTest, ErrorsNameUrlAndStatus) {
  pcs_->fail_status_ = 503;
  auto fetched = pcs_client().fetch_collateral(request());
  ASSERT_FALSE(fetched.ok());
  EXPECT_NE(fetched.error().message().find(pcs_->base_url() +
                                           "/tdx/certification/v4/tcb?fmspc=b0c06f000000"),
            std::string::npos)
      << fetched.error().message();
  EXPECT_NE(fetched.error().message().find("503"), std::string::npos);
}

TEST_F(PcsClientTest, UnknownFmspcIs404) {
  auto fetched = pcs_client().fetch_tcb_info(CollateralTee::kTdx, {1, 2, 3, 4, 5, 6});
  ASSERT_FALSE(fetched.ok());
  EXPECT_NE(fetched.error().message().find("fmspc=010203040506"), std::string::npos);
  EXPECT_NE(fetched.error().message().find("404"), std::string::npos);
}

TEST_F(PcsClientTest, MissingIssuerChainHeader) {
  pcs_->omit_qe_chain_ = true;
  auto fetched = pcs_client().fetch_qe_identity(CollateralTee::kTdx);
  ASSERT_FALSE(fetched.ok());
  EXPECT_NE(fetched.error().message().find("SGX-Enclave-Identity-Issuer-Chain"), std::string::npos)
      << fetched.error().message();
}

TEST_F(PcsClientTest, UnreachableServer) {
  PcsOptions options;
  options.base_url = "http://127.0.0.1:1";
  auto fetched = PcsClient(options, get_).fetch_qe_identity(CollateralTee::kTdx);
  ASSERT_FALSE(fetched.ok());
  EXPECT_NE(fetched.error().message().find("http://127.0.0.1:1/tdx/certification/v4/qe/identity"),
            std::string::npos);
}

TEST_F(PcsClientTest, FmspcMismatchIsRejected) {
  // A server that answers any FMSPC with the b0c06f document.
  HttpGet rewriting = [this](const std::string& url) {
    std::string target = url;
    auto at = target.find("fmspc=");
    if (at != std::string::npos) target = target.substr(0, at) + "fmspc=b0c06f000000";
    return get_(target);
  };
  PcsOptions options;
  options.base_url = pcs_->base_url();
  auto fetched = PcsClient(options, rewriting)
                     .fetch_tcb_info(CollateralTee::kTdx, {0x90, 0xc0, 0x6f, 0, 0, 0});
  ASSERT_FALSE(fetched.ok());
  EXPECT_NE(fetched.error().message().find("requested 90c06f000000"), std::string::npos)
      << fetched.error().message();
}

TEST(PcsCollateralRequest, FromRealPckLeaf) {
  CLLM_REQUIRE_SHARED_FILE(path, kQuoteFile);
  auto text = read_text_file(path);
  ASSERT_TRUE(text.ok());
  const auto begin = text->find("-----BEGIN CERTIFICATE-----");
  ASSERT_NE(begin, std::string::npos);
  auto chain = crypto::parse_pem_chain(std::string_view(*text).substr(begin));
  ASSERT_TRUE(chain.ok()) << chain.error().message();
  auto request = collateral_request_for(chain->front(), CollateralTee::kTdx);
  ASSERT_TRUE(request.ok()) << request.error().message();
  EXPECT_EQ(request->fmspc, kFmspc);
  EXPECT_EQ(request->ca, PckCaType::kPlatform);
  // The root is not a PCK leaf: its issuer is neither PCK CA.
  EXPECT_FALSE(pck_ca_type_of(chain->back()).ok());
}

// ---- cache ----

class CollateralCacheTest : public PcsClientTest {
 protected:
  void SetUp() override {
    PcsClientTest::SetUp();
    if (IsSkipped()) return;
    auto suffix = crypto::random_bytes(8);
    dir_ = (std::filesystem::temp_directory_path() /
            ("cllm-collateral-cache-" + to_hex(suffix.value())))
               .string();
    std::filesystem::create_directories(dir_);
  }
  void TearDown() override {
    if (!dir_.empty()) std::filesystem::remove_all(dir_);
  }
  CollateralSource source() const {
    auto client = std::make_shared<PcsClient>(pcs_client());
    return [client](const CollateralRequest& r) { return client->fetch_collateral(r); };
  }
  std::string dir_;
  FixedClock clock_ = FixedClock::at_unix(kNextUpdate - 86400);
};

TEST_F(CollateralCacheTest, ServesUntilNextUpdateThenRefetches) {
  CollateralCache cache({dir_, std::chrono::seconds(0)}, source(), clock_);
  auto first = cache.get(request());
  ASSERT_TRUE(first.ok()) << first.error().message();
  EXPECT_EQ(*first, expected_);
  EXPECT_EQ(pcs_->requests(), 4);

  clock_.set(FixedClock::at_unix(kNextUpdate - 1).now());
  auto second = cache.get(request());
  ASSERT_TRUE(second.ok());
  EXPECT_EQ(*second, expected_);
  EXPECT_EQ(pcs_->requests(), 4) << "served from cache before nextUpdate";
  EXPECT_EQ(cache.fetch_count(), 1u);

  clock_.set(FixedClock::at_unix(kNextUpdate).now());
  auto third = cache.get(request());
  ASSERT_TRUE(third.ok());
  EXPECT_EQ(pcs_->requests(), 8) << "refetched at nextUpdate";
  EXPECT_EQ(cache.fetch_count(), 2u);
}

TEST_F(CollateralCacheTest, PersistsAcrossInstances) {
  {
    CollateralCache cache({dir_, std::chrono::seconds(0)}, source(), clock_);
    ASSERT_TRUE(cache.get(request()).ok());
  }
  EXPECT_TRUE(std::filesystem::exists(dir_ + "/tdx-b0c06f000000-platform.json"));
  CollateralCache reopened({dir_, std::chrono::seconds(0)}, source(), clock_);
  auto cached = reopened.get(request());
  ASSERT_TRUE(cached.ok()) << cached.error().message();
  EXPECT_EQ(*cached, expected_);
  EXPECT_EQ(reopened.fetch_count(), 0u);
  EXPECT_EQ(pcs_->requests(), 4);
}

TEST_F(CollateralCacheTest, RefreshMarginAndStaleFallback) {
  CollateralCache cache({dir_, std::chrono::seconds(3600)}, source(), clock_);
  ASSERT_TRUE(cache.get(request()).ok());
  // Inside the margin the cache tries to refresh; when PCS is down it still serves the
  // cached collateral, which is valid until nextUpdate.
  clock_.set(FixedClock::at_unix(kNextUpdate - 60).now());
  pcs_->fail_status_ = 500;
  auto stale = cache.get(request());
  ASSERT_TRUE(stale.ok()) << stale.error().message();
  EXPECT_EQ(cache.fetch_count(), 2u);
  // After nextUpdate there is nothing valid to serve.
  clock_.set(FixedClock::at_unix(kNextUpdate + 1).now());
  auto expired = cache.get(request());
  ASSERT_FALSE(expired.ok());
  EXPECT_NE(expired.error().message().find("500"), std::string::npos) << expired.error().message();
}

TEST_F(CollateralCacheTest, DamagedFileIsRefetched) {
  ASSERT_TRUE(
      write_file_atomic(dir_ + "/tdx-b0c06f000000-platform.json", as_bytes("{not json")).ok());
  CollateralCache cache({dir_, std::chrono::seconds(0)}, source(), clock_);
  auto got = cache.get(request());
  ASSERT_TRUE(got.ok()) << got.error().message();
  EXPECT_EQ(cache.fetch_count(), 1u);
}

TEST_F(CollateralCacheTest, CachedEntryJsonRoundTripsAndRejectsExtendedNextUpdate) {
  CachedCollateral entry{expected_, 1000, kNextUpdate};
  auto parsed = parse_cached_collateral_json(cached_collateral_to_json(entry));
  ASSERT_TRUE(parsed.ok()) << parsed.error().message();
  EXPECT_EQ(parsed->collateral, expected_);
  EXPECT_EQ(parsed->fetched_at, 1000);
  entry.next_update += 1000;
  EXPECT_FALSE(parse_cached_collateral_json(cached_collateral_to_json(entry)).ok());
}

TEST(CollateralBundle, LoadsOfflineFileAsIs) {
  CLLM_REQUIRE_SHARED_FILE(path, kCollateralFile);
  auto bundle = load_collateral_bundle(path);
  ASSERT_TRUE(bundle.ok()) << bundle.error().message();
  auto text = read_text_file(path);
  ASSERT_TRUE(text.ok());
  EXPECT_EQ(*bundle, *parse_collateral_json(*text));
  auto missing = load_collateral_bundle("/nonexistent/collateral.json");
  ASSERT_FALSE(missing.ok());
  EXPECT_NE(missing.error().message().find("/nonexistent/collateral.json"), std::string::npos);
}

}  // namespace
}  // namespace cllm::tdx
