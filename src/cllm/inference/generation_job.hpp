// One request on its way through the decode loop, and the hand-over of its text deltas from
// the loop thread to the caller's thread. The loop only appends to a queue and never runs the
// caller's callback, so a slow client (a stalled socket) cannot stall the batch, and callbacks
// never run under an engine lock.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "cllm/inference/engine.hpp"

namespace cllm::inference {

class GenerationJob {
 public:
  using Clock = std::chrono::steady_clock;

  // Inputs, fixed before the job is queued; the loop reads them, nobody writes them.
  std::vector<std::int32_t> prompt;
  SamplingParams sampling;
  std::vector<std::string> stop;
  std::int32_t max_tokens = 0;
  bool ignore_eos = false;
  const std::atomic<bool>* cancelled = nullptr;  // owned by the caller, alive until wait() ends
  bool streaming = true;  // false: the caller has no callback, deltas are not queued
  Clock::time_point submitted = Clock::now();

  bool is_cancelled() const { return cancelled != nullptr && cancelled->load(); }

  // Loop side. After finish() or fail() the loop must not touch the job's inputs again: the
  // caller may return and free what `cancelled` points to.
  void push_delta(std::string delta);
  void finish(GenerationResult result);
  void fail(Error error);

  // Caller side: hands each delta to on_delta, in order, on the calling thread, until the job
  // ends; returns its result.
  Result<GenerationResult> wait(const DeltaCallback& on_delta);

 private:
  std::mutex mutex_;
  std::condition_variable cv_;
  std::deque<std::string> deltas_;
  bool done_ = false;
  std::optional<Error> error_;
  GenerationResult result_;
};

}  // namespace cllm::inference
