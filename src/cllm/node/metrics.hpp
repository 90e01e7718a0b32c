// The node's Prometheus metrics (text exposition format 0.0.4): requests by endpoint and
// status, tokens in and out, time-to-first-token and request-latency histograms, active
// streams, attestations served. Thread-safe; cheap enough to update on every request.
#pragma once

#include <array>
#include <atomic>
#include <cstdint>
#include <map>
#include <mutex>
#include <string>
#include <string_view>
#include <utility>

namespace cllm::node {

// A cumulative histogram with fixed bucket bounds (seconds).
class Histogram {
 public:
  static constexpr std::array<double, 14> kBounds = {0.005, 0.01, 0.025, 0.05, 0.1,  0.25, 0.5,
                                                     1.0,   2.5,  5.0,   10.0, 30.0, 60.0, 120.0};
  void observe(double seconds);
  // Appends the _bucket/_sum/_count lines of `name`.
  void render(std::string& out, std::string_view name) const;

 private:
  mutable std::mutex mutex_;
  std::array<std::uint64_t, kBounds.size()> counts_{};  // per bucket, not cumulative
  std::uint64_t total_ = 0;
  double sum_ = 0;
};

class Metrics {
 public:
  void count_request(std::string_view endpoint, int status);
  void add_tokens(std::int64_t prompt_tokens, std::int64_t completion_tokens);
  void observe_time_to_first_token(double seconds) { ttft_.observe(seconds); }
  void observe_request_duration(double seconds) { duration_.observe(seconds); }
  void stream_started() { active_streams_.fetch_add(1); }
  void stream_finished() { active_streams_.fetch_sub(1); }
  void attestation_served() { attestations_.fetch_add(1); }

  std::string render() const;

 private:
  mutable std::mutex mutex_;
  std::map<std::pair<std::string, int>, std::uint64_t> requests_;
  std::atomic<std::int64_t> prompt_tokens_{0};
  std::atomic<std::int64_t> completion_tokens_{0};
  std::atomic<std::int64_t> active_streams_{0};
  std::atomic<std::uint64_t> attestations_{0};
  Histogram ttft_;
  Histogram duration_;
};

}  // namespace cllm::node
