// ConfigfsTsmAttester against a temporary directory laid out like configfs-tsm and the tdx_guest
// measurements directory, with a thread that plays the kernel. No TDX hardware is involved:
// these tests show the attester follows the file protocol (dcap-tdx.md §4.1, §4.3), not that
// a real kernel answers as modelled here.
#include "cllm/tdx/configfs_tsm_attester.hpp"

#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <mutex>
#include <set>
#include <thread>

#include "cllm/common/file.hpp"
#include "cllm/common/hex.hpp"
#include "cllm/crypto/hash.hpp"
#include "cllm/tdx/quote.hpp"
#include "support/test_paths.hpp"

namespace cllm::tdx {
namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;

// v4 quote: 48-byte header, report_data at body offset 520.
constexpr std::size_t kV4ReportDataOffset = 568;

// Writes through a temporary file and rename, as a reader must never see half a value.
void put(const fs::path& path, ByteView data) {
  ASSERT_TRUE(write_file_atomic(path.string(), data, 0644).ok()) << path;
}
void put(const fs::path& path, std::string_view text) {
  put(path, as_bytes(text));
}

Bytes slurp(const fs::path& path) {
  auto data = read_file(path.string());
  return data.ok() ? *data : Bytes{};
}

// Plays the TDX guest kernel over plain files. Behaviour per report entry:
//  * after the attester's mkdir: creates inblob, outblob, generation ("0"), then provider;
//  * when inblob holds data: consumes it (truncates), writes outblob (a real quote with its
//    report_data replaced) and then bumps generation, so a reader that sees the new
//    generation also sees the new outblob;
//  * rtmr3:sha384: when its content differs from the kernel's register, the content is the
//    extension data; the register becomes SHA-384(register || data) and is written back.
class FakeTdxKernel {
 public:
  enum class QuoteMode { kAnswer, kIgnore, kStaleReportData };

  FakeTdxKernel(fs::path report_root, fs::path measurements_dir, Bytes template_quote)
      : report_root_(std::move(report_root)),
        measurements_dir_(std::move(measurements_dir)),
        template_quote_(std::move(template_quote)) {}
  ~FakeTdxKernel() { stop(); }

  void start() {
    thread_ = std::thread([this] { run(); });
  }
  void stop() {
    stop_ = true;
    if (thread_.joinable()) thread_.join();
  }

  void set_provider(std::string provider) { provider_ = std::move(provider); }
  void set_quote_mode(QuoteMode mode) { mode_ = mode; }
  // The next n inblob writes bump generation twice, as if another writer got in between.
  void race_next(int n) { races_ = n; }
  int quotes_answered() const { return quotes_; }
  int extensions() const { return extensions_; }
  Measurement rtmr3() const {
    std::lock_guard<std::mutex> lock(mutex_);
    return rtmr3_;
  }

  // Waits until the kernel has processed `count` RTMR3 extensions.
  bool wait_for_extensions(int count) const {
    auto deadline = std::chrono::steady_clock::now() + 5s;
    while (extensions_ < count && std::chrono::steady_clock::now() < deadline) {
      std::this_thread::sleep_for(1ms);
    }
    return extensions_ >= count;
  }

 private:
  void run() {
    while (!stop_) {
      std::error_code ec;
      for (const auto& entry : fs::directory_iterator(report_root_, ec)) {
        if (!entry.is_directory(ec)) continue;
        if (populated_.insert(entry.path()).second) populate(entry.path());
        answer(entry.path());
      }
      extend_rtmr3();
      std::this_thread::sleep_for(1ms);
    }
  }

  void populate(const fs::path& dir) {
    put(dir / "inblob", "");
    put(dir / "outblob", "");
    put(dir / "generation", "0\n");
    put(dir / "provider", provider_ + "\n");  // last: the attester waits for it
  }

  void answer(const fs::path& dir) {
    std::error_code ec;
    auto size = fs::file_size(dir / "inblob", ec);
    if (ec || size == 0) return;
    Bytes inblob = slurp(dir / "inblob");
    fs::resize_file(dir / "inblob", 0, ec);
    if (mode_ == QuoteMode::kIgnore) return;
    Bytes quote = template_quote_;
    if (mode_ == QuoteMode::kAnswer && inblob.size() == 64) {
      std::copy(inblob.begin(), inblob.end(), quote.begin() + kV4ReportDataOffset);
    }
    put(dir / "outblob", quote);
    ++quotes_;  // before the bump that lets the attester return
    std::uint64_t generation = std::stoull(to_string(slurp(dir / "generation")));
    generation += races_ > 0 ? 2 : 1;
    if (races_ > 0) --races_;
    put(dir / "generation", std::to_string(generation) + "\n");
  }

  void extend_rtmr3() {
    fs::path path = measurements_dir_ / "rtmr3:sha384";
    std::error_code ec;
    if (!fs::exists(path, ec)) return;
    Bytes content = slurp(path);
    std::lock_guard<std::mutex> lock(mutex_);
    if (content.size() != 48 || std::equal(content.begin(), content.end(), rtmr3_.begin())) return;
    auto next = crypto::sha384(concat({ByteView(rtmr3_), ByteView(content)}));
    if (!next.ok()) return;
    std::copy(next->begin(), next->end(), rtmr3_.begin());
    // In place, like a register read back through the same file.
    std::ofstream(path, std::ios::binary | std::ios::in | std::ios::out)
        .write(reinterpret_cast<const char*>(rtmr3_.data()), 48);
    ++extensions_;
  }

  fs::path report_root_;
  fs::path measurements_dir_;
  Bytes template_quote_;
  std::string provider_ = "tdx_guest";
  std::atomic<QuoteMode> mode_{QuoteMode::kAnswer};
  std::atomic<int> races_{0};
  std::atomic<int> quotes_{0};
  std::atomic<int> extensions_{0};
  std::atomic<bool> stop_{false};
  std::set<fs::path> populated_;
  mutable std::mutex mutex_;
  Measurement rtmr3_{};
  std::thread thread_;
};

class ConfigfsTsmAttesterTest : public ::testing::Test {
 protected:
  void SetUp() override {
    static std::atomic<int> counter{0};
    dir_ = fs::temp_directory_path() /
           ("cllm_configfs_test_" + std::to_string(::getpid()) + "_" + std::to_string(counter++));
    fs::remove_all(dir_);
    fs::create_directories(dir_ / "report");
    fs::create_directories(dir_ / "measurements");
  }
  void TearDown() override {
    kernel_.reset();  // joins the thread before the files go
    std::error_code ec;
    fs::remove_all(dir_, ec);
  }

  // Starts the fake kernel over a real Intel quote; false when the quote file is missing.
  void start_kernel(const std::string& quote_path) {
    auto quote = read_file(quote_path);
    ASSERT_TRUE(quote.ok());
    ASSERT_GE(quote->size(), kV4ReportDataOffset + 64);
    ASSERT_EQ((*quote)[0], 4) << "the template must be a v4 quote";
    kernel_ = std::make_unique<FakeTdxKernel>(dir_ / "report", dir_ / "measurements", *quote);
  }

  ConfigfsTsmOptions options() const {
    ConfigfsTsmOptions o;
    o.report_root = (dir_ / "report").string();
    o.measurements_dir = (dir_ / "measurements").string();
    return o;
  }

  static ReportData report_data(std::uint8_t seed) {
    ReportData rd{};
    for (std::size_t i = 0; i < rd.size(); ++i)
      rd[i] = static_cast<std::uint8_t>(seed + i);
    return rd;
  }

  fs::path dir_;
  std::unique_ptr<FakeTdxKernel> kernel_;
};

TEST_F(ConfigfsTsmAttesterTest, QuotesOverTheGivenReportData) {
  CLLM_REQUIRE_SHARED_FILE(quote_path, "testdata/tdx/dcapqvl_tdx_quote");
  start_kernel(quote_path);
  kernel_->start();
  auto attester = ConfigfsTsmAttester::create(options());
  ASSERT_TRUE(attester.ok()) << attester.error().message();
  EXPECT_EQ((*attester)->kind(), "tdx");
  EXPECT_FALSE((*attester)->simulated());
  EXPECT_EQ(fs::path((*attester)->entry_path()).parent_path(), dir_ / "report");

  for (std::uint8_t seed : {1, 2}) {
    auto quote = (*attester)->get_quote(report_data(seed));
    ASSERT_TRUE(quote.ok()) << quote.error().message();
    auto parsed = parse_quote(*quote);
    ASSERT_TRUE(parsed.ok()) << parsed.error().message();
    ASSERT_NE(parsed->td_report(), nullptr);
    EXPECT_EQ(parsed->td_report()->report_data, report_data(seed));
  }
  EXPECT_EQ(kernel_->quotes_answered(), 2);
  EXPECT_EQ(to_string(slurp(fs::path((*attester)->entry_path()) / "generation")), "2\n");
}

TEST_F(ConfigfsTsmAttesterTest, WrongProviderIsRejected) {
  CLLM_REQUIRE_SHARED_FILE(quote_path, "testdata/tdx/dcapqvl_tdx_quote");
  start_kernel(quote_path);
  kernel_->set_provider("sev_guest");
  kernel_->start();
  auto attester = ConfigfsTsmAttester::create(options());
  ASSERT_FALSE(attester.ok());
  EXPECT_EQ(attester.error().code(), ErrorCode::kUnsupported);
  EXPECT_NE(attester.error().message().find("'sev_guest'"), std::string::npos)
      << attester.error().message();
  EXPECT_NE(attester.error().message().find("tdx_guest"), std::string::npos);
}

TEST_F(ConfigfsTsmAttesterTest, MissingConfigfsIsAClearError) {
  auto o = options();
  o.report_root = (dir_ / "no-such-configfs" / "report").string();
  auto attester = ConfigfsTsmAttester::create(o);
  ASSERT_FALSE(attester.ok());
  EXPECT_EQ(attester.error().code(), ErrorCode::kNotFound);
  EXPECT_NE(attester.error().message().find(o.report_root), std::string::npos);
  EXPECT_NE(attester.error().message().find("configfs-tsm"), std::string::npos);
}

TEST_F(ConfigfsTsmAttesterTest, EntryWithoutProviderNamesTheFile) {
  // No kernel: the directory stays empty after mkdir.
  auto o = options();
  o.attribute_wait = 50ms;
  auto attester = ConfigfsTsmAttester::create(o);
  ASSERT_FALSE(attester.ok());
  EXPECT_NE(attester.error().message().find("/provider"), std::string::npos)
      << attester.error().message();
  EXPECT_NE(attester.error().message().find("No such file"), std::string::npos);
}

TEST_F(ConfigfsTsmAttesterTest, GenerationRaceIsDetectedAndRetried) {
  CLLM_REQUIRE_SHARED_FILE(quote_path, "testdata/tdx/dcapqvl_tdx_quote");
  start_kernel(quote_path);
  kernel_->race_next(1);
  kernel_->start();
  auto attester = ConfigfsTsmAttester::create(options());
  ASSERT_TRUE(attester.ok()) << attester.error().message();
  auto quote = (*attester)->get_quote(report_data(7));
  ASSERT_TRUE(quote.ok()) << quote.error().message();
  EXPECT_EQ(kernel_->quotes_answered(), 2);  // the raced answer was thrown away
  EXPECT_EQ(parse_quote(*quote)->td_report()->report_data, report_data(7));
}

TEST_F(ConfigfsTsmAttesterTest, PersistentRaceFailsClearly) {
  CLLM_REQUIRE_SHARED_FILE(quote_path, "testdata/tdx/dcapqvl_tdx_quote");
  start_kernel(quote_path);
  kernel_->race_next(100);
  kernel_->start();
  auto attester = ConfigfsTsmAttester::create(options());
  ASSERT_TRUE(attester.ok()) << attester.error().message();
  auto quote = (*attester)->get_quote(report_data(7));
  ASSERT_FALSE(quote.ok());
  const std::string& message = quote.error().message();
  EXPECT_NE(message.find("gave up after 3 attempts"), std::string::npos) << message;
  EXPECT_NE(message.find("raced"), std::string::npos) << message;
  EXPECT_NE(message.find("/generation"), std::string::npos) << message;
}

TEST_F(ConfigfsTsmAttesterTest, SilentKernelIsAClearError) {
  CLLM_REQUIRE_SHARED_FILE(quote_path, "testdata/tdx/dcapqvl_tdx_quote");
  start_kernel(quote_path);
  kernel_->set_quote_mode(FakeTdxKernel::QuoteMode::kIgnore);
  kernel_->start();
  auto o = options();
  o.generation_wait = 100ms;
  auto attester = ConfigfsTsmAttester::create(o);
  ASSERT_TRUE(attester.ok()) << attester.error().message();
  auto quote = (*attester)->get_quote(report_data(3));
  ASSERT_FALSE(quote.ok());
  EXPECT_NE(quote.error().message().find("stayed at 0"), std::string::npos)
      << quote.error().message();
}

TEST_F(ConfigfsTsmAttesterTest, QuoteOverOtherReportDataIsRejected) {
  CLLM_REQUIRE_SHARED_FILE(quote_path, "testdata/tdx/dcapqvl_tdx_quote");
  start_kernel(quote_path);
  kernel_->set_quote_mode(FakeTdxKernel::QuoteMode::kStaleReportData);
  kernel_->start();
  auto attester = ConfigfsTsmAttester::create(options());
  ASSERT_TRUE(attester.ok()) << attester.error().message();
  auto quote = (*attester)->get_quote(report_data(3));
  ASSERT_FALSE(quote.ok());
  EXPECT_EQ(quote.error().code(), ErrorCode::kVerification);
  EXPECT_NE(quote.error().message().find("report_data"), std::string::npos);
}

TEST_F(ConfigfsTsmAttesterTest, ExtendsRtmr3AndKeepsTheEventLog) {
  CLLM_REQUIRE_SHARED_FILE(quote_path, "testdata/tdx/dcapqvl_tdx_quote");
  start_kernel(quote_path);
  put(dir_ / "measurements" / "rtmr3:sha384", Bytes(48, 0));
  put(dir_ / "measurements" / "mrtd:sha384", Bytes(48, 0xAB));
  kernel_->start();
  auto attester = ConfigfsTsmAttester::create(options());
  ASSERT_TRUE(attester.ok()) << attester.error().message();

  ASSERT_TRUE((*attester)->extend_event("cllm.binary", as_bytes("abc")).ok());
  ASSERT_TRUE(kernel_->wait_for_extensions(1));
  ASSERT_TRUE((*attester)->extend_event("cllm.model", Bytes(32, 7)).ok());
  ASSERT_TRUE(kernel_->wait_for_extensions(2));

  Measurement expected{};
  expected = extend_measurement(
      expected, runtime_event_digest(kDstackRuntimeEventType, "cllm.binary", as_bytes("abc")));
  expected = extend_measurement(
      expected, runtime_event_digest(kDstackRuntimeEventType, "cllm.model", Bytes(32, 7)));
  EXPECT_EQ(kernel_->rtmr3(), expected);

  auto log = (*attester)->event_log();
  ASSERT_TRUE(log.ok());
  ASSERT_EQ(log->events().size(), 2u);
  EXPECT_EQ(log->events()[0].event, "cllm.binary");
  EXPECT_EQ(log->replay(kRuntimeImr), expected);

  auto info = (*attester)->platform_info();
  ASSERT_TRUE(info.ok());
  EXPECT_EQ((*info)["provider"], "tdx_guest");
  EXPECT_EQ((*info)["measurements"]["rtmr3"], to_hex(expected));
  EXPECT_EQ((*info)["measurements"]["mrtd"], to_hex(Bytes(48, 0xAB)));
  EXPECT_EQ((*info)["rtmr3_matches_event_log"], true);
  EXPECT_EQ((*info)["rtmr3_extension"], true);
}

TEST_F(ConfigfsTsmAttesterTest, RejectedEventNameExtendsNothing) {
  CLLM_REQUIRE_SHARED_FILE(quote_path, "testdata/tdx/dcapqvl_tdx_quote");
  start_kernel(quote_path);
  put(dir_ / "measurements" / "rtmr3:sha384", Bytes(48, 0));
  kernel_->start();
  auto attester = ConfigfsTsmAttester::create(options());
  ASSERT_TRUE(attester.ok()) << attester.error().message();
  // A ':' in a v1 name makes the digest ambiguous; the log refuses it, so RTMR3 stays as is.
  auto extended = (*attester)->extend_event("a:b", as_bytes("c"));
  ASSERT_FALSE(extended.ok());
  EXPECT_NE(extended.error().message().find("a:b"), std::string::npos)
      << extended.error().message();
  EXPECT_EQ(slurp(dir_ / "measurements" / "rtmr3:sha384"), Bytes(48, 0));
  EXPECT_TRUE((*attester)->event_log()->events().empty());
}

TEST_F(ConfigfsTsmAttesterTest, KernelWithoutRtmrFilesIsUnsupported) {
  CLLM_REQUIRE_SHARED_FILE(quote_path, "testdata/tdx/dcapqvl_tdx_quote");
  start_kernel(quote_path);
  kernel_->start();
  auto attester = ConfigfsTsmAttester::create(options());
  ASSERT_TRUE(attester.ok()) << attester.error().message();
  auto extended = (*attester)->extend_event("cllm.binary", as_bytes("abc"));
  ASSERT_FALSE(extended.ok());
  EXPECT_EQ(extended.error().code(), ErrorCode::kUnsupported);
  EXPECT_NE(extended.error().message().find("RTMR3 extension not supported by this kernel"),
            std::string::npos);
  EXPECT_TRUE((*attester)->event_log()->events().empty());  // nothing extended, nothing logged
  auto info = (*attester)->platform_info();
  ASSERT_TRUE(info.ok());
  EXPECT_EQ((*info)["rtmr3_extension"], false);
  EXPECT_FALSE(info->contains("rtmr3_matches_event_log"));
}

TEST_F(ConfigfsTsmAttesterTest, EventLogFileIsPrivateJsonLinesAndReloads) {
  CLLM_REQUIRE_SHARED_FILE(quote_path, "testdata/tdx/dcapqvl_tdx_quote");
  start_kernel(quote_path);
  put(dir_ / "measurements" / "rtmr3:sha384", Bytes(48, 0));
  kernel_->start();
  auto o = options();
  o.event_log_path = (dir_ / "runtime_events.jsonl").string();
  Measurement replayed{};
  {
    auto attester = ConfigfsTsmAttester::create(o);
    ASSERT_TRUE(attester.ok()) << attester.error().message();
    ASSERT_TRUE((*attester)->extend_event("one", as_bytes("1")).ok());
    ASSERT_TRUE(kernel_->wait_for_extensions(1));
    ASSERT_TRUE((*attester)->extend_event("two", as_bytes("2")).ok());
    ASSERT_TRUE(kernel_->wait_for_extensions(2));
    replayed = (*attester)->event_log()->replay(kRuntimeImr);
  }
  struct stat st {};
  ASSERT_EQ(::stat(o.event_log_path.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);
  std::string text = to_string(slurp(o.event_log_path));
  EXPECT_EQ(std::count(text.begin(), text.end(), '\n'), 2);
  auto first_line = parse_json(text.substr(0, text.find('\n')));
  ASSERT_TRUE(first_line.ok());
  EXPECT_EQ((*first_line)["event"], "one");

  // A restarted process explains the RTMR3 it finds from the file.
  auto reopened = ConfigfsTsmAttester::create(o);
  ASSERT_TRUE(reopened.ok()) << reopened.error().message();
  auto log = (*reopened)->event_log();
  ASSERT_TRUE(log.ok());
  EXPECT_EQ(log->events().size(), 2u);
  EXPECT_EQ(log->replay(kRuntimeImr), replayed);
  EXPECT_EQ(replayed, kernel_->rtmr3());
  EXPECT_EQ((*(*reopened)->platform_info())["rtmr3_matches_event_log"], true);
}

TEST_F(ConfigfsTsmAttesterTest, TamperedEventLogFileFailsCreation) {
  CLLM_REQUIRE_SHARED_FILE(quote_path, "testdata/tdx/dcapqvl_tdx_quote");
  start_kernel(quote_path);
  kernel_->start();
  auto o = options();
  o.event_log_path = (dir_ / "runtime_events.jsonl").string();
  Measurement digest = runtime_event_digest(kDstackRuntimeEventType, "one", as_bytes("1"));
  put(o.event_log_path, R"({"imr":3,"event_type":134217729,"digest":")" + to_hex(digest) +
                            R"(","event":"one","event_payload":"32"})" + "\n");
  auto attester = ConfigfsTsmAttester::create(o);
  ASSERT_FALSE(attester.ok());
  EXPECT_NE(attester.error().message().find(o.event_log_path), std::string::npos)
      << attester.error().message();
}

}  // namespace
}  // namespace cllm::tdx
