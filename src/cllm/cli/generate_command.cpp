// cllm generate: run the model in process and stream the text to stdout.
#include <chrono>
#include <cstdio>
#include <memory>

#include "cllm/cli/command.hpp"
#include "cllm/inference/llama_engine.hpp"

namespace cllm::cli {

namespace {

struct GenerateOptions {
  inference::LlamaEngineOptions engine;
  std::string prompt;
  bool chat = false;
  inference::GenerationRequest request;
  bool stats = false;
};

int run_generate(GenerateOptions& o) {
  auto engine = inference::LlamaEngine::load(o.engine);
  if (!engine) {
    std::fprintf(stderr, "cllm generate: %s\n", engine.error().message().c_str());
    return kExitUsage;
  }
  inference::GenerationRequest& req = o.request;
  if (o.chat) {
    req.is_chat = true;
    req.messages = {{"user", o.prompt}};
  } else {
    req.prompt = o.prompt;
  }
  auto start = std::chrono::steady_clock::now();
  auto result = (*engine)->generate(req, [](std::string_view delta) {
    std::fwrite(delta.data(), 1, delta.size(), stdout);
    std::fflush(stdout);
  });
  std::fputc('\n', stdout);
  if (!result) {
    std::fprintf(stderr, "cllm generate: %s\n", result.error().message().c_str());
    return kExitFailed;
  }
  if (o.stats) {
    double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    std::fprintf(stderr, "[prompt %d tokens, generated %d tokens in %.3f s, finish=%s]\n",
                 result->prompt_tokens, result->completion_tokens, s,
                 std::string(inference::to_string(result->finish_reason)).c_str());
  }
  return kExitOk;
}

}  // namespace

Command add_generate_command(CLI::App& app) {
  auto o = std::make_shared<GenerateOptions>();
  o->request.max_tokens = 128;
  o->engine.n_parallel = 1;  // one prompt: the whole context is its slot
  CLI::App* sub =
      app.add_subcommand("generate", "Generate text from a prompt with a local GGUF model");
  sub->add_option("-m,--model", o->engine.model_path, "GGUF model file")
      ->required()
      ->check(CLI::ExistingFile);
  sub->add_option("-p,--prompt", o->prompt, "Prompt text")->required();
  sub->add_option("-n,--max-tokens", o->request.max_tokens, "Tokens to generate")
      ->capture_default_str()
      ->check(CLI::Range(0, 1 << 20));
  sub->add_option("--temp", o->request.sampling.temperature, "Temperature; 0 is greedy")
      ->capture_default_str()
      ->check(CLI::Range(0.0, 100.0));
  sub->add_option("--seed", o->request.sampling.seed, "Sampling seed (default: random)");
  sub->add_option("--top-k", o->request.sampling.top_k, "Top-k; 0 disables")->capture_default_str();
  sub->add_option("--top-p", o->request.sampling.top_p, "Top-p; 1 disables")
      ->capture_default_str()
      ->check(CLI::Range(0.0, 1.0));
  sub->add_option("--min-p", o->request.sampling.min_p, "Min-p; 0 disables")
      ->capture_default_str()
      ->check(CLI::Range(0.0, 1.0));
  sub->add_option("--stop", o->request.stop, "Stop string (repeatable)");
  sub->add_option("-c,--ctx-size", o->engine.n_ctx, "Context size; 0 = the model's")
      ->capture_default_str();
  sub->add_option("-t,--threads", o->engine.n_threads, "Threads; 0 = all cores")
      ->capture_default_str();
  sub->add_flag("--chat", o->chat,
                "Treat the prompt as a user message and apply the chat template");
  sub->add_flag("--stats", o->stats, "Print token counts and timing to stderr");
  return {sub, [o] { return run_generate(*o); }};
}

}  // namespace cllm::cli
