#include "cllm/common/clock.hpp"

namespace cllm {

const SystemClock& SystemClock::instance() {
  static const SystemClock clock;
  return clock;
}

}  // namespace cllm
