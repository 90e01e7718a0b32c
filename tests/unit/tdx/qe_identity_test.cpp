#include "cllm/tdx/qe_identity.hpp"

#include <gtest/gtest.h>

#include <string>

#include "cllm/common/file.hpp"
#include "cllm/common/hex.hpp"
#include "cllm/tdx/collateral.hpp"
#include "support/test_paths.hpp"

namespace cllm::tdx {
namespace {

std::string collateral_qe_identity(const std::string& path) {
  auto text = read_text_file(path);
  EXPECT_TRUE(text.ok());
  auto collateral = parse_collateral_json(text.ok() ? *text : "");
  EXPECT_TRUE(collateral.ok());
  return collateral.ok() ? collateral->qe_identity : std::string();
}

TEST(QeIdentityTest, ParsesRealTdQeIdentity) {
  CLLM_REQUIRE_SHARED_FILE(path, "testdata/tdx/dcapqvl_tdx_quote_outdated_collateral.json");
  auto qe = parse_qe_identity(collateral_qe_identity(path));
  ASSERT_TRUE(qe.ok()) << qe.error().message();
  EXPECT_EQ(qe->id, QeIdentityId::kTdQe);
  EXPECT_EQ(qe->version, 2);
  EXPECT_EQ(qe->issue_date, 1771411335);  // 2026-02-18T10:42:15Z
  EXPECT_EQ(qe->miscselect, 0u);
  EXPECT_EQ(qe->miscselect_mask, 0xFFFFFFFFu);
  EXPECT_EQ(to_hex(qe->attributes), "11000000000000000000000000000000");
  EXPECT_EQ(to_hex(qe->attributes_mask), "fbffffffffffffff0000000000000000");
  EXPECT_EQ(to_hex(qe->mr_signer),
            "dc9e2a7c6f948f17474e34a7fc43ed030f7c1563f1babddf6340c82e0e54a8c5");
  EXPECT_EQ(qe->isv_prod_id, 2);
  ASSERT_EQ(qe->tcb_levels.size(), 1u);
  EXPECT_EQ(qe->tcb_levels[0].isv_svn, 4);
  EXPECT_EQ(qe->tcb_levels[0].status, TcbStatus::kUpToDate);
}

TEST(QeIdentityTest, ParsesSgxQeAndSortsLevels) {
  CLLM_REQUIRE_SHARED_FILE(path, "testdata/sgx/dcapqvl_sgx_quote_collateral.json");
  auto qe = parse_qe_identity(collateral_qe_identity(path));
  ASSERT_TRUE(qe.ok()) << qe.error().message();
  EXPECT_EQ(qe->id, QeIdentityId::kQe);
  EXPECT_EQ(qe->isv_prod_id, 1);
  for (std::size_t i = 1; i < qe->tcb_levels.size(); ++i) {
    EXPECT_GE(qe->tcb_levels[i - 1].isv_svn, qe->tcb_levels[i].isv_svn);
  }
}

std::string doc(const std::string& id = "TD_QE", int version = 2,
                const std::string& mrsigner = std::string(64, 'A')) {
  return R"({"id":")" + id + R"(","version":)" + std::to_string(version) +
         R"(,"issueDate":"2026-02-18T10:42:15Z","nextUpdate":"2026-03-20T10:42:15Z",)"
         R"("miscselect":"00000000","miscselectMask":"FFFFFFFF",)"
         R"("attributes":"11000000000000000000000000000000",)"
         R"("attributesMask":"FBFFFFFFFFFFFFFF0000000000000000","mrsigner":")" +
         mrsigner +
         R"(","isvprodid":2,"tcbLevels":[{"tcb":{"isvsvn":2},"tcbDate":"2023-01-01T00:00:00Z",)"
         R"("tcbStatus":"OutOfDate","advisoryIDs":["INTEL-SA-1"]},{"tcb":{"isvsvn":4},)"
         R"("tcbDate":"2024-11-13T00:00:00Z","tcbStatus":"UpToDate"}]})";
}

TEST(QeIdentityTest, ValidatesIdVersionAndFields) {
  auto ok = parse_qe_identity(doc());
  ASSERT_TRUE(ok.ok()) << ok.error().message();
  EXPECT_EQ(ok->tcb_levels[0].isv_svn, 4);  // sorted, highest first
  EXPECT_EQ(ok->tcb_levels[1].advisory_ids, std::vector<std::string>{"INTEL-SA-1"});
  EXPECT_TRUE(parse_qe_identity(doc("QE")).ok());
  EXPECT_TRUE(parse_qe_identity(doc("TD_QE", 3)).ok());
  EXPECT_FALSE(parse_qe_identity(doc("QE", 3)).ok());
  EXPECT_FALSE(parse_qe_identity(doc("TD_QE", 1)).ok());
  EXPECT_FALSE(parse_qe_identity(doc("QVE")).ok());
  auto short_signer = parse_qe_identity(doc("TD_QE", 2, std::string(62, 'A')));
  ASSERT_FALSE(short_signer.ok());
  EXPECT_NE(short_signer.error().message().find("mrsigner"), std::string::npos);
  EXPECT_FALSE(parse_qe_identity(doc("TD_QE", 2, std::string(64, 'G'))).ok());
  std::string unknown = doc();
  unknown.replace(unknown.find("UpToDate"), 8, "Whatever");
  EXPECT_FALSE(parse_qe_identity(unknown).ok());
  EXPECT_FALSE(parse_qe_identity("{}").ok());
  EXPECT_FALSE(parse_qe_identity("nonsense").ok());
}

}  // namespace
}  // namespace cllm::tdx
