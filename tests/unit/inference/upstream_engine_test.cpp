// UpstreamEngine against a real llama-server (built by scripts/build-llama.sh) running the
// shared stories260K model as a child process on loopback.
#include "cllm/inference/upstream_engine.hpp"

#include <gtest/gtest.h>

#include <filesystem>
#include <memory>
#include <thread>
#include <vector>

#include "stories_model.hpp"
#include "support/child_process.hpp"

#ifndef CLLM_LLAMA_SERVER_PATH
#define CLLM_LLAMA_SERVER_PATH ""
#endif

namespace cllm::inference {
namespace {

using stories::greedy;
using stories::kGolden;
using stories::kGoldenPrompt;

constexpr const char* kApiKey = "test-upstream-key";

class UpstreamEngineTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    model_ = cllm::test::shared_file(stories::kModel);
    const std::string server = CLLM_LLAMA_SERVER_PATH;
    if (!model_ || server.empty() || !std::filesystem::exists(server)) return;
    const std::uint16_t port = cllm::test::free_loopback_port();
    base_url_ = "http://127.0.0.1:" + std::to_string(port);
    log_path_ = (std::filesystem::temp_directory_path() /
                 ("cllm-upstream-llama-server-" + std::to_string(getpid()) + ".log"))
                    .string();
    server_ = new cllm::test::ChildProcess();
    // One thread (ggml threads spin), two slots, and an API key to check that it is sent.
    if (!server_->start(
            {server, "-m", *model_, "--host", "127.0.0.1", "--port", std::to_string(port), "-t",
             "1", "-tb", "1", "-np", "2", "-c", "1024", "--api-key", kApiKey},
            log_path_)) {
      start_error_ = server_->error();
      return;
    }
    net::HttpClient probe;
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
    while (std::chrono::steady_clock::now() < deadline) {
      if (!server_->running()) {
        start_error_ = "llama-server exited:\n" + server_->log();
        return;
      }
      auto r = probe.get(base_url_ + "/health");
      if (r.ok() && r->status == 200) {
        ready_ = true;
        return;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    start_error_ = "llama-server did not become ready:\n" + server_->log();
  }
  static void TearDownTestSuite() {
    delete server_;
    server_ = nullptr;
    if (!log_path_.empty()) std::filesystem::remove(log_path_);
  }
  void SetUp() override {
    if (!model_) {
      GTEST_SKIP() << "SKIPPED LOUDLY: shared model missing: " << cllm::test::shared_dir() << "/"
                   << stories::kModel << " (set CLLM_SHARED_DIR)";
    }
    const std::string server = CLLM_LLAMA_SERVER_PATH;
    if (server.empty() || !std::filesystem::exists(server)) {
      GTEST_SKIP() << "SKIPPED LOUDLY: no llama-server (CMake CLLM_LLAMA_SERVER='" << server
                   << "'; run scripts/build-llama.sh and configure with CLLM_LLAMA_PREFIX)";
    }
    ASSERT_TRUE(ready_) << start_error_;
  }

  static std::unique_ptr<UpstreamEngine> engine(std::string api_key = kApiKey,
                                                std::string url = base_url_) {
    UpstreamEngineOptions o;
    o.base_url = std::move(url);
    o.model = "stories260K";
    o.api_key = std::move(api_key);
    o.connect_timeout = std::chrono::milliseconds(2000);
    o.idle_timeout = std::chrono::milliseconds(30'000);
    auto e = UpstreamEngine::create(o);
    EXPECT_TRUE(e.ok()) << (e.ok() ? "" : e.error().message());
    return e.ok() ? std::move(e).value() : nullptr;
  }

  // The in-process engine's text for the same request (the reference).
  static std::string in_process_text(const GenerationRequest& r) {
    auto local = stories::load(*model_, 512, 1);
    if (!local) return "<load failed>";
    auto out = local->generate(r, nullptr);
    return out.ok() ? out->text : "<" + out.error().message() + ">";
  }

  static std::optional<std::string> model_;
  static std::string base_url_;
  static std::string log_path_;
  static cllm::test::ChildProcess* server_;
  static bool ready_;
  static std::string start_error_;
};
std::optional<std::string> UpstreamEngineTest::model_;
std::string UpstreamEngineTest::base_url_;
std::string UpstreamEngineTest::log_path_;
cllm::test::ChildProcess* UpstreamEngineTest::server_ = nullptr;
bool UpstreamEngineTest::ready_ = false;
std::string UpstreamEngineTest::start_error_;

TEST_F(UpstreamEngineTest, CompletionIsTheGoldenTextStreamedWithUsage) {
  auto e = engine();
  ASSERT_NE(e, nullptr);
  EXPECT_EQ(e->info().description, "upstream " + base_url_);
  EXPECT_EQ(e->info().sha256_hex, "");
  std::string streamed;
  int deltas = 0;
  auto r = e->generate(greedy(kGoldenPrompt, 64), [&](std::string_view d) {
    streamed += d;
    ++deltas;
  });
  ASSERT_TRUE(r.ok()) << r.error().message();
  EXPECT_EQ(r->text, kGolden);
  EXPECT_EQ(r->text, in_process_text(greedy(kGoldenPrompt, 64)));
  EXPECT_EQ(streamed, r->text);
  EXPECT_GT(deltas, 10);  // passed through as it came
  EXPECT_EQ(r->finish_reason, FinishReason::kLength);
  EXPECT_EQ(r->prompt_tokens, 5);
  EXPECT_EQ(r->completion_tokens, 64);
  EXPECT_GT(r->time_to_first_token, 0.0);
}

TEST_F(UpstreamEngineTest, ChatMatchesTheInProcessEngine) {
  GenerationRequest req;
  req.is_chat = true;
  req.messages = {{"user", "Tell me a story"}};
  req.max_tokens = 24;
  req.sampling.temperature = 0;
  auto e = engine();
  ASSERT_NE(e, nullptr);
  std::string streamed;
  auto r = e->generate(req, [&](std::string_view d) { streamed += d; });
  ASSERT_TRUE(r.ok()) << r.error().message();
  EXPECT_FALSE(r->text.empty());
  EXPECT_EQ(streamed, r->text);
  EXPECT_EQ(r->text, in_process_text(req));
  EXPECT_GT(r->prompt_tokens, 5);
  EXPECT_GT(r->completion_tokens, 0);
}

TEST_F(UpstreamEngineTest, StopStringAndBaseUrlWithV1) {
  auto e = engine(kApiKey, base_url_ + "/v1/");
  ASSERT_NE(e, nullptr);
  auto req = greedy(kGoldenPrompt, 64);
  req.stop = {"Lily"};
  auto r = e->generate(req, nullptr);
  ASSERT_TRUE(r.ok()) << r.error().message();
  EXPECT_EQ(r->text, ", there was a little girl named ");
  EXPECT_EQ(r->finish_reason, FinishReason::kStop);
}

TEST_F(UpstreamEngineTest, ConcurrentRequestsEachGetTheirText) {
  auto e = engine();
  ASSERT_NE(e, nullptr);
  std::vector<std::string> texts(4);
  std::vector<std::thread> threads;
  for (std::size_t i = 0; i < texts.size(); ++i) {
    threads.emplace_back([&, i] {
      std::string streamed;
      auto r = e->generate(greedy(kGoldenPrompt, 64), [&](std::string_view d) { streamed += d; });
      texts[i] = r.ok() && r->text == streamed ? r->text : "<failed>";
    });
  }
  for (auto& t : threads)
    t.join();
  for (const auto& t : texts)
    EXPECT_EQ(t, kGolden);
}

TEST_F(UpstreamEngineTest, CancellationStopsReading) {
  auto e = engine();
  ASSERT_NE(e, nullptr);
  std::atomic<bool> cancel{false};
  auto req = greedy(kGoldenPrompt, 400);
  req.cancelled = &cancel;
  std::string streamed;
  auto r = e->generate(req, [&](std::string_view d) {
    streamed += d;
    cancel = true;
  });
  ASSERT_TRUE(r.ok()) << r.error().message();
  EXPECT_EQ(r->finish_reason, FinishReason::kCancelled);
  EXPECT_GE(r->completion_tokens, 1);
  EXPECT_LT(r->completion_tokens, 400);
  EXPECT_EQ(streamed, r->text);
  // The upstream is still fine for the next request.
  auto after = e->generate(greedy(kGoldenPrompt, 64), nullptr);
  ASSERT_TRUE(after.ok()) << after.error().message();
  EXPECT_EQ(after->text, kGolden);
}

TEST_F(UpstreamEngineTest, ShutdownRefusesNewRequests) {
  auto e = engine();
  ASSERT_NE(e, nullptr);
  e->shutdown();
  auto r = e->generate(greedy(kGoldenPrompt, 4), nullptr);
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.error().message().find("shut down"), std::string::npos);
}

TEST_F(UpstreamEngineTest, WrongApiKeyIsAClearError) {
  auto e = engine("wrong-key");
  ASSERT_NE(e, nullptr);
  auto r = e->generate(greedy(kGoldenPrompt, 4), nullptr);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code(), ErrorCode::kIo);
  EXPECT_NE(r.error().message().find("answered HTTP 401"), std::string::npos)
      << r.error().message();
  EXPECT_EQ(r.error().message().find("wrong-key"), std::string::npos);  // never echoed
}

TEST_F(UpstreamEngineTest, PromptOverTheUpstreamContextIsALimitError) {
  auto e = engine();
  ASSERT_NE(e, nullptr);
  std::string prompt;
  for (int i = 0; i < 300; ++i)
    prompt += " once upon a time";  // ~1200 tokens: over the 512-token slot
  auto r = e->generate(greedy(prompt, 4), nullptr);
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.error().message().find("answered HTTP 400"), std::string::npos)
      << r.error().message();
  EXPECT_EQ(r.error().code(), ErrorCode::kLimit) << r.error().message();
}

TEST(UpstreamEngine, DeadUpstreamIsAClearError) {
  const std::uint16_t port = cllm::test::free_loopback_port();  // nobody listens there
  UpstreamEngineOptions o;
  o.base_url = "http://127.0.0.1:" + std::to_string(port);
  o.connect_timeout = std::chrono::milliseconds(2000);
  auto e = UpstreamEngine::create(o);
  ASSERT_TRUE(e.ok());
  auto r = (*e)->generate(greedy(kGoldenPrompt, 4), nullptr);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code(), ErrorCode::kIo);
  EXPECT_NE(r.error().message().find("upstream " + o.base_url + "/v1/completions"),
            std::string::npos)
      << r.error().message();
}

TEST(UpstreamEngine, CreateChecksTheUrl) {
  UpstreamEngineOptions o;
  o.base_url = "https://upstream.example";  // https without a TLS configuration
  EXPECT_FALSE(UpstreamEngine::create(o).ok());
  o.base_url = "ftp://x";
  EXPECT_FALSE(UpstreamEngine::create(o).ok());
  o.base_url = "http://x/v1?a=b";
  EXPECT_FALSE(UpstreamEngine::create(o).ok());
  o.base_url = "http://127.0.0.1:8000/v1";
  auto ok = UpstreamEngine::create(o);
  ASSERT_TRUE(ok.ok());
  EXPECT_EQ((*ok)->info().description, "upstream http://127.0.0.1:8000");
}

}  // namespace
}  // namespace cllm::inference
