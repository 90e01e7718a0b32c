#include "cllm/node/metrics.hpp"

#include <cstdio>

namespace cllm::node {

namespace {

std::string format_double(double v) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.9g", v);
  return buf;
}

}  // namespace

void Histogram::observe(double seconds) {
  std::lock_guard lock(mutex_);
  for (std::size_t i = 0; i < kBounds.size(); ++i) {
    if (seconds <= kBounds[i]) {
      ++counts_[i];
      break;
    }
  }
  ++total_;
  sum_ += seconds;
}

void Histogram::render(std::string& out, std::string_view name) const {
  std::lock_guard lock(mutex_);
  std::uint64_t cumulative = 0;
  for (std::size_t i = 0; i < kBounds.size(); ++i) {
    cumulative += counts_[i];
    out += std::string(name) + "_bucket{le=\"" + format_double(kBounds[i]) + "\"} " +
           std::to_string(cumulative) + "\n";
  }
  out += std::string(name) + "_bucket{le=\"+Inf\"} " + std::to_string(total_) + "\n";
  out += std::string(name) + "_sum " + format_double(sum_) + "\n";
  out += std::string(name) + "_count " + std::to_string(total_) + "\n";
}

void Metrics::count_request(std::string_view endpoint, int status) {
  std::lock_guard lock(mutex_);
  ++requests_[{std::string(endpoint), status}];
}

void Metrics::add_tokens(std::int64_t prompt_tokens, std::int64_t completion_tokens) {
  prompt_tokens_.fetch_add(prompt_tokens);
  completion_tokens_.fetch_add(completion_tokens);
}

std::string Metrics::render() const {
  std::string out;
  out += "# HELP cllm_requests_total HTTP requests answered, by endpoint and status.\n";
  out += "# TYPE cllm_requests_total counter\n";
  {
    std::lock_guard lock(mutex_);
    for (const auto& [key, count] : requests_) {
      // Endpoints are fixed route names chosen by the node, never client text, so they need
      // no escaping.
      out += "cllm_requests_total{endpoint=\"" + key.first + "\",status=\"" +
             std::to_string(key.second) + "\"} " + std::to_string(count) + "\n";
    }
  }
  out += "# HELP cllm_prompt_tokens_total Prompt tokens processed.\n";
  out += "# TYPE cllm_prompt_tokens_total counter\n";
  out += "cllm_prompt_tokens_total " + std::to_string(prompt_tokens_.load()) + "\n";
  out += "# HELP cllm_completion_tokens_total Tokens generated.\n";
  out += "# TYPE cllm_completion_tokens_total counter\n";
  out += "cllm_completion_tokens_total " + std::to_string(completion_tokens_.load()) + "\n";
  out += "# HELP cllm_time_to_first_token_seconds Time from request to the first token.\n";
  out += "# TYPE cllm_time_to_first_token_seconds histogram\n";
  ttft_.render(out, "cllm_time_to_first_token_seconds");
  out += "# HELP cllm_request_duration_seconds Completion request latency, to the last byte.\n";
  out += "# TYPE cllm_request_duration_seconds histogram\n";
  duration_.render(out, "cllm_request_duration_seconds");
  out += "# HELP cllm_active_streams Streaming responses in progress.\n";
  out += "# TYPE cllm_active_streams gauge\n";
  out += "cllm_active_streams " + std::to_string(active_streams_.load()) + "\n";
  out += "# HELP cllm_attestations_total Attestation reports served.\n";
  out += "# TYPE cllm_attestations_total counter\n";
  out += "cllm_attestations_total " + std::to_string(attestations_.load()) + "\n";
  return out;
}

}  // namespace cllm::node
