#include "cllm/node/metrics.hpp"

#include <gtest/gtest.h>

namespace cllm::node {
namespace {

TEST(Metrics, RendersPrometheusTextWithCountsAndHistograms) {
  Metrics m;
  m.count_request("/v1/chat/completions", 200);
  m.count_request("/v1/chat/completions", 200);
  m.count_request("/v1/chat/completions", 400);
  m.add_tokens(5, 64);
  m.observe_time_to_first_token(0.02);
  m.observe_request_duration(0.3);
  m.observe_request_duration(100);
  m.stream_started();
  m.attestation_served();
  std::string text = m.render();
  EXPECT_NE(text.find("cllm_requests_total{endpoint=\"/v1/chat/completions\",status=\"200\"} 2\n"),
            std::string::npos)
      << text;
  EXPECT_NE(text.find("status=\"400\"} 1\n"), std::string::npos);
  EXPECT_NE(text.find("cllm_prompt_tokens_total 5\n"), std::string::npos);
  EXPECT_NE(text.find("cllm_completion_tokens_total 64\n"), std::string::npos);
  EXPECT_NE(text.find("cllm_time_to_first_token_seconds_bucket{le=\"0.025\"} 1\n"),
            std::string::npos);
  EXPECT_NE(text.find("cllm_time_to_first_token_seconds_bucket{le=\"0.01\"} 0\n"),
            std::string::npos);
  EXPECT_NE(text.find("cllm_request_duration_seconds_bucket{le=\"0.5\"} 1\n"), std::string::npos);
  EXPECT_NE(text.find("cllm_request_duration_seconds_bucket{le=\"+Inf\"} 2\n"), std::string::npos);
  EXPECT_NE(text.find("cllm_request_duration_seconds_count 2\n"), std::string::npos);
  EXPECT_NE(text.find("cllm_active_streams 1\n"), std::string::npos);
  EXPECT_NE(text.find("cllm_attestations_total 1\n"), std::string::npos);
  EXPECT_NE(text.find("# TYPE cllm_request_duration_seconds histogram"), std::string::npos);
}

}  // namespace
}  // namespace cllm::node
