// make_attester: kind selection and the "auto" probe order, against temporary directories (a
// configfs-like tree whose provider a small thread fills in, a bound unix socket standing in
// for the dstack agent). No TDX hardware or dstack agent is involved.
#include "cllm/tdx/attester_factory.hpp"

#include <gtest/gtest.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstring>
#include <filesystem>
#include <set>
#include <thread>

#include "cllm/common/file.hpp"
#include "cllm/tdx/quote.hpp"

namespace cllm::tdx {
namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;

// Fills in each new report entry's attributes, as the kernel does on mkdir.
class ProviderThread {
 public:
  ProviderThread(fs::path root, std::string provider)
      : root_(std::move(root)), provider_(std::move(provider)), thread_([this] { run(); }) {}
  ~ProviderThread() {
    stop_ = true;
    thread_.join();
  }

 private:
  void run() {
    std::set<fs::path> seen;
    while (!stop_) {
      std::error_code ec;
      for (const auto& entry : fs::directory_iterator(root_, ec)) {
        if (!seen.insert(entry.path()).second) continue;
        (void)write_file_atomic((entry.path() / "generation").string(), as_bytes("0\n"));
        (void)write_file_atomic((entry.path() / "provider").string(), as_bytes(provider_ + "\n"));
      }
      std::this_thread::sleep_for(1ms);
    }
  }

  fs::path root_;
  std::string provider_;
  std::atomic<bool> stop_{false};
  std::thread thread_;
};

class AttesterFactoryTest : public ::testing::Test {
 protected:
  void SetUp() override {
    static std::atomic<int> counter{0};
    dir_ = fs::path("/tmp") /
           ("cllm_factory_" + std::to_string(::getpid()) + "_" + std::to_string(counter++));
    fs::remove_all(dir_);
    fs::create_directories(dir_);
    options_.configfs_root = (dir_ / "report").string();
    options_.measurements_dir = (dir_ / "measurements").string();
    options_.dstack_socket = (dir_ / "dstack.sock").string();
    options_.sim_dir = (dir_ / "sim").string();
  }
  void TearDown() override {
    if (socket_fd_ >= 0) ::close(socket_fd_);
    std::error_code ec;
    fs::remove_all(dir_, ec);
  }

  // A listening unix socket where the dstack agent would be (nobody answers on it).
  void bind_dstack_socket() {
    socket_fd_ = ::socket(AF_UNIX, SOCK_STREAM, 0);
    ASSERT_GE(socket_fd_, 0);
    sockaddr_un addr{};
    addr.sun_family = AF_UNIX;
    ASSERT_LT(options_.dstack_socket.size(), sizeof addr.sun_path);
    std::memcpy(addr.sun_path, options_.dstack_socket.c_str(), options_.dstack_socket.size() + 1);
    ASSERT_EQ(::bind(socket_fd_, reinterpret_cast<const sockaddr*>(&addr), sizeof addr), 0)
        << std::strerror(errno);
    ASSERT_EQ(::listen(socket_fd_, 1), 0);
  }

  fs::path dir_;
  AttesterOptions options_;
  int socket_fd_ = -1;
};

TEST_F(AttesterFactoryTest, UnknownKindIsRejected) {
  auto attester = make_attester("sgx", options_);
  ASSERT_FALSE(attester.ok());
  EXPECT_EQ(attester.error().code(), ErrorCode::kInvalidArgument);
  EXPECT_NE(attester.error().message().find("'sgx'"), std::string::npos);
}

TEST_F(AttesterFactoryTest, SimBuildsTheSimulator) {
  auto attester = make_attester("sim", options_);
  ASSERT_TRUE(attester.ok()) << attester.error().message();
  EXPECT_EQ((*attester)->kind(), "sim");
  EXPECT_TRUE((*attester)->simulated());
  EXPECT_TRUE(fs::exists(options_.sim_dir));
}

// `cllm serve --sim-debug`: verifiers must be able to meet a DEBUG TD.
TEST_F(AttesterFactoryTest, SimDebugGivesQuotesWithTheDebugAttribute) {
  for (bool debug : {false, true}) {
    options_.sim_debug = debug;
    auto attester = make_attester("sim", options_);
    ASSERT_TRUE(attester.ok()) << attester.error().message();
    auto bytes = (*attester)->get_quote(ReportData{});
    ASSERT_TRUE(bytes.ok()) << bytes.error().message();
    auto quote = parse_quote(*bytes);
    ASSERT_TRUE(quote.ok()) << quote.error().message();
    ASSERT_NE(quote->td_report(), nullptr);
    EXPECT_EQ(decode_td_attributes(quote->td_report()->td_attributes).debug, debug);
  }
}

TEST_F(AttesterFactoryTest, AutoWithoutAnyTeeSuggestsSim) {
  auto attester = make_attester("auto", options_);
  ASSERT_FALSE(attester.ok());
  EXPECT_EQ(attester.error().code(), ErrorCode::kNotFound);
  const std::string& message = attester.error().message();
  EXPECT_NE(message.find("--tee sim"), std::string::npos) << message;
  EXPECT_NE(message.find(options_.dstack_socket), std::string::npos) << message;
  EXPECT_NE(message.find(options_.configfs_root), std::string::npos) << message;
}

TEST_F(AttesterFactoryTest, AutoPrefersDstack) {
  bind_dstack_socket();
  fs::create_directories(options_.configfs_root);
  ProviderThread kernel(options_.configfs_root, "tdx_guest");
  auto attester = make_attester("auto", options_);
  ASSERT_TRUE(attester.ok()) << attester.error().message();
  EXPECT_EQ((*attester)->kind(), "dstack");
}

TEST_F(AttesterFactoryTest, AutoFallsBackToConfigfsTsm) {
  fs::create_directories(options_.configfs_root);
  ProviderThread kernel(options_.configfs_root, "tdx_guest");
  auto attester = make_attester("auto", options_);
  ASSERT_TRUE(attester.ok()) << attester.error().message();
  EXPECT_EQ((*attester)->kind(), "tdx");
  EXPECT_FALSE((*attester)->simulated());
}

TEST_F(AttesterFactoryTest, AutoRejectsAnotherTsmProvider) {
  fs::create_directories(options_.configfs_root);
  ProviderThread kernel(options_.configfs_root, "sev_guest");
  auto attester = make_attester("auto", options_);
  ASSERT_FALSE(attester.ok());
  EXPECT_NE(attester.error().message().find("sev_guest"), std::string::npos)
      << attester.error().message();
  EXPECT_NE(attester.error().message().find("--tee sim"), std::string::npos);
}

TEST_F(AttesterFactoryTest, ExplicitKindsReportTheirOwnErrors) {
  auto tdx = make_attester("tdx", options_);
  ASSERT_FALSE(tdx.ok());
  EXPECT_NE(tdx.error().message().find("configfs-tsm"), std::string::npos);
  auto dstack = make_attester("dstack", options_);
  ASSERT_FALSE(dstack.ok());
  EXPECT_NE(dstack.error().message().find(options_.dstack_socket), std::string::npos);
}

}  // namespace
}  // namespace cllm::tdx
