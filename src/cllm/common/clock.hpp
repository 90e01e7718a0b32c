// Injectable time: verification of old evidence is tested at a fixed "now".
#pragma once

#include <chrono>
#include <cstdint>
#include <string>

namespace cllm {

class Clock {
 public:
  using time_point = std::chrono::system_clock::time_point;
  virtual ~Clock() = default;
  virtual time_point now() const = 0;
  std::int64_t now_unix() const {
    return std::chrono::duration_cast<std::chrono::seconds>(now().time_since_epoch()).count();
  }
};

class SystemClock final : public Clock {
 public:
  time_point now() const override { return std::chrono::system_clock::now(); }
  static const SystemClock& instance();
};

class FixedClock final : public Clock {
 public:
  explicit FixedClock(time_point t) : t_(t) {}
  static FixedClock at_unix(std::int64_t seconds) {
    return FixedClock(time_point(std::chrono::seconds(seconds)));
  }
  time_point now() const override { return t_; }
  void set(time_point t) { t_ = t; }
  void advance(std::chrono::seconds d) { t_ += d; }

 private:
  time_point t_;
};

// "2026-11-26T03:35:00Z": RFC 3339 / ISO 8601 UTC with seconds, the form of Intel's and
// NVIDIA's JSON time fields.
std::string utc_rfc3339(std::int64_t unix_seconds);

}  // namespace cllm
