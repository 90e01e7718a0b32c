#include "cllm/common/clock.hpp"

#include <ctime>

namespace cllm {

const SystemClock& SystemClock::instance() {
  static const SystemClock clock;
  return clock;
}

std::string utc_rfc3339(std::int64_t unix_seconds) {
  const std::time_t t = static_cast<std::time_t>(unix_seconds);
  std::tm tm{};
  if (gmtime_r(&t, &tm) == nullptr) return std::to_string(unix_seconds);
  char buffer[32];
  const std::size_t n = std::strftime(buffer, sizeof buffer, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return std::string(buffer, n);
}

}  // namespace cllm
