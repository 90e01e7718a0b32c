// The shared stories260K model and its golden greedy text (see shared/models/PROVENANCE.md),
// for the engine tests.
#pragma once

#include <gtest/gtest.h>

#include <memory>
#include <string>

#include "cllm/inference/llama_engine.hpp"
#include "support/stories_golden.hpp"
#include "support/test_paths.hpp"

namespace cllm::inference::stories {

using test::stories::kGolden;
using test::stories::kGoldenPrompt;
using test::stories::kModel;
using test::stories::kModelSha256;

// Loads the model with one thread (ctest runs tests in parallel; spinning ggml threads must
// not contend). Null, with a test failure recorded, when loading fails.
inline std::unique_ptr<LlamaEngine> load(const std::string& path, std::int32_t n_ctx,
                                         std::int32_t n_parallel) {
  LlamaEngineOptions o;
  o.model_path = path;
  o.n_ctx = n_ctx;
  o.n_threads = 1;
  o.n_parallel = n_parallel;
  auto e = LlamaEngine::load(o);
  EXPECT_TRUE(e.ok()) << (e.ok() ? "" : e.error().message());
  return e.ok() ? std::move(e).value() : nullptr;
}

inline GenerationRequest greedy(std::string prompt, int n) {
  GenerationRequest r;
  r.prompt = std::move(prompt);
  r.max_tokens = n;
  r.sampling.temperature = 0;
  return r;
}

}  // namespace cllm::inference::stories

// Skips loudly when the shared model is missing; binds its path otherwise.
#define CLLM_REQUIRE_STORIES_MODEL(var) \
  CLLM_REQUIRE_SHARED_FILE(var, ::cllm::inference::stories::kModel)
