// A stand-in for libnvidia-ml.so.1, for NvmlAttester's tests on machines without the NVIDIA
// driver: the same exported C entry points and struct layouts, with the system state chosen
// by environment variables (read on every call):
//   CLLM_FAKE_NVML_INIT_FAIL=1    nvmlInit_v2 fails (NVML_ERROR_DRIVER_NOT_LOADED, 9)
//   CLLM_FAKE_NVML_CC=0|1         ccFeature (default 1)
//   CLLM_FAKE_NVML_DEVTOOLS=0|1   devToolsMode (default 0)
//   CLLM_FAKE_NVML_MULTI_GPU=N    multiGpuMode (default 0; 1 = Protected PCIe)
//   CLLM_FAKE_NVML_GPUS=N         device count (default 2)
//   CLLM_FAKE_NVML_ARCH=N         architecture of every device (default 9, Hopper)
//   CLLM_FAKE_NVML_REPORT_SIZE=N  attestationReportSize written back (default 100)
//   CLLM_FAKE_NVML_CHAIN_SIZE=N   attestationCertChainSize override (default: the text's size)
// A report is: device index, 0x11, 0xE0, 0x01, the caller's nonce, then 0x5A up to the size;
// the buffer past the size is filled with 0xEE, so a caller that reads too far is caught.
// The chain is "chain of GPU <i>\n" plus two NULs, with 'X' past its size.
#include <cstdlib>
#include <cstring>
#include <string>

namespace {

struct FakeDevice {
  unsigned index;
};
FakeDevice g_devices[16] = {{0}, {1}, {2},  {3},  {4},  {5},  {6},  {7},
                            {8}, {9}, {10}, {11}, {12}, {13}, {14}, {15}};
int g_shutdowns = 0;
int g_initialized = 0;

unsigned env_number(const char* name, unsigned fallback) {
  const char* value = std::getenv(name);
  return value != nullptr && value[0] != '\0'
             ? static_cast<unsigned>(std::strtoul(value, nullptr, 10))
             : fallback;
}

struct State {
  unsigned environment, ccFeature, devToolsMode;
};
struct Settings {
  unsigned version, environment, ccFeature, devToolsMode, multiGpuMode;
};
struct Report {
  unsigned isCecAttestationReportPresent, attestationReportSize, cecAttestationReportSize;
  unsigned char nonce[32];
  unsigned char attestationReport[0x2000];
  unsigned char cecAttestationReport[0x1000];
};
struct Certificate {
  unsigned certChainSize, attestationCertChainSize;
  unsigned char certChain[0x1000];
  unsigned char attestationCertChain[0x1400];
};

constexpr int kSuccess = 0;
constexpr int kInvalidArgument = 2;
constexpr int kNotInitialized = 1;
constexpr int kDriverNotLoaded = 9;
constexpr int kArgumentVersionMismatch = 25;

}  // namespace

extern "C" {

__attribute__((visibility("default"))) int cllm_fake_nvml_shutdowns() {
  return g_shutdowns;
}

__attribute__((visibility("default"))) int nvmlInit_v2() {
  if (env_number("CLLM_FAKE_NVML_INIT_FAIL", 0) != 0) return kDriverNotLoaded;
  ++g_initialized;
  return kSuccess;
}

__attribute__((visibility("default"))) int nvmlShutdown() {
  ++g_shutdowns;
  --g_initialized;
  return kSuccess;
}

__attribute__((visibility("default"))) const char* nvmlErrorString(int code) {
  switch (code) {
    case kDriverNotLoaded:
      return "Driver Not Loaded";
    case kArgumentVersionMismatch:
      return "Argument Version Mismatch";
    case kInvalidArgument:
      return "Invalid Argument";
    default:
      return "Unknown Error";
  }
}

__attribute__((visibility("default"))) int nvmlSystemGetConfComputeState(State* state) {
  if (g_initialized <= 0) return kNotInitialized;
  state->environment = 2;
  state->ccFeature = env_number("CLLM_FAKE_NVML_CC", 1);
  state->devToolsMode = env_number("CLLM_FAKE_NVML_DEVTOOLS", 0);
  return kSuccess;
}

__attribute__((visibility("default"))) int nvmlSystemGetConfComputeSettings(Settings* settings) {
  if (g_initialized <= 0) return kNotInitialized;
  if (settings->version != (sizeof(Settings) | (1u << 24))) return kArgumentVersionMismatch;
  settings->environment = 2;
  settings->ccFeature = env_number("CLLM_FAKE_NVML_CC", 1);
  settings->devToolsMode = env_number("CLLM_FAKE_NVML_DEVTOOLS", 0);
  settings->multiGpuMode = env_number("CLLM_FAKE_NVML_MULTI_GPU", 0);
  return kSuccess;
}

__attribute__((visibility("default"))) int nvmlSystemGetConfComputeGpusReadyState(unsigned* ready) {
  *ready = 0;
  return kSuccess;
}

__attribute__((visibility("default"))) int nvmlDeviceGetCount_v2(unsigned* count) {
  *count = env_number("CLLM_FAKE_NVML_GPUS", 2);
  return kSuccess;
}

__attribute__((visibility("default"))) int nvmlDeviceGetHandleByIndex_v2(unsigned index,
                                                                         FakeDevice** device) {
  if (index >= env_number("CLLM_FAKE_NVML_GPUS", 2) || index >= 16) return kInvalidArgument;
  *device = &g_devices[index];
  return kSuccess;
}

__attribute__((visibility("default"))) int nvmlDeviceGetArchitecture(FakeDevice*, unsigned* arch) {
  *arch = env_number("CLLM_FAKE_NVML_ARCH", 9);
  return kSuccess;
}

__attribute__((visibility("default"))) int nvmlDeviceGetConfComputeGpuAttestationReport(
    FakeDevice* device, Report* report) {
  const unsigned size = env_number("CLLM_FAKE_NVML_REPORT_SIZE", 100);
  std::memset(report->attestationReport, 0xEE, sizeof(report->attestationReport));
  std::memset(report->attestationReport, 0x5A,
              size < sizeof(report->attestationReport) ? size : sizeof(report->attestationReport));
  report->attestationReport[0] = static_cast<unsigned char>(device->index);
  report->attestationReport[1] = 0x11;
  report->attestationReport[2] = 0xE0;
  report->attestationReport[3] = 0x01;
  std::memcpy(report->attestationReport + 4, report->nonce, sizeof(report->nonce));
  report->attestationReportSize = size;
  report->isCecAttestationReportPresent = 0;
  report->cecAttestationReportSize = 0;
  return kSuccess;
}

__attribute__((visibility("default"))) int nvmlDeviceGetConfComputeGpuCertificate(
    FakeDevice* device, Certificate* certificate) {
  const std::string text = "chain of GPU " + std::to_string(device->index) + "\n";
  std::memset(certificate->attestationCertChain, 'X', sizeof(certificate->attestationCertChain));
  std::memcpy(certificate->attestationCertChain, text.data(), text.size());
  certificate->attestationCertChain[text.size()] = 0;
  certificate->attestationCertChain[text.size() + 1] = 0;
  certificate->attestationCertChainSize =
      env_number("CLLM_FAKE_NVML_CHAIN_SIZE", static_cast<unsigned>(text.size() + 2));
  certificate->certChainSize = 0;
  return kSuccess;
}

}  // extern "C"
