// Continuous batching in LlamaEngine: many caller threads at once on the real stories260K
// model, each getting exactly its own text, in its own thread, as if it had run alone.
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <latch>
#include <string>
#include <thread>
#include <vector>

#include "cllm/inference/llama_engine.hpp"
#include "stories_model.hpp"

namespace cllm::inference {
namespace {

using stories::greedy;
using stories::kGolden;
using stories::kGoldenPrompt;

struct Outcome {
  Result<GenerationResult> result = make_error(ErrorCode::kInternal, "not run");
  std::string streamed;
  bool callbacks_on_caller_thread = true;
  int deltas = 0;
};

// Runs every request on its own thread, all released together, and waits for all.
std::vector<Outcome> run_concurrently(LlamaEngine& engine,
                                      const std::vector<GenerationRequest>& requests) {
  std::vector<Outcome> out(requests.size());
  std::latch start(static_cast<std::ptrdiff_t>(requests.size()));
  std::vector<std::thread> threads;
  for (std::size_t i = 0; i < requests.size(); ++i) {
    threads.emplace_back([&, i] {
      start.arrive_and_wait();
      const auto self = std::this_thread::get_id();
      Outcome& o = out[i];
      o.result = engine.generate(requests[i], [&](std::string_view d) {
        o.streamed += d;
        ++o.deltas;
        if (std::this_thread::get_id() != self) o.callbacks_on_caller_thread = false;
      });
    });
  }
  for (auto& t : threads)
    t.join();
  return out;
}

TEST(LlamaBatching, EightConcurrentGreedyStreamsEachGetTheirSoloText) {
  CLLM_REQUIRE_STORIES_MODEL(path);
  auto engine = stories::load(path, 2048, 8);
  ASSERT_NE(engine, nullptr);
  ASSERT_EQ(engine->info().n_ctx_slot, 256);

  // Two different prompts interleaved, so that a mix-up between sequences would show.
  const std::vector<std::string> prompts = {kGoldenPrompt, "The little dog"};
  std::vector<std::string> solo;
  for (const auto& p : prompts) {
    auto r = engine->generate(greedy(p, 64), nullptr);
    ASSERT_TRUE(r.ok()) << r.error().message();
    solo.push_back(r->text);
  }
  ASSERT_EQ(solo[0], kGolden);
  ASSERT_NE(solo[0], solo[1]);

  std::vector<GenerationRequest> requests;
  for (int i = 0; i < 8; ++i)
    requests.push_back(greedy(prompts[static_cast<std::size_t>(i % 2)], 64));
  auto out = run_concurrently(*engine, requests);
  for (std::size_t i = 0; i < out.size(); ++i) {
    SCOPED_TRACE("stream " + std::to_string(i));
    ASSERT_TRUE(out[i].result.ok()) << out[i].result.error().message();
    const GenerationResult& r = *out[i].result;
    EXPECT_EQ(r.text, solo[i % 2]);
    EXPECT_EQ(out[i].streamed, r.text);
    EXPECT_GT(out[i].deltas, 10);
    EXPECT_TRUE(out[i].callbacks_on_caller_thread);
    EXPECT_EQ(r.finish_reason, FinishReason::kLength);
    EXPECT_EQ(r.completion_tokens, 64);
    EXPECT_GT(r.time_to_first_token, 0.0);
  }
}

TEST(LlamaBatching, SeededSamplingIsTheSameBesideOtherSequences) {
  CLLM_REQUIRE_STORIES_MODEL(path);
  auto engine = stories::load(path, 1024, 4);
  ASSERT_NE(engine, nullptr);
  auto seeded = greedy(kGoldenPrompt, 48);
  seeded.sampling.temperature = 1.0f;
  seeded.sampling.seed = 7;
  auto solo = engine->generate(seeded, nullptr);
  ASSERT_TRUE(solo.ok());
  auto other = seeded;
  other.sampling.seed = 8;
  auto out = run_concurrently(*engine, {seeded, other, seeded, greedy("The cat", 48)});
  ASSERT_TRUE(out[0].result.ok() && out[1].result.ok() && out[2].result.ok());
  EXPECT_EQ(out[0].result->text, solo->text);
  EXPECT_EQ(out[2].result->text, solo->text);
  EXPECT_NE(out[1].result->text, solo->text);
}

TEST(LlamaBatching, StopStringsAndLimitsArePerSequence) {
  CLLM_REQUIRE_STORIES_MODEL(path);
  auto engine = stories::load(path, 1024, 4);
  ASSERT_NE(engine, nullptr);
  auto with_stop = greedy(kGoldenPrompt, 64);
  with_stop.stop = {"Lily"};
  auto out = run_concurrently(*engine, {with_stop, greedy(kGoldenPrompt, 64),
                                        greedy(kGoldenPrompt, 5), greedy(kGoldenPrompt, 64)});
  for (auto& o : out)
    ASSERT_TRUE(o.result.ok());
  EXPECT_EQ(out[0].result->text, ", there was a little girl named ");
  EXPECT_EQ(out[0].result->finish_reason, FinishReason::kStop);
  EXPECT_EQ(out[1].result->text, kGolden);
  EXPECT_EQ(out[2].result->completion_tokens, 5);
  EXPECT_EQ(out[2].result->finish_reason, FinishReason::kLength);
  EXPECT_EQ(std::string(kGolden).rfind(out[2].result->text, 0), 0u);  // a prefix
  EXPECT_EQ(out[3].result->text, kGolden);
}

TEST(LlamaBatching, MoreCallersThanSlotsWaitForAFreeSlot) {
  CLLM_REQUIRE_STORIES_MODEL(path);
  auto engine = stories::load(path, 512, 2);
  ASSERT_NE(engine, nullptr);
  std::vector<GenerationRequest> requests(7, greedy(kGoldenPrompt, 64));
  auto out = run_concurrently(*engine, requests);
  for (auto& o : out) {
    ASSERT_TRUE(o.result.ok()) << o.result.error().message();
    EXPECT_EQ(o.result->text, kGolden);
    EXPECT_EQ(o.streamed, kGolden);
  }
}

// A long generation that only cancellation ends early (a 2048-cell slot).
GenerationRequest long_request(const std::atomic<bool>* cancel) {
  auto r = greedy(kGoldenPrompt, 2000);
  r.cancelled = cancel;
  return r;
}

TEST(LlamaBatching, ARequestCancelledWhileWaitingNeverRuns) {
  CLLM_REQUIRE_STORIES_MODEL(path);
  auto engine = stories::load(path, 2048, 1);
  ASSERT_NE(engine, nullptr);
  std::atomic<bool> cancel_first{false}, cancel_second{false};
  std::latch first_running(1);
  Outcome first, second;
  std::thread t1([&] {
    bool signalled = false;
    first.result = engine->generate(long_request(&cancel_first), [&](std::string_view) {
      if (!signalled) first_running.count_down();
      signalled = true;
    });
  });
  first_running.wait();  // the only slot is taken
  std::thread t2([&] { second.result = engine->generate(long_request(&cancel_second), nullptr); });
  std::this_thread::sleep_for(std::chrono::milliseconds(30));
  cancel_second = true;
  t2.join();  // returns although the slot is still busy
  ASSERT_TRUE(second.result.ok());
  EXPECT_EQ(second.result->finish_reason, FinishReason::kCancelled);
  EXPECT_EQ(second.result->completion_tokens, 0);
  EXPECT_EQ(second.result->prompt_tokens, 5);
  cancel_first = true;
  t1.join();
  ASSERT_TRUE(first.result.ok());
  EXPECT_EQ(first.result->finish_reason, FinishReason::kCancelled);
  EXPECT_LT(first.result->completion_tokens, 2000);
  // A cancelled sequence frees its slot at once: the next request runs normally.
  auto after = engine->generate(greedy(kGoldenPrompt, 64), nullptr);
  ASSERT_TRUE(after.ok());
  EXPECT_EQ(after->text, kGolden);
}

TEST(LlamaBatching, ShutdownCancelsRunningAndWaitingRequests) {
  CLLM_REQUIRE_STORIES_MODEL(path);
  auto engine = stories::load(path, 2048, 1);
  ASSERT_NE(engine, nullptr);
  std::latch running(1);
  Outcome a, b;
  std::thread ta([&] {
    bool signalled = false;
    a.result = engine->generate(long_request(nullptr), [&](std::string_view) {
      if (!signalled) running.count_down();
      signalled = true;
    });
  });
  running.wait();
  std::thread tb([&] { b.result = engine->generate(long_request(nullptr), nullptr); });
  std::this_thread::sleep_for(std::chrono::milliseconds(20));
  engine->shutdown();
  ta.join();
  tb.join();
  ASSERT_TRUE(a.result.ok());
  EXPECT_EQ(a.result->finish_reason, FinishReason::kCancelled);
  if (b.result.ok()) {  // queued before the shutdown
    EXPECT_EQ(b.result->finish_reason, FinishReason::kCancelled);
    EXPECT_EQ(b.result->completion_tokens, 0);
  } else {  // or refused by it
    EXPECT_NE(b.result.error().message().find("shut down"), std::string::npos);
  }
  auto late = engine->generate(greedy(kGoldenPrompt, 4), nullptr);
  ASSERT_FALSE(late.ok());
  EXPECT_NE(late.error().message().find("shut down"), std::string::npos);
  engine->shutdown();  // idempotent; the destructor calls it once more
}

}  // namespace
}  // namespace cllm::inference
