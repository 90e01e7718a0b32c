// An Engine over libllama (llama.cpp v0.4.0), in process, on the CPU, with continuous
// batching: up to n_parallel requests are decoded together by one engine-owned thread (see
// decode_loop.hpp); further callers wait, first come first served, for a free slot.
//
// Context: n_ctx is the total number of KV cells, split evenly into n_parallel slots of
// n_ctx / n_parallel each, as llama-server does with --ctx-size and --parallel. llama.cpp
// rounds a slot up to a multiple of 256 cells (and the total with it), and a slot is capped
// at the model's training context, so info().n_ctx_slot and info().n_ctx are the figures in
// force. A prompt must be shorter than a slot (else generate() fails with kLimit before
// decoding anything); generation that reaches the end of the slot stops with finish_reason
// "length" (prompt + max_tokens may exceed the slot).
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "cllm/inference/engine.hpp"

struct llama_model;
struct llama_context;
struct llama_vocab;

struct ggml_threadpool;

namespace cllm::inference {

class DecodeLoop;

struct LlamaEngineOptions {
  std::string model_path;
  std::int32_t n_ctx = 2048;    // 0: the model's training context
  std::int32_t n_threads = 0;   // 0: all hardware threads
  std::int32_t n_batch = 512;   // tokens per decode step (all sequences); at least n_parallel
  std::int32_t n_parallel = 4;  // sequences decoded together (slots)
};

// The ChatML template used when a model carries none (as llama-server does).
inline constexpr const char* kFallbackChatTemplate = "chatml";

class LlamaEngine final : public Engine {
 public:
  static Result<std::unique_ptr<LlamaEngine>> load(const LlamaEngineOptions& options);
  ~LlamaEngine() override;
  LlamaEngine(const LlamaEngine&) = delete;
  LlamaEngine& operator=(const LlamaEngine&) = delete;

  const ModelInfo& info() const override { return info_; }
  // Blocks the calling thread until the request ends; on_delta runs on this thread.
  Result<GenerationResult> generate(const GenerationRequest& request,
                                    const DeltaCallback& on_delta) override;
  // Cancels running and waiting requests, joins the decode thread; later calls fail.
  void shutdown() override;

  // Tokenizes text as a prompt is tokenized (add_special adds BOS when the model wants it).
  Result<std::vector<std::int32_t>> tokenize(std::string_view text, bool add_special,
                                             bool parse_special = false) const;
  // Renders chat messages with the model's template, or the fallback.
  Result<std::string> apply_chat_template(const std::vector<ChatMessage>& messages) const;

 private:
  LlamaEngine() = default;

  llama_model* model_ = nullptr;
  llama_context* ctx_ = nullptr;  // used only by loop_'s thread once loaded
  ggml_threadpool* threadpool_ = nullptr;
  const llama_vocab* vocab_ = nullptr;
  ModelInfo info_;
  std::unique_ptr<DecodeLoop> loop_;
};

}  // namespace cllm::inference
