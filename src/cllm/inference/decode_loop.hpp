// Continuous batching over one llama_context: a thread owned by the engine decodes up to
// n_parallel sequences together, one llama_batch per step that mixes one new token for every
// sequence that is generating with prompt chunks of sequences that have just started. A
// sequence ends on its own (end-of-generation token, stop string, max_tokens, the end of its
// slot, cancellation) and frees its slot at once for the next waiting job (FIFO).
//
// Each sequence id is one slot with its own KV stream of n_ctx_slot cells (kv_unified off, as
// llama-server runs with an explicit --parallel), and nothing in it outlives the request:
// see release() in the .cpp for why.
#pragma once

#include <condition_variable>
#include <cstdint>
#include <deque>
#include <memory>
#include <mutex>
#include <thread>

#include "cllm/inference/generation_job.hpp"

struct llama_context;
struct llama_vocab;

namespace cllm::inference {

class DecodeLoop {
 public:
  // ctx must have been created with n_seq_max >= n_parallel and n_batch >= n_parallel; it is
  // used only by the loop thread from now on (the caller keeps ownership and must call
  // shutdown() before freeing it).
  DecodeLoop(llama_context* ctx, const llama_vocab* vocab, std::int32_t n_parallel,
             std::int32_t n_ctx_slot, std::int32_t n_batch);
  ~DecodeLoop();
  DecodeLoop(const DecodeLoop&) = delete;
  DecodeLoop& operator=(const DecodeLoop&) = delete;

  // Queues the job; the loop then finishes or fails it exactly once. Fails (and leaves the job
  // alone) after shutdown().
  Status submit(std::shared_ptr<GenerationJob> job);
  // Cancels every running and waiting job and joins the thread. Idempotent.
  void shutdown();

 private:
  struct Slot;
  void run();

  llama_context* ctx_;
  const llama_vocab* vocab_;
  std::int32_t n_parallel_;
  std::int32_t n_ctx_slot_;
  std::int32_t n_batch_;

  std::mutex mutex_;  // guards waiting_ and stopping_
  std::condition_variable cv_;
  std::deque<std::shared_ptr<GenerationJob>> waiting_;
  bool stopping_ = false;
  std::once_flag joined_;
  std::thread thread_;
};

}  // namespace cllm::inference
