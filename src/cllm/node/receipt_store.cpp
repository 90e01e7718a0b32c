#include "cllm/node/receipt_store.hpp"

namespace cllm::node {

void ReceiptStore::put(Receipt receipt) {
  std::lock_guard lock(mutex_);
  std::int64_t created = receipt.created;
  std::string id = receipt.id;
  by_id_[id] = std::move(receipt);
  order_.emplace_back(created, std::move(id));
  evict_locked(created);
}

std::optional<Receipt> ReceiptStore::get(const std::string& id, std::int64_t now_unix) {
  std::lock_guard lock(mutex_);
  evict_locked(now_unix);
  auto it = by_id_.find(id);
  if (it == by_id_.end()) return std::nullopt;
  if (now_unix - it->second.created > ttl_.count()) return std::nullopt;
  return it->second;
}

std::size_t ReceiptStore::size() const {
  std::lock_guard lock(mutex_);
  return by_id_.size();
}

void ReceiptStore::evict_locked(std::int64_t now_unix) {
  // order_ may hold stale entries for replaced ids; erase the map entry only when it is the
  // same generation (same created time), so a replaced receipt is not dropped early.
  auto drop_front = [&] {
    const auto& [created, id] = order_.front();
    auto it = by_id_.find(id);
    if (it != by_id_.end() && it->second.created == created) by_id_.erase(it);
    order_.pop_front();
  };
  while (!order_.empty() && now_unix - order_.front().first > ttl_.count())
    drop_front();
  while (by_id_.size() > max_entries_ && !order_.empty())
    drop_front();
  // Bound the queue too when ids are replaced often.
  while (order_.size() > 2 * max_entries_ + 16)
    drop_front();
}

}  // namespace cllm::node
