#include "cllm/tdx/intel_root_ca.hpp"

#include <gtest/gtest.h>

#include "cllm/common/file.hpp"
#include "cllm/common/hex.hpp"
#include "cllm/crypto/hash.hpp"
#include "cllm/crypto/x509.hpp"
#include "support/test_paths.hpp"

namespace cllm::tdx {
namespace {

TEST(IntelRootCa, BuiltInDerHasThePublishedHash) {
  auto digest = crypto::sha256(intel_sgx_root_ca_der());
  ASSERT_TRUE(digest.ok());
  EXPECT_EQ(to_hex(*digest), kIntelSgxRootCaSha256);
  auto cert = crypto::Certificate::from_der(intel_sgx_root_ca_der());
  ASSERT_TRUE(cert.ok());
  EXPECT_NE(cert->subject().find("CN=Intel SGX Root CA"), std::string::npos);
}

TEST(IntelRootCa, EqualsTheSharedTestCopy) {
  CLLM_REQUIRE_SHARED_FILE(path, "testdata/tdx/Intel_SGX_Provisioning_Certification_RootCA.der");
  auto file = read_file(path);
  ASSERT_TRUE(file.ok());
  EXPECT_EQ(Bytes(intel_sgx_root_ca_der().begin(), intel_sgx_root_ca_der().end()), *file);
}

}  // namespace
}  // namespace cllm::tdx
