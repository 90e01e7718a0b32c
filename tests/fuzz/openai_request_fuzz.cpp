// Request bodies of POST /v1/chat/completions and /v1/completions come from any client.
// Properties: never crash; an accepted request respects the limits the engine relies on.
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "cllm/common/utf8.hpp"
#include "cllm/node/openai_request.hpp"

namespace {

void check(const cllm::Result<cllm::node::CompletionRequest>& r,
           const cllm::node::RequestLimits& limits) {
  if (!r.ok()) {
    if (r.error().message().empty()) std::abort();
    return;
  }
  const auto& g = r->generation;
  if (g.max_tokens < 1 || g.max_tokens > limits.max_max_tokens) std::abort();
  if (g.stop.size() > limits.max_stop_strings) std::abort();
  for (const auto& s : g.stop) {
    if (s.empty() || s.size() > limits.max_stop_bytes || !cllm::is_valid_utf8(s)) std::abort();
  }
  if (g.messages.size() > limits.max_messages) std::abort();
  for (const auto& m : g.messages) {
    if (!cllm::is_valid_utf8(m.content)) std::abort();
  }
  if (!cllm::is_valid_utf8(g.prompt)) std::abort();
  if (!(g.sampling.temperature >= 0 && g.sampling.temperature <= 2)) std::abort();
  if (!(g.sampling.top_p >= 0 && g.sampling.top_p <= 1)) std::abort();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view body(reinterpret_cast<const char*>(data), size);
  const cllm::node::RequestLimits limits;
  check(cllm::node::parse_chat_completion_request(body, limits), limits);
  check(cllm::node::parse_completion_request(body, limits), limits);
  return 0;
}
