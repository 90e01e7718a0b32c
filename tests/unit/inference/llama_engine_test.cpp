// Real llama.cpp inference on the shared stories260K model (see shared/models/PROVENANCE.md).
#include "cllm/inference/llama_engine.hpp"

#include <gtest/gtest.h>

#include "support/test_paths.hpp"

namespace cllm::inference {
namespace {

constexpr const char* kModel = "models/stories260K.gguf";
constexpr const char* kModelSha256 =
    "270cba1bd5109f42d03350f60406024560464db173c0e387d91f0426d3bd256d";
// The first 64 greedy tokens after BOS + "Once upon a time" (PROVENANCE.md).
constexpr const char* kGolden =
    ", there was a little girl named Lily. She loved to play outside in the park. One day, she "
    "saw a big, red ball. She wanted to play with it, but it was too high.\nLily's mom said";

std::unique_ptr<LlamaEngine> load_or_skip_impl(const std::string& path) {
  LlamaEngineOptions o;
  o.model_path = path;
  o.n_ctx = 512;
  o.n_threads = 1;  // ctest runs tests in parallel; spinning ggml threads must not contend
  auto e = LlamaEngine::load(o);
  EXPECT_TRUE(e.ok()) << (e.ok() ? "" : e.error().message());
  return e.ok() ? std::move(e).value() : nullptr;
}

class LlamaEngineTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    auto path = test::shared_file(kModel);
    if (path) engine_ = load_or_skip_impl(*path).release();
  }
  static void TearDownTestSuite() {
    delete engine_;
    engine_ = nullptr;
  }
  void SetUp() override {
    if (!test::shared_file(kModel)) {
      GTEST_SKIP() << "SKIPPED LOUDLY: shared model missing: " << test::shared_dir() << "/"
                   << kModel << " (set CLLM_SHARED_DIR)";
    }
    ASSERT_NE(engine_, nullptr);
  }
  static GenerationRequest greedy(std::string prompt, int n) {
    GenerationRequest r;
    r.prompt = std::move(prompt);
    r.max_tokens = n;
    r.sampling.temperature = 0;
    return r;
  }
  static LlamaEngine* engine_;
};
LlamaEngine* LlamaEngineTest::engine_ = nullptr;

TEST_F(LlamaEngineTest, ModelFileSha256IsComputedWhileLoading) {
  EXPECT_EQ(engine_->info().sha256_hex, kModelSha256);
  EXPECT_EQ(engine_->info().n_vocab, 512);
  EXPECT_EQ(engine_->info().n_ctx_train, 2048);
}

TEST_F(LlamaEngineTest, TokenizationVector) {
  auto plain = engine_->tokenize("Once upon a time", false);
  ASSERT_TRUE(plain.ok());
  EXPECT_EQ(*plain, (std::vector<std::int32_t>{403, 407, 261, 378}));
  auto with_bos = engine_->tokenize("Once upon a time", true);
  ASSERT_TRUE(with_bos.ok());
  EXPECT_EQ(*with_bos, (std::vector<std::int32_t>{1, 403, 407, 261, 378}));
}

TEST_F(LlamaEngineTest, GoldenGreedyOutput) {
  std::string streamed;
  int calls = 0;
  auto r = engine_->generate(greedy("Once upon a time", 64), [&](std::string_view d) {
    streamed += d;
    ++calls;
  });
  ASSERT_TRUE(r.ok()) << r.error().message();
  EXPECT_EQ(r->text, kGolden);
  EXPECT_EQ(streamed, r->text);
  EXPECT_GT(calls, 10);  // streamed as it came, not in one piece
  EXPECT_EQ(r->completion_tokens, 64);
  EXPECT_EQ(r->prompt_tokens, 5);
  EXPECT_EQ(r->finish_reason, FinishReason::kLength);
}

TEST_F(LlamaEngineTest, RequestsDoNotLeakStateIntoEachOther) {
  auto first = engine_->generate(greedy("Once upon a time", 16), nullptr);
  auto other = engine_->generate(greedy("The cat", 16), nullptr);
  auto again = engine_->generate(greedy("Once upon a time", 16), nullptr);
  ASSERT_TRUE(first.ok() && other.ok() && again.ok());
  EXPECT_EQ(first->text, again->text);
  EXPECT_NE(first->text, other->text);
}

TEST_F(LlamaEngineTest, StopStringEndsGenerationBeforeIt) {
  auto req = greedy("Once upon a time", 64);
  req.stop = {"Lily"};
  auto r = engine_->generate(req, nullptr);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->text, ", there was a little girl named ");
  EXPECT_EQ(r->finish_reason, FinishReason::kStop);
}

TEST_F(LlamaEngineTest, SeededSamplingIsReproducibleAndSeedMatters) {
  auto req = greedy("Once upon a time", 32);
  req.sampling.temperature = 1.0f;
  req.sampling.seed = 7;
  auto a = engine_->generate(req, nullptr);
  auto b = engine_->generate(req, nullptr);
  req.sampling.seed = 8;
  auto c = engine_->generate(req, nullptr);
  ASSERT_TRUE(a.ok() && b.ok() && c.ok());
  EXPECT_EQ(a->text, b->text);
  EXPECT_NE(a->text, c->text);
}

TEST_F(LlamaEngineTest, ChatUsesFallbackTemplateWhenModelHasNone) {
  EXPECT_TRUE(engine_->info().chat_template_is_fallback);
  auto text = engine_->apply_chat_template({{"user", "Hi"}});
  ASSERT_TRUE(text.ok());
  EXPECT_EQ(*text, "<|im_start|>user\nHi<|im_end|>\n<|im_start|>assistant\n");
  GenerationRequest req;
  req.is_chat = true;
  req.messages = {{"user", "Tell me a story"}};
  req.max_tokens = 8;
  req.sampling.temperature = 0;
  auto r = engine_->generate(req, nullptr);
  ASSERT_TRUE(r.ok()) << r.error().message();
  EXPECT_GT(r->prompt_tokens, 5);
}

TEST_F(LlamaEngineTest, PromptLongerThanContextIsAnErrorNotACrash) {
  std::string long_prompt;
  for (int i = 0; i < 400; ++i)
    long_prompt += " once upon a time";
  auto r = engine_->generate(greedy(long_prompt, 4), nullptr);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code(), ErrorCode::kLimit);
}

TEST_F(LlamaEngineTest, CancellationStopsGeneration) {
  std::atomic<bool> cancel{false};
  auto req = greedy("Once upon a time", 64);
  req.cancelled = &cancel;
  int seen = 0;
  auto r = engine_->generate(req, [&](std::string_view) {
    if (++seen == 3) cancel = true;
  });
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->finish_reason, FinishReason::kCancelled);
  EXPECT_LT(r->completion_tokens, 64);
}

TEST(LlamaEngineLoad, MissingAndInvalidFilesFailCleanly) {
  LlamaEngineOptions o;
  o.model_path = "/nonexistent/model.gguf";
  auto missing = LlamaEngine::load(o);
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.error().code(), ErrorCode::kIo);
  o.model_path = "/proc/self/cmdline";  // exists, not a GGUF
  auto invalid = LlamaEngine::load(o);
  ASSERT_FALSE(invalid.ok());
  EXPECT_NE(invalid.error().message().find("cannot load model"), std::string::npos);
}

}  // namespace
}  // namespace cllm::inference
