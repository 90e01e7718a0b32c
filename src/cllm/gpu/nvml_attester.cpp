#include "cllm/gpu/nvml_attester.hpp"

#include <dlfcn.h>

#include <algorithm>
#include <cstring>
#include <type_traits>

#include "cllm/gpu/nvml_api.hpp"

namespace cllm::gpu {

namespace {

Error nvml_error(ErrorCode code, const std::string& message) {
  return make_error(code, "nvml: " + message);
}

template <class Fn>
Fn resolve(void* handle, const char* name) {
  // POSIX guarantees that a data pointer from dlsym converts to a function pointer.
  void* symbol = ::dlsym(handle, name);
  Fn fn = nullptr;
  static_assert(sizeof(fn) == sizeof(symbol));
  std::memcpy(&fn, &symbol, sizeof(fn));
  return fn;
}

}  // namespace

struct NvmlAttester::Library {
  void* handle = nullptr;
  bool initialized = false;
  nvml::InitFn init = nullptr;
  nvml::ShutdownFn shutdown = nullptr;
  nvml::ErrorStringFn error_string = nullptr;
  nvml::SystemGetConfComputeStateFn get_cc_state = nullptr;
  nvml::SystemGetConfComputeSettingsFn get_cc_settings = nullptr;
  nvml::SystemGetConfComputeGpusReadyStateFn get_ready_state = nullptr;
  nvml::DeviceGetCountFn get_count = nullptr;
  nvml::DeviceGetHandleByIndexFn get_handle = nullptr;
  nvml::DeviceGetArchitectureFn get_architecture = nullptr;
  nvml::DeviceGetConfComputeGpuAttestationReportFn get_report = nullptr;
  nvml::DeviceGetConfComputeGpuCertificateFn get_certificate = nullptr;

  Library() = default;
  Library(const Library&) = delete;
  Library& operator=(const Library&) = delete;
  ~Library() {
    if (initialized && shutdown != nullptr) shutdown();
    if (handle != nullptr) ::dlclose(handle);
  }

  // "<call> failed: <NVML's text> (code N)".
  Error call_error(std::string_view call, nvml::Return code) const {
    const char* text = error_string != nullptr ? error_string(code) : nullptr;
    return nvml_error(ErrorCode::kIo, std::string(call) +
                                          " failed: " + (text != nullptr ? text : "unknown error") +
                                          " (code " + std::to_string(code) + ")");
  }

  Status load(const std::string& name) {
    handle = ::dlopen(name.c_str(), RTLD_NOW | RTLD_LOCAL);
    if (handle == nullptr) {
      const char* why = ::dlerror();
      return make_error(ErrorCode::kNotFound,
                        "NVIDIA driver library " + name + " not found (" +
                            (why != nullptr ? why : "dlopen failed") +
                            "); install the NVIDIA driver, or use the GPU simulator");
    }
    auto need = [&](auto& fn, const char* symbol) -> Status {
      fn = resolve<std::remove_reference_t<decltype(fn)>>(handle, symbol);
      if (fn == nullptr) {
        return nvml_error(
            ErrorCode::kUnsupported,
            name + " has no " + symbol + " (a driver without confidential computing support?)");
      }
      return ok_status();
    };
    CLLM_TRY(need(init, "nvmlInit_v2"));
    CLLM_TRY(need(shutdown, "nvmlShutdown"));
    CLLM_TRY(need(error_string, "nvmlErrorString"));
    CLLM_TRY(need(get_cc_state, "nvmlSystemGetConfComputeState"));
    CLLM_TRY(need(get_cc_settings, "nvmlSystemGetConfComputeSettings"));
    CLLM_TRY(need(get_ready_state, "nvmlSystemGetConfComputeGpusReadyState"));
    CLLM_TRY(need(get_count, "nvmlDeviceGetCount_v2"));
    CLLM_TRY(need(get_handle, "nvmlDeviceGetHandleByIndex_v2"));
    CLLM_TRY(need(get_architecture, "nvmlDeviceGetArchitecture"));
    CLLM_TRY(need(get_report, "nvmlDeviceGetConfComputeGpuAttestationReport"));
    CLLM_TRY(need(get_certificate, "nvmlDeviceGetConfComputeGpuCertificate"));
    return ok_status();
  }
};

NvmlAttester::NvmlAttester(std::unique_ptr<Library> library) : library_(std::move(library)) {}

NvmlAttester::~NvmlAttester() = default;

Result<std::unique_ptr<NvmlAttester>> NvmlAttester::create(const NvmlAttesterOptions& options) {
  auto library = std::make_unique<Library>();
  CLLM_TRY(library->load(options.library));
  if (nvml::Return rc = library->init(); rc != nvml::kSuccess) {
    return library->call_error("nvmlInit_v2", rc);
  }
  library->initialized = true;
  std::unique_ptr<NvmlAttester> attester(new NvmlAttester(std::move(library)));
  Library& lib = *attester->library_;
  NvmlSystemState& state = attester->state_;

  nvml::ConfComputeSystemState cc{};
  if (nvml::Return rc = lib.get_cc_state(&cc); rc != nvml::kSuccess) {
    return lib.call_error("nvmlSystemGetConfComputeState", rc);
  }
  nvml::SystemConfComputeSettings settings{};
  settings.version = nvml::kConfComputeSettingsVersion;
  if (nvml::Return rc = lib.get_cc_settings(&settings); rc != nvml::kSuccess) {
    return lib.call_error("nvmlSystemGetConfComputeSettings", rc);
  }
  if (nvml::Return rc = lib.get_ready_state(&state.ready_state); rc != nvml::kSuccess) {
    return lib.call_error("nvmlSystemGetConfComputeGpusReadyState", rc);
  }
  state.environment = cc.environment;
  state.cc_feature = cc.ccFeature;
  state.devtools_mode = cc.devToolsMode != 0 || settings.devToolsMode != 0 ? 1 : 0;
  state.multi_gpu_mode = settings.multiGpuMode;
  const std::string summary = " (environment " + std::to_string(state.environment) + ", cc " +
                              std::to_string(state.cc_feature) + ", multi-GPU mode " +
                              std::to_string(state.multi_gpu_mode) + ", devtools " +
                              std::to_string(state.devtools_mode) + ", ready state " +
                              std::to_string(state.ready_state) + ")";
  if (state.cc_feature != 1 && state.multi_gpu_mode != nvml::kMultiGpuProtectedPcie) {
    return nvml_error(ErrorCode::kUnsupported,
                      "confidential computing is off and Protected PCIe is not enabled; GPU "
                      "attestation needs one of them" +
                          summary);
  }
  if (state.devtools_mode != 0) {
    return nvml_error(ErrorCode::kUnsupported,
                      "DevTools mode is on: the GPUs allow debugging, so their evidence is not "
                      "production evidence" +
                          summary);
  }
  unsigned count = 0;
  if (nvml::Return rc = lib.get_count(&count); rc != nvml::kSuccess) {
    return lib.call_error("nvmlDeviceGetCount_v2", rc);
  }
  if (count == 0) return nvml_error(ErrorCode::kNotFound, "NVML reports no GPU" + summary);
  for (unsigned i = 0; i < count; ++i) {
    nvml::Device device = nullptr;
    if (nvml::Return rc = lib.get_handle(i, &device); rc != nvml::kSuccess) {
      return lib.call_error("nvmlDeviceGetHandleByIndex_v2(" + std::to_string(i) + ")", rc);
    }
    unsigned arch = 0;
    if (nvml::Return rc = lib.get_architecture(device, &arch); rc != nvml::kSuccess) {
      return lib.call_error("nvmlDeviceGetArchitecture(" + std::to_string(i) + ")", rc);
    }
    if (arch != nvml::kArchitectureHopper && arch != nvml::kArchitectureBlackwell) {
      return nvml_error(ErrorCode::kUnsupported,
                        "GPU " + std::to_string(i) + " has NVML architecture " +
                            std::to_string(arch) +
                            "; only Hopper (9) and Blackwell (10) support attestation");
    }
  }
  state.gpu_count = count;
  return attester;
}

Result<GpuEvidenceList> NvmlAttester::collect(ByteView nonce32) {
  if (nonce32.size() != nvml::kNonceSize) {
    return make_error(ErrorCode::kInvalidArgument,
                      "nvml: the nonce must be 32 bytes, not " + std::to_string(nonce32.size()));
  }
  std::lock_guard lock(mutex_);
  Library& lib = *library_;
  GpuEvidenceList list;
  // The buffers are 21 KiB together: on the heap, not the stack of a server thread.
  auto report = std::make_unique<nvml::ConfComputeGpuAttestationReport>();
  auto certificate = std::make_unique<nvml::ConfComputeGpuCertificate>();
  for (unsigned i = 0; i < state_.gpu_count; ++i) {
    const std::string which = "(" + std::to_string(i) + ")";
    nvml::Device device = nullptr;
    if (nvml::Return rc = lib.get_handle(i, &device); rc != nvml::kSuccess) {
      return lib.call_error("nvmlDeviceGetHandleByIndex_v2" + which, rc);
    }
    unsigned arch = 0;
    if (nvml::Return rc = lib.get_architecture(device, &arch); rc != nvml::kSuccess) {
      return lib.call_error("nvmlDeviceGetArchitecture" + which, rc);
    }
    *report = {};
    std::copy(nonce32.begin(), nonce32.end(), report->nonce);
    if (nvml::Return rc = lib.get_report(device, report.get()); rc != nvml::kSuccess) {
      return lib.call_error("nvmlDeviceGetConfComputeGpuAttestationReport" + which, rc);
    }
    *certificate = {};
    if (nvml::Return rc = lib.get_certificate(device, certificate.get()); rc != nvml::kSuccess) {
      return lib.call_error("nvmlDeviceGetConfComputeGpuCertificate" + which, rc);
    }
    // The sizes come from the driver: bound them by the buffers before reading.
    if (report->attestationReportSize == 0 ||
        report->attestationReportSize > sizeof(report->attestationReport)) {
      return nvml_error(ErrorCode::kLimit, "GPU " + std::to_string(i) + ": attestationReportSize " +
                                               std::to_string(report->attestationReportSize) +
                                               " is outside 1.." +
                                               std::to_string(sizeof(report->attestationReport)));
    }
    if (certificate->attestationCertChainSize == 0 ||
        certificate->attestationCertChainSize > sizeof(certificate->attestationCertChain)) {
      return nvml_error(ErrorCode::kLimit,
                        "GPU " + std::to_string(i) + ": attestationCertChainSize " +
                            std::to_string(certificate->attestationCertChainSize) +
                            " is outside 1.." +
                            std::to_string(sizeof(certificate->attestationCertChain)));
    }
    GpuEvidence evidence;
    evidence.arch = arch == nvml::kArchitectureBlackwell ? GpuArch::kBlackwell : GpuArch::kHopper;
    evidence.report.assign(report->attestationReport,
                           report->attestationReport + report->attestationReportSize);
    evidence.certificate_chain.assign(
        reinterpret_cast<const char*>(certificate->attestationCertChain),
        certificate->attestationCertChainSize);
    list.push_back(std::move(evidence));
  }
  return list;
}

}  // namespace cllm::gpu
