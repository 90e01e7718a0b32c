// Receipts of completed responses, kept in memory so a client can fetch the node's signature
// over (request hash, response hash) after the response. Bounded in count and in age: an
// entry past its TTL, or pushed out by newer ones, is gone (the API answers 404). Nothing of
// the prompt or the answer is stored, only their SHA-256.
#pragma once

#include <chrono>
#include <cstdint>
#include <deque>
#include <mutex>
#include <optional>
#include <string>
#include <unordered_map>

namespace cllm::node {

struct Receipt {
  std::string id;               // the completion id ("chatcmpl-…", "cmpl-…")
  std::string request_sha256;   // hex, of the exact request body received
  std::string response_sha256;  // hex, of the exact response bytes sent (SSE framing included)
  std::int64_t created = 0;     // unix seconds

  // What the node signs: "<request_sha256>:<response_sha256>".
  std::string signed_text() const { return request_sha256 + ":" + response_sha256; }
};

class ReceiptStore {
 public:
  ReceiptStore(std::size_t max_entries, std::chrono::seconds ttl)
      : max_entries_(max_entries), ttl_(ttl) {}

  // Stores a receipt (an existing id is replaced) and evicts the oldest beyond max_entries.
  void put(Receipt receipt);
  // The receipt, unless unknown or older than the TTL at `now_unix`.
  std::optional<Receipt> get(const std::string& id, std::int64_t now_unix);
  std::size_t size() const;

 private:
  void evict_locked(std::int64_t now_unix);

  const std::size_t max_entries_;
  const std::chrono::seconds ttl_;
  mutable std::mutex mutex_;
  std::unordered_map<std::string, Receipt> by_id_;
  std::deque<std::pair<std::int64_t, std::string>> order_;  // (created, id), oldest first
};

}  // namespace cllm::node
