// `cllm quote collateral` end to end: the real binary fetches a real quote's collateral from a
// PCCS played by an HTTP server on 127.0.0.1 (net::HttpServer) that serves the test vectors'
// collateral the way PCS/PCCS do: signed JSON bodies, URL-encoded PEM issuer chains in the
// TCB-Info-Issuer-Chain / SGX-Enclave-Identity-Issuer-Chain / SGX-PCK-CRL-Issuer-Chain
// headers, the PCK CRL as DER and the root CA CRL as hex. Then `cllm quote verify` judges the
// quote with what was fetched, at the vector's time, and must reach the verdict of
// expected.json, exactly as with the original collateral file.
#include <gtest/gtest.h>
#include <unistd.h>

#include <atomic>
#include <cctype>
#include <filesystem>
#include <map>
#include <mutex>
#include <set>
#include <string>
#include <vector>

#include "cllm/common/file.hpp"
#include "cllm/common/hex.hpp"
#include "cllm/common/json.hpp"
#include "cllm/net/http_server.hpp"
#include "cllm/net/url.hpp"
#include "support/subprocess.hpp"
#include "support/test_paths.hpp"

namespace cllm {
namespace {

namespace fs = std::filesystem;
using test::cllm_binary;
using test::run_process;

std::string lower(std::string s) {
  for (char& c : s)
    c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

// A PCCS serving one dcap-qvl collateral file. It answers TCB info only for the FMSPC of that
// collateral (404 otherwise, as PCS does for an unknown platform) and counts every request.
class FakePccs {
 public:
  enum class Mode { kServe, kNotFound, kGarbage, kNoIssuerChain };

  explicit FakePccs(Json collateral) : collateral_(std::move(collateral)) {
    auto tcb = parse_json(collateral_["tcb_info"].get<std::string>());
    if (tcb.ok() && tcb->contains("fmspc")) fmspc_ = lower((*tcb)["fmspc"].get<std::string>());
  }
  ~FakePccs() { server_.stop(std::chrono::milliseconds(0)); }

  Status start() {
    server_.route_prefix(
        "GET", "/",
        [this](const net::Request& request, std::shared_ptr<net::ResponseWriter> writer) {
          ++requests_;
          {
            std::lock_guard lock(mutex_);
            paths_.insert(std::string(request.path()));
            targets_.push_back(request.target);
          }
          (void)writer->send(answer(request));
        });
    CLLM_ASSIGN_OR_RETURN(port_, server_.listen(net::ListenAddress::tcp("127.0.0.1", 0)));
    return server_.start();
  }
  void stop() { server_.stop(std::chrono::milliseconds(0)); }

  std::string url() const { return "http://127.0.0.1:" + std::to_string(port_); }
  int requests() const { return requests_.load(); }
  std::set<std::string> paths() const {
    std::lock_guard lock(mutex_);
    return paths_;
  }
  std::vector<std::string> targets() const {
    std::lock_guard lock(mutex_);
    return targets_;
  }
  const std::string& fmspc() const { return fmspc_; }

  std::atomic<Mode> mode{Mode::kServe};

 private:
  std::string field(const char* key) const { return collateral_[key].get<std::string>(); }

  net::Response signed_json(const char* key, const char* text, const char* signature,
                            const char* chain_header, const char* chain) const {
    auto response = net::Response::json(200, "{\"" + std::string(key) + "\":" + field(text) +
                                                 ",\"signature\":\"" + field(signature) + "\"}");
    if (mode != Mode::kNoIssuerChain)
      response.headers.add(chain_header, net::percent_encode(field(chain)));
    return response;
  }

  net::Response answer(const net::Request& request) const {
    if (mode == Mode::kNotFound) return net::Response::text(404, "Not Found");
    if (mode == Mode::kGarbage) return net::Response::json(200, "<html>\x01\xff garbage {\"");
    const std::string path(request.path());
    const std::string query(request.query());
    for (const char* tee : {"/tdx", "/sgx"}) {
      const std::string base = std::string(tee) + "/certification/v4";
      if (path == base + "/tcb") {
        if (lower(query) != "fmspc=" + fmspc_) return net::Response::text(404, "no such FMSPC");
        return signed_json("tcbInfo", "tcb_info", "tcb_info_signature", "TCB-Info-Issuer-Chain",
                           "tcb_info_issuer_chain");
      }
      if (path == base + "/qe/identity") {
        return signed_json("enclaveIdentity", "qe_identity", "qe_identity_signature",
                           "SGX-Enclave-Identity-Issuer-Chain", "qe_identity_issuer_chain");
      }
    }
    if (path == "/sgx/certification/v4/pckcrl") {
      if (query != "ca=platform&encoding=der" && query != "ca=processor&encoding=der")
        return net::Response::text(400, "bad ca");
      auto der = from_hex(field("pck_crl"));
      net::Response response;
      response.headers.add("Content-Type", "application/pkix-crl");
      response.body = der.ok() ? cllm::to_string(*der) : "";
      if (mode != Mode::kNoIssuerChain) {
        response.headers.add("SGX-PCK-CRL-Issuer-Chain",
                             net::percent_encode(field("pck_crl_issuer_chain")));
      }
      return response;
    }
    if (path == "/sgx/certification/v4/rootcacrl")
      return net::Response::text(200, lower(field("root_ca_crl")));  // PCCS: hex text
    return net::Response::text(404, "Not Found");
  }

  Json collateral_;
  std::string fmspc_;
  net::HttpServer server_;
  std::uint16_t port_ = 0;
  std::atomic<int> requests_{0};
  mutable std::mutex mutex_;
  std::set<std::string> paths_;
  std::vector<std::string> targets_;
};

Result<Json> read_json(const std::string& path) {
  CLLM_ASSIGN_OR_RETURN(auto text, read_text_file(path));
  return parse_json(text);
}

class CliQuoteCollateral : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() /
           ("cllm_cli_collateral_" + std::to_string(getpid()) + "_" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(dir_);
    fs::create_directories(dir_);
  }
  void TearDown() override { fs::remove_all(dir_); }

  // Starts a PCCS serving the collateral file (a path under the shared testdata).
  void serve(const std::string& collateral_path) {
    auto collateral = read_json(collateral_path);
    ASSERT_TRUE(collateral.ok()) << collateral_path;
    pccs_ = std::make_unique<FakePccs>(*collateral);
    auto started = pccs_->start();
    ASSERT_TRUE(started.ok()) << started.error().message();
  }

  test::ProcessResult fetch(const std::string& quote, const std::string& out,
                            std::vector<std::string> extra = {}) {
    std::vector<std::string> argv = {cllm_binary(), "quote",      "collateral", "--quote", quote,
                                     "--pccs",      pccs_->url(), "--out",      out};
    argv.insert(argv.end(), extra.begin(), extra.end());
    return run_process(argv, std::chrono::seconds(60));
  }

  test::ProcessResult verify(const std::string& quote, const std::string& collateral,
                             std::int64_t now) {
    return run_process({cllm_binary(), "quote", "verify", "--quote", quote, "--collateral",
                        collateral, "--now", std::to_string(now), "--json"},
                       std::chrono::seconds(60));
  }

  std::string path(const std::string& name) const { return (dir_ / name).string(); }

  fs::path dir_;
  std::unique_ptr<FakePccs> pccs_;
};

// Every vector of expected.json whose collateral belongs to the quote's platform (same FMSPC):
// fetched collateral gives the same appraisal as the original file, and the expected verdict.
TEST_F(CliQuoteCollateral, FetchedCollateralGivesTheExpectedVerdictForEveryVector) {
  CLLM_REQUIRE_SHARED_FILE(expected_path, "testdata/tdx/expected.json");
  auto expected = read_json(expected_path);
  ASSERT_TRUE(expected.ok());
  int fetched_vectors = 0;
  for (const Json& vector : (*expected)["vectors"]) {
    const std::string name = vector["name"].get<std::string>();
    SCOPED_TRACE(name);
    auto quote = test::shared_file("testdata/" + vector["quote"].get<std::string>());
    auto original = test::shared_file("testdata/" + vector["collateral"].get<std::string>());
    ASSERT_TRUE(quote && original) << "expected.json names a missing file";
    const std::int64_t now = vector["now"].get<std::int64_t>();
    serve(*original);

    // The quote's own FMSPC, from verification with the original collateral.
    auto baseline = verify(*quote, *original, now);
    auto baseline_json = parse_json(baseline.out);
    ASSERT_TRUE(baseline_json.ok()) << baseline.out << baseline.err;
    const std::string quote_fmspc = lower((*baseline_json)["fmspc"].get<std::string>());

    const std::string out = path(name + ".json");
    auto fetched = fetch(*quote, out);
    if (quote_fmspc != pccs_->fmspc()) {
      // The vector pairs the quote with another platform's collateral (a "no TCB level"
      // case); a PCCS has nothing for the quote's FMSPC and says so.
      EXPECT_EQ(fetched.exit_code, 1) << fetched.err;
      EXPECT_NE(fetched.err.find("tcb?fmspc=" + quote_fmspc), std::string::npos) << fetched.err;
      EXPECT_NE(fetched.err.find("HTTP status 404"), std::string::npos) << fetched.err;
      EXPECT_FALSE(fs::exists(out));
      continue;
    }
    ++fetched_vectors;
    ASSERT_EQ(fetched.exit_code, 0) << fetched.err;
    EXPECT_EQ(pccs_->requests(), 4);
    const bool sgx = vector["quote"].get<std::string>().rfind("sgx/", 0) == 0;
    const std::string tee = sgx ? "/sgx" : "/tdx";
    EXPECT_EQ(
        pccs_->paths(),
        (std::set<std::string>{tee + "/certification/v4/tcb", tee + "/certification/v4/qe/identity",
                               "/sgx/certification/v4/pckcrl", "/sgx/certification/v4/rootcacrl"}));

    // The signed texts arrive byte for byte (their signatures cover exactly these bytes).
    auto written = read_json(out);
    auto source = read_json(*original);
    ASSERT_TRUE(written.ok() && source.ok());
    for (const char* key : {"tcb_info", "qe_identity"})
      EXPECT_EQ((*written)[key], (*source)[key]) << key;
    for (const char* key :
         {"tcb_info_signature", "qe_identity_signature", "pck_crl", "root_ca_crl"}) {
      EXPECT_EQ(lower((*written)[key].get<std::string>()), lower((*source)[key].get<std::string>()))
          << key;
    }

    auto judged = verify(*quote, out, now);
    EXPECT_EQ(judged.exit_code, baseline.exit_code) << judged.err;
    auto j = parse_json(judged.out);
    ASSERT_TRUE(j.ok()) << judged.out << judged.err;
    EXPECT_EQ(*j, *baseline_json);  // the same appraisal, field for field
    const Json& want = vector["expected"];
    if (want.contains("error")) {
      EXPECT_EQ((*j)["verified"], false);
      EXPECT_EQ(judged.exit_code, 1);
    } else {
      EXPECT_EQ((*j)["verified"], true) << j->dump();
      EXPECT_EQ((*j)["status"], want["status"]);
      EXPECT_EQ((*j)["advisory_ids"], want["advisory_ids"]);
      EXPECT_EQ(lower((*j)["fmspc"].get<std::string>()), want["fmspc"]);
      // The default policy accepts UpToDate without advisories only.
      const bool accept = want["status"] == "UpToDate" && want["advisory_ids"].empty();
      EXPECT_EQ((*j)["accepted"], accept);
      EXPECT_EQ(judged.exit_code, accept ? 0 : 1);
    }
  }
  // At least the UpToDate v4 vectors and the SGX one fetch for real.
  EXPECT_GE(fetched_vectors, 3);
}

TEST_F(CliQuoteCollateral, SecondRunIsServedFromTheOnDiskCacheUntilNextUpdate) {
  CLLM_REQUIRE_SHARED_FILE(quote, "testdata/tdx/dcapqvl_tdx_quote");
  CLLM_REQUIRE_SHARED_FILE(coll, "testdata/tdx/dcapqvl_tdx_quote_collateral.json");
  constexpr std::int64_t kNow = 1752919234;         // expected.json `now`
  constexpr std::int64_t kNextUpdate = 1752919235;  // the collateral window's end
  serve(coll);
  const std::string cache = path("cache");
  const std::vector<std::string> at_now = {"--cache-dir", cache, "--now", std::to_string(kNow)};

  auto first = fetch(quote, path("first.json"), at_now);
  ASSERT_EQ(first.exit_code, 0) << first.err;
  EXPECT_EQ(pccs_->requests(), 4);
  EXPECT_TRUE(fs::exists(fs::path(cache) / "tdx-b0c06f000000-platform.json"));
  EXPECT_EQ(first.err.find("from the cache"), std::string::npos) << first.err;

  auto second = fetch(quote, path("second.json"), at_now);
  ASSERT_EQ(second.exit_code, 0) << second.err;
  EXPECT_EQ(pccs_->requests(), 4) << "the second run went to the network";
  EXPECT_NE(second.err.find("from the cache"), std::string::npos) << second.err;
  auto a = read_text_file(path("first.json"));
  auto b = read_text_file(path("second.json"));
  ASSERT_TRUE(a.ok() && b.ok());
  EXPECT_EQ(*a, *b);
  auto judged = verify(quote, path("second.json"), kNow);
  EXPECT_EQ(judged.exit_code, 0) << judged.out << judged.err;

  // At nextUpdate the cached collateral is stale: fetched again.
  auto later = fetch(quote, path("later.json"),
                     {"--cache-dir", cache, "--now", std::to_string(kNextUpdate)});
  ASSERT_EQ(later.exit_code, 0) << later.err;
  EXPECT_EQ(pccs_->requests(), 8);

  // With the PCCS gone, a fresh cache entry still answers; without a cache the fetch fails.
  pccs_->stop();
  auto offline = fetch(quote, path("offline.json"), at_now);
  EXPECT_EQ(offline.exit_code, 0) << offline.err;
  auto no_cache = fetch(quote, path("no_cache.json"));
  EXPECT_EQ(no_cache.exit_code, 1) << no_cache.err;
  EXPECT_NE(no_cache.err.find("GET " + pccs_->url()), std::string::npos) << no_cache.err;
  EXPECT_FALSE(fs::exists(path("no_cache.json")));
}

TEST_F(CliQuoteCollateral, ServerErrorsGiveAClearMessageAndExitOne) {
  CLLM_REQUIRE_SHARED_FILE(quote, "testdata/tdx/dcapqvl_tdx_quote");
  CLLM_REQUIRE_SHARED_FILE(coll, "testdata/tdx/dcapqvl_tdx_quote_collateral.json");
  serve(coll);
  const std::string tcb_url = pccs_->url() + "/tdx/certification/v4/tcb?fmspc=b0c06f000000";
  struct Case {
    FakePccs::Mode mode;
    const char* message;
  };
  for (const Case& c :
       {Case{FakePccs::Mode::kNotFound, "HTTP status 404"}, Case{FakePccs::Mode::kGarbage, "GET "},
        Case{FakePccs::Mode::kNoIssuerChain, "missing header TCB-Info-Issuer-Chain"}}) {
    SCOPED_TRACE(c.message);
    pccs_->mode = c.mode;
    const std::string out = path("out.json");
    auto r = fetch(quote, out, {"--cache-dir", path("cache"), "--now", "1752919234"});
    EXPECT_EQ(r.exit_code, 1) << r.err;
    EXPECT_NE(r.err.find("cllm quote collateral: "), std::string::npos) << r.err;
    EXPECT_NE(r.err.find("GET " + tcb_url), std::string::npos) << r.err;  // names the URL
    EXPECT_NE(r.err.find(c.message), std::string::npos) << r.err;
    EXPECT_FALSE(fs::exists(out));
    // Nothing bad is cached: the cache directory holds no entry.
    EXPECT_TRUE(fs::is_empty(path("cache")));
  }
}

TEST_F(CliQuoteCollateral, UsageErrorsExitTwo) {
  auto r = run_process({cllm_binary(), "quote", "collateral", "--quote", "/nonexistent/quote",
                        "--pccs", "http://127.0.0.1:1", "--out", path("out.json")});
  EXPECT_EQ(r.exit_code, 2) << r.err;
  EXPECT_NE(r.err.find("/nonexistent/quote"), std::string::npos) << r.err;
}

}  // namespace
}  // namespace cllm
