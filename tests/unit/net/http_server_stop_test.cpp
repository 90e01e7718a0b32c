// Regression: HttpServer::stop() posted the acceptor's close to the io threads and then stopped
// the io_context, so the close could be dropped and the port kept listening after stop()
// returned. A client connecting then sat in the kernel's backlog until its own timeout (seen
// as a 30 s hang in tests/integration/cli_quote_collateral_test.cpp) instead of being refused.
#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstring>

#include "cllm/net/http_server.hpp"

namespace cllm::net {
namespace {

// connect() to 127.0.0.1:port; 0 on success, else errno.
int connect_errno(std::uint16_t port) {
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  if (fd < 0) return errno;
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(port);
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  const int rc = ::connect(fd, reinterpret_cast<const sockaddr*>(&addr), sizeof addr);
  const int err = rc == 0 ? 0 : errno;
  ::close(fd);
  return err;
}

TEST(HttpServerStop, PortRefusesConnectionsOnceStopReturns) {
  // The race lost the close only sometimes; repeat so that a regression shows.
  for (int i = 0; i < 50; ++i) {
    HttpServer server;
    server.route("GET", "/", [](const Request&, std::shared_ptr<ResponseWriter> w) {
      (void)w->send(Response::text(200, "ok"));
    });
    auto port = server.listen(ListenAddress::tcp("127.0.0.1", 0));
    ASSERT_TRUE(port.ok()) << port.error().message();
    ASSERT_TRUE(server.start().ok());
    ASSERT_EQ(connect_errno(*port), 0);  // listening
    server.stop(std::chrono::milliseconds(0));
    ASSERT_EQ(connect_errno(*port), ECONNREFUSED) << "iteration " << i << ": still listening";
  }
}

}  // namespace
}  // namespace cllm::net
