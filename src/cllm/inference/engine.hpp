// The inference engine interface: one request in, text deltas out as they are produced.
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "cllm/common/result.hpp"

namespace cllm::inference {

struct ChatMessage {
  std::string role;  // "system", "user", "assistant"
  std::string content;
};

struct SamplingParams {
  float temperature = 0.8f;         // <= 0 means greedy
  std::int32_t top_k = 40;          // <= 0 disables
  float top_p = 0.95f;              // >= 1 disables
  float min_p = 0.05f;              // <= 0 disables
  std::uint32_t seed = 0xFFFFFFFF;  // 0xFFFFFFFF: random
};

struct GenerationRequest {
  // Exactly one of the two: a raw prompt (completion) or chat messages (chat template applied).
  std::string prompt;
  std::vector<ChatMessage> messages;
  bool is_chat = false;

  std::int32_t max_tokens = 128;
  SamplingParams sampling;
  std::vector<std::string> stop;  // generation ends before the first occurrence of any
  // Keep generating past end-of-generation tokens until max_tokens (llama-server's
  // ignore_eos; benchmarks use it to get a fixed number of tokens).
  bool ignore_eos = false;

  // Set from another thread to stop generation early (e.g. the client went away).
  const std::atomic<bool>* cancelled = nullptr;
};

enum class FinishReason { kStop, kLength, kCancelled };
std::string_view to_string(FinishReason reason);  // "stop", "length", "cancelled"

struct GenerationResult {
  std::string text;  // always valid UTF-8
  FinishReason finish_reason = FinishReason::kStop;
  std::int32_t prompt_tokens = 0;
  std::int32_t completion_tokens = 0;
  // Seconds (steady clock) from the call to generate() to the first generated token: queueing
  // for a slot plus prompt processing (upstream: until the first streamed chunk). 0 when no
  // token came.
  double time_to_first_token = 0;
};

// Receives each new piece of text; pieces are valid UTF-8 and never contain (a prefix of)
// a stop string that later completes.
using DeltaCallback = std::function<void(std::string_view delta)>;

struct ModelInfo {
  std::string path;
  std::string sha256_hex;  // of the model file
  std::string description;
  std::string chat_template;  // the template used; see docs/API.md for the fallback
  bool chat_template_is_fallback = false;
  std::uint64_t n_params = 0;
  std::int32_t n_ctx = 0;       // total context (KV cells) over all slots; 0 when unknown
  std::int32_t n_ctx_slot = 0;  // context of one sequence (prompt + generated); 0 when unknown
  std::int32_t n_parallel = 1;  // sequences decoded together, more callers wait; 0: no limit here
  std::int32_t n_ctx_train = 0;
  std::int32_t n_vocab = 0;
};

// Thread-safe: many threads may call generate() at once. Each call blocks its thread until
// its request ends, and on_delta runs on that same thread (never under an engine lock), so a
// slow consumer delays only itself.
//
// Errors: kInvalidArgument for a malformed request, kLimit for a prompt that does not fit the
// context of a slot (both before any decoding: a client error), kIo/kInternal otherwise.
// Cancellation is not an error: the result has FinishReason::kCancelled.
class Engine {
 public:
  virtual ~Engine() = default;
  virtual const ModelInfo& info() const = 0;
  virtual Result<GenerationResult> generate(const GenerationRequest& request,
                                            const DeltaCallback& on_delta) = 0;
  // Cancels every request in flight or waiting (they return kCancelled) and refuses new ones.
  // Idempotent; the destructor calls it.
  virtual void shutdown() {}
};

}  // namespace cllm::inference
