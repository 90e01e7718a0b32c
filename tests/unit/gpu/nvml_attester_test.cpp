// The NVML attester: on a machine without the NVIDIA driver (this one) a clear "not found"
// error and "auto" meaning no GPU attester; the NVML struct layouts of spec §1; and, against
// a stand-in library with NVML's entry points (tests/support/fake_nvml.cpp), the pre-checks
// (CC off, DevTools on, no GPU, unsupported architecture), the nonce copied into every
// request, only the reported sizes kept and those sizes bounded, and NVML shut down.
#include "cllm/gpu/nvml_attester.hpp"

#include <dlfcn.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <cstddef>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

#include "cllm/gpu/gpu_attester.hpp"
#include "cllm/gpu/nvml_api.hpp"

namespace cllm::gpu {
namespace {

bool driver_installed() {
  void* handle = ::dlopen(std::string(kNvmlLibraryName).c_str(), RTLD_NOW | RTLD_LOCAL);
  if (handle == nullptr) return false;
  ::dlclose(handle);
  return true;
}

TEST(NvmlApi, StructLayoutsMatchNvmlH) {
  EXPECT_EQ(sizeof(nvml::ConfComputeGpuAttestationReport), 12332u);
  EXPECT_EQ(offsetof(nvml::ConfComputeGpuAttestationReport, nonce), 12u);
  EXPECT_EQ(offsetof(nvml::ConfComputeGpuAttestationReport, attestationReport), 44u);
  EXPECT_EQ(offsetof(nvml::ConfComputeGpuAttestationReport, cecAttestationReport), 44u + 8192u);
  EXPECT_EQ(sizeof(nvml::ConfComputeGpuCertificate), 9224u);
  EXPECT_EQ(offsetof(nvml::ConfComputeGpuCertificate, attestationCertChain), 8u + 4096u);
  EXPECT_EQ(sizeof(nvml::SystemConfComputeSettings), 20u);
  EXPECT_EQ(nvml::kConfComputeSettingsVersion, 0x01000014u);
  EXPECT_EQ(sizeof(nvml::ConfComputeSystemState), 12u);
}

TEST(NvmlAttester, AMissingLibraryIsAClearNotFoundError) {
  NvmlAttesterOptions options;
  options.library = "libnvidia-ml-cllm-test-absent.so.1";
  auto attester = NvmlAttester::create(options);
  ASSERT_FALSE(attester.ok());
  EXPECT_EQ(attester.error().code(), ErrorCode::kNotFound);
  EXPECT_NE(attester.error().message().find(
                "NVIDIA driver library libnvidia-ml-cllm-test-absent.so.1 not found ("),
            std::string::npos)
      << attester.error().message();
}

TEST(NvmlAttester, ALibraryWithoutNvmlSymbolsIsRefusedByName) {
  // libc is loadable everywhere and exports none of NVML's entry points.
  NvmlAttesterOptions options;
  options.library = "libc.so.6";
  auto attester = NvmlAttester::create(options);
  ASSERT_FALSE(attester.ok());
  EXPECT_EQ(attester.error().code(), ErrorCode::kUnsupported);
  EXPECT_NE(attester.error().message().find("has no nvmlInit_v2"), std::string::npos)
      << attester.error().message();
}

TEST(NvmlAttester, WithoutTheDriverNvmlFailsAndAutoMeansNoGpus) {
  if (driver_installed()) GTEST_SKIP() << "the NVIDIA driver is installed on this machine";
  auto attester = NvmlAttester::create();
  ASSERT_FALSE(attester.ok());
  EXPECT_EQ(attester.error().code(), ErrorCode::kNotFound);
  EXPECT_NE(attester.error().message().find("NVIDIA driver library libnvidia-ml.so.1 not found"),
            std::string::npos)
      << attester.error().message();

  GpuAttesterOptions options;
  auto nvml = make_gpu_attester(GpuAttesterMode::kNvml, options);
  ASSERT_FALSE(nvml.ok());
  EXPECT_EQ(nvml.error().code(), ErrorCode::kNotFound);
  auto automatic = make_gpu_attester(GpuAttesterMode::kAuto, options);
  ASSERT_TRUE(automatic.ok()) << automatic.error().message();
  EXPECT_EQ(*automatic, nullptr);
}

// Sets the stand-in's environment for one test and clears it afterwards.
class FakeNvmlTest : public ::testing::Test {
 protected:
  void TearDown() override {
    for (const std::string& name : names_)
      ::unsetenv(name.c_str());
  }
  void set(const std::string& name, const std::string& value) {
    ::setenv(name.c_str(), value.c_str(), 1);
    names_.push_back(name);
  }
  static NvmlAttesterOptions fake() {
    NvmlAttesterOptions options;
    options.library = CLLM_FAKE_NVML_PATH;
    return options;
  }
  static std::string create_error() {
    auto attester = NvmlAttester::create(fake());
    return attester.ok() ? "created" : attester.error().message();
  }

 private:
  std::vector<std::string> names_;
};

TEST_F(FakeNvmlTest, CollectsEveryGpuWithTheNonceAndOnlyTheReportedBytes) {
  auto attester = NvmlAttester::create(fake());
  ASSERT_TRUE(attester.ok()) << attester.error().message();
  EXPECT_EQ((*attester)->kind(), "nvml");
  EXPECT_FALSE((*attester)->simulated());
  const NvmlSystemState& state = (*attester)->system_state();
  EXPECT_EQ(state.cc_feature, 1u);
  EXPECT_EQ(state.devtools_mode, 0u);
  EXPECT_EQ(state.environment, 2u);
  EXPECT_EQ(state.ready_state, 0u);
  EXPECT_EQ(state.gpu_count, 2u);

  Bytes nonce(32);
  for (std::size_t i = 0; i < nonce.size(); ++i)
    nonce[i] = static_cast<std::uint8_t>(i * 7);
  auto evidence = (*attester)->collect(nonce);
  ASSERT_TRUE(evidence.ok()) << evidence.error().message();
  ASSERT_EQ(evidence->size(), 2u);
  for (std::size_t i = 0; i < 2; ++i) {
    const GpuEvidence& item = (*evidence)[i];
    EXPECT_EQ(item.arch, GpuArch::kHopper);
    ASSERT_EQ(item.report.size(), 100u);
    EXPECT_EQ(item.report[0], i);
    EXPECT_EQ(Bytes(item.report.begin() + 4, item.report.begin() + 36), nonce);
    EXPECT_EQ(std::count(item.report.begin(), item.report.end(), 0xEE), 0);
    // The chain exactly as the driver wrote it, NUL padding included, nothing past its size.
    EXPECT_EQ(item.certificate_chain,
              std::string("chain of GPU ") + std::to_string(i) + "\n" + std::string(2, '\0'));
  }
  EXPECT_FALSE((*attester)->collect(Bytes(31, 0)).ok());
}

TEST_F(FakeNvmlTest, BlackwellGpusAreLabelledSo) {
  set("CLLM_FAKE_NVML_ARCH", "10");
  set("CLLM_FAKE_NVML_GPUS", "1");
  auto attester = NvmlAttester::create(fake());
  ASSERT_TRUE(attester.ok()) << attester.error().message();
  auto evidence = (*attester)->collect(Bytes(32, 1));
  ASSERT_TRUE(evidence.ok());
  ASSERT_EQ(evidence->size(), 1u);
  EXPECT_EQ((*evidence)[0].arch, GpuArch::kBlackwell);
}

TEST_F(FakeNvmlTest, ConfidentialComputingOffIsRefusedUnlessProtectedPcie) {
  set("CLLM_FAKE_NVML_CC", "0");
  EXPECT_NE(create_error().find("nvml: confidential computing is off"), std::string::npos)
      << create_error();
  auto refused = NvmlAttester::create(fake());
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.error().code(), ErrorCode::kUnsupported);
  set("CLLM_FAKE_NVML_MULTI_GPU", "1");
  auto ppcie = NvmlAttester::create(fake());
  ASSERT_TRUE(ppcie.ok()) << ppcie.error().message();
  EXPECT_EQ((*ppcie)->system_state().multi_gpu_mode, 1u);
}

TEST_F(FakeNvmlTest, DevToolsModeIsRefused) {
  set("CLLM_FAKE_NVML_DEVTOOLS", "1");
  const std::string error = create_error();
  EXPECT_NE(error.find("DevTools mode is on"), std::string::npos) << error;
  EXPECT_NE(error.find("ready state 0"), std::string::npos) << error;
}

TEST_F(FakeNvmlTest, NoGpuOrAnUnsupportedArchitectureIsRefused) {
  set("CLLM_FAKE_NVML_GPUS", "0");
  EXPECT_NE(create_error().find("NVML reports no GPU"), std::string::npos) << create_error();
  set("CLLM_FAKE_NVML_GPUS", "1");
  set("CLLM_FAKE_NVML_ARCH", "8");  // Ampere
  EXPECT_NE(create_error().find("GPU 0 has NVML architecture 8"), std::string::npos)
      << create_error();
}

TEST_F(FakeNvmlTest, ADriverFailureCarriesNvmlsOwnText) {
  set("CLLM_FAKE_NVML_INIT_FAIL", "1");
  auto attester = NvmlAttester::create(fake());
  ASSERT_FALSE(attester.ok());
  EXPECT_EQ(attester.error().code(), ErrorCode::kIo);
  EXPECT_EQ(attester.error().message(), "nvml: nvmlInit_v2 failed: Driver Not Loaded (code 9)");
}

TEST_F(FakeNvmlTest, SizesBeyondTheBuffersAreRefused) {
  {
    set("CLLM_FAKE_NVML_REPORT_SIZE", "8193");
    auto attester = NvmlAttester::create(fake());
    ASSERT_TRUE(attester.ok());
    auto evidence = (*attester)->collect(Bytes(32, 0));
    ASSERT_FALSE(evidence.ok());
    EXPECT_EQ(evidence.error().code(), ErrorCode::kLimit);
    EXPECT_NE(evidence.error().message().find("attestationReportSize 8193"), std::string::npos);
  }
  {
    set("CLLM_FAKE_NVML_REPORT_SIZE", "0");
    auto attester = NvmlAttester::create(fake());
    ASSERT_TRUE(attester.ok());
    EXPECT_FALSE((*attester)->collect(Bytes(32, 0)).ok());
  }
  {
    set("CLLM_FAKE_NVML_REPORT_SIZE", "8192");
    set("CLLM_FAKE_NVML_CHAIN_SIZE", "5121");
    auto attester = NvmlAttester::create(fake());
    ASSERT_TRUE(attester.ok());
    auto evidence = (*attester)->collect(Bytes(32, 0));
    ASSERT_FALSE(evidence.ok());
    EXPECT_NE(evidence.error().message().find("attestationCertChainSize 5121"), std::string::npos);
    set("CLLM_FAKE_NVML_CHAIN_SIZE", "5120");
    auto full = (*attester)->collect(Bytes(32, 0));
    ASSERT_TRUE(full.ok()) << full.error().message();
    EXPECT_EQ((*full)[0].report.size(), 8192u);
    EXPECT_EQ((*full)[0].certificate_chain.size(), 5120u);
  }
}

TEST_F(FakeNvmlTest, NvmlIsShutDownWithTheAttester) {
  void* handle = ::dlopen(CLLM_FAKE_NVML_PATH, RTLD_NOW | RTLD_LOCAL);
  ASSERT_NE(handle, nullptr);
  void* symbol = ::dlsym(handle, "cllm_fake_nvml_shutdowns");
  ASSERT_NE(symbol, nullptr);
  int (*shutdowns)() = nullptr;
  std::memcpy(&shutdowns, &symbol, sizeof(shutdowns));
  const int before = shutdowns();
  {
    auto attester = NvmlAttester::create(fake());
    ASSERT_TRUE(attester.ok());
    EXPECT_EQ(shutdowns(), before);
  }
  EXPECT_EQ(shutdowns(), before + 1);
  // A refused system is shut down too.
  set("CLLM_FAKE_NVML_DEVTOOLS", "1");
  EXPECT_FALSE(NvmlAttester::create(fake()).ok());
  EXPECT_EQ(shutdowns(), before + 2);
  ::dlclose(handle);
}

TEST_F(FakeNvmlTest, AutoUsesTheDriverWhenItIsThere) {
  GpuAttesterOptions options;
  options.nvml_library = CLLM_FAKE_NVML_PATH;
  auto automatic = make_gpu_attester(GpuAttesterMode::kAuto, options);
  ASSERT_TRUE(automatic.ok()) << automatic.error().message();
  ASSERT_NE(*automatic, nullptr);
  EXPECT_EQ((*automatic)->kind(), "nvml");
  // With the driver present, a refusal is an error even for "auto".
  set("CLLM_FAKE_NVML_CC", "0");
  EXPECT_FALSE(make_gpu_attester(GpuAttesterMode::kAuto, options).ok());
}

}  // namespace
}  // namespace cllm::gpu
