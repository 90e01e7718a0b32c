#include "cllm/inference/llama_engine.hpp"

#include <ggml-cpu.h>
#include <llama.h>

#include <algorithm>
#include <mutex>
#include <thread>

#include "cllm/common/log.hpp"
#include "cllm/inference/decode_loop.hpp"
#include "cllm/inference/generation_job.hpp"
#include "cllm/inference/model_file_hash.hpp"

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

}  // namespace

Result<std::unique_ptr<LlamaEngine>> LlamaEngine::load(const LlamaEngineOptions& options) {
  if (options.n_parallel < 1 || options.n_parallel > 256) {
    return make_error(ErrorCode::kInvalidArgument, "llama: n_parallel must be 1..256");
  }
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
  // Every generating sequence adds one token per step, so a step must hold at least that many.
  cp.n_batch = static_cast<std::uint32_t>(std::max({1, options.n_batch, options.n_parallel}));
  cp.n_seq_max = static_cast<std::uint32_t>(options.n_parallel);
  // A step reads one row of logits per sequence (the token it samples), never more: sizing
  // the output buffer for that (as llama-server does) instead of n_batch rows.
  cp.n_outputs_max = static_cast<std::uint32_t>(options.n_parallel);
  // One KV stream per sequence (llama-server's layout with an explicit --parallel): each
  // sequence attends only to its own cells, and a slot's size is n_ctx / n_parallel.
  cp.kv_unified = false;
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
  // One threadpool for the context's life, as llama-server attaches: without it ggml builds
  // and frees a throwaway one on every decode step. (A ~10% CPU-per-request gap to llama-server
  // once blamed on set-up like this was llama-server's prompt cache skipping the benchmark's
  // repeated prompt; see bench/node_vs_llama_server.py.)
  ggml_threadpool_params tpp = ggml_threadpool_params_default(static_cast<int>(cp.n_threads));
  engine->threadpool_ = ggml_threadpool_new(&tpp);
  if (engine->threadpool_ != nullptr) {
    llama_attach_threadpool(engine->ctx_, engine->threadpool_, engine->threadpool_);
  }

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
  // Positions past the training context give garbage; llama-server caps its slots the same way.
  info.n_ctx_slot = static_cast<std::int32_t>(llama_n_ctx_seq(engine->ctx_));
  if (n_ctx_train > 0) info.n_ctx_slot = std::min(info.n_ctx_slot, n_ctx_train);
  info.n_parallel = options.n_parallel;
  info.n_ctx_train = n_ctx_train;
  info.n_vocab = llama_vocab_n_tokens(engine->vocab_);
  engine->loop_ =
      std::make_unique<DecodeLoop>(engine->ctx_, engine->vocab_, info.n_parallel, info.n_ctx_slot,
                                   static_cast<std::int32_t>(llama_n_batch(engine->ctx_)));
  return engine;
}

LlamaEngine::~LlamaEngine() {
  shutdown();  // the loop thread uses ctx_ until it is joined
  if (ctx_ != nullptr) llama_free(ctx_);
  if (threadpool_ != nullptr) ggml_threadpool_free(threadpool_);
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

void LlamaEngine::shutdown() {
  if (loop_) loop_->shutdown();
}

Result<GenerationResult> LlamaEngine::generate(const GenerationRequest& request,
                                               const DeltaCallback& on_delta) {
  auto job = std::make_shared<GenerationJob>();  // job->submitted: now
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
  CLLM_ASSIGN_OR_RETURN(job->prompt, tokenize(prompt_text, /*add_special=*/true, parse_special));
  if (job->prompt.empty()) {
    return make_error(ErrorCode::kInvalidArgument, "generate: empty prompt");
  }
  const auto n_prompt = static_cast<std::int32_t>(job->prompt.size());
  if (n_prompt >= info_.n_ctx_slot) {
    return make_error(ErrorCode::kLimit, "generate: the prompt is " + std::to_string(n_prompt) +
                                             " tokens, the context of a slot is " +
                                             std::to_string(info_.n_ctx_slot));
  }
  if (request.max_tokens == 0) {  // nothing to generate: no need to queue for a slot
    GenerationResult r;
    r.finish_reason = FinishReason::kLength;
    r.prompt_tokens = n_prompt;
    return r;
  }
  job->sampling = request.sampling;
  job->stop = request.stop;
  job->max_tokens = request.max_tokens;
  job->ignore_eos = request.ignore_eos;
  job->cancelled = request.cancelled;
  job->streaming = static_cast<bool>(on_delta);
  CLLM_TRY(loop_->submit(job));
  return job->wait(on_delta);
}

}  // namespace cllm::inference
