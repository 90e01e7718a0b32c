// Real llama.cpp inference on the shared stories260K model (see shared/models/PROVENANCE.md).
#include "cllm/inference/llama_engine.hpp"

#include <gtest/gtest.h>

#include "stories_model.hpp"
#include "support/test_paths.hpp"

namespace cllm::inference {
namespace {

using stories::greedy;
using stories::kGolden;
using stories::kModel;
using stories::kModelSha256;

class LlamaEngineTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    auto path = test::shared_file(kModel);
    if (path) engine_ = stories::load(*path, 512, 4).release();
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
  static LlamaEngine* engine_;
};
LlamaEngine* LlamaEngineTest::engine_ = nullptr;

TEST_F(LlamaEngineTest, ModelFileSha256IsComputedWhileLoading) {
  EXPECT_EQ(engine_->info().sha256_hex, kModelSha256);
  EXPECT_EQ(engine_->info().n_vocab, 512);
  EXPECT_EQ(engine_->info().n_ctx_train, 2048);
}

TEST_F(LlamaEngineTest, ContextIsSplitIntoSlots) {
  // 512 / 4 = 128 cells a slot, which llama.cpp rounds up to 256 (and the total to 1024).
  EXPECT_EQ(engine_->info().n_parallel, 4);
  EXPECT_EQ(engine_->info().n_ctx_slot, 256);
  EXPECT_EQ(engine_->info().n_ctx, 1024);
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
  EXPECT_GT(r->time_to_first_token, 0.0);
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
  EXPECT_NE(r.error().message().find("tokens, the context of a slot is 256"), std::string::npos)
      << r.error().message();
}

TEST_F(LlamaEngineTest, PromptThatFitsTheTotalButNotASlotIsRejected) {
  std::string prompt;
  for (int i = 0; i < 80; ++i)
    prompt += " once upon a time";  // ~320 tokens: under n_ctx 1024, over a 256-cell slot
  auto r = engine_->generate(greedy(prompt, 4), nullptr);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code(), ErrorCode::kLimit);
}

TEST_F(LlamaEngineTest, GenerationThatFillsTheSlotEndsWithLength) {
  auto r = engine_->generate(greedy("Once upon a time", 1000), nullptr);
  ASSERT_TRUE(r.ok()) << r.error().message();
  if (r->finish_reason == FinishReason::kStop) GTEST_SKIP() << "the model ended its story first";
  EXPECT_EQ(r->finish_reason, FinishReason::kLength);
  // The last sampled token needs no cell of its own, hence the + 1.
  EXPECT_EQ(r->prompt_tokens + r->completion_tokens, engine_->info().n_ctx_slot + 1);
}

TEST_F(LlamaEngineTest, ZeroMaxTokensGeneratesNothing) {
  auto r = engine_->generate(greedy("Once upon a time", 0), nullptr);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->text, "");
  EXPECT_EQ(r->completion_tokens, 0);
  EXPECT_EQ(r->prompt_tokens, 5);
  EXPECT_EQ(r->finish_reason, FinishReason::kLength);
}

TEST_F(LlamaEngineTest, NegativeMaxTokensAndEmptyChatAreInvalid) {
  auto neg = engine_->generate(greedy("Once", -1), nullptr);
  ASSERT_FALSE(neg.ok());
  EXPECT_EQ(neg.error().code(), ErrorCode::kInvalidArgument);
  GenerationRequest chat;
  chat.is_chat = true;
  auto empty = engine_->generate(chat, nullptr);
  ASSERT_FALSE(empty.ok());
  EXPECT_EQ(empty.error().code(), ErrorCode::kInvalidArgument);
}

TEST_F(LlamaEngineTest, CancellationStopsGeneration) {
  std::atomic<bool> cancel{false};
  // The whole slot as budget: the decode thread would need ~250 steps to finish on its own,
  // while the flag is set as soon as the first delta reaches this thread.
  auto req = greedy("Once upon a time", 1000);
  req.cancelled = &cancel;
  std::string streamed;
  auto r = engine_->generate(req, [&](std::string_view d) {
    streamed += d;
    cancel = true;
  });
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->finish_reason, FinishReason::kCancelled);
  EXPECT_GE(r->completion_tokens, 1);
  EXPECT_LT(r->completion_tokens, 200);
  EXPECT_EQ(streamed, r->text);  // what was produced before the cancel is still reported
}

TEST_F(LlamaEngineTest, AlreadyCancelledRequestGeneratesNothing) {
  std::atomic<bool> cancel{true};
  auto req = greedy("Once upon a time", 64);
  req.cancelled = &cancel;
  auto r = engine_->generate(req, nullptr);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->finish_reason, FinishReason::kCancelled);
  EXPECT_EQ(r->completion_tokens, 0);
  EXPECT_EQ(r->prompt_tokens, 5);
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

TEST(LlamaEngineLoad, ParallelMustBeInRange) {
  LlamaEngineOptions o;
  o.model_path = "/nonexistent/model.gguf";  // checked first: no file access needed
  for (int n : {0, -1, 257}) {
    o.n_parallel = n;
    auto e = LlamaEngine::load(o);
    ASSERT_FALSE(e.ok());
    EXPECT_EQ(e.error().code(), ErrorCode::kInvalidArgument) << n;
  }
}

}  // namespace
}  // namespace cllm::inference
