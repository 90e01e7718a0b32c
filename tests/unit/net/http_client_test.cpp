#include "cllm/net/http_client.hpp"

#include <gtest/gtest.h>

#include <chrono>
#include <thread>

#include "cllm/net/http_server.hpp"

namespace cllm::net {
namespace {

using namespace std::chrono_literals;

ClientOptions with_timeout(std::chrono::milliseconds timeout) {
  ClientOptions o;
  o.timeout = timeout;
  return o;
}

struct Fixture {
  Fixture() {
    server.route("GET", "/slow", [](const Request&, std::shared_ptr<ResponseWriter> w) {
      std::this_thread::sleep_for(400ms);
      (void)w->send(Response::text(200, "late"));
    });
    server.route("GET", "/big", [](const Request&, std::shared_ptr<ResponseWriter> w) {
      (void)w->send(Response::text(200, std::string(10000, 'b')));
    });
    server.route("GET", "/stream-error", [](const Request&, std::shared_ptr<ResponseWriter> w) {
      (void)w->send(Response::json(503, R"({"error":"busy"})"));
    });
    server.route("GET", "/chunks", [](const Request&, std::shared_ptr<ResponseWriter> w) {
      (void)w->start_stream(200, {});
      for (int i = 0; i < 4; ++i)
        (void)w->write("part" + std::to_string(i) + ";");
    });  // the writer finishes the stream when released
    port = server.listen(ListenAddress::tcp("127.0.0.1", 0)).value();
    EXPECT_TRUE(server.start().ok());
  }
  std::string url(const std::string& path) const {
    return "http://127.0.0.1:" + std::to_string(port) + path;
  }
  HttpServer server;
  std::uint16_t port = 0;
};

TEST(HttpClient, TimesOut) {
  Fixture f;
  HttpClient client(with_timeout(100ms));
  const auto start = std::chrono::steady_clock::now();
  auto resp = client.get(f.url("/slow"));
  ASSERT_FALSE(resp.ok());
  EXPECT_EQ(resp.error().code(), ErrorCode::kIo);
  EXPECT_NE(resp.error().message().find("timed out"), std::string::npos) << resp.error().message();
  EXPECT_LT(std::chrono::steady_clock::now() - start, 350ms);
}

TEST(HttpClient, EnforcesTheResponseSizeLimit) {
  Fixture f;
  ClientOptions small;
  small.max_response_bytes = 1000;
  HttpClient client(small);
  auto resp = client.get(f.url("/big"));
  ASSERT_FALSE(resp.ok());
  EXPECT_EQ(resp.error().code(), ErrorCode::kLimit);
  HttpClient roomy;
  EXPECT_EQ(roomy.get(f.url("/big"))->body.size(), 10000u);
}

TEST(HttpClient, StreamsChunksAndBuffersErrorBodies) {
  Fixture f;
  HttpClient client;
  ClientRequest req;
  req.url = f.url("/chunks");
  std::string got;
  auto resp = client.stream(req, [&](std::string_view chunk) {
    got += chunk;
    return true;
  });
  ASSERT_TRUE(resp.ok()) << resp.error().message();
  EXPECT_EQ(got, "part0;part1;part2;part3;");
  EXPECT_TRUE(resp->body.empty());

  req.url = f.url("/stream-error");
  bool called = false;
  auto err = client.stream(req, [&](std::string_view) { return called = true; });
  ASSERT_TRUE(err.ok());
  EXPECT_EQ(err->status, 503);
  EXPECT_EQ(err->body, R"({"error":"busy"})");
  EXPECT_FALSE(called);
}

TEST(HttpClient, ReportsConnectionFailuresAndBadInput) {
  ClientOptions options;
  options.connect_timeout = 500ms;
  HttpClient client(options);
  // Port 1 on loopback: nothing listens there.
  auto refused = client.get("http://127.0.0.1:1/");
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.error().code(), ErrorCode::kIo);
  EXPECT_NE(refused.error().message().find("127.0.0.1:1"), std::string::npos);
  EXPECT_FALSE(client.get("unix:///nonexistent/dir/x.sock").ok());
  EXPECT_EQ(client.get("ftp://127.0.0.1/").error().code(), ErrorCode::kParse);

  ClientRequest bad_header;
  bad_header.url = "http://127.0.0.1:1/";
  bad_header.headers.add("X-Evil", "a\r\nInjected: yes");
  EXPECT_EQ(client.request(bad_header).error().code(), ErrorCode::kInvalidArgument);
  ClientRequest bad_method;
  bad_method.method = "GET /x";
  bad_method.url = "http://127.0.0.1:1/";
  EXPECT_EQ(client.request(bad_method).error().code(), ErrorCode::kInvalidArgument);
}

}  // namespace
}  // namespace cllm::net
