// `cllm serve --upstream` in front of a real llama-server (both child processes on loopback):
// the golden text comes through, and its receipt verifies against the attested key.
#include <gtest/gtest.h>
#include <signal.h>
#include <stdlib.h>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <thread>

#include "cllm/common/hex.hpp"
#include "cllm/common/json.hpp"
#include "cllm/crypto/ethereum.hpp"
#include "cllm/crypto/hash.hpp"
#include "cllm/net/http_client.hpp"
#include "support/child_process.hpp"
#include "support/server_process.hpp"
#include "support/stories_golden.hpp"
#include "support/temp_dir.hpp"
#include "support/test_paths.hpp"

namespace cllm {
namespace {

using namespace std::chrono_literals;
namespace fs = std::filesystem;

std::string sha256_hex(std::string_view s) {
  return to_hex(crypto::sha256(as_bytes(s)).value());
}

TEST(CliServeUpstream, GoldenTextThroughLlamaServerWithAVerifiableReceipt) {
  auto model = test::shared_file("models/stories260K.gguf");
  if (!model) GTEST_SKIP() << "SKIPPED LOUDLY: shared model missing (set CLLM_SHARED_DIR)";
  const std::string llama_server = CLLM_LLAMA_SERVER_PATH;
  if (llama_server.empty() || !fs::exists(llama_server)) {
    GTEST_SKIP() << "SKIPPED LOUDLY: no llama-server (CMake CLLM_LLAMA_SERVER='" << llama_server
                 << "')";
  }
  test::TempDir tmp("cllm-upstream");
  ASSERT_FALSE(tmp.path().empty());
  const std::string dir = tmp.path();

  const std::uint16_t upstream_port = test::free_loopback_port();
  test::ChildProcess upstream;
  ASSERT_TRUE(upstream.start({llama_server, "-m", *model, "--host", "127.0.0.1", "--port",
                              std::to_string(upstream_port), "-t", "1", "-np", "2", "-c", "1024"},
                             dir + "/llama-server.log"))
      << upstream.error();
  const std::string upstream_url = "http://127.0.0.1:" + std::to_string(upstream_port);
  net::HttpClient probe;
  bool ready = false;
  for (int i = 0; i < 600 && !ready; ++i) {
    auto r = probe.get(upstream_url + "/health");
    ready = r && r->status == 200;
    if (!ready) std::this_thread::sleep_for(50ms);
  }
  ASSERT_TRUE(ready) << upstream.log();

  std::string error;
  auto node = test::ServerProcess::start(
      {test::cllm_binary(), "serve", "--upstream", upstream_url, "--model-id", "stories260K",
       "--tee", "sim", "--sim-dir", dir + "/sim", "--port", "0", "--cert-out", dir + "/node.pem"},
      {}, &error);
  ASSERT_TRUE(node) << error;
  auto line = node->wait_for_line("listening on https://", 60s);
  ASSERT_TRUE(line) << node->stderr_text();
  std::string base = line->substr(line->find("https://"));
  base = base.substr(0, base.find(' '));

  net::TlsClientOptions tls;
  tls.ca_pem = test::read_file_text(dir + "/node.pem");
  net::ClientOptions co;
  co.tls = net::TlsClientContext::create(std::move(tls)).value();
  net::HttpClient client(co);
  const std::string body = R"({"prompt":"Once upon a time","max_tokens":64,"temperature":0})";
  auto r = client.post(base + "/v1/completions", body, "application/json");
  ASSERT_TRUE(r) << r.error().message();
  ASSERT_EQ(r->status, 200) << r->body << node->stderr_text();
  auto j = parse_json(r->body);
  ASSERT_TRUE(j);
  EXPECT_EQ((*j)["choices"][0]["text"], test::stories::kGolden);
  EXPECT_EQ((*j)["usage"]["completion_tokens"], 64);

  // The receipt: the node's hashes of these exact bytes, signed by the attested address.
  auto id = r->headers.get("X-Cllm-Receipt");
  ASSERT_TRUE(id);
  auto report = client.get(base + "/v1/attestation/report");
  ASSERT_TRUE(report);
  auto rj = parse_json(report->body);
  ASSERT_TRUE(rj) << report->body;
  EXPECT_EQ((*rj)["model"]["id"], "stories260K");
  EXPECT_EQ((*rj)["model"]["sha256"], "");  // the weights live outside this TEE
  const std::string address = (*rj)["signing_address"];
  auto sig = client.get(base + "/v1/signature/" + std::string(*id));
  ASSERT_TRUE(sig);
  ASSERT_EQ(sig->status, 200) << sig->body;
  auto sj = parse_json(sig->body);
  ASSERT_TRUE(sj);
  const std::string text = (*sj)["text"];
  EXPECT_EQ(text, sha256_hex(body) + ":" + sha256_hex(r->body));
  auto raw = from_hex((*sj)["signature"].get<std::string>(), true);
  ASSERT_TRUE(raw);
  auto recovered = crypto::recover_personal_sign_address(as_bytes(text), *raw);
  ASSERT_TRUE(recovered);
  EXPECT_EQ(crypto::eip55_checksum_address(*recovered), address);

  EXPECT_EQ(node->stop(SIGTERM, 20s), 0) << node->stderr_text();
  upstream.stop();
}

}  // namespace
}  // namespace cllm
