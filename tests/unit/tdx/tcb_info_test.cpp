#include "cllm/tdx/tcb_info.hpp"

#include <gtest/gtest.h>

#include <string>

#include "cllm/common/file.hpp"
#include "cllm/common/json.hpp"
#include "cllm/tdx/collateral.hpp"
#include "support/test_paths.hpp"

namespace cllm::tdx {
namespace {

std::string collateral_tcb_info(const std::string& path) {
  auto text = read_text_file(path);
  EXPECT_TRUE(text.ok());
  auto collateral = parse_collateral_json(text.ok() ? *text : "");
  EXPECT_TRUE(collateral.ok());
  return collateral.ok() ? collateral->tcb_info : std::string();
}

// A minimal TDX v3 document with one level; `level_tcb` replaces the level's "tcb" object.
std::string tdx_doc(const std::string& level_tcb, const std::string& status = "UpToDate") {
  return R"({"id":"TDX","version":3,"issueDate":"2025-06-19T09:00:00Z",)"
         R"("nextUpdate":"2025-07-19T09:00:00Z","fmspc":"B0C06F000000","pceId":"0000",)"
         R"("tcbType":0,"tcbEvaluationDataNumber":17,"tdxModule":{"mrsigner":")" +
         std::string(96, '0') +
         R"(","attributes":"0000000000000000","attributesMask":"FFFFFFFFFFFFFFFF"},)"
         R"("tcbLevels":[{"tcb":)" +
         level_tcb + R"(,"tcbDate":"2024-03-13T00:00:00Z","tcbStatus":")" + status + R"("}]})";
}

std::string components(int count, int svn = 1) {
  std::string out = "[";
  for (int i = 0; i < count; ++i) {
    if (i) out += ",";
    out += R"({"svn":)" + std::to_string(svn) + "}";
  }
  return out + "]";
}

std::string full_tcb(int sgx = 16, int tdx = 16) {
  return R"({"sgxtcbcomponents":)" + components(sgx) + R"(,"pcesvn":11,"tdxtcbcomponents":)" +
         components(tdx) + "}";
}

TEST(TcbInfoTest, ParsesRealTdxDocumentWithModuleIdentities) {
  CLLM_REQUIRE_SHARED_FILE(path, "testdata/tdx/dcapqvl_tdx_quote_outdated_collateral.json");
  auto info = parse_tcb_info(collateral_tcb_info(path));
  ASSERT_TRUE(info.ok()) << info.error().message();
  EXPECT_EQ(info->id, TcbInfoId::kTdx);
  EXPECT_EQ(info->version, 3);
  EXPECT_EQ(info->issue_date, 1771412331);   // 2026-02-18T10:58:51Z
  EXPECT_EQ(info->next_update, 1774004331);  // 2026-03-20T10:58:51Z
  EXPECT_EQ(info->fmspc, (std::array<std::uint8_t, 6>{0x90, 0xc0, 0x6f, 0, 0, 0}));
  EXPECT_EQ(info->tcb_evaluation_data_number, 18);
  ASSERT_TRUE(info->tdx_module.has_value());
  EXPECT_EQ(info->tdx_module->mr_signer, Bytes(48, 0));
  ASSERT_EQ(info->tdx_module_identities.size(), 2u);
  const TdxModuleIdentity* tdx01 = info->module_identity("tdx_01");
  ASSERT_NE(tdx01, nullptr);
  ASSERT_GE(tdx01->tcb_levels.size(), 2u);
  EXPECT_EQ(tdx01->tcb_levels[0].isv_svn, 6);
  EXPECT_EQ(tdx01->tcb_levels[1].status, TcbStatus::kOutOfDate);
  EXPECT_EQ(tdx01->tcb_levels[1].advisory_ids,
            (std::vector<std::string>{"INTEL-SA-01036", "INTEL-SA-01099"}));
  EXPECT_EQ(info->module_identity("TDX_02"), nullptr);
  ASSERT_EQ(info->tcb_levels.size(), 3u);
  EXPECT_EQ(info->tcb_levels[0].status, TcbStatus::kUpToDate);
  EXPECT_EQ(info->tcb_levels[0].tcb_date, "2024-11-13T00:00:00Z");
  ASSERT_TRUE(info->tcb_levels[0].tdx_components.has_value());
  EXPECT_EQ((*info->tcb_levels[0].tdx_components)[2], 3);
}

TEST(TcbInfoTest, LevelsAreSortedDescendingLikeQvl) {
  for (const char* file : {"testdata/tdx/dcapqvl_tdx_quote_collateral.json",
                           "testdata/tdx/dcapqvl_near_tdx_quote_collateral.json",
                           "testdata/sgx/dcapqvl_sgx_quote_collateral.json"}) {
    CLLM_REQUIRE_SHARED_FILE(path, file);
    auto info = parse_tcb_info(collateral_tcb_info(path));
    ASSERT_TRUE(info.ok()) << file << ": " << info.error().message();
    for (std::size_t i = 1; i < info->tcb_levels.size(); ++i) {
      const auto& a = info->tcb_levels[i - 1];
      const auto& b = info->tcb_levels[i];
      EXPECT_TRUE(a.sgx_components > b.sgx_components ||
                  (a.sgx_components == b.sgx_components && a.pce_svn >= b.pce_svn))
          << file << " level " << i;
    }
  }
  // Out-of-order input is sorted.
  std::string doc = tdx_doc(full_tcb());
  const std::string low = R"({"tcb":{"sgxtcbcomponents":)" + components(16, 0) +
                          R"(,"pcesvn":5,"tdxtcbcomponents":)" + components(16, 0) +
                          R"(},"tcbDate":"2020-01-01T00:00:00Z","tcbStatus":"OutOfDate"})";
  doc.replace(doc.find("\"tcbLevels\":[") + 13, 0, low + ",");
  auto info = parse_tcb_info(doc);
  ASSERT_TRUE(info.ok()) << info.error().message();
  ASSERT_EQ(info->tcb_levels.size(), 2u);
  EXPECT_EQ(info->tcb_levels[0].status, TcbStatus::kUpToDate);
  EXPECT_EQ(info->tcb_levels[1].status, TcbStatus::kOutOfDate);
}

TEST(TcbInfoTest, SgxV3AndLegacyV2Documents) {
  CLLM_REQUIRE_SHARED_FILE(path, "testdata/sgx/dcapqvl_sgx_quote_collateral.json");
  auto sgx = parse_tcb_info(collateral_tcb_info(path));
  ASSERT_TRUE(sgx.ok()) << sgx.error().message();
  EXPECT_EQ(sgx->id, TcbInfoId::kSgx);
  EXPECT_FALSE(sgx->tdx_module.has_value());
  EXPECT_FALSE(sgx->tcb_levels[0].tdx_components.has_value());

  CLLM_REQUIRE_SHARED_FILE(v2_path, "testdata/sgx/intel_qvl_sample_sgx/tcbInfo.json");
  auto text = read_text_file(v2_path);
  ASSERT_TRUE(text.ok());
  auto split = split_pcs_signed_json(*text, "tcbInfo");
  ASSERT_TRUE(split.ok()) << split.error().message();
  auto v2 = parse_tcb_info(split->body);
  ASSERT_TRUE(v2.ok()) << v2.error().message();
  EXPECT_EQ(v2->id, TcbInfoId::kSgx);
  EXPECT_EQ(v2->version, 2);
  EXPECT_EQ(v2->tcb_levels[0].sgx_components[1], 3);
  EXPECT_EQ(v2->tcb_levels[0].pce_svn, 3);
}

TEST(TcbInfoTest, ComponentCountsMustBeExactlySixteen) {
  EXPECT_TRUE(parse_tcb_info(tdx_doc(full_tcb())).ok());
  for (auto [sgx, tdx] : {std::pair{15, 16}, {17, 16}, {16, 15}, {16, 0}}) {
    auto info = parse_tcb_info(tdx_doc(full_tcb(sgx, tdx)));
    ASSERT_FALSE(info.ok()) << sgx << "/" << tdx;
    EXPECT_NE(info.error().message().find("expected 16 entries"), std::string::npos)
        << info.error().message();
  }
}

TEST(TcbInfoTest, MissingTdxComponentsMatchEverything) {
  auto info =
      parse_tcb_info(tdx_doc(R"({"sgxtcbcomponents":)" + components(16) + R"(,"pcesvn":11})"));
  ASSERT_TRUE(info.ok()) << info.error().message();
  EXPECT_FALSE(info->tcb_levels[0].tdx_components.has_value());
}

TEST(TcbInfoTest, RejectsMalformedDocuments) {
  EXPECT_FALSE(parse_tcb_info(tdx_doc(full_tcb(), "Bogus")).ok());
  EXPECT_FALSE(parse_tcb_info(tdx_doc(full_tcb(), "uptodate")).ok());
  std::string doc = tdx_doc(full_tcb());
  EXPECT_FALSE(parse_tcb_info(doc.substr(0, doc.size() - 1)).ok());
  std::string wrong_id = doc;
  wrong_id.replace(wrong_id.find("\"TDX\""), 5, "\"XYZ\"");
  EXPECT_FALSE(parse_tcb_info(wrong_id).ok());
  std::string v2 = doc;
  v2.replace(v2.find("\"version\":3"), 11, "\"version\":2");
  EXPECT_FALSE(parse_tcb_info(v2).ok());
  std::string bad_fmspc = doc;
  bad_fmspc.replace(bad_fmspc.find("B0C06F000000"), 12, "B0C06F0000");
  auto r = parse_tcb_info(bad_fmspc);
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.error().message().find("fmspc"), std::string::npos) << r.error().message();
  std::string big_svn =
      tdx_doc(R"({"sgxtcbcomponents":)" + components(16, 70000) + R"(,"pcesvn":11})");
  EXPECT_FALSE(parse_tcb_info(big_svn).ok());
  std::string bad_date = doc;
  bad_date.replace(bad_date.find("2025-07-19T09:00:00Z"), 20, "2025-13-19T09:00:00Z");
  EXPECT_FALSE(parse_tcb_info(bad_date).ok());
  EXPECT_FALSE(parse_tcb_info("[]").ok());
  EXPECT_FALSE(parse_tcb_info("").ok());
}

TEST(TcbInfoTest, Rfc3339) {
  EXPECT_EQ(*parse_rfc3339("1970-01-01T00:00:00Z"), 0);
  EXPECT_EQ(*parse_rfc3339("2025-07-19T10:00:34Z"), 1752919234);
  EXPECT_EQ(*parse_rfc3339("2025-07-19T10:00:34.123Z"), 1752919234);
  EXPECT_EQ(*parse_rfc3339("2025-07-19T12:00:34+02:00"), 1752919234);
  EXPECT_EQ(*parse_rfc3339("2024-02-29T00:00:00Z"), 1709164800);
  EXPECT_FALSE(parse_rfc3339("2025-07-19T10:00:34").ok());
  EXPECT_FALSE(parse_rfc3339("2025-07-19 10:00:34Z").ok());
  EXPECT_FALSE(parse_rfc3339("2025-07-19T10:00:34Zjunk").ok());
  EXPECT_FALSE(parse_rfc3339("2025-02-30T10:00:34Z").ok());
  EXPECT_FALSE(parse_rfc3339("2025-00-19T10:00:34Z").ok());
}

}  // namespace
}  // namespace cllm::tdx
