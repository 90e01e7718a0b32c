// dstack-style runtime event log JSON, as returned next to a quote (outside text).
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "cllm/tdx/runtime_event_log.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string_view text(reinterpret_cast<const char*>(data), size);
  auto log = cllm::tdx::RuntimeEventLog::parse(text);
  if (!log.ok()) return 0;
  for (std::uint32_t imr = 0; imr < 4; ++imr)
    (void)log->replay(imr);
  // What parse accepts, to_json writes back so that parse accepts it again, unchanged.
  const auto json = log->to_json();
  auto again = cllm::tdx::RuntimeEventLog::parse(json.dump());
  if (!again.ok() || again->to_json() != json) std::abort();
  return 0;
}
