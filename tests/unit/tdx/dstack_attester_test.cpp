// DstackAttester against an in-process fake guest agent: net::HttpServer on a unix socket in a
// temporary directory, speaking the protocol of dstack-phala.md §2.1-2.4. No real dstack agent
// is involved.
#include "cllm/tdx/dstack_attester.hpp"

#include <gtest/gtest.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <filesystem>
#include <mutex>

#include "cllm/common/file.hpp"
#include "cllm/common/hex.hpp"
#include "cllm/net/http_server.hpp"
#include "cllm/tdx/quote.hpp"
#include "support/test_paths.hpp"

namespace cllm::tdx {
namespace {

namespace fs = std::filesystem;

constexpr std::size_t kV4ReportDataOffset = 568;

// The agent's state: a boot entry for RTMR0 (payload stripped, as dstack does) and the
// runtime events emitted so far.
class FakeDstackAgent {
 public:
  FakeDstackAgent(std::string socket_path, Bytes template_quote)
      : socket_path_(std::move(socket_path)), template_quote_(std::move(template_quote)) {
    RuntimeEvent boot;
    boot.imr = 0;
    boot.event_type = 0x80000001;  // an EV_EFI_* style boot event: bound only through replay
    boot.digest = Bytes(48, 0x11);
    log_.append_raw(boot);
  }

  Status start() {
    server_.route("POST", "/GetQuote", [this](const net::Request& r, auto w) { get_quote(r, w); });
    server_.route("POST", "/EmitEvent", [this](const net::Request& r, auto w) { emit(r, w); });
    server_.route("POST", "/Info", [this](const net::Request& r, auto w) { info(r, w); });
    CLLM_TRY(server_.listen(net::ListenAddress::unix_socket(socket_path_)));
    return server_.start();
  }

  void fail_with_500(bool fail) { fail_ = fail; }
  void tamper_report_data(bool tamper) { tamper_ = tamper; }
  void hide_event_log_from_info(bool hide) { hide_log_in_info_ = hide; }
  void answer_emit_with_empty_body(bool empty) { empty_emit_body_ = empty; }
  int emitted() const { return emitted_; }
  Measurement rtmr3() const {
    std::lock_guard<std::mutex> lock(mutex_);
    return log_.replay(kRuntimeImr);
  }

 private:
  bool failed(const std::shared_ptr<net::ResponseWriter>& writer) {
    if (!fail_) return false;
    (void)writer->send(net::Response::json(500, R"({"error":"quote service unavailable"})"));
    return true;
  }

  void get_quote(const net::Request& request, const std::shared_ptr<net::ResponseWriter>& writer) {
    if (failed(writer)) return;
    auto body = parse_json(request.body);
    auto hex = body.ok() ? json_string(*body, "report_data") : Result<std::string>(body.error());
    auto data = hex.ok() ? from_hex(*hex) : Result<Bytes>(hex.error());
    if (!data.ok() || data->size() > 64) {
      (void)writer->send(net::Response::json(400, R"({"error":"invalid report_data"})"));
      return;
    }
    Bytes quote = template_quote_;
    if (!tamper_) {
      std::fill_n(quote.begin() + kV4ReportDataOffset, 64, 0);  // zero-padded, as dstack does
      std::copy(data->begin(), data->end(), quote.begin() + kV4ReportDataOffset);
    }
    std::lock_guard<std::mutex> lock(mutex_);
    Json answer = {{"quote", to_hex(quote)},
                   {"event_log", log_.to_json().dump()},
                   {"report_data", *hex},
                   {"vm_config", "{}"}};
    (void)writer->send(net::Response::json(200, answer.dump()));
  }

  void emit(const net::Request& request, const std::shared_ptr<net::ResponseWriter>& writer) {
    if (failed(writer)) return;
    auto body = parse_json(request.body);
    auto name = body.ok() ? json_string(*body, "event") : Result<std::string>(body.error());
    auto payload_hex =
        body.ok() ? json_string(*body, "payload") : Result<std::string>(body.error());
    auto payload = payload_hex.ok() ? from_hex(*payload_hex) : Result<Bytes>(payload_hex.error());
    if (!name.ok() || !payload.ok()) {
      (void)writer->send(net::Response::json(400, R"({"error":"invalid event"})"));
      return;
    }
    std::lock_guard<std::mutex> lock(mutex_);
    if (!log_.append(*name, *payload).ok()) {
      (void)writer->send(net::Response::json(400, R"({"error":"event rejected"})"));
      return;
    }
    ++emitted_;
    (void)writer->send(net::Response::json(200, empty_emit_body_ ? "" : "{}"));
  }

  void info(const net::Request&, const std::shared_ptr<net::ResponseWriter>& writer) {
    if (failed(writer)) return;
    std::lock_guard<std::mutex> lock(mutex_);
    Json tcb = {{"mrtd", to_hex(Bytes(48, 0xAA))}, {"rtmr0", to_hex(log_.replay(0))},
                {"rtmr1", to_hex(log_.replay(1))}, {"rtmr2", to_hex(log_.replay(2))},
                {"rtmr3", to_hex(log_.replay(3))}, {"compose_hash", to_hex(Bytes(32, 0xCC))}};
    if (!hide_log_in_info_) tcb["event_log"] = log_.to_json();
    Json answer = {{"app_id", "0123456789abcdef0123456789abcdef01234567"},
                   {"instance_id", "89abcdef0123456789abcdef0123456789abcdef"},
                   {"app_name", "cllm-test"},
                   {"app_cert", "-----BEGIN CERTIFICATE-----..."},
                   {"tcb_info", tcb.dump()}};
    (void)writer->send(net::Response::json(200, answer.dump()));
  }

  std::string socket_path_;
  Bytes template_quote_;
  std::atomic<bool> fail_{false};
  std::atomic<bool> tamper_{false};
  std::atomic<bool> hide_log_in_info_{false};
  std::atomic<bool> empty_emit_body_{false};
  std::atomic<int> emitted_{0};
  mutable std::mutex mutex_;
  RuntimeEventLog log_;
  net::HttpServer server_;  // last: stops (and joins its handlers) before the state goes
};

class DstackAttesterTest : public ::testing::Test {
 protected:
  void SetUp() override {
    static std::atomic<int> counter{0};
    // Short: unix socket paths are limited to 108 bytes.
    dir_ = fs::path("/tmp") /
           ("cllm_dstack_" + std::to_string(::getpid()) + "_" + std::to_string(counter++));
    fs::remove_all(dir_);
    fs::create_directories(dir_);
  }
  void TearDown() override {
    agent_.reset();
    std::error_code ec;
    fs::remove_all(dir_, ec);
  }

  void start_agent(const std::string& quote_path) {
    auto quote = read_file(quote_path);
    ASSERT_TRUE(quote.ok());
    ASSERT_EQ((*quote)[0], 4) << "the template must be a v4 quote";
    agent_ = std::make_unique<FakeDstackAgent>(socket_path(), *quote);
    auto started = agent_->start();
    ASSERT_TRUE(started.ok()) << started.error().message();
  }

  std::unique_ptr<DstackAttester> attester() {
    DstackOptions options;
    options.socket_path = socket_path();
    options.timeout = std::chrono::milliseconds(10'000);
    auto created = DstackAttester::create(options);
    EXPECT_TRUE(created.ok()) << created.error().message();
    return created.ok() ? std::move(created).value() : nullptr;
  }

  std::string socket_path() const { return (dir_ / "dstack.sock").string(); }

  static ReportData report_data(std::uint8_t seed) {
    ReportData rd{};
    for (std::size_t i = 0; i < rd.size(); ++i)
      rd[i] = static_cast<std::uint8_t>(seed * 3 + i);
    return rd;
  }

  fs::path dir_;
  std::unique_ptr<FakeDstackAgent> agent_;
};

TEST_F(DstackAttesterTest, QuotesOverTheGivenReportData) {
  CLLM_REQUIRE_SHARED_FILE(quote_path, "testdata/tdx/dcapqvl_tdx_quote");
  start_agent(quote_path);
  auto a = attester();
  ASSERT_NE(a, nullptr);
  EXPECT_EQ(a->kind(), "dstack");
  EXPECT_FALSE(a->simulated());
  auto quote = a->get_quote(report_data(5));
  ASSERT_TRUE(quote.ok()) << quote.error().message();
  auto parsed = parse_quote(*quote);
  ASSERT_TRUE(parsed.ok());
  EXPECT_EQ(parsed->td_report()->report_data, report_data(5));
}

TEST_F(DstackAttesterTest, QuoteOverOtherReportDataIsRejected) {
  CLLM_REQUIRE_SHARED_FILE(quote_path, "testdata/tdx/dcapqvl_tdx_quote");
  start_agent(quote_path);
  agent_->tamper_report_data(true);
  auto a = attester();
  ASSERT_NE(a, nullptr);
  auto quote = a->get_quote(report_data(5));
  ASSERT_FALSE(quote.ok());
  EXPECT_EQ(quote.error().code(), ErrorCode::kVerification);
}

TEST_F(DstackAttesterTest, EmitEventExtendsAndTheLogReplaysToRtmr3) {
  CLLM_REQUIRE_SHARED_FILE(quote_path, "testdata/tdx/dcapqvl_tdx_quote");
  start_agent(quote_path);
  auto a = attester();
  ASSERT_NE(a, nullptr);
  ASSERT_TRUE(a->extend_event("cllm.binary", as_bytes("abc")).ok());
  ASSERT_TRUE(a->extend_event("cllm.model", Bytes(32, 9)).ok());
  EXPECT_EQ(agent_->emitted(), 2);

  Measurement expected{};
  expected = extend_measurement(
      expected, runtime_event_digest(kDstackRuntimeEventType, "cllm.binary", as_bytes("abc")));
  expected = extend_measurement(
      expected, runtime_event_digest(kDstackRuntimeEventType, "cllm.model", Bytes(32, 9)));
  EXPECT_EQ(agent_->rtmr3(), expected);

  auto log = a->event_log();
  ASSERT_TRUE(log.ok()) << log.error().message();
  ASSERT_EQ(log->events().size(), 3u);  // the boot entry, then the two runtime events
  EXPECT_EQ(log->events()[0].imr, 0u);
  EXPECT_EQ(log->events()[2].event, "cllm.model");
  EXPECT_EQ(log->replay(kRuntimeImr), expected);
}

TEST_F(DstackAttesterTest, EventLogFallsBackToGetQuote) {
  CLLM_REQUIRE_SHARED_FILE(quote_path, "testdata/tdx/dcapqvl_tdx_quote");
  start_agent(quote_path);
  agent_->hide_event_log_from_info(true);
  auto a = attester();
  ASSERT_NE(a, nullptr);
  ASSERT_TRUE(a->extend_event("x", as_bytes("1")).ok());
  auto log = a->event_log();
  ASSERT_TRUE(log.ok()) << log.error().message();
  EXPECT_EQ(log->events().size(), 2u);
  EXPECT_EQ(log->replay(kRuntimeImr), agent_->rtmr3());
}

TEST_F(DstackAttesterTest, EmptySuccessBodyIsAnEmptyAnswer) {
  CLLM_REQUIRE_SHARED_FILE(quote_path, "testdata/tdx/dcapqvl_tdx_quote");
  start_agent(quote_path);
  agent_->answer_emit_with_empty_body(true);
  auto a = attester();
  ASSERT_NE(a, nullptr);
  auto emitted = a->extend_event("x", as_bytes("1"));
  EXPECT_TRUE(emitted.ok()) << emitted.error().message();
  EXPECT_EQ(agent_->emitted(), 1);
}

TEST_F(DstackAttesterTest, PlatformInfoFromInfo) {
  CLLM_REQUIRE_SHARED_FILE(quote_path, "testdata/tdx/dcapqvl_tdx_quote");
  start_agent(quote_path);
  auto a = attester();
  ASSERT_NE(a, nullptr);
  auto info = a->platform_info();
  ASSERT_TRUE(info.ok()) << info.error().message();
  EXPECT_EQ((*info)["attester"], "dstack");
  EXPECT_EQ((*info)["socket"], socket_path());
  EXPECT_EQ((*info)["app_id"], "0123456789abcdef0123456789abcdef01234567");
  EXPECT_EQ((*info)["tcb_info"]["mrtd"], to_hex(Bytes(48, 0xAA)));
  EXPECT_EQ((*info)["tcb_info"]["compose_hash"], to_hex(Bytes(32, 0xCC)));
  EXPECT_EQ((*info)["event_log_entries"], 1);
  EXPECT_FALSE(info->contains("app_cert"));
}

TEST_F(DstackAttesterTest, AgentErrorIsReportedWithItsMessage) {
  CLLM_REQUIRE_SHARED_FILE(quote_path, "testdata/tdx/dcapqvl_tdx_quote");
  start_agent(quote_path);
  agent_->fail_with_500(true);
  auto a = attester();
  ASSERT_NE(a, nullptr);
  auto quote = a->get_quote(report_data(1));
  ASSERT_FALSE(quote.ok());
  const std::string& message = quote.error().message();
  EXPECT_NE(message.find("HTTP 500"), std::string::npos) << message;
  EXPECT_NE(message.find("quote service unavailable"), std::string::npos) << message;
  EXPECT_NE(message.find("/GetQuote"), std::string::npos) << message;
  auto emitted = a->extend_event("x", {});
  ASSERT_FALSE(emitted.ok());
  EXPECT_NE(emitted.error().message().find("/EmitEvent"), std::string::npos);
  EXPECT_FALSE(a->platform_info().ok());
}

TEST_F(DstackAttesterTest, MissingOrWrongSocketIsAClearError) {
  DstackOptions options;
  options.socket_path = (dir_ / "absent.sock").string();
  auto missing = DstackAttester::create(options);
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.error().code(), ErrorCode::kNotFound);
  EXPECT_NE(missing.error().message().find(options.socket_path), std::string::npos);

  options.socket_path = (dir_ / "plain-file").string();
  ASSERT_TRUE(write_file_atomic(options.socket_path, as_bytes("x")).ok());
  auto not_socket = DstackAttester::create(options);
  ASSERT_FALSE(not_socket.ok());
  EXPECT_NE(not_socket.error().message().find("not a unix socket"), std::string::npos);
}

TEST_F(DstackAttesterTest, FindSocketTakesTheFirstSocket) {
  CLLM_REQUIRE_SHARED_FILE(quote_path, "testdata/tdx/dcapqvl_tdx_quote");
  start_agent(quote_path);
  std::string plain = (dir_ / "plain").string();
  ASSERT_TRUE(write_file_atomic(plain, as_bytes("x")).ok());
  EXPECT_EQ(DstackAttester::find_socket({(dir_ / "none").string(), plain, socket_path()}),
            socket_path());
  EXPECT_EQ(DstackAttester::find_socket({plain}), std::nullopt);
  EXPECT_EQ(DstackAttester::default_socket_paths().front(), "/var/run/dstack.sock");
}

TEST_F(DstackAttesterTest, DeadAgentIsATransportError) {
  CLLM_REQUIRE_SHARED_FILE(quote_path, "testdata/tdx/dcapqvl_tdx_quote");
  start_agent(quote_path);
  auto a = attester();
  ASSERT_NE(a, nullptr);
  agent_.reset();  // the socket file may stay, but nobody listens
  auto quote = a->get_quote(report_data(1));
  ASSERT_FALSE(quote.ok());
  EXPECT_NE(quote.error().message().find(socket_path()), std::string::npos)
      << quote.error().message();
}

}  // namespace
}  // namespace cllm::tdx
