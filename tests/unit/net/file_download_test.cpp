// The model downloader against a real HTTP server on loopback that speaks Range.
#include "cllm/net/file_download.hpp"

#include <gtest/gtest.h>
#include <stdlib.h>

#include <atomic>
#include <filesystem>
#include <fstream>

#include "cllm/common/hex.hpp"
#include "cllm/crypto/hash.hpp"
#include "cllm/net/http_server.hpp"
#include "support/temp_dir.hpp"

namespace cllm::net {
namespace {

namespace fs = std::filesystem;

std::string blob() {
  std::string s;
  for (std::uint64_t i = 0; i < 300'000; ++i)
    s.push_back(static_cast<char>((i * 7919) % 251));
  return s;
}

std::string sha256_hex(std::string_view s) {
  return to_hex(crypto::sha256(as_bytes(s)).value());
}

void write_file(const std::string& path, std::string_view data) {
  std::ofstream out(path, std::ios::binary);
  out.write(data.data(), static_cast<std::streamsize>(data.size()));
}

std::string read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), {});
}

class FileDownload : public testing::Test {
 protected:
  void SetUp() override {
    ASSERT_FALSE(tmp_.path().empty());
    dir_ = tmp_.path();
    data_ = blob();
    // Serves the blob, honouring "Range: bytes=N-" with a 206 (unless ignore_range).
    server_.route("GET", "/model.gguf",
                  [this](const Request& req, std::shared_ptr<ResponseWriter> w) {
                    ++requests_;
                    auto range = req.headers.get("Range");
                    if (range && !ignore_range_ && range->starts_with("bytes=")) {
                      std::size_t from = std::stoul(std::string(range->substr(6)));
                      if (from >= data_.size()) {
                        Response r = Response::text(416, "");
                        r.headers.set("Content-Range", "bytes */" + std::to_string(data_.size()));
                        (void)w->send(std::move(r));
                        return;
                      }
                      Response r;
                      r.status = 206;
                      r.body = data_.substr(from);
                      r.headers.set("Content-Range", "bytes " + std::to_string(from) + "-" +
                                                         std::to_string(data_.size() - 1) + "/" +
                                                         std::to_string(data_.size()));
                      (void)w->send(std::move(r));
                      return;
                    }
                    Response r;
                    r.body = data_;
                    (void)w->send(std::move(r));
                  });
    server_.route("GET", "/redirect", [](const Request&, std::shared_ptr<ResponseWriter> w) {
      Response r;
      r.status = 302;
      r.headers.set("Location", "/model.gguf");
      (void)w->send(std::move(r));
    });
    port_ = server_.listen(ListenAddress::tcp("127.0.0.1", 0)).value();
    ASSERT_TRUE(server_.start());
  }
  void TearDown() override { server_.stop(); }

  DownloadOptions options(const std::string& path = "/model.gguf") {
    DownloadOptions o;
    o.url = "http://127.0.0.1:" + std::to_string(port_) + path;
    o.destination = dir_ + "/models/model.gguf";
    o.expected_sha256 = sha256_hex(data_);
    return o;
  }

  test::TempDir tmp_{"cllm-download"};
  std::string dir_;
  std::string data_;
  HttpServer server_;
  std::uint16_t port_ = 0;
  std::atomic<int> requests_{0};
  bool ignore_range_ = false;
};

TEST_F(FileDownload, DownloadsVerifiesAndReportsProgress) {
  auto o = options();
  std::uint64_t last = 0;
  o.on_progress = [&](const DownloadProgress& p) { last = p.received; };
  auto r = download_file(o);
  ASSERT_TRUE(r) << r.error().message();
  EXPECT_EQ(r->size, data_.size());
  EXPECT_EQ(last, data_.size());
  EXPECT_EQ(read_file(o.destination), data_);
  EXPECT_FALSE(fs::exists(o.destination + ".partial"));
  // A second run finds the verified file and makes no request.
  int before = requests_;
  auto again = download_file(o);
  ASSERT_TRUE(again);
  EXPECT_TRUE(again->already_present);
  EXPECT_EQ(requests_, before);
}

TEST_F(FileDownload, ResumesAPartialFileWithARangeRequest) {
  auto o = options();
  fs::create_directories(dir_ + "/models");
  write_file(o.destination + ".partial", std::string_view(data_).substr(0, 123'456));
  auto r = download_file(o);
  ASSERT_TRUE(r) << r.error().message();
  EXPECT_EQ(r->resumed_from, 123'456u);
  EXPECT_EQ(read_file(o.destination), data_);
}

TEST_F(FileDownload, StartsOverWhenTheServerIgnoresRange) {
  ignore_range_ = true;
  auto o = options();
  fs::create_directories(dir_ + "/models");
  write_file(o.destination + ".partial", "garbage that must not stay in front");
  auto r = download_file(o);
  ASSERT_TRUE(r) << r.error().message();
  EXPECT_EQ(read_file(o.destination), data_);
}

TEST_F(FileDownload, AWrongHashIsRejectedAndNothingIsKept) {
  auto o = options();
  o.expected_sha256 = std::string(64, '0');
  auto r = download_file(o);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code(), ErrorCode::kVerification);
  EXPECT_NE(r.error().message().find("SHA-256"), std::string::npos);
  EXPECT_FALSE(fs::exists(o.destination));
  EXPECT_FALSE(fs::exists(o.destination + ".partial"));
}

TEST_F(FileDownload, FollowsRedirects) {
  auto r = download_file(options("/redirect"));
  ASSERT_TRUE(r) << r.error().message();
  EXPECT_EQ(r->size, data_.size());
}

TEST_F(FileDownload, SaysClearlyWhenTheHostCannotBeReached) {
  auto o = options();
  o.url = "http://127.0.0.1:1/model.gguf";
  auto r = download_file(o);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code(), ErrorCode::kIo);
  EXPECT_NE(r.error().message().find("no network"), std::string::npos) << r.error().message();
}

TEST_F(FileDownload, AnHttpErrorIsAnError) {
  auto r = download_file(options("/missing"));
  ASSERT_FALSE(r);
  EXPECT_NE(r.error().message().find("404"), std::string::npos) << r.error().message();
}

}  // namespace
}  // namespace cllm::net
