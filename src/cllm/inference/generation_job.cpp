#include "cllm/inference/generation_job.hpp"

namespace cllm::inference {

void GenerationJob::push_delta(std::string delta) {
  if (delta.empty() || !streaming) return;  // no wake-up per token for a caller who waits
  {
    std::lock_guard lock(mutex_);
    deltas_.push_back(std::move(delta));
  }
  cv_.notify_one();
}

void GenerationJob::finish(GenerationResult result) {
  {
    std::lock_guard lock(mutex_);
    result_ = std::move(result);
    done_ = true;
  }
  cv_.notify_one();
}

void GenerationJob::fail(Error error) {
  {
    std::lock_guard lock(mutex_);
    error_ = std::move(error);
    done_ = true;
  }
  cv_.notify_one();
}

Result<GenerationResult> GenerationJob::wait(const DeltaCallback& on_delta) {
  std::deque<std::string> batch;
  for (;;) {
    bool done = false;
    {
      std::unique_lock lock(mutex_);
      cv_.wait(lock, [&] { return done_ || !deltas_.empty(); });
      batch.swap(deltas_);
      done = done_;  // every delta pushed before the end is in `batch` now
    }
    if (on_delta) {
      for (const auto& d : batch)
        on_delta(d);
    }
    batch.clear();
    if (done) break;
  }
  std::lock_guard lock(mutex_);
  if (error_) return *error_;
  return result_;
}

}  // namespace cllm::inference
