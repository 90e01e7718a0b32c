// A `cllm serve` node (simulator, real model) as a child process for integration tests, and
// `cllm verify` runs against it: shared by cli_verify_test and cli_gpu_test.
#pragma once

#include <chrono>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "cllm/common/hex.hpp"
#include "cllm/common/json.hpp"
#include "cllm/crypto/hash.hpp"
#include "support/server_process.hpp"
#include "support/subprocess.hpp"
#include "support/temp_dir.hpp"
#include "support/test_paths.hpp"

namespace cllm::test {

// A node started once for the suite (loading the model and the simulator takes seconds).
struct Node {
  TempDir dir{"cllm-verify"};
  std::string cert_path;
  std::optional<ServerProcess> process;
  std::string url;
  std::string signing_address;
  std::string error;  // why it did not start
};

inline std::unique_ptr<Node> start_node(const std::string& model,
                                        const std::vector<std::string>& extra) {
  auto node = std::make_unique<Node>();
  node->cert_path = node->dir.path() + "/node.pem";
  std::vector<std::string> argv = {cllm_binary(), "serve",
                                   "-m",          model,
                                   "--tee",       "sim",
                                   "--sim-dir",   node->dir.path() + "/sim",
                                   "--port",      "0",
                                   "-t",          "1",
                                   "--parallel",  "2",
                                   "--ctx-size",  "1024",
                                   "--cert-out",  node->cert_path};
  argv.insert(argv.end(), extra.begin(), extra.end());
  auto p = ServerProcess::start(argv, {}, &node->error);
  if (!p) return node;
  node->process.emplace(std::move(*p));
  auto line = node->process->wait_for_line("listening on https://", std::chrono::seconds(120));
  if (!line) {
    node->error = "serve did not start:\n" + node->process->stderr_text();
    return node;
  }
  node->url = line->substr(line->find("https://"));
  node->url = node->url.substr(0, node->url.find(' '));
  auto at = line->find("signing address ");
  if (at != std::string::npos) {
    node->signing_address = line->substr(at + 16);
    node->signing_address = node->signing_address.substr(0, node->signing_address.find(')'));
  }
  return node;
}

inline std::string model_sha256_hex(const std::string& path) {
  auto digest = crypto::sha256(as_bytes(read_file_text(path)));
  return digest ? to_hex(*digest) : std::string();
}

// One `cllm verify` run, with its --json output parsed when asked for.
struct VerifyRun {
  ProcessResult result;
  Json json;  // null unless --json and the output parsed
};

inline VerifyRun run_verify(const std::string& url, std::vector<std::string> flags, bool json) {
  std::vector<std::string> argv = {cllm_binary(), "verify", url};
  argv.insert(argv.end(), flags.begin(), flags.end());
  if (json) argv.push_back("--json");
  VerifyRun run;
  run.result = run_process(argv, std::chrono::seconds(60));
  if (json) {
    auto parsed = parse_json(run.result.out);
    if (parsed) run.json = std::move(parsed).value();
  }
  return run;
}

// The result ("pass"/"fail"/"skip") of check `name` in `stage`, or "" when absent.
inline std::string check_result(const Json& j, const std::string& stage, const std::string& name) {
  if (!j.is_object() || !j.contains("checks")) return "";
  for (const auto& c : j["checks"]) {
    if (c.value("stage", "") == stage && c.value("name", "") == name) return c.value("result", "");
  }
  return "";
}

// The text output has a line "  fail  <name> ..." for this check.
inline bool text_names_failure(const std::string& out, const std::string& name) {
  return out.find("  fail  " + name + " ") != std::string::npos;
}

}  // namespace cllm::test
