#include "cllm/tdx/configfs_tsm_attester.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <atomic>
#include <cctype>
#include <cerrno>
#include <charconv>
#include <cstring>
#include <thread>

#include "cllm/common/file.hpp"
#include "cllm/common/hex.hpp"
#include "cllm/tdx/quote.hpp"

namespace cllm::tdx {

namespace {

using SteadyClock = std::chrono::steady_clock;

// The kernel's quote buffer is 8 KiB (GET_QUOTE_BUF_SIZE); anything far larger is not a quote.
constexpr std::size_t kMaxOutblobSize = 64 * 1024;
constexpr std::size_t kMaxAttributeSize = 4096;
constexpr std::size_t kMaxEventLogFileSize = 64u << 20;
constexpr std::chrono::milliseconds kPollInterval{2};

Error errno_error(ErrorCode code, std::string_view what, const std::string& path, int err) {
  return make_error(code, std::string(what) + " " + path + ": " + std::strerror(err) + " (errno " +
                              std::to_string(err) + ")");
}

struct Fd {
  int fd = -1;
  explicit Fd(int f) : fd(f) {}
  Fd(const Fd&) = delete;
  Fd& operator=(const Fd&) = delete;
  ~Fd() {
    if (fd >= 0) ::close(fd);
  }
};

// Reads a whole attribute. *err_out gets errno on failure, so callers can retry EBUSY.
Result<Bytes> read_attribute(const std::string& path, std::size_t max_size,
                             int* err_out = nullptr) {
  if (err_out != nullptr) *err_out = 0;
  Fd f(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
  if (f.fd < 0) {
    int err = errno;
    if (err_out != nullptr) *err_out = err;
    return errno_error(err == ENOENT ? ErrorCode::kNotFound : ErrorCode::kIo, "cannot open", path,
                       err);
  }
  Bytes out;
  std::uint8_t buf[4096];
  for (;;) {
    ssize_t n = ::read(f.fd, buf, sizeof buf);
    if (n < 0) {
      if (errno == EINTR) continue;
      int err = errno;
      if (err_out != nullptr) *err_out = err;
      return errno_error(ErrorCode::kIo, "cannot read", path, err);
    }
    if (n == 0) break;
    if (out.size() + static_cast<std::size_t>(n) > max_size) {
      return make_error(ErrorCode::kLimit,
                        path + " holds more than " + std::to_string(max_size) + " bytes");
    }
    out.insert(out.end(), buf, buf + n);
  }
  return out;
}

// One write of all the bytes at offset 0, as configfs and sysfs binary attributes expect.
// The close is checked too: configfs hands a binary attribute's buffer to the driver there.
Status write_attribute(const std::string& path, ByteView data, int* err_out = nullptr) {
  if (err_out != nullptr) *err_out = 0;
  Fd f(::open(path.c_str(), O_WRONLY | O_CLOEXEC));
  auto fail = [&](std::string_view what) {
    int err = errno;
    if (err_out != nullptr) *err_out = err;
    return errno_error(err == ENOENT ? ErrorCode::kNotFound : ErrorCode::kIo, what, path, err);
  };
  if (f.fd < 0) return fail("cannot open");
  ssize_t n;
  do {
    n = ::pwrite(f.fd, data.data(), data.size(), 0);
  } while (n < 0 && errno == EINTR);
  if (n < 0) return fail("cannot write");
  if (static_cast<std::size_t>(n) != data.size()) {
    return make_error(ErrorCode::kIo, "short write to " + path + ": " + std::to_string(n) + " of " +
                                          std::to_string(data.size()) + " bytes");
  }
  int fd = f.fd;
  f.fd = -1;
  if (::close(fd) != 0) return fail("cannot close");
  return ok_status();
}

std::string trim(std::string_view text) {
  std::size_t begin = 0;
  std::size_t end = text.size();
  while (begin < end && std::isspace(static_cast<unsigned char>(text[begin])) != 0)
    ++begin;
  while (end > begin && std::isspace(static_cast<unsigned char>(text[end - 1])) != 0)
    --end;
  return std::string(text.substr(begin, end - begin));
}

Result<std::uint64_t> read_generation(const std::string& path) {
  CLLM_ASSIGN_OR_RETURN(Bytes raw, read_attribute(path, kMaxAttributeSize));
  std::string text = trim(to_string(raw));
  std::uint64_t value = 0;
  auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (text.empty() || ec != std::errc() || ptr != text.data() + text.size()) {
    return make_error(ErrorCode::kParse,
                      path + " is not a decimal counter: '" + text.substr(0, 32) + "'");
  }
  return value;
}

bool exists(const std::string& path) {
  struct stat st {};
  return ::stat(path.c_str(), &st) == 0;
}

// Repeats op while it fails with EBUSY (another request in flight), until the deadline.
template <class Op>
auto retry_busy(Op op, SteadyClock::time_point deadline, std::chrono::milliseconds delay)
    -> decltype(op(static_cast<int*>(nullptr))) {
  for (;;) {
    int err = 0;
    auto result = op(&err);
    if (result.ok() || err != EBUSY || SteadyClock::now() >= deadline) return result;
    std::this_thread::sleep_for(delay);
  }
}

std::atomic<unsigned> g_entry_counter{0};

Result<std::string> make_report_entry(const std::string& root) {
  struct stat st {};
  if (::stat(root.c_str(), &st) != 0) {
    int err = errno;
    if (err == ENOENT) {
      return make_error(ErrorCode::kNotFound,
                        "configfs-tsm report directory " + root +
                            " does not exist: this is not a TDX guest with configfs-tsm "
                            "(Linux 6.7+, configfs mounted at /sys/kernel/config)");
    }
    return errno_error(ErrorCode::kIo, "cannot stat configfs-tsm report directory", root, err);
  }
  if (!S_ISDIR(st.st_mode)) {
    return make_error(ErrorCode::kIo, "configfs-tsm report path " + root + " is not a directory");
  }
  for (int tries = 0; tries < 64; ++tries) {
    std::string path = root + "/cllm-" + std::to_string(::getpid()) + "-" +
                       std::to_string(g_entry_counter.fetch_add(1));
    if (::mkdir(path.c_str(), 0700) == 0) return path;
    int err = errno;
    if (err == EEXIST) continue;  // left by an earlier process with the same pid
    return errno_error(ErrorCode::kIo, "cannot create configfs-tsm report entry", path, err);
  }
  return make_error(ErrorCode::kIo, "cannot create a configfs-tsm report entry under " + root +
                                        ": every name tried exists");
}

Result<RuntimeEventLog> load_event_log_file(const std::string& path) {
  if (!exists(path)) return RuntimeEventLog{};
  CLLM_ASSIGN_OR_RETURN(std::string text, read_text_file(path, kMaxEventLogFileSize));
  Json events = Json::array();
  std::size_t line_number = 0;
  std::size_t start = 0;
  while (start < text.size()) {
    std::size_t end = text.find('\n', start);
    if (end == std::string::npos) end = text.size();
    std::string_view line(text.data() + start, end - start);
    start = end + 1;
    ++line_number;
    if (trim(line).empty()) continue;
    if (events.size() >= kMaxRuntimeEvents) {
      return make_error(ErrorCode::kLimit, "event log file " + path + " holds more than " +
                                               std::to_string(kMaxRuntimeEvents) + " events");
    }
    auto event = parse_json(line);
    if (!event.ok()) {
      return std::move(event).error().context("event log file " + path + " line " +
                                              std::to_string(line_number));
    }
    events.push_back(std::move(*event));
  }
  auto log = RuntimeEventLog::from_json(events);
  if (!log.ok()) return std::move(log).error().context("event log file " + path);
  return log;
}

}  // namespace

Result<std::unique_ptr<ConfigfsTsmAttester>> ConfigfsTsmAttester::create(
    ConfigfsTsmOptions options) {
  CLLM_ASSIGN_OR_RETURN(std::string entry, make_report_entry(options.report_root));
  auto fail = [&](Error error) -> Error {
    ::rmdir(entry.c_str());
    return error;
  };

  // configfs creates the attributes with the directory; a slower "kernel" gets a bounded wait.
  const std::string provider_path = entry + "/provider";
  auto deadline = SteadyClock::now() + options.attribute_wait;
  while (!exists(provider_path) && SteadyClock::now() < deadline) {
    std::this_thread::sleep_for(kPollInterval);
  }
  auto provider_raw = read_attribute(provider_path, kMaxAttributeSize);
  if (!provider_raw.ok()) {
    return fail(std::move(provider_raw).error().context("configfs-tsm provider"));
  }
  std::string provider = trim(to_string(*provider_raw));
  if (provider != kTdxTsmProvider) {
    return fail(make_error(ErrorCode::kUnsupported,
                           "configfs-tsm provider in " + provider_path + " is '" +
                               provider.substr(0, 64) + "', expected '" +
                               std::string(kTdxTsmProvider) + "': this is not a TDX guest"));
  }

  RuntimeEventLog log;
  if (!options.event_log_path.empty()) {
    auto loaded = load_event_log_file(options.event_log_path);
    if (!loaded.ok()) return fail(std::move(loaded).error());
    log = std::move(*loaded);
  }
  return std::unique_ptr<ConfigfsTsmAttester>(
      new ConfigfsTsmAttester(std::move(options), std::move(entry), std::move(log)));
}

ConfigfsTsmAttester::~ConfigfsTsmAttester() {
  ::rmdir(entry_path_.c_str());
}

Result<Bytes> ConfigfsTsmAttester::get_quote(const ReportData& report_data) {
  std::lock_guard<std::mutex> lock(mutex_);
  Error last(ErrorCode::kInternal, "no attempt made");
  const int attempts = options_.max_attempts < 1 ? 1 : options_.max_attempts;
  for (int attempt = 1; attempt <= attempts; ++attempt) {
    bool raced = false;
    auto quote = try_get_quote(report_data, raced);
    if (quote.ok() || !raced) {
      if (!quote.ok()) return std::move(quote).error().context("configfs-tsm quote");
      return quote;
    }
    last = std::move(quote).error();
  }
  return last.context("configfs-tsm quote: gave up after " + std::to_string(attempts) +
                      " attempts");
}

Result<Bytes> ConfigfsTsmAttester::try_get_quote(const ReportData& report_data, bool& raced) {
  const std::string generation_path = entry_path_ + "/generation";
  const std::string inblob_path = entry_path_ + "/inblob";
  const std::string outblob_path = entry_path_ + "/outblob";
  const auto busy_deadline = SteadyClock::now() + options_.busy_timeout;

  CLLM_ASSIGN_OR_RETURN(std::uint64_t before, read_generation(generation_path));
  CLLM_TRY(
      retry_busy([&](int* err) { return write_attribute(inblob_path, ByteView(report_data), err); },
                 busy_deadline, options_.busy_retry_delay));

  // The kernel bumps generation once per inblob write; it rejects a bad write silently (the
  // error of a configfs binary write is lost at close), which shows as no bump at all.
  std::uint64_t written = before;
  const auto generation_deadline = SteadyClock::now() + options_.generation_wait;
  for (;;) {
    CLLM_ASSIGN_OR_RETURN(written, read_generation(generation_path));
    if (written != before || SteadyClock::now() >= generation_deadline) break;
    std::this_thread::sleep_for(kPollInterval);
  }
  if (written == before) {
    return make_error(ErrorCode::kIo, generation_path + " stayed at " + std::to_string(before) +
                                          " after writing " + inblob_path +
                                          ": the kernel rejected the report data or no "
                                          "kernel answered");
  }
  if (written != before + 1) {
    raced = true;
    return make_error(ErrorCode::kIo, generation_path + " went from " + std::to_string(before) +
                                          " to " + std::to_string(written) +
                                          " around our inblob write (expected +1): another "
                                          "writer raced this request");
  }

  CLLM_ASSIGN_OR_RETURN(
      Bytes quote,
      retry_busy([&](int* err) { return read_attribute(outblob_path, kMaxOutblobSize, err); },
                 busy_deadline, options_.busy_retry_delay));

  CLLM_ASSIGN_OR_RETURN(std::uint64_t after, read_generation(generation_path));
  if (after != written) {
    raced = true;
    return make_error(ErrorCode::kIo, generation_path + " changed from " + std::to_string(written) +
                                          " to " + std::to_string(after) +
                                          " while reading outblob: another writer raced this "
                                          "request");
  }
  if (quote.empty()) return make_error(ErrorCode::kIo, outblob_path + " is empty");

  // Fail closed if the quote is not over our report data (a stale or foreign outblob).
  auto parsed = parse_quote(quote);
  if (!parsed.ok()) return std::move(parsed).error().context("parsing " + outblob_path);
  const TdReport* body = parsed->td_report();
  if (body == nullptr) {
    return make_error(ErrorCode::kVerification,
                      outblob_path + " holds a quote without a TD report");
  }
  if (!constant_time_equal(body->report_data, report_data)) {
    return make_error(ErrorCode::kVerification,
                      outblob_path + " holds a quote over report_data " +
                          to_hex(body->report_data).substr(0, 32) + "..., not the " +
                          to_hex(report_data).substr(0, 32) + "... written to inblob");
  }
  return quote;
}

Status ConfigfsTsmAttester::extend_event(std::string_view name, ByteView payload) {
  std::lock_guard<std::mutex> lock(mutex_);
  const std::string rtmr3_path = options_.measurements_dir + "/rtmr3:sha384";
  struct stat st {};
  if (::stat(rtmr3_path.c_str(), &st) != 0) {
    int err = errno;
    if (err == ENOENT) {
      return make_error(ErrorCode::kUnsupported,
                        "RTMR3 extension not supported by this kernel: " + rtmr3_path +
                            " does not exist (needs the tsm-mr measurements of Linux 6.16+)");
    }
    return errno_error(ErrorCode::kIo, "cannot stat", rtmr3_path, err);
  }

  RuntimeEventLog next = log_;
  auto digest = next.append(name, payload);
  if (!digest.ok())
    return std::move(digest).error().context("runtime event '" + std::string(name) + "'");
  auto written = write_attribute(rtmr3_path, ByteView(*digest));
  if (!written.ok()) return std::move(written).error().context("extending RTMR3");

  // RTMR3 has changed now, so the in-memory log records the event whatever the file says.
  log_ = std::move(next);
  if (!options_.event_log_path.empty()) {
    auto saved = append_to_log_file(log_.events().back());
    if (!saved.ok()) {
      return std::move(saved).error().context(
          "RTMR3 was extended but the event log file "
          "was not updated");
    }
  }
  return ok_status();
}

Status ConfigfsTsmAttester::append_to_log_file(const RuntimeEvent& event) const {
  RuntimeEventLog single;
  single.append_raw(event);
  Json array = single.to_json();
  if (!array.is_array() || array.size() != 1) {
    return make_error(ErrorCode::kInternal, "event log serialization did not give one entry");
  }
  std::string line = array[0].dump() + "\n";

  const std::string& path = options_.event_log_path;
  Fd f(::open(path.c_str(), O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600));
  if (f.fd < 0) return errno_error(ErrorCode::kIo, "cannot open", path, errno);
  // Only this user may rewrite the record of what extended RTMR3.
  if (::fchmod(f.fd, 0600) != 0) return errno_error(ErrorCode::kIo, "cannot chmod", path, errno);
  std::size_t off = 0;
  while (off < line.size()) {
    ssize_t n = ::write(f.fd, line.data() + off, line.size() - off);
    if (n < 0) {
      if (errno == EINTR) continue;
      return errno_error(ErrorCode::kIo, "cannot write", path, errno);
    }
    off += static_cast<std::size_t>(n);
  }
  if (::fsync(f.fd) != 0) return errno_error(ErrorCode::kIo, "cannot sync", path, errno);
  return ok_status();
}

Result<RuntimeEventLog> ConfigfsTsmAttester::event_log() {
  std::lock_guard<std::mutex> lock(mutex_);
  return log_;
}

Result<Json> ConfigfsTsmAttester::platform_info() {
  std::lock_guard<std::mutex> lock(mutex_);
  Json info = {
      {"attester", "tdx"},
      {"interface", "configfs-tsm"},
      {"provider", std::string(kTdxTsmProvider)},
      {"report_entry", entry_path_},
      {"measurements_dir", options_.measurements_dir},
      {"rtmr3_extension", exists(options_.measurements_dir + "/rtmr3:sha384")},
      {"runtime_events", log_.events().size()},
      {"event_log_path",
       options_.event_log_path.empty() ? Json(nullptr) : Json(options_.event_log_path)},
  };
  // Read-only here: the register files are whatever the kernel reports now.
  static constexpr std::string_view kRegisters[][2] = {
      {"mrtd", "mrtd:sha384"},   {"rtmr0", "rtmr0:sha384"},          {"rtmr1", "rtmr1:sha384"},
      {"rtmr2", "rtmr2:sha384"}, {"rtmr3", "rtmr3:sha384"},          {"mrconfigid", "mrconfigid"},
      {"mrowner", "mrowner"},    {"mrownerconfig", "mrownerconfig"},
  };
  Json measurements = Json::object();
  for (const auto& reg : kRegisters) {
    auto value = read_attribute(options_.measurements_dir + "/" + std::string(reg[1]), 256);
    if (value.ok() && value->size() == std::tuple_size_v<Measurement>) {
      measurements[std::string(reg[0])] = to_hex(*value);
    }
  }
  info["measurements"] = measurements;
  std::string replayed = to_hex(log_.replay(kRuntimeImr));
  info["rtmr3_replayed"] = replayed;
  if (measurements.contains("rtmr3")) {
    // RTMR3 equals the replay only when this log holds every extension since boot.
    info["rtmr3_matches_event_log"] = measurements["rtmr3"].get<std::string>() == replayed;
  }
  return info;
}

}  // namespace cllm::tdx
