// The Linux TDX guest attester: quotes through configfs-tsm (kernel 6.7+), RTMR3 extension
// through the tsm-mr sysfs files (kernel 6.16+). Interfaces: ../shared/research/dcap-tdx.md
// §4.1 (configfs-tsm report: inblob, outblob, provider, generation) and §4.3 (measurements/
// rtmrN:sha384, where a 48-byte write extends).
//
// How this was tested: there is no TDX hardware where it was written. The tests point the
// attester at a temporary directory laid out like configfs (report/<entry>/{inblob, outblob,
// provider, generation}) and like the measurements directory, with a test thread that plays
// the kernel: it fills in the entry's attributes after mkdir, answers an inblob write by
// writing an outblob (a real Intel-signed quote with its report_data replaced) and bumping
// generation, and extends rtmr3:sha384 as SHA-384(old || data) when 48 bytes are written.
// That fake kernel is asynchronous where the real one is synchronous, which is why the
// attester waits (bounded) for the attributes after mkdir and for generation after a write;
// on a real kernel those waits end at the first check. What regular files cannot show (the
// EBUSY retry, EINVAL on a short inblob, configfs refusing writes) is untested.
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>

#include "cllm/tdx/attester.hpp"

namespace cllm::tdx {

inline constexpr std::string_view kDefaultTsmReportRoot = "/sys/kernel/config/tsm/report";
inline constexpr std::string_view kDefaultTdxMeasurementsDir =
    "/sys/devices/virtual/misc/tdx_guest/measurements";
inline constexpr std::string_view kTdxTsmProvider = "tdx_guest";

struct ConfigfsTsmOptions {
  std::string report_root = std::string(kDefaultTsmReportRoot);
  std::string measurements_dir = std::string(kDefaultTdxMeasurementsDir);
  // When set, every extended event is also appended here as one JSON line (mode 0600), and
  // events already in the file are loaded at creation: the kernel keeps RTMR3 but no log of
  // what extended it, so a restarted process needs this file to explain RTMR3. Keep it on
  // a tmpfs (/run): RTMR3 resets at reboot, and a log from an earlier boot no longer replays
  // to it (platform_info's rtmr3_matches_event_log then says false).
  std::string event_log_path;
  // Bounded waits for a kernel that answers asynchronously (see the file comment).
  std::chrono::milliseconds attribute_wait{2000};
  std::chrono::milliseconds generation_wait{2000};
  // EBUSY (another request in flight, up to the kernel's 30 s quote timeout) is retried
  // until this much time has passed.
  std::chrono::milliseconds busy_timeout{35000};
  std::chrono::milliseconds busy_retry_delay{100};
  // Attempts when generation shows another writer raced ours.
  int max_attempts = 3;
};

class ConfigfsTsmAttester final : public Attester {
 public:
  // Checks the report root, creates this attester's report entry (a name unique to the
  // process), checks that its provider is "tdx_guest", and loads the event log file if any.
  static Result<std::unique_ptr<ConfigfsTsmAttester>> create(ConfigfsTsmOptions options);
  // Removes the report entry (configfs rmdir); errors are ignored.
  ~ConfigfsTsmAttester() override;

  ConfigfsTsmAttester(const ConfigfsTsmAttester&) = delete;
  ConfigfsTsmAttester& operator=(const ConfigfsTsmAttester&) = delete;

  std::string_view kind() const override { return "tdx"; }
  bool simulated() const override { return false; }

  // Writes the 64 bytes to inblob, checks generation advanced by exactly one, reads outblob,
  // re-reads generation (a change means another writer raced us: retried), and checks the
  // quote's report_data is the one written.
  Result<Bytes> get_quote(const ReportData& report_data) override;
  // Extends RTMR3 by writing the event digest to measurements/rtmr3:sha384; kUnsupported
  // when the kernel has no such file.
  Status extend_event(std::string_view name, ByteView payload) override;
  // The runtime events this attester extended (and those loaded from the log file). The
  // kernel reports no boot entries through this interface.
  Result<RuntimeEventLog> event_log() override;
  // Provider, entry path, and the current MRTD/RTMRs when the measurements are readable.
  Result<Json> platform_info() override;

  const std::string& entry_path() const { return entry_path_; }

 private:
  ConfigfsTsmAttester(ConfigfsTsmOptions options, std::string entry_path, RuntimeEventLog log)
      : options_(std::move(options)), entry_path_(std::move(entry_path)), log_(std::move(log)) {}

  Result<Bytes> try_get_quote(const ReportData& report_data, bool& raced);
  Status append_to_log_file(const RuntimeEvent& event) const;

  ConfigfsTsmOptions options_;
  std::string entry_path_;
  std::mutex mutex_;  // one request at a time through the entry; log order = extend order
  RuntimeEventLog log_;
};

}  // namespace cllm::tdx
