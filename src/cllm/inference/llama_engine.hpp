// An Engine over libllama (llama.cpp v0.4.0), in process, on the CPU.
// This first version serves one sequence at a time; requests are serialized.
#pragma once

#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "cllm/inference/engine.hpp"

struct llama_model;
struct llama_context;
struct llama_vocab;

namespace cllm::inference {

struct LlamaEngineOptions {
  std::string model_path;
  std::int32_t n_ctx = 2048;   // 0: the model's training context
  std::int32_t n_threads = 0;  // 0: all hardware threads
  std::int32_t n_batch = 512;  // prompt tokens per decode call
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
  Result<GenerationResult> generate(const GenerationRequest& request,
                                    const DeltaCallback& on_delta) override;

  // Tokenizes text as a prompt is tokenized (add_special adds BOS when the model wants it).
  Result<std::vector<std::int32_t>> tokenize(std::string_view text, bool add_special,
                                             bool parse_special = false) const;
  // Renders chat messages with the model's template, or the fallback.
  Result<std::string> apply_chat_template(const std::vector<ChatMessage>& messages) const;

 private:
  LlamaEngine() = default;
  std::string token_piece(std::int32_t token) const;

  llama_model* model_ = nullptr;
  llama_context* ctx_ = nullptr;
  const llama_vocab* vocab_ = nullptr;
  ModelInfo info_;
  std::int32_t n_batch_ = 512;
  std::mutex mutex_;  // one generation at a time on the single context
};

}  // namespace cllm::inference
