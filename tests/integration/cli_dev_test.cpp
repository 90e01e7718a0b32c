// `cllm dev` as a child process: it downloads its model from a server on loopback (checked
// against the pinned SHA-256), starts the simulator and a node, and prints what to try.
#include <gtest/gtest.h>
#include <signal.h>
#include <stdlib.h>

#include <atomic>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "cllm/common/json.hpp"
#include "cllm/net/http_client.hpp"
#include "cllm/net/http_server.hpp"
#include "support/server_process.hpp"
#include "support/stories_golden.hpp"
#include "support/subprocess.hpp"
#include "support/temp_dir.hpp"
#include "support/test_paths.hpp"

namespace cllm {
namespace {

using namespace std::chrono_literals;
namespace fs = std::filesystem;

constexpr const char* kStoriesSha256 = test::stories::kModelSha256;

class CliDev : public testing::Test {
 protected:
  void SetUp() override {
    CLLM_REQUIRE_SHARED_FILE(model, test::stories::kModel);
    model_path_ = model;
    ASSERT_FALSE(tmp_.path().empty());
    dir_ = tmp_.path();
    model_bytes_ = test::read_file_text(model);
    server_.route("GET", "/models/stories260K.gguf",
                  [this](const net::Request&, std::shared_ptr<net::ResponseWriter> w) {
                    ++downloads_;
                    net::Response r;
                    r.body = model_bytes_;
                    (void)w->send(std::move(r));
                  });
    port_ = server_.listen(net::ListenAddress::tcp("127.0.0.1", 0)).value();
    ASSERT_TRUE(server_.start());
  }
  void TearDown() override { server_.stop(); }

  std::vector<std::string> dev_args(const std::string& sha256) {
    return {test::cllm_binary(),
            "dev",
            "--model-url",
            "http://127.0.0.1:" + std::to_string(port_) + "/models/stories260K.gguf",
            "--model-sha256",
            sha256,
            "--models-dir",
            dir_ + "/models",
            "--sim-dir",
            dir_ + "/sim",
            "--cert-out",
            dir_ + "/node.pem",
            "--port",
            "0",
            "-t",
            "1"};
  }

  test::TempDir tmp_{"cllm-dev"};
  std::string dir_;
  std::string model_path_;
  std::string model_bytes_;
  net::HttpServer server_;
  std::uint16_t port_ = 0;
  std::atomic<int> downloads_{0};
};

TEST_F(CliDev, DownloadsTheModelStartsASimulatedNodeAndSaysWhatToTry) {
  std::string error;
  auto p = test::ServerProcess::start(dev_args(kStoriesSha256), {}, &error);
  ASSERT_TRUE(p) << error;
  auto line = p->wait_for_line("Ctrl-C stops it", 60s);
  ASSERT_TRUE(line) << p->stdout_text() << p->stderr_text();
  const std::string& out = p->stdout_text();
  EXPECT_NE(out.find("TEE SIMULATOR"), std::string::npos) << out;
  EXPECT_NE(out.find("cllm verify https://127.0.0.1:"), std::string::npos) << out;
  EXPECT_NE(out.find("cllm chat https://127.0.0.1:"), std::string::npos) << out;
  EXPECT_NE(p->stderr_text().find("SHA-256 verified"), std::string::npos) << p->stderr_text();
  EXPECT_EQ(downloads_, 1);
  EXPECT_EQ(test::read_file_text(dir_ + "/models/model-270cba1bd5109f42.gguf"), model_bytes_);

  auto start = out.find("serving https://");
  ASSERT_NE(start, std::string::npos);
  std::string url = out.substr(start + 8, out.find('\n', start) - start - 8);
  net::TlsClientOptions tls;
  tls.ca_pem = test::read_file_text(dir_ + "/node.pem");
  net::ClientOptions co;
  co.tls = net::TlsClientContext::create(std::move(tls)).value();
  net::HttpClient client(co);
  auto r = client.post(url + "/v1/completions",
                       R"({"prompt":"Once upon a time","max_tokens":8,"temperature":0})",
                       "application/json");
  ASSERT_TRUE(r) << r.error().message() << " url=" << url;
  EXPECT_EQ(r->status, 200) << r->body;
  EXPECT_NE(r->body.find("there was a little girl"), std::string::npos) << r->body;
  EXPECT_EQ(p->stop(SIGINT, 20s), 0) << p->stderr_text();

  // A second start reuses the verified download.
  auto again = test::ServerProcess::start(dev_args(kStoriesSha256), {}, &error);
  ASSERT_TRUE(again) << error;
  ASSERT_TRUE(again->wait_for_line("Ctrl-C stops it", 60s)) << again->stderr_text();
  EXPECT_EQ(downloads_, 1);
  EXPECT_EQ(again->stop(SIGTERM, 20s), 0);
}

TEST_F(CliDev, RefusesAModelWhoseHashIsNotThePinnedOne) {
  auto r = test::run_process(dev_args(std::string(64, 'a')), 60s);
  EXPECT_EQ(r.exit_code, 1) << r.out << r.err;
  EXPECT_NE(r.err.find("SHA-256"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("--model PATH"), std::string::npos) << r.err;
  EXPECT_FALSE(fs::exists(dir_ + "/models/model-aaaaaaaaaaaaaaaa.gguf"));
}

TEST_F(CliDev, SaysClearlyWhenThereIsNoNetwork) {
  auto args = dev_args(kStoriesSha256);
  args[3] = "http://127.0.0.1:1/models/stories260K.gguf";
  auto r = test::run_process(args, 60s);
  EXPECT_EQ(r.exit_code, 1) << r.out << r.err;
  EXPECT_NE(r.err.find("no network"), std::string::npos) << r.err;
}

// What `make dev MODEL=...` does on a fresh machine: no flag but the model, and a home in which
// none of cllm's folders exist yet.
TEST_F(CliDev, StartsWithEveryDefaultOnAFreshHome) {
  const std::string home = dir_ + "/home";
  fs::create_directories(home);
  std::string error;
  auto p = test::ServerProcess::start(
      {test::cllm_binary(), "dev", "--model", model_path_, "--port", "0", "-t", "1"},
      {"HOME=" + home, "XDG_CACHE_HOME=", "XDG_DATA_HOME="}, &error);
  ASSERT_TRUE(p) << error;
  ASSERT_TRUE(p->wait_for_line("Ctrl-C stops it", 60s)) << p->stdout_text() << p->stderr_text();
  const std::string cert = home + "/.cache/cllm/dev/node.pem";
  EXPECT_TRUE(fs::is_regular_file(cert));
  EXPECT_NE(p->stdout_text().find("--cacert " + cert), std::string::npos) << p->stdout_text();
  EXPECT_TRUE(fs::is_directory(home + "/.local/share/cllm/sim"));
  EXPECT_EQ(p->stop(SIGINT, 20s), 0) << p->stderr_text();
}

}  // namespace
}  // namespace cllm
