// `cllm serve` as a child process on loopback, with the simulator and stories260K: a plain
// HTTPS client that pins the node's certificate, the official openai npm client, and a
// SIGTERM that must let a stream in flight finish.
#include <gtest/gtest.h>
#include <signal.h>
#include <stdlib.h>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <thread>

#include "cllm/common/json.hpp"
#include "cllm/net/http_client.hpp"
#include "support/server_process.hpp"
#include "support/stories_golden.hpp"
#include "support/subprocess.hpp"
#include "support/temp_dir.hpp"
#include "support/test_paths.hpp"

namespace cllm {
namespace {

using namespace std::chrono_literals;

class CliServe : public testing::Test {
 protected:
  void SetUp() override {
    CLLM_REQUIRE_SHARED_FILE(model, test::stories::kModel);
    cert_path_ = dir_.path() + "/node.pem";
    std::string error;
    auto p = test::ServerProcess::start(
        {test::cllm_binary(), "serve", "-m", model, "--tee", "sim", "--sim-dir",
         dir_.path() + "/sim", "--port", "0", "-t", "1", "--parallel", "2", "--ctx-size", "2048",
         "--cert-out", cert_path_},
        {}, &error);
    ASSERT_TRUE(p) << error;
    server_.emplace(std::move(*p));
    auto line = server_->wait_for_line("listening on https://", 60s);
    ASSERT_TRUE(line) << "serve did not start:\n" << server_->stderr_text();
    base_ = line->substr(line->find("https://"));
    base_ = base_.substr(0, base_.find(' '));
    net::TlsClientOptions tls;
    tls.ca_pem = test::read_file_text(cert_path_);
    auto ctx = net::TlsClientContext::create(std::move(tls));
    ASSERT_TRUE(ctx) << ctx.error().message();
    net::ClientOptions co;
    co.tls = *ctx;
    client_ = std::make_unique<net::HttpClient>(co);
  }

  test::TempDir dir_{"cllm-serve"};
  std::string cert_path_;
  std::optional<test::ServerProcess> server_;
  std::string base_;
  std::unique_ptr<net::HttpClient> client_;
};

TEST_F(CliServe, ServesTheGoldenTextOverHttpsWithTheCertificateItWrote) {
  auto r = client_->post(base_ + "/v1/completions",
                         R"({"prompt":"Once upon a time","max_tokens":64,"temperature":0})",
                         "application/json");
  ASSERT_TRUE(r) << r.error().message();
  ASSERT_EQ(r->status, 200) << r->body;
  auto j = parse_json(r->body);
  ASSERT_TRUE(j);
  EXPECT_EQ((*j)["choices"][0]["text"], test::stories::kGolden);
  EXPECT_EQ(server_->stop(SIGTERM, 20s), 0) << server_->stderr_text();
}

TEST_F(CliServe, SigtermLetsAStreamInFlightFinish) {
  net::ClientRequest req;
  req.method = "POST";
  req.url = base_ + "/v1/completions";
  // A slot holds 1024 tokens: this stream runs until the slot is full.
  req.body = R"({"prompt":"Once upon a time","max_tokens":100000,"temperature":0,"stream":true})";
  std::string sse;
  bool signalled = false;
  auto r = client_->stream(req, [&](std::string_view chunk) {
    sse += chunk;
    if (!signalled) {
      signalled = true;
      kill(server_->pid(), SIGTERM);
    }
    return true;
  });
  ASSERT_TRUE(r) << r.error().message();
  EXPECT_TRUE(signalled);
  EXPECT_NE(sse.find(R"("finish_reason":"length")"), std::string::npos) << sse.substr(0, 400);
  EXPECT_EQ(sse.substr(sse.size() - 14), "data: [DONE]\n\n");
  EXPECT_EQ(server_->stop(SIGTERM, 30s), 0) << server_->stderr_text();
  // After the drain the node is gone.
  auto after = client_->get(base_ + "/health");
  EXPECT_FALSE(after);
}

TEST_F(CliServe, TheOfficialOpenAiNpmClientWorksAgainstTheNode) {
  std::string dir = std::string(CLLM_SOURCE_DIR) + "/tests/integration/openai_client";
  if (!std::filesystem::exists(dir + "/node_modules/openai")) {
    GTEST_SKIP() << "SKIPPED LOUDLY: " << dir
                 << "/node_modules missing (scripts/setup.sh installs it with npm ci)";
  }
  auto node = test::run_process({"/usr/bin/env", "node", dir + "/check.mjs", base_ + "/v1"}, 120s,
                                {"NODE_EXTRA_CA_CERTS=" + cert_path_});
  ASSERT_EQ(node.exit_code, 0) << node.out << node.err;
  auto j = parse_json(node.out);
  ASSERT_TRUE(j) << node.out;
  EXPECT_EQ((*j)["chat_text"], (*j)["stream_text"]);
  EXPECT_FALSE((*j)["chat_text"].get<std::string>().empty());
  EXPECT_EQ((*j)["chat_finish"], "length");
  EXPECT_EQ((*j)["stream_usage"]["completion_tokens"], 24);
  EXPECT_EQ((*j)["completion_text"], ", there was a little girl named Lily. She loved to play");
  EXPECT_EQ((*j)["models"], Json::array({"stories260K"}));
  EXPECT_EQ((*j)["error_status"], 404);
}

TEST(CliServeUsage, NeedsExactlyOneOfModelAndUpstream) {
  auto r = test::run_process({test::cllm_binary(), "serve", "--tee", "sim"}, 30s);
  EXPECT_EQ(r.exit_code, 2) << r.err;
  EXPECT_NE(r.err.find("--model"), std::string::npos) << r.err;
}

}  // namespace
}  // namespace cllm
