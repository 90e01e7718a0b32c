// cllm gpu inspect REPORT [--json]: decodes an NVIDIA SPDM attestation report (hex or binary).
// cllm gpu verify --report FILE --certs FILE [...]: the local verifier (gpu/local_verifier.hpp)
// on one GPU's evidence; prints every check, the versions, RIM ids and measurement
// mismatches; exits 0 only when accepted.
#include <cstdio>
#include <memory>

#include "cllm/cli/cli_io.hpp"
#include "cllm/cli/command.hpp"
#include "cllm/cli/gpu_sources.hpp"
#include "cllm/common/clock.hpp"
#include "cllm/common/hex.hpp"
#include "cllm/gpu/device_chain.hpp"
#include "cllm/gpu/local_verifier.hpp"
#include "cllm/gpu/report_encoding.hpp"
#include "cllm/gpu/report_json.hpp"
#include "cllm/gpu/spdm_report.hpp"

namespace cllm::cli {

namespace {

Result<gpu::GpuArch> arch_from_flag(const std::string& flag) {
  auto arch = gpu::parse_gpu_arch(flag);
  if (!arch) {
    return make_error(ErrorCode::kInvalidArgument, "--arch: expected hopper or blackwell");
  }
  return *arch;
}

// Without --arch: the family in the leaf certificate's name ("GB100 A01 GSP FMC LF").
gpu::GpuArch arch_from_chain(std::string_view chain_pem) {
  auto certs = gpu::parse_device_chain(chain_pem);
  if (certs && !certs->empty() &&
      (*certs)[0].subject_common_name().find("GB1") != std::string::npos) {
    return gpu::GpuArch::kBlackwell;
  }
  return gpu::GpuArch::kHopper;
}

Result<Bytes> read_report(const std::string& path) {
  CLLM_ASSIGN_OR_RETURN(Bytes content, read_input(path));
  return gpu::decode_report_file(content);
}

void print_text(const Json& j) {
  const Json& d = j["opaque"]["decoded"];
  auto text = [](const Json& v) { return v.is_null() ? std::string("-") : v.dump(); };
  std::printf("NVIDIA %s attestation report, %s, %zu bytes\n",
              j["device_kind"].get<std::string>().c_str(), j["arch"].get<std::string>().c_str(),
              j["size"].get<std::size_t>());
  std::printf("  nonce            %s\n", j["request"]["nonce"].get<std::string>().c_str());
  std::printf("  responder nonce  %s\n",
              j["response"]["responder_nonce"].get<std::string>().c_str());
  std::printf("  blocks           %zu\n", j["measurement_blocks"].size());
  for (const char* key :
       {"driver_version", "vbios_version", "project", "project_sku", "chip_sku", "chip_info",
        "fwid", "nvdec0_status", "protected_pcie_status", "opaque_data_version", "feature_flag"}) {
    std::printf("  %-16s %s\n", key, text(d[key]).c_str());
  }
  for (const auto& [kind, id] : j["rim_ids"].items()) {
    std::printf("  %-16s %s\n", (kind + " RIM").c_str(), text(id).c_str());
  }
  std::printf("  opaque fields   ");
  for (const Json& f : j["opaque"]["fields"])
    std::printf(" %s", f["name"].get<std::string>().c_str());
  std::printf("\n");
}

int run_inspect(const std::string& file, const std::string& arch_flag, bool is_switch, bool json) {
  auto report = read_report(file);
  if (!report) return print_error("gpu inspect", report.error()), kExitFailed;
  auto arch =
      arch_flag.empty() ? Result<gpu::GpuArch>(gpu::GpuArch::kHopper) : arch_from_flag(arch_flag);
  if (!arch) return print_error("gpu inspect", arch.error()), kExitUsage;
  auto parsed =
      gpu::parse_spdm_report(*report, is_switch ? gpu::DeviceKind::kSwitch : gpu::DeviceKind::kGpu);
  if (!parsed) return print_error("gpu inspect", parsed.error()), kExitFailed;
  Json j = gpu::spdm_report_to_json(*parsed, *arch);
  if (json) {
    print_json(j);
  } else {
    print_text(j);
  }
  return kExitOk;
}

struct VerifyFlags {
  std::string report;
  std::string certs;
  std::string nonce;
  std::string arch;
  std::int64_t now = 0;
  bool json = false;
  bool skip_rims = false;
  bool is_switch = false;
  std::string device_root;  // PEM file: another device root (the GPU simulator's)
  std::string rim_root;     // PEM file: another RIM root
  GpuSourceFlags sources;
};

Result<crypto::Certificate> read_certificate(const std::string& path) {
  CLLM_ASSIGN_OR_RETURN(Bytes pem, read_input(path));
  return crypto::Certificate::from_pem(to_string(pem));
}

int run_verify(const VerifyFlags& f) {
  auto report = read_report(f.report);
  if (!report) return print_error("gpu verify", report.error()), kExitUsage;
  auto chain = read_input(f.certs);
  if (!chain) return print_error("gpu verify", chain.error()), kExitUsage;
  gpu::GpuEvidence evidence;
  evidence.report = std::move(*report);
  evidence.certificate_chain = to_string(*chain);
  if (f.arch.empty()) {
    evidence.arch = arch_from_chain(evidence.certificate_chain);
  } else {
    auto arch = arch_from_flag(f.arch);
    if (!arch) return print_error("gpu verify", arch.error()), kExitUsage;
    evidence.arch = *arch;
  }

  gpu::LocalVerifierOptions options;
  options.now = f.now != 0 ? f.now : SystemClock::instance().now_unix();
  if (f.nonce.empty()) {
    options.check_nonce = false;
  } else {
    auto nonce = from_hex(f.nonce);
    if (!nonce || nonce->size() != gpu::kSpdmNonceSize) {
      return print_error("gpu verify", make_error(ErrorCode::kInvalidArgument,
                                                  "--nonce: expected 64 hex digits")),
             kExitUsage;
    }
    std::copy(nonce->begin(), nonce->end(), options.expected_nonce.begin());
  }
  options.skip_rims = f.skip_rims;
  if (f.is_switch) options.kind = gpu::DeviceKind::kSwitch;
  std::shared_ptr<const gpu::RimStore> store;
  if (!f.skip_rims && !f.is_switch) {
    auto made = make_rim_store(f.sources);
    if (!made) return print_error("gpu verify", made.error()), kExitUsage;
    store = *made;
    options.rim_store = store.get();
  }
  auto ocsp = make_ocsp_checker(f.sources);
  if (!ocsp) return print_error("gpu verify", ocsp.error()), kExitUsage;
  options.ocsp = ocsp->get();
  if (!f.rim_root.empty()) {
    auto root = read_certificate(f.rim_root);
    if (!root) return print_error("gpu verify", root.error()), kExitUsage;
    options.rim_anchor = *root;
  }
  std::optional<gpu::LocalGpuVerifier> verifier;
  if (f.device_root.empty()) {
    verifier.emplace();
  } else {
    auto root = read_certificate(f.device_root);
    if (!root) return print_error("gpu verify", root.error()), kExitUsage;
    verifier.emplace(*root);
  }
  gpu::GpuVerdict verdict = verifier->verify(evidence, options);

  if (f.json) {
    Json j = {{"accepted", verdict.accepted},
              {"arch", gpu::gpu_arch_name(verdict.arch)},
              {"checks", gpu::checks_to_json(verdict.checks)},
              {"claims", verdict.claims()}};
    print_json(j);
  } else {
    std::printf("cllm gpu verify %s (%s)\n", f.report.c_str(),
                std::string(gpu::gpu_arch_name(verdict.arch)).c_str());
    for (const gpu::Check& c : verdict.checks.checks()) {
      std::printf("  %-4s  %-45s %s\n", std::string(gpu::check_outcome_name(c.outcome)).c_str(),
                  c.name.c_str(), c.detail.c_str());
    }
    const Json claims = verdict.claims();
    for (const char* key :
         {"x-nvidia-gpu-driver-version", "x-nvidia-gpu-vbios-version", "x-nvidia-gpu-driver-rim-id",
          "x-nvidia-gpu-vbios-rim-id", "hwmodel", "ueid", "measres"}) {
      const Json& v = claims[key];
      std::printf("  %-28s %s\n", key,
                  v.is_null() ? "-" : (v.is_string() ? v.get<std::string>() : v.dump()).c_str());
    }
    if (verdict.measurements) {
      for (const auto& m : verdict.measurements->mismatches) {
        std::printf("  mismatch: %s RIM index %u (SPDM block %u): runtime %s\n",
                    std::string(gpu::measurement_source_name(m.source)).c_str(), m.rim_index,
                    m.rim_index + 1, m.runtime ? to_hex(*m.runtime).c_str() : "(absent)");
      }
    }
    const gpu::Check* failed = verdict.checks.first_failure();
    if (verdict.accepted) {
      std::printf("VERDICT: ACCEPTED\n");
    } else {
      std::printf("VERDICT: REJECTED: %s: %s\n", failed ? failed->name.c_str() : "?",
                  failed ? failed->detail.c_str() : "");
    }
  }
  return verdict.accepted ? kExitOk : kExitFailed;
}

}  // namespace

Command add_gpu_command(CLI::App& app) {
  CLI::App* gpu_app = app.add_subcommand("gpu", "NVIDIA GPU attestation evidence");
  gpu_app->require_subcommand(1);

  struct InspectFlags {
    std::string file;
    std::string arch;
    bool is_switch = false;
    bool json = false;
  };
  auto in = std::make_shared<InspectFlags>();
  CLI::App* inspect = gpu_app->add_subcommand("inspect", "Decode an SPDM report (hex or binary)");
  inspect->add_option("report", in->file, "Report file, or - for stdin")->required();
  inspect->add_option("--arch", in->arch, "hopper (default) or blackwell: names the driver RIM");
  inspect->add_flag("--switch", in->is_switch, "An NVSwitch report (its own opaque numbering)");
  inspect->add_flag("--json", in->json, "Print JSON (schema cllm.gpu_report.v1)");

  auto vf = std::make_shared<VerifyFlags>();
  CLI::App* verify = gpu_app->add_subcommand("verify", "Verify one GPU's evidence locally");
  verify->add_option("--report", vf->report, "SPDM report (hex or binary)")->required();
  verify->add_option("--certs", vf->certs, "Its certificate chain (PEM, leaf first)")->required();
  verify->add_option("--nonce", vf->nonce,
                     "The nonce the report must carry, 64 hex (without it freshness is not "
                     "checked)");
  verify->add_option("--now", vf->now, "Verify at this time, unix seconds (default: now)");
  verify->add_option("--arch", vf->arch, "hopper or blackwell (default: from the certificates)");
  verify->add_option("--rim-dir", vf->sources.rim_dir, "Folder of RIMs (<id>.xml or .swidtag)");
  verify
      ->add_option("--rim-service", vf->sources.rim_service,
                   "NVIDIA RIM service base URL, or 'none' to stay offline")
      ->capture_default_str();
  verify->add_flag("--skip-rims", vf->skip_rims, "Do not compare measurements with RIMs");
  verify->add_flag("--switch", vf->is_switch,
                   "An NVSwitch report (evidence checks only: its RIM id needs NSCQ data)");
  verify->add_option("--device-root", vf->device_root,
                     "Trust this device root (PEM) instead of NVIDIA's (the GPU simulator's)");
  verify->add_option("--rim-root", vf->rim_root,
                     "Trust this RIM signing root (PEM) instead of NVIDIA's");
  add_ocsp_flags(verify, vf->sources);
  verify->add_flag("--json", vf->json, "Print JSON with accepted, checks and claims");

  return {gpu_app, [in, vf, inspect, verify] {
            if (inspect->parsed()) return run_inspect(in->file, in->arch, in->is_switch, in->json);
            if (verify->parsed()) return run_verify(*vf);
            return kExitUsage;
          }};
}

}  // namespace cllm::cli
