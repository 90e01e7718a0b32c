#include "cllm/gpu/rim_store.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <cctype>
#include <chrono>
#include <filesystem>
#include <map>
#include <mutex>
#include <string>

#include "cllm/common/base64.hpp"
#include "cllm/common/file.hpp"
#include "cllm/common/hex.hpp"
#include "cllm/common/json.hpp"
#include "cllm/crypto/hash.hpp"
#include "cllm/gpu/rim_document.hpp"
#include "cllm/net/http_server.hpp"
#include "support/temp_dir.hpp"
#include "support/test_paths.hpp"

namespace cllm::gpu {
namespace {

constexpr const char* kDriverId = "NV_GPU_DRIVER_GH100_550.144.03";
constexpr const char* kDriverFile =
    "testdata/nvidia/nvat_sdk/rims/NV_GPU_DRIVER_GH100_550.144.03.xml";

std::string service_json(const std::string& id, const std::string& xml,
                         std::optional<std::string> sha = std::nullopt) {
  const std::string digest = sha ? *sha : to_hex(crypto::sha256(as_bytes(xml)).value());
  Json j = {{"id", id},
            {"rim", base64_encode(as_bytes(xml))},
            {"sha256", digest},
            {"rim_format", "SWIDTAG"},
            {"request_id", "test"}};
  return j.dump();
}

// A loopback stand-in for rim.attestation.nvidia.com: GET /v1/rim/<id> answers whatever the
// test put in `answers` for that id, 404 otherwise.
class FakeRimService {
 public:
  Status start() {
    server_.route_prefix(
        "GET", "/v1/rim/",
        [this](const net::Request& request, std::shared_ptr<net::ResponseWriter> w) {
          ++requests_;
          const std::string id(request.path().substr(std::string("/v1/rim/").size()));
          std::lock_guard lock(mutex_);
          auth_ = std::string(request.headers.get("Authorization").value_or(""));
          auto it = answers_.find(id);
          (void)w->send(it == answers_.end() ? net::Response::json(404, "{\"error\":\"not found\"}")
                                             : it->second);
        });
    CLLM_ASSIGN_OR_RETURN(port_, server_.listen(net::ListenAddress::tcp("127.0.0.1", 0)));
    return server_.start();
  }
  void answer(const std::string& id, net::Response response) {
    std::lock_guard lock(mutex_);
    answers_[id] = std::move(response);
  }
  std::string url() const { return "http://127.0.0.1:" + std::to_string(port_); }
  int requests() const { return requests_.load(); }
  std::string last_authorization() {
    std::lock_guard lock(mutex_);
    return auth_;
  }

 private:
  net::HttpServer server_;
  std::uint16_t port_ = 0;
  std::atomic<int> requests_{0};
  std::mutex mutex_;
  std::map<std::string, net::Response> answers_;
  std::string auth_;
};

class RimStoreService : public ::testing::Test {
 protected:
  void SetUp() override { ASSERT_TRUE(service_.start().ok()); }

  RimStoreOptions options() {
    RimStoreOptions o;
    o.service_url = service_.url();
    o.client = std::make_shared<net::HttpClient>();
    return o;
  }

  FakeRimService service_;
};

TEST(RimId, OnlySafeCharacters) {
  EXPECT_TRUE(is_valid_rim_id("NV_GPU_DRIVER_GH100_550.144.03"));
  EXPECT_TRUE(is_valid_rim_id("NV_GPU_VBIOS_1010_0200_882_96009F0001"));
  EXPECT_TRUE(is_valid_rim_id("a-b"));
  EXPECT_FALSE(is_valid_rim_id(""));
  EXPECT_FALSE(is_valid_rim_id("."));
  EXPECT_FALSE(is_valid_rim_id(".."));
  EXPECT_FALSE(is_valid_rim_id("../etc/passwd"));
  EXPECT_FALSE(is_valid_rim_id("a/b"));
  EXPECT_FALSE(is_valid_rim_id("a%2fb"));
  EXPECT_FALSE(is_valid_rim_id("a b"));
  EXPECT_FALSE(is_valid_rim_id("a?x=1"));
  EXPECT_FALSE(is_valid_rim_id(std::string("a\0b", 3)));
  EXPECT_FALSE(is_valid_rim_id(std::string(kMaxRimIdLength + 1, 'a')));
  EXPECT_TRUE(is_valid_rim_id(std::string(kMaxRimIdLength, 'a')));
}

TEST(RimStore, RefusesAMalformedIdBeforeTouchingAnything) {
  RimStoreOptions o;
  o.local_dir = "/";
  o.client = std::make_shared<net::HttpClient>();
  auto r = RimStore(o).fetch("../../etc/passwd");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code(), ErrorCode::kInvalidArgument);
}

TEST(RimStore, FindsXmlAndSwidtagInTheLocalFolder) {
  CLLM_REQUIRE_SHARED_FILE(driver, kDriverFile);
  test::TempDir dir;
  ASSERT_FALSE(dir.path().empty());
  const Bytes xml = read_file(driver).value();
  ASSERT_TRUE(write_file_atomic(dir.path() + "/" + kDriverId + ".xml", xml).ok());
  ASSERT_TRUE(write_file_atomic(dir.path() + "/NV_GPU_VBIOS_X.swidtag", as_bytes("<x/>")).ok());
  RimStoreOptions o;
  o.local_dir = dir.path();
  o.service_url.reset();
  RimStore store(o);
  auto r = store.fetch(kDriverId);
  ASSERT_TRUE(r.ok()) << r.error().message();
  EXPECT_EQ(r->source, RimSource::kLocal);
  EXPECT_EQ(r->xml, xml);
  EXPECT_EQ(r->id, kDriverId);
  auto v = store.fetch("NV_GPU_VBIOS_X");
  ASSERT_TRUE(v.ok());
  EXPECT_EQ(to_string(v->xml), "<x/>");
  auto missing = store.fetch("NV_GPU_DRIVER_GH100_1.2.3");
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.error().code(), ErrorCode::kNotFound);
  EXPECT_NE(missing.error().message().find("local folder"), std::string::npos);
}

TEST(RimStore, RefusesAnOversizeLocalFile) {
  test::TempDir dir;
  ASSERT_TRUE(write_file_atomic(dir.path() + "/big.xml", Bytes(kMaxRimSize + 1, ' ')).ok());
  RimStoreOptions o;
  o.local_dir = dir.path();
  o.service_url.reset();
  auto r = RimStore(o).fetch("big");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code(), ErrorCode::kLimit);
}

TEST_F(RimStoreService, FetchesChecksAndCaches) {
  CLLM_REQUIRE_SHARED_FILE(driver, kDriverFile);
  const std::string xml = read_text_file(driver).value();
  service_.answer(kDriverId, net::Response::json(200, service_json(kDriverId, xml)));
  test::TempDir cache;
  auto o = options();
  o.cache_dir = cache.path() + "/rims";  // created on first write
  o.service_api_key = "secret-key";
  RimStore store(o);
  auto r = store.fetch(kDriverId);
  ASSERT_TRUE(r.ok()) << r.error().message();
  EXPECT_EQ(r->source, RimSource::kService);
  EXPECT_EQ(to_string(r->xml), xml);
  EXPECT_EQ(r->location, service_.url() + "/v1/rim/" + kDriverId);
  EXPECT_EQ(service_.last_authorization(), "Bearer secret-key");
  EXPECT_TRUE(parse_rim_document(r->xml).ok());
  // The second fetch comes from the cache, without asking the service.
  auto again = store.fetch(kDriverId);
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(again->source, RimSource::kCache);
  EXPECT_EQ(again->xml, r->xml);
  EXPECT_EQ(service_.requests(), 1);
  EXPECT_TRUE(std::filesystem::exists(cache.path() + "/rims/" + kDriverId + ".xml"));
}

TEST_F(RimStoreService, ACachedRimPastItsMaximumAgeIsFetchedAgain) {
  CLLM_REQUIRE_SHARED_FILE(driver, kDriverFile);
  const std::string xml = read_text_file(driver).value();
  service_.answer(kDriverId, net::Response::json(200, service_json(kDriverId, xml)));
  test::TempDir cache;
  auto o = options();
  o.cache_dir = cache.path();
  RimStore store(o);
  ASSERT_TRUE(store.fetch(kDriverId).ok());
  const std::string cached = cache.path() + "/" + kDriverId + ".xml";
  auto backdate = [&] {
    std::filesystem::last_write_time(
        cached, std::filesystem::file_time_type::clock::now() - std::chrono::hours(24 * 8));
  };
  // NVIDIA re-issues RIMs under the same id: an 8-day-old copy is asked for again.
  backdate();
  auto refreshed = store.fetch(kDriverId);
  ASSERT_TRUE(refreshed.ok());
  EXPECT_EQ(refreshed->source, RimSource::kService);
  EXPECT_EQ(service_.requests(), 2);
  // A fresh copy is used as is.
  EXPECT_EQ(store.fetch(kDriverId)->source, RimSource::kCache);
  EXPECT_EQ(service_.requests(), 2);
  // The service failing, an old copy still serves, and says how it came.
  backdate();
  service_.answer(kDriverId, net::Response::json(503, R"({"error":"down"})"));
  auto stale = store.fetch(kDriverId);
  ASSERT_TRUE(stale.ok()) << stale.error().message();
  EXPECT_EQ(stale->source, RimSource::kCache);
  EXPECT_NE(stale->location.find("refreshing it failed"), std::string::npos) << stale->location;
}

TEST_F(RimStoreService, NotFoundIsItsOwnError) {
  auto r = RimStore(options()).fetch("NV_GPU_DRIVER_GH100_0.0.0");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code(), ErrorCode::kNotFound);
  EXPECT_EQ(r.error().message(), "RIM NV_GPU_DRIVER_GH100_0.0.0 not found (NVIDIA RIM service)");
}

TEST_F(RimStoreService, RejectsAnotherIdWrongDigestGarbageAndErrors) {
  const std::string xml = "<SoftwareIdentity/>";
  service_.answer("WRONG_ID", net::Response::json(200, service_json("OTHER_ID", xml)));
  service_.answer("WRONG_SHA",
                  net::Response::json(200, service_json("WRONG_SHA", xml, std::string(64, '0'))));
  service_.answer("GARBAGE", net::Response::json(200, "{not json"));
  service_.answer("NOT_OBJECT", net::Response::json(200, "[1,2]"));
  service_.answer("NO_RIM", net::Response::json(200, "{\"id\":\"NO_RIM\",\"sha256\":\"00\"}"));
  service_.answer("BAD_B64", net::Response::json(
                                 200, "{\"id\":\"BAD_B64\",\"rim\":\"@@@@\",\"sha256\":\"00\"}"));
  service_.answer("DOWN", net::Response::text(503, "maintenance"));
  test::TempDir cache;
  auto o = options();
  o.cache_dir = cache.path();
  RimStore store(o);
  struct Case {
    const char* id;
    ErrorCode code;
    const char* needle;
  };
  for (const Case& c :
       {Case{"WRONG_ID", ErrorCode::kVerification, "returned id OTHER_ID"},
        Case{"WRONG_SHA", ErrorCode::kVerification, "sha256 does not match"},
        Case{"GARBAGE", ErrorCode::kParse, "RIM service answer for GARBAGE"},
        Case{"NOT_OBJECT", ErrorCode::kParse, "not a JSON object"},
        Case{"NO_RIM", ErrorCode::kParse, "rim"}, Case{"BAD_B64", ErrorCode::kParse, "field rim"},
        Case{"DOWN", ErrorCode::kIo, "HTTP 503"}}) {
    auto r = store.fetch(c.id);
    ASSERT_FALSE(r.ok()) << c.id;
    EXPECT_EQ(r.error().code(), c.code) << c.id << ": " << r.error().message();
    EXPECT_NE(r.error().message().find(c.needle), std::string::npos) << r.error().message();
  }
  // Nothing that failed a check reached the cache.
  EXPECT_TRUE(std::filesystem::is_empty(cache.path()));
}

TEST_F(RimStoreService, UnreachableServiceIsAnIoError) {
  auto o = options();
  o.service_url = "http://127.0.0.1:1";
  auto r = RimStore(o).fetch(kDriverId);
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.error().code(), ErrorCode::kNotFound);
}

TEST_F(RimStoreService, NoClientIsAnError) {
  auto o = options();
  o.client.reset();
  auto r = RimStore(o).fetch(kDriverId);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code(), ErrorCode::kInvalidArgument);
}

TEST(RimServiceResponse, AcceptsUpperCaseDigestAndWrappedBase64) {
  const std::string xml(200, 'x');
  std::string b64 = base64_encode(as_bytes(xml));
  b64.insert(64, "\n");
  std::string sha = to_hex(crypto::sha256(as_bytes(xml)).value());
  for (char& c : sha)
    c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  const std::string body = Json{{"id", "A"}, {"rim", b64}, {"sha256", sha}}.dump();
  auto r = decode_rim_service_response(body, "A");
  ASSERT_TRUE(r.ok()) << r.error().message();
  EXPECT_EQ(to_string(*r), xml);
  EXPECT_FALSE(decode_rim_service_response(std::string(kMaxRimSize * 2 + 1, ' '), "A").ok());
}

TEST(RimStore, SourceNames) {
  EXPECT_EQ(rim_source_name(RimSource::kLocal), "local");
  EXPECT_EQ(rim_source_name(RimSource::kCache), "cache");
  EXPECT_EQ(rim_source_name(RimSource::kService), "service");
}

}  // namespace
}  // namespace cllm::gpu
