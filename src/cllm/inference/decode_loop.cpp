#include "cllm/inference/decode_loop.hpp"

#include <llama.h>

#include <algorithm>
#include <optional>
#include <random>
#include <string>
#include <utility>
#include <vector>

#include "cllm/inference/text_assembler.hpp"

namespace cllm::inference {

namespace {

struct SamplerDeleter {
  void operator()(llama_sampler* s) const { llama_sampler_free(s); }
};
using SamplerPtr = std::unique_ptr<llama_sampler, SamplerDeleter>;

// Same order as llama.cpp's own defaults: truncate the distribution, then temperature,
// then draw. Temperature <= 0 is greedy (argmax), independent of the other settings. Every
// sequence has its own chain, so a seed makes one request reproducible whatever runs beside.
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

std::string token_piece(const llama_vocab* vocab, llama_token token) {
  char small[64];
  std::int32_t n = llama_token_to_piece(vocab, token, small, sizeof small, 0, false);
  if (n >= 0) return std::string(small, static_cast<std::size_t>(n));
  std::string big(static_cast<std::size_t>(-n), '\0');
  n = llama_token_to_piece(vocab, token, big.data(), static_cast<std::int32_t>(big.size()), 0,
                           false);
  big.resize(static_cast<std::size_t>(std::max(0, n)));
  return big;
}

double seconds_since(GenerationJob::Clock::time_point start) {
  return std::chrono::duration<double>(GenerationJob::Clock::now() - start).count();
}

}  // namespace

struct DecodeLoop::Slot {
  std::shared_ptr<GenerationJob> job;  // null: the slot is free
  SamplerPtr sampler;
  std::optional<TextAssembler> text;
  GenerationResult result;
  std::size_t n_fed = 0;        // prompt tokens decoded so far
  std::int32_t n_past = 0;      // positions used in this sequence's KV stream
  bool generating = false;      // the whole prompt is in; `next` is fed each step
  llama_token next = 0;         // sampled last step, decoded this step
  std::int32_t n_in_batch = 0;  // tokens of this sequence in the current batch
  std::int32_t i_batch = -1;    // the batch row whose logits are sampled after this step
};

DecodeLoop::DecodeLoop(llama_context* ctx, const llama_vocab* vocab, std::int32_t n_parallel,
                       std::int32_t n_ctx_slot, std::int32_t n_batch)
    : ctx_(ctx),
      vocab_(vocab),
      n_parallel_(n_parallel),
      n_ctx_slot_(n_ctx_slot),
      n_batch_(n_batch),
      thread_([this] { run(); }) {}

DecodeLoop::~DecodeLoop() {
  shutdown();
}

Status DecodeLoop::submit(std::shared_ptr<GenerationJob> job) {
  {
    std::lock_guard lock(mutex_);
    if (stopping_) return make_error(ErrorCode::kInternal, "generate: the engine is shut down");
    waiting_.push_back(std::move(job));
  }
  cv_.notify_one();
  return ok_status();
}

void DecodeLoop::shutdown() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  cv_.notify_one();
  std::call_once(joined_, [this] {
    if (thread_.joinable()) thread_.join();
  });
}

void DecodeLoop::run() {
  llama_memory_t mem = llama_get_memory(ctx_);
  std::vector<Slot> slots(static_cast<std::size_t>(n_parallel_));
  llama_batch batch = llama_batch_init(n_batch_, 0, 1);

  auto seq_of = [&](const Slot& s) { return static_cast<llama_seq_id>(&s - slots.data()); };
  // Ends a sequence. Its KV cells are removed at once: llama-server keeps a finished slot's
  // KV (and a RAM prompt cache) to reuse for the next request with the same prefix, which lets
  // one tenant learn from the response time or `cached_tokens` whether another sent that
  // prefix, and keeps other users' prompts resident. Here no state outlives its request.
  auto release = [&](Slot& s) {
    llama_memory_seq_rm(mem, seq_of(s), -1, -1);
    s = Slot{};
  };
  auto end = [&](Slot& s, FinishReason reason) {
    s.job->push_delta(s.text->finish());
    s.result.text = std::string(s.text->text());
    s.result.finish_reason = reason;
    s.job->finish(std::move(s.result));
    release(s);
  };
  auto end_waiting = [](GenerationJob& job) {
    GenerationResult r;
    r.finish_reason = FinishReason::kCancelled;
    r.prompt_tokens = static_cast<std::int32_t>(job.prompt.size());
    job.finish(std::move(r));
  };
  auto add = [&](llama_token token, llama_pos pos, llama_seq_id seq, bool logits) {
    const std::int32_t i = batch.n_tokens++;
    batch.token[i] = token;
    batch.pos[i] = pos;
    batch.n_seq_id[i] = 1;
    batch.seq_id[i][0] = seq;
    batch.logits[i] = logits ? 1 : 0;
    return i;
  };

  for (;;) {
    std::vector<std::shared_ptr<GenerationJob>> admitted;
    std::vector<std::shared_ptr<GenerationJob>> dropped;  // cancelled before they got a slot
    bool stop = false;
    {
      std::unique_lock lock(mutex_);
      const auto n_free =
          std::count_if(slots.begin(), slots.end(), [](const Slot& s) { return !s.job; });
      if (n_free == n_parallel_) cv_.wait(lock, [&] { return stopping_ || !waiting_.empty(); });
      stop = stopping_;
      for (auto it = waiting_.begin(); it != waiting_.end();) {
        if (stop || (*it)->is_cancelled()) {
          dropped.push_back(std::move(*it));
          it = waiting_.erase(it);
        } else {
          ++it;
        }
      }
      while (!waiting_.empty() && static_cast<std::ptrdiff_t>(admitted.size()) < n_free) {
        admitted.push_back(std::move(waiting_.front()));
        waiting_.pop_front();
      }
    }
    for (auto& job : dropped)
      end_waiting(*job);
    for (auto& job : admitted) {
      Slot& s = *std::find_if(slots.begin(), slots.end(), [](const Slot& x) { return !x.job; });
      llama_memory_seq_rm(mem, seq_of(s), -1, -1);  // a fresh stream, whatever came before
      s.sampler = make_sampler(job->sampling);
      s.text.emplace(job->stop);
      s.result.prompt_tokens = static_cast<std::int32_t>(job->prompt.size());
      s.job = std::move(job);
    }
    for (auto& s : slots) {
      if (s.job && (stop || s.job->is_cancelled())) end(s, FinishReason::kCancelled);
    }
    if (stop) break;

    // One batch: a token for every generating sequence first (they wait on us), then prompt
    // chunks in the room left.
    batch.n_tokens = 0;
    for (auto& s : slots) {
      s.n_in_batch = 0;
      s.i_batch = -1;
      if (!s.job || !s.generating) continue;
      s.i_batch = add(s.next, s.n_past, seq_of(s), true);
      s.n_in_batch = 1;
    }
    for (auto& s : slots) {
      if (!s.job || s.generating) continue;
      const std::size_t left = s.job->prompt.size() - s.n_fed;
      const auto take =
          std::min<std::size_t>(left, static_cast<std::size_t>(n_batch_ - batch.n_tokens));
      for (std::size_t k = 0; k < take; ++k) {
        const bool last = s.n_fed + k + 1 == s.job->prompt.size();
        std::int32_t i =
            add(s.job->prompt[s.n_fed + k], s.n_past + static_cast<llama_pos>(k), seq_of(s), last);
        if (last) s.i_batch = i;
      }
      s.n_in_batch = static_cast<std::int32_t>(take);
    }
    if (batch.n_tokens == 0) continue;

    const int rc = llama_decode(ctx_, batch);
    if (rc != 0) {
      // 1 would mean no KV room, which the per-slot bound rules out; anything else is llama's.
      Error error(ErrorCode::kInternal, "llama_decode failed (" + std::to_string(rc) + ")");
      for (auto& s : slots) {
        if (!s.job || s.n_in_batch == 0) continue;
        s.job->fail(error);
        release(s);
      }
      continue;
    }

    for (auto& s : slots) {
      if (!s.job || s.n_in_batch == 0) continue;
      s.n_past += s.n_in_batch;
      if (!s.generating) s.n_fed += static_cast<std::size_t>(s.n_in_batch);
      if (s.i_batch < 0) continue;  // more prompt to come
      s.generating = true;
      const llama_token token = llama_sampler_sample(s.sampler.get(), ctx_, s.i_batch);
      if (s.result.time_to_first_token == 0) {
        s.result.time_to_first_token = seconds_since(s.job->submitted);
      }
      if (!s.job->ignore_eos && llama_vocab_is_eog(vocab_, token)) {
        end(s, FinishReason::kStop);
        continue;
      }
      ++s.result.completion_tokens;
      s.job->push_delta(s.text->push(token_piece(vocab_, token)));
      if (s.text->stopped()) {
        end(s, FinishReason::kStop);
      } else if (s.result.completion_tokens >= s.job->max_tokens || s.n_past >= n_ctx_slot_) {
        end(s, FinishReason::kLength);  // max_tokens, or no room in the slot to feed it
      } else {
        s.next = token;
      }
    }
  }
  llama_batch_free(batch);
}

}  // namespace cllm::inference
