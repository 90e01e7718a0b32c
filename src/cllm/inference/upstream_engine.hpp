// An Engine that forwards each request to an OpenAI-compatible server (vLLM, SGLang,
// llama-server) over http:// or https://, always streaming, and passes the text deltas on as
// they arrive. Batching, sampling and stop strings are the upstream's; this side maps the
// finish reason and the usage counts and stops reading when the request is cancelled.
#pragma once

#include <atomic>
#include <chrono>
#include <memory>
#include <string>

#include "cllm/inference/engine.hpp"
#include "cllm/inference/upstream_protocol.hpp"
#include "cllm/net/http_client.hpp"

namespace cllm::inference {

struct UpstreamEngineOptions {
  // Where the server is: "http://host:port", optionally ending in "/v1" (the OpenAI client
  // convention); "/v1/chat/completions" and "/v1/completions" are appended.
  std::string base_url;
  std::string model;    // sent as "model" (vLLM and SGLang require the served name)
  std::string api_key;  // sent as "Authorization: Bearer ..." when not empty; never logged
  std::shared_ptr<net::TlsClientContext> tls;  // required for https://
  bool extended_sampling = true;               // see UpstreamBodyOptions
  std::chrono::milliseconds connect_timeout{10'000};
  // The longest silence within a response (a long prompt is processed before the first
  // chunk). Cancellation is noticed when a chunk arrives, so this also bounds how long a
  // cancelled request can wait on a silent upstream.
  std::chrono::milliseconds idle_timeout{300'000};
  std::size_t max_response_bytes = 64 * 1024 * 1024;  // one streamed response
};

class UpstreamEngine final : public Engine {
 public:
  // Checks the URL and options; does not contact the server.
  static Result<std::unique_ptr<UpstreamEngine>> create(UpstreamEngineOptions options);

  const ModelInfo& info() const override { return info_; }
  // Blocks the calling thread; on_delta runs on it. Many threads may call it at once (one
  // upstream connection each).
  Result<GenerationResult> generate(const GenerationRequest& request,
                                    const DeltaCallback& on_delta) override;
  // Requests in flight stop reading at their next chunk and end as cancelled; later ones fail.
  void shutdown() override { stopping_ = true; }

 private:
  UpstreamEngine(UpstreamEngineOptions options, std::string base);

  UpstreamEngineOptions options_;
  std::string base_;  // base_url without a trailing "/" or "/v1"
  net::HttpClient client_;
  ModelInfo info_;
  std::atomic<bool> stopping_{false};
};

}  // namespace cllm::inference
