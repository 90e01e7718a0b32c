// GPU attestation end to end with the real binaries on loopback:
//   - `cllm dev --gpus 8` (TDX simulator + 8 simulated H100s, stories260K) verified by
//     `cllm verify --allow-simulated --require-gpus 8`, which accepts only when every GPU's
//     evidence verifies (chain, FWID, nonce, signature, RIMs, measurements) and the quote binds
//     it; and rejects, naming the failed factor, a short GPU count, a GPU whose evidence was
//     made for another nonce (a replay by the host), and evidence that is not the one the
//     claims hash (swapped after the quote was made);
//   - `cllm gpu inspect` and `cllm gpu verify` on real H100 evidence from ../shared.
#include <gtest/gtest.h>

#include <algorithm>
#include <fstream>
#include <string>
#include <vector>

#include "cllm/common/file.hpp"
#include "cllm/common/json.hpp"
#include "integration/node_under_test.hpp"
#include "support/subprocess.hpp"
#include "support/test_paths.hpp"

namespace cllm {
namespace {

using namespace std::chrono_literals;
using test::check_result;
using test::run_verify;

std::string factor_detail(const Json& j, const std::string& name) {
  for (const auto& c : j["checks"]) {
    if (c.value("stage", "") == "report" && c.value("name", "") == name) {
      return c.value("detail", "");
    }
  }
  return "";
}

// `cllm dev` itself (what `make dev` runs), on a free port and its own directories.
class CliGpuDev : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    auto model = test::shared_file("models/stories260K.gguf");
    if (!model) return;
    node_ = new Node();
    node_->cert_path = node_->dir.path() + "/node.pem";
    std::vector<std::string> argv = {test::cllm_binary(),
                                     "dev",
                                     "--model",
                                     *model,
                                     "--gpus",
                                     "8",
                                     "--port",
                                     "0",
                                     "--sim-dir",
                                     node_->dir.path() + "/sim",
                                     "--cert-out",
                                     node_->cert_path,
                                     "-t",
                                     "1",
                                     "--parallel",
                                     "2"};
    auto p = test::ServerProcess::start(argv, {}, &node_->error);
    if (!p) return;
    node_->process.emplace(std::move(*p));
    auto line = node_->process->wait_for_line("listening on https://", 120s);
    if (!line) {
      node_->error = "dev did not start:\n" + node_->process->stderr_text();
      return;
    }
    node_->url = line->substr(line->find("https://"));
    node_->url = node_->url.substr(0, node_->url.find(' '));
    // The banner tells the user the verify command with the GPU requirement.
    auto banner = node_->process->wait_for_line("cllm verify ", 30s);
    if (banner) banner_ = *banner;
  }
  static void TearDownTestSuite() {
    delete node_;
    node_ = nullptr;
  }
  void SetUp() override {
    CLLM_REQUIRE_SHARED_FILE(model_path, "models/stories260K.gguf");
    ASSERT_NE(node_, nullptr);
    ASSERT_FALSE(node_->url.empty()) << node_->error;
  }

  using Node = test::Node;
  static inline Node* node_ = nullptr;
  static inline std::string banner_;
};

TEST_F(CliGpuDev, AcceptsEightSimulatedGpusWhenRequired) {
  EXPECT_NE(banner_.find("--allow-simulated --require-gpus 8"), std::string::npos) << banner_;
  auto run = run_verify(node_->url, {"--allow-simulated", "--require-gpus", "8"}, true);
  EXPECT_EQ(run.result.exit_code, 0) << run.result.out << run.result.err;
  ASSERT_TRUE(run.json.is_object()) << run.result.out;
  EXPECT_EQ(run.json["accepted"], true);
  for (const char* factor : {"gpu_evidence_binding", "gpu_nonce_binding", "gpu_count",
                             "gpu_simulated_allowed", "gpu_evidence"}) {
    EXPECT_EQ(check_result(run.json, "report", factor), "pass") << factor;
  }
  EXPECT_NE(factor_detail(run.json, "gpu_evidence").find("8 GPU(s) verified locally"),
            std::string::npos);
  EXPECT_NE(factor_detail(run.json, "gpu_evidence").find("RIMs and measurements"),
            std::string::npos);
}

TEST_F(CliGpuDev, RejectsWhenFewerGpusThanRequired) {
  auto run = run_verify(node_->url, {"--allow-simulated", "--require-gpus", "9"}, false);
  EXPECT_EQ(run.result.exit_code, 1) << run.result.out;
  EXPECT_TRUE(test::text_names_failure(run.result.out, "gpu_count")) << run.result.out;
  EXPECT_NE(run.result.out.find("VERDICT: REJECTED: gpu_count"), std::string::npos);
}

TEST_F(CliGpuDev, SimulatedGpusAreRejectedWithoutAllowSimulated) {
  auto run = run_verify(node_->url, {"--require-gpus", "8"}, true);
  EXPECT_EQ(run.result.exit_code, 1);
  EXPECT_EQ(check_result(run.json, "report", "gpu_simulated_allowed"), "fail") << run.result.out;
  // The quote itself was refused (simulated_allowed), so the GPU evidence is not examined
  // further: nothing a TEE did not vouch for goes to NRAS or to RIM / OCSP services.
  EXPECT_EQ(check_result(run.json, "report", "gpu_evidence"), "fail");
  EXPECT_EQ(factor_detail(run.json, "gpu_evidence"), "not checked: simulated_allowed failed");
}

TEST_F(CliGpuDev, OfflineVerifierNeedsNoRimService) {
  // The node's report carries the simulated RIMs; nothing is fetched.
  auto run = run_verify(
      node_->url, {"--allow-simulated", "--require-gpus", "8", "--rim-service", "none"}, true);
  EXPECT_EQ(run.result.exit_code, 0) << run.result.out;
}

TEST_F(CliGpuDev, NrasCannotJudgeSimulatedGpus) {
  // NRAS knows only NVIDIA's roots; asking it about simulated GPUs fails before any request.
  auto run = run_verify(
      node_->url,
      {"--allow-simulated", "--gpu-verifier", "nras", "--nras-url", "https://127.0.0.1:9"}, true);
  EXPECT_EQ(run.result.exit_code, 1);
  EXPECT_NE(factor_detail(run.json, "gpu_evidence").find("NRAS cannot verify simulated GPUs"),
            std::string::npos)
      << run.result.out;
}

TEST_F(CliGpuDev, NrasKeyIsReadFromAFileThatMustHoldOne) {
  const std::string empty_key = node_->dir.path() + "/nras-empty.key";
  ASSERT_TRUE(write_file_atomic(empty_key, as_bytes(std::string("\n")), 0600));
  auto run = run_verify(node_->url,
                        {"--allow-simulated", "--gpu-verifier", "nras", "--nras-url",
                         "https://127.0.0.1:9", "--nras-key-file", empty_key},
                        false);
  EXPECT_NE(run.result.exit_code, 0);
  EXPECT_NE((run.result.out + run.result.err).find("nras-empty.key is empty"), std::string::npos)
      << run.result.out << run.result.err;
}

// A node serving GPU evidence a compromised host could produce (hidden --sim-gpu-fault).
std::unique_ptr<test::Node> faulty_node(const std::string& fault) {
  auto model = test::shared_file("models/stories260K.gguf");
  if (!model) return nullptr;
  return test::start_node(*model, {"--gpu", "sim", "--sim-gpus", "8", "--sim-gpu-fault", fault});
}

TEST(CliGpuFaults, RejectsAGpuWhoseEvidenceWasMadeForAnotherNonce) {
  CLLM_REQUIRE_SHARED_FILE(model_path, "models/stories260K.gguf");
  auto node = faulty_node("stale-nonce");
  ASSERT_TRUE(node && !node->url.empty()) << (node ? node->error : "");
  auto run = run_verify(node->url, {"--allow-simulated", "--require-gpus", "8"}, true);
  EXPECT_EQ(run.result.exit_code, 1);
  // The payload is what the quote binds, and its nonce is right: only GPU 0's own report
  // carries another nonce, which the per-GPU nonce check catches.
  EXPECT_EQ(check_result(run.json, "report", "gpu_evidence_binding"), "pass");
  EXPECT_EQ(check_result(run.json, "report", "gpu_evidence"), "fail");
  EXPECT_NE(factor_detail(run.json, "gpu_evidence").find("gpu0.attestation-report-nonce-match"),
            std::string::npos)
      << factor_detail(run.json, "gpu_evidence");
}

TEST(CliGpuFaults, RejectsEvidenceThatIsNotTheOneTheClaimsHash) {
  CLLM_REQUIRE_SHARED_FILE(model_path, "models/stories260K.gguf");
  auto node = faulty_node("unbound-evidence");
  ASSERT_TRUE(node && !node->url.empty()) << (node ? node->error : "");
  auto run = run_verify(node->url, {"--allow-simulated", "--require-gpus", "8"}, false);
  EXPECT_EQ(run.result.exit_code, 1);
  EXPECT_NE(run.result.out.find("VERDICT: REJECTED: gpu_evidence_binding"), std::string::npos)
      << run.result.out;
}

TEST(CliGpuFaults, OneGpuRepeatedDoesNotCountAsEight) {
  CLLM_REQUIRE_SHARED_FILE(model_path, "models/stories260K.gguf");
  auto node = faulty_node("repeated-gpu");
  ASSERT_TRUE(node && !node->url.empty()) << (node ? node->error : "");
  auto run = run_verify(node->url, {"--allow-simulated", "--require-gpus", "8"}, true);
  EXPECT_EQ(run.result.exit_code, 1);
  // Bound by the quote and made for the right nonce: only counting devices catches it.
  EXPECT_EQ(check_result(run.json, "report", "gpu_evidence_binding"), "pass");
  EXPECT_EQ(check_result(run.json, "report", "gpu_nonce_binding"), "pass");
  EXPECT_EQ(check_result(run.json, "report", "gpu_count"), "fail");
  EXPECT_NE(factor_detail(run.json, "gpu_count").find("same device certificate"), std::string::npos)
      << factor_detail(run.json, "gpu_count");
}

TEST(CliGpuFaults, ANodeWithoutGpusFailsARequirement) {
  CLLM_REQUIRE_SHARED_FILE(model, "models/stories260K.gguf");
  auto node = test::start_node(model, {"--gpu", "none"});
  ASSERT_FALSE(node->url.empty()) << node->error;
  auto without = run_verify(node->url, {"--allow-simulated"}, true);
  EXPECT_EQ(without.result.exit_code, 0) << without.result.out;
  EXPECT_EQ(check_result(without.json, "report", "gpu_evidence"), "skip");
  auto with = run_verify(node->url, {"--allow-simulated", "--require-gpus", "1"}, true);
  EXPECT_EQ(with.result.exit_code, 1);
  EXPECT_EQ(check_result(with.json, "report", "gpu_count"), "fail");
}

TEST(CliGpuUsage, SimulatedGpusNeedTheSimulatedTee) {
  CLLM_REQUIRE_SHARED_FILE(model, "models/stories260K.gguf");
  auto r = test::run_process(
      {test::cllm_binary(), "serve", "-m", model, "--tee", "tdx", "--gpu", "sim", "--port", "0"},
      60s);
  EXPECT_NE(r.exit_code, 0);
}

// --- cllm gpu inspect / verify on real evidence ---

const char* kReport580 = "testdata/nvidia/nvat_sdk/gpu/hopper_580.159.03_AttestationReport.txt";
const char* kChain580 = "testdata/nvidia/nvat_sdk/gpu/hopper_580.159.03_CertChain.txt";
const char* kNonce580 = "5bb22e377702d4e1e8215a903ba094826b9ac7f731dee1fe8102958bf2840aca";

TEST(CliGpuInspect, DecodesARealReport) {
  CLLM_REQUIRE_SHARED_FILE(report_path, kReport580);
  auto r = test::run_process(
      {test::cllm_binary(), "gpu", "inspect", *test::shared_file(kReport580), "--json"}, 30s);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  auto j = parse_json(r.out);
  ASSERT_TRUE(j.ok()) << r.out;
  EXPECT_EQ((*j)["request"]["nonce"], kNonce580);
  EXPECT_EQ((*j)["measurement_blocks"].size(), 64U);
  EXPECT_EQ((*j)["opaque"]["decoded"]["driver_version"], "580.159.03");
  EXPECT_EQ((*j)["opaque"]["decoded"]["vbios_version"], "96.00.74.00.20");
  EXPECT_EQ((*j)["rim_ids"]["driver"], "NV_GPU_DRIVER_GH100_580.159.03");
  EXPECT_EQ((*j)["rim_ids"]["vbios"], "NV_GPU_VBIOS_1010_0205_862_9600740020");

  test::TempDir dir("cllm-gpu-inspect");
  const std::string junk = dir.path() + "/junk.txt";
  std::ofstream(junk) << "11e001ff00";
  auto bad = test::run_process({test::cllm_binary(), "gpu", "inspect", junk}, 30s);
  EXPECT_EQ(bad.exit_code, 1);
  EXPECT_NE(bad.err.find("request nonce"), std::string::npos) << bad.err;
}

test::ProcessResult gpu_verify(std::vector<std::string> extra) {
  std::vector<std::string> argv = {test::cllm_binary(),
                                   "gpu",
                                   "verify",
                                   "--report",
                                   *test::shared_file(kReport580),
                                   "--certs",
                                   *test::shared_file(kChain580),
                                   "--rim-service",
                                   "none",
                                   "--no-ocsp"};
  argv.insert(argv.end(), extra.begin(), extra.end());
  return test::run_process(argv, 30s);
}

TEST(CliGpuVerify, AcceptsRealEvidenceForItsNonceAndNamesEveryCheck) {
  CLLM_REQUIRE_SHARED_FILE(report_path, kReport580);
  auto r = gpu_verify({"--nonce", kNonce580, "--skip-rims", "--json"});
  EXPECT_EQ(r.exit_code, 0) << r.out << r.err;
  auto j = parse_json(r.out);
  ASSERT_TRUE(j.ok()) << r.out;
  EXPECT_EQ((*j)["accepted"], true);
  EXPECT_EQ((*j)["claims"]["hwmodel"], "GH100 A01 GSP BROM");
  EXPECT_EQ((*j)["claims"]["ueid"], "509096176156678437554566035365892618958504054724");
  std::vector<std::string> names;
  for (const auto& c : (*j)["checks"])
    names.push_back(c["name"]);
  for (const char* name :
       {"attestation-report-parsed", "attestation-report-cert-chain-validated",
        "attestation-report-signature-verified", "attestation-report-cert-chain-fwid-match",
        "attestation-report-nonce-match"}) {
    EXPECT_NE(std::find(names.begin(), names.end(), name), names.end()) << name;
  }
}

TEST(CliGpuVerify, RejectsAnotherNonceAndAMissingRimByName) {
  CLLM_REQUIRE_SHARED_FILE(report_path, kReport580);
  auto wrong = gpu_verify({"--nonce", std::string(64, '0'), "--skip-rims"});
  EXPECT_EQ(wrong.exit_code, 1);
  EXPECT_NE(wrong.out.find("VERDICT: REJECTED: attestation-report-nonce-match"), std::string::npos)
      << wrong.out;
  // Offline, with a folder that lacks this driver's RIM: the RIM check fails by name.
  auto rims = test::shared_file("testdata/nvidia/nvtrust_local_verifier/rims");
  ASSERT_TRUE(rims);
  auto missing = gpu_verify({"--nonce", kNonce580, "--rim-dir", *rims});
  EXPECT_EQ(missing.exit_code, 1);
  EXPECT_NE(missing.out.find("fail  driver-rim-fetched"), std::string::npos) << missing.out;
}

TEST(CliGpuVerify, RevocationIsCheckedUnlessTurnedOffAndAnUnreachableResponderFails) {
  CLLM_REQUIRE_SHARED_FILE(report_path, kReport580);
  test::TempDir dir("cllm-gpu-ocsp");
  // Without --no-ocsp the intermediates go to OCSP; a responder that cannot be reached and no
  // stored response is a failure naming the check (fail closed), not a silent pass.
  std::vector<std::string> argv = {test::cllm_binary(),
                                   "gpu",
                                   "verify",
                                   "--report",
                                   report_path,
                                   "--certs",
                                   *test::shared_file(kChain580),
                                   "--nonce",
                                   kNonce580,
                                   "--skip-rims",
                                   "--ocsp-url",
                                   "http://127.0.0.1:9/",
                                   "--ocsp-dir",
                                   dir.path() + "/ocsp"};
  auto r = test::run_process(argv, 60s);
  EXPECT_EQ(r.exit_code, 1) << r.out;
  EXPECT_NE(r.out.find("fail  attestation-report-cert-chain-ocsp"), std::string::npos) << r.out;
  auto off = gpu_verify({"--nonce", kNonce580, "--skip-rims"});
  EXPECT_EQ(off.exit_code, 0) << off.out;
  EXPECT_NE(off.out.find("skip  attestation-report-cert-chain-ocsp"), std::string::npos) << off.out;
}

TEST(CliGpuVerify, RejectsAReportWhoseSignatureDoesNotVerify) {
  const char* report =
      "testdata/nvidia/nvat_sdk/gpu/hopper_560.00_AttestationReport_InvalidSignature.txt";
  const char* chain = "testdata/nvidia/nvat_sdk/gpu/hopper_570.124.03_CertChain.txt";
  CLLM_REQUIRE_SHARED_FILE(report_path, report);
  auto r = test::run_process(
      {test::cllm_binary(), "gpu", "verify", "--report", *test::shared_file(report), "--certs",
       *test::shared_file(chain), "--skip-rims", "--rim-service", "none"},
      30s);
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.out.find("VERDICT: REJECTED: attestation-report-signature-verified"),
            std::string::npos)
      << r.out;
}

TEST(CliGpuVerify, NvSwitchEvidenceIsVerifiedAndATamperedOneRejected) {
  const std::string dir = "testdata/nvidia/nvat_sdk/switch/";
  CLLM_REQUIRE_SHARED_FILE(chain, dir + "switchCertChain.txt");
  auto run = [&](const std::string& report, const std::string& nonce) {
    return test::run_process({test::cllm_binary(), "gpu", "verify", "--switch", "--report",
                              *test::shared_file(dir + report), "--certs", chain, "--nonce", nonce,
                              "--rim-service", "none", "--no-ocsp"},
                             30s);
  };
  auto good = run("switchAttestationReport.txt",
                  "931d8dd0add203ac3d8b4fbde75e115278eefcdceac5b87671a748f32364dfcb");
  EXPECT_EQ(good.exit_code, 0) << good.out << good.err;
  EXPECT_NE(good.out.find("skip  measurements-skipped"), std::string::npos) << good.out;
  auto bad = run("switchAttestationReportInvalidSignature.txt", "ea038ed5" + std::string(56, '0'));
  EXPECT_EQ(bad.exit_code, 1);
  EXPECT_NE(bad.out.find("VERDICT: REJECTED: attestation-report-signature-verified"),
            std::string::npos)
      << bad.out;
}

}  // namespace
}  // namespace cllm
