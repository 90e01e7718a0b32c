#include "cllm/node/receipt_store.hpp"

#include <gtest/gtest.h>

namespace cllm::node {
namespace {

Receipt make(const std::string& id, std::int64_t created) {
  return Receipt{id, std::string(64, 'a'), std::string(64, 'b'), created};
}

TEST(ReceiptStore, ReturnsAStoredReceiptUntilItsTtl) {
  ReceiptStore store(10, std::chrono::seconds(60));
  store.put(make("chatcmpl-1", 1000));
  auto r = store.get("chatcmpl-1", 1030);
  ASSERT_TRUE(r);
  EXPECT_EQ(r->signed_text(), std::string(64, 'a') + ":" + std::string(64, 'b'));
  EXPECT_TRUE(store.get("chatcmpl-1", 1060));
  EXPECT_FALSE(store.get("chatcmpl-1", 1061));
  EXPECT_FALSE(store.get("unknown", 1000));
}

TEST(ReceiptStore, EvictsTheOldestBeyondItsCapacity) {
  ReceiptStore store(3, std::chrono::seconds(3600));
  for (int i = 0; i < 5; ++i)
    store.put(make("id" + std::to_string(i), 1000 + i));
  EXPECT_EQ(store.size(), 3u);
  EXPECT_FALSE(store.get("id0", 1010));
  EXPECT_FALSE(store.get("id1", 1010));
  EXPECT_TRUE(store.get("id2", 1010));
  EXPECT_TRUE(store.get("id4", 1010));
}

}  // namespace
}  // namespace cllm::node
