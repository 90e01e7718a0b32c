#include "cllm/inference/llama_engine.hpp"

#include <llama.h>

#include <algorithm>
#include <mutex>
#include <random>
#include <thread>

#include "cllm/common/log.hpp"
#include "cllm/inference/model_file_hash.hpp"
#include "cllm/inference/text_assembler.hpp"

namespace cllm::inference {

namespace {

void route_llama_log(ggml_log_level level, const char* text, void* /*user*/) {
  // llama.cpp is chatty; its messages are debug-level for us, errors stay visible.
  std::string_view line(text);
  while (!line.empty() && line.back() == '\n')
    line.remove_suffix(1);
  if (line.empty()) return;
  if (level == GGML_LOG_LEVEL_ERROR) {
    spdlog::error("llama: {}", line);
  } else {
    spdlog::debug("llama: {}", line);
  }
}

void init_backend_once() {
  static std::once_flag once;
  std::call_once(once, [] {
    llama_log_set(route_llama_log, nullptr);
    llama_backend_init();
  });
}

struct SamplerDeleter {
  void operator()(llama_sampler* s) const { llama_sampler_free(s); }
};
using SamplerPtr = std::unique_ptr<llama_sampler, SamplerDeleter>;

// Same order as llama.cpp's own defaults: truncate the distribution, then temperature,
// then draw. Temperature <= 0 is greedy (argmax), independent of the other settings.
SamplerPtr make_sampler(const SamplingParams& p) {
  SamplerPtr chain(llama_sampler_chain_init(llama_sampler_chain_default_params()));
  if (p.temperature <= 0.0f) {
    llama_sampler_chain_add(chain.get(), llama_sampler_init_greedy());
    return chain;
  }
  if (p.top_k > 0) llama_sampler_chain_add(chain.get(), llama_sampler_init_top_k(p.top_k));
  if (p.top_p < 1.0f) llama_sampler_chain_add(chain.get(), llama_sampler_init_top_p(p.top_p, 1));
  if (p.min_p > 0.0f) llama_sampler_chain_add(chain.get(), llama_sampler_init_min_p(p.min_p, 1));
  llama_sampler_chain_add(chain.get(), llama_sampler_init_temp(p.temperature));
  std::uint32_t seed = p.seed;
  if (seed == 0xFFFFFFFFu) seed = std::random_device{}();
  llama_sampler_chain_add(chain.get(), llama_sampler_init_dist(seed));
  return chain;
}

}  // namespace

Result<std::unique_ptr<LlamaEngine>> LlamaEngine::load(const LlamaEngineOptions& options) {
  init_backend_once();
  CLLM_ASSIGN_OR_RETURN(ModelFileHash hash, ModelFileHash::start(options.model_path));

  std::unique_ptr<LlamaEngine> engine(new LlamaEngine());
  llama_model_params mp = llama_model_default_params();
  mp.n_gpu_layers = 0;
  engine->model_ = llama_model_load_from_file(options.model_path.c_str(), mp);
  // Always join the hashing thread, also when loading failed.
  Result<std::string> sha = hash.get();
  if (engine->model_ == nullptr) {
    return make_error(ErrorCode::kParse,
                      "llama: cannot load model " + options.model_path +
                          " (not a GGUF model llama.cpp 0.4.0 can read; see CLLM_LOG=debug)");
  }
  if (!sha) return std::move(sha).error();
  engine->vocab_ = llama_model_get_vocab(engine->model_);

  llama_context_params cp = llama_context_default_params();
  std::int32_t n_ctx_train = llama_model_n_ctx_train(engine->model_);
  cp.n_ctx = static_cast<std::uint32_t>(options.n_ctx > 0 ? options.n_ctx : n_ctx_train);
  cp.n_batch = static_cast<std::uint32_t>(std::max(1, options.n_batch));
  cp.n_seq_max = 1;
  int threads = options.n_threads > 0 ? options.n_threads
                                      : static_cast<int>(std::thread::hardware_concurrency());
  cp.n_threads = std::max(1, threads);
  cp.n_threads_batch = cp.n_threads;
  cp.no_perf = true;
  engine->ctx_ = llama_init_from_model(engine->model_, cp);
  if (engine->ctx_ == nullptr) {
    return make_error(ErrorCode::kInternal,
                      "llama: cannot create a context (n_ctx " + std::to_string(cp.n_ctx) + ")");
  }
  engine->n_batch_ = static_cast<std::int32_t>(llama_n_batch(engine->ctx_));

  ModelInfo& info = engine->info_;
  info.path = options.model_path;
  info.sha256_hex = std::move(sha).value();
  char desc[256];
  llama_model_desc(engine->model_, desc, sizeof desc);
  info.description = desc;
  const char* tmpl = llama_model_chat_template(engine->model_, nullptr);
  info.chat_template_is_fallback = tmpl == nullptr;
  info.chat_template = tmpl != nullptr ? tmpl : kFallbackChatTemplate;
  info.n_params = llama_model_n_params(engine->model_);
  info.n_ctx = static_cast<std::int32_t>(llama_n_ctx(engine->ctx_));
  info.n_ctx_train = n_ctx_train;
  info.n_vocab = llama_vocab_n_tokens(engine->vocab_);
  return engine;
}

LlamaEngine::~LlamaEngine() {
  if (ctx_ != nullptr) llama_free(ctx_);
  if (model_ != nullptr) llama_model_free(model_);
}

Result<std::vector<std::int32_t>> LlamaEngine::tokenize(std::string_view text, bool add_special,
                                                        bool parse_special) const {
  if (text.size() > static_cast<std::size_t>(INT32_MAX / 2)) {
    return make_error(ErrorCode::kLimit, "tokenize: text too long");
  }
  auto len = static_cast<std::int32_t>(text.size());
  std::vector<llama_token> tokens(text.size() + 2);
  std::int32_t n =
      llama_tokenize(vocab_, text.data(), len, tokens.data(),
                     static_cast<std::int32_t>(tokens.size()), add_special, parse_special);
  if (n < 0) {
    if (n == INT32_MIN) return make_error(ErrorCode::kLimit, "tokenize: too many tokens");
    tokens.resize(static_cast<std::size_t>(-n));
    n = llama_tokenize(vocab_, text.data(), len, tokens.data(),
                       static_cast<std::int32_t>(tokens.size()), add_special, parse_special);
    if (n < 0) return make_error(ErrorCode::kInternal, "tokenize: failed");
  }
  tokens.resize(static_cast<std::size_t>(n));
  return std::vector<std::int32_t>(tokens.begin(), tokens.end());
}

Result<std::string> LlamaEngine::apply_chat_template(
    const std::vector<ChatMessage>& messages) const {
  std::vector<llama_chat_message> msgs;
  msgs.reserve(messages.size());
  std::size_t total = 0;
  for (const auto& m : messages) {
    msgs.push_back({m.role.c_str(), m.content.c_str()});
    total += m.role.size() + m.content.size();
  }
  std::string buf(total * 2 + 256, '\0');
  const char* tmpl = info_.chat_template.c_str();
  std::int32_t n = llama_chat_apply_template(tmpl, msgs.data(), msgs.size(), true, buf.data(),
                                             static_cast<std::int32_t>(buf.size()));
  if (n > static_cast<std::int32_t>(buf.size())) {
    buf.resize(static_cast<std::size_t>(n));
    n = llama_chat_apply_template(tmpl, msgs.data(), msgs.size(), true, buf.data(),
                                  static_cast<std::int32_t>(buf.size()));
  }
  if (n < 0) {
    return make_error(ErrorCode::kUnsupported,
                      "chat template: the model's template is not one llama.cpp can render");
  }
  buf.resize(static_cast<std::size_t>(n));
  return buf;
}

std::string LlamaEngine::token_piece(std::int32_t token) const {
  char small[64];
  std::int32_t n = llama_token_to_piece(vocab_, token, small, sizeof small, 0, false);
  if (n >= 0) return std::string(small, static_cast<std::size_t>(n));
  std::string big(static_cast<std::size_t>(-n), '\0');
  n = llama_token_to_piece(vocab_, token, big.data(), static_cast<std::int32_t>(big.size()), 0,
                           false);
  big.resize(static_cast<std::size_t>(std::max(0, n)));
  return big;
}

Result<GenerationResult> LlamaEngine::generate(const GenerationRequest& request,
                                               const DeltaCallback& on_delta) {
  std::string prompt_text;
  bool parse_special = false;
  if (request.is_chat) {
    if (request.messages.empty()) {
      return make_error(ErrorCode::kInvalidArgument, "generate: chat request without messages");
    }
    CLLM_ASSIGN_OR_RETURN(prompt_text, apply_chat_template(request.messages));
    parse_special = true;  // the template's markup tokens are special tokens
  } else {
    prompt_text = request.prompt;
  }
  if (request.max_tokens < 0) {
    return make_error(ErrorCode::kInvalidArgument, "generate: max_tokens must be >= 0");
  }
  CLLM_ASSIGN_OR_RETURN(std::vector<std::int32_t> prompt,
                        tokenize(prompt_text, /*add_special=*/true, parse_special));
  if (prompt.empty()) return make_error(ErrorCode::kInvalidArgument, "generate: empty prompt");
  if (static_cast<std::int32_t>(prompt.size()) >= info_.n_ctx) {
    return make_error(ErrorCode::kLimit, "generate: prompt of " + std::to_string(prompt.size()) +
                                             " tokens does not fit the context of " +
                                             std::to_string(info_.n_ctx));
  }

  std::lock_guard lock(mutex_);
  llama_memory_clear(llama_get_memory(ctx_), true);  // nothing carries over between requests
  SamplerPtr sampler = make_sampler(request.sampling);
  TextAssembler text(request.stop);
  GenerationResult result;
  result.prompt_tokens = static_cast<std::int32_t>(prompt.size());

  auto decode = [&](llama_token* tokens, std::int32_t n) -> Status {
    int rc = llama_decode(ctx_, llama_batch_get_one(tokens, n));
    if (rc != 0) {
      return make_error(ErrorCode::kInternal, "llama_decode failed (" + std::to_string(rc) + ")");
    }
    return ok_status();
  };
  for (std::size_t off = 0; off < prompt.size(); off += static_cast<std::size_t>(n_batch_)) {
    auto n = static_cast<std::int32_t>(std::min<std::size_t>(n_batch_, prompt.size() - off));
    CLLM_TRY(decode(prompt.data() + off, n));
  }

  auto emit = [&](const std::string& delta) {
    if (!delta.empty() && on_delta) on_delta(delta);
  };
  std::int32_t n_past = result.prompt_tokens;
  result.finish_reason = FinishReason::kLength;
  while (result.completion_tokens < request.max_tokens) {
    if (request.cancelled != nullptr && request.cancelled->load()) {
      result.finish_reason = FinishReason::kCancelled;
      break;
    }
    if (n_past >= info_.n_ctx) break;  // context full: a length stop
    llama_token token = llama_sampler_sample(sampler.get(), ctx_, -1);
    if (llama_vocab_is_eog(vocab_, token)) {
      result.finish_reason = FinishReason::kStop;
      break;
    }
    ++result.completion_tokens;
    emit(text.push(token_piece(token)));
    if (text.stopped()) {
      result.finish_reason = FinishReason::kStop;
      break;
    }
    if (result.completion_tokens >= request.max_tokens) break;
    CLLM_TRY(decode(&token, 1));
    ++n_past;
  }
  emit(text.finish());
  result.text = std::string(text.text());
  return result;
}

}  // namespace cllm::inference
