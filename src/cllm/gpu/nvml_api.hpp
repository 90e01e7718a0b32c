// The slice of NVIDIA's NVML C API the attester uses, declared here with the layouts of
// nvml.h (spec §1) so cllm builds without the CUDA toolkit and loads the driver's library
// at run time. Field names follow nvml.h so they can be checked against it.
#pragma once

#include <cstddef>
#include <cstdint>

namespace cllm::gpu::nvml {

using Return = int;  // nvmlReturn_t
inline constexpr Return kSuccess = 0;
using Device = struct DeviceOpaque*;  // nvmlDevice_t

inline constexpr unsigned kArchitectureHopper = 9;      // NVML_DEVICE_ARCH_HOPPER
inline constexpr unsigned kArchitectureBlackwell = 10;  // NVML_DEVICE_ARCH_BLACKWELL

inline constexpr unsigned kCcEnvironmentUnavailable = 0;
inline constexpr unsigned kCcEnvironmentSim = 1;
inline constexpr unsigned kCcEnvironmentProd = 2;
inline constexpr unsigned kMultiGpuNone = 0;
inline constexpr unsigned kMultiGpuProtectedPcie = 1;
inline constexpr unsigned kMultiGpuNvle = 2;
inline constexpr unsigned kGpusReady = 1;  // NVML_CC_ACCEPTING_CLIENT_REQUESTS_TRUE

inline constexpr std::size_t kNonceSize = 32;             // NVML_CC_GPU_CEC_NONCE_SIZE
inline constexpr std::size_t kReportBufferSize = 0x2000;  // NVML_CC_GPU_ATTESTATION_REPORT_SIZE
inline constexpr std::size_t kCecReportBufferSize =
    0x1000;  // NVML_CC_GPU_CEC_ATTESTATION_REPORT_SIZE
inline constexpr std::size_t kCertChainBufferSize = 0x1000;  // NVML_GPU_CERT_CHAIN_SIZE
inline constexpr std::size_t kAttestationCertChainBufferSize =
    0x1400;  // NVML_GPU_ATTESTATION_CERT_CHAIN_SIZE

// nvmlConfComputeSystemState_t
struct ConfComputeSystemState {
  unsigned int environment;
  unsigned int ccFeature;
  unsigned int devToolsMode;
};

// nvmlSystemConfComputeSettings_v1_t; `version` must be kConfComputeSettingsVersion.
struct SystemConfComputeSettings {
  unsigned int version;
  unsigned int environment;
  unsigned int ccFeature;
  unsigned int devToolsMode;
  unsigned int multiGpuMode;
};
inline constexpr unsigned int kConfComputeSettingsVersion =
    static_cast<unsigned int>(sizeof(SystemConfComputeSettings)) | (1u << 24);

// nvmlConfComputeGpuAttestationReport_t
struct ConfComputeGpuAttestationReport {
  unsigned int isCecAttestationReportPresent;
  unsigned int attestationReportSize;
  unsigned int cecAttestationReportSize;
  unsigned char nonce[kNonceSize];
  unsigned char attestationReport[kReportBufferSize];
  unsigned char cecAttestationReport[kCecReportBufferSize];
};

// nvmlConfComputeGpuCertificate_t
struct ConfComputeGpuCertificate {
  unsigned int certChainSize;
  unsigned int attestationCertChainSize;
  unsigned char certChain[kCertChainBufferSize];
  unsigned char attestationCertChain[kAttestationCertChainBufferSize];
};

static_assert(sizeof(ConfComputeSystemState) == 12);
static_assert(sizeof(SystemConfComputeSettings) == 20);
static_assert(kConfComputeSettingsVersion == 0x01000014);
static_assert(sizeof(ConfComputeGpuAttestationReport) == 12332);
static_assert(sizeof(ConfComputeGpuCertificate) == 9224);

// The entry points, by their exported names.
using InitFn = Return (*)();
using ShutdownFn = Return (*)();
using ErrorStringFn = const char* (*)(Return);
using SystemGetConfComputeStateFn = Return (*)(ConfComputeSystemState*);
using SystemGetConfComputeSettingsFn = Return (*)(SystemConfComputeSettings*);
using SystemGetConfComputeGpusReadyStateFn = Return (*)(unsigned int*);
using DeviceGetCountFn = Return (*)(unsigned int*);
using DeviceGetHandleByIndexFn = Return (*)(unsigned int, Device*);
using DeviceGetArchitectureFn = Return (*)(Device, unsigned int*);
using DeviceGetConfComputeGpuAttestationReportFn = Return (*)(Device,
                                                              ConfComputeGpuAttestationReport*);
using DeviceGetConfComputeGpuCertificateFn = Return (*)(Device, ConfComputeGpuCertificate*);

}  // namespace cllm::gpu::nvml
