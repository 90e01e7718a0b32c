#include "cllm/net/http_server.hpp"

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <future>
#include <thread>
#include <vector>

#include "cllm/common/json.hpp"
#include "cllm/net/http_client.hpp"
#include "cllm/net/url.hpp"

namespace cllm::net {
namespace {

using namespace std::chrono_literals;

std::string base_url(std::uint16_t port) {
  return "http://127.0.0.1:" + std::to_string(port);
}

// A started server on an ephemeral loopback port.
struct TestServer {
  explicit TestServer(ServerOptions options = {}) : server(std::move(options)) {}
  void start() {
    auto p = server.listen(ListenAddress::tcp("127.0.0.1", 0));
    ASSERT_TRUE(p.ok()) << p.error().message();
    port = *p;
    ASSERT_TRUE(server.start().ok());
  }
  std::string url(const std::string& path) const { return base_url(port) + path; }
  HttpServer server;
  std::uint16_t port = 0;
};

// A raw TCP connection for what the client cannot do (pipelining, silence, garbage).
class RawSocket {
 public:
  explicit RawSocket(std::uint16_t port) : fd_(::socket(AF_INET, SOCK_STREAM, 0)) {
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_port = htons(port);
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    connected_ = ::connect(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) == 0;
    timeval tv{2, 0};
    ::setsockopt(fd_, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
  }
  ~RawSocket() { ::close(fd_); }
  bool connected() const { return connected_; }
  int fd() const { return fd_; }
  void send(const std::string& data) {
    ASSERT_EQ(::send(fd_, data.data(), data.size(), 0), static_cast<ssize_t>(data.size()));
  }
  // Reads until the peer closes (or 2 s of silence).
  std::string read_all() {
    std::string out;
    char buf[4096];
    while (true) {
      const ssize_t n = ::recv(fd_, buf, sizeof(buf), 0);
      if (n <= 0) break;
      out.append(buf, static_cast<std::size_t>(n));
    }
    return out;
  }

 private:
  int fd_;
  bool connected_ = false;
};

std::size_t count(const std::string& haystack, const std::string& needle) {
  std::size_t n = 0;
  for (auto pos = haystack.find(needle); pos != std::string::npos;
       pos = haystack.find(needle, pos + 1)) {
    ++n;
  }
  return n;
}

TEST(HttpServer, PlainRoundTrip) {
  TestServer ts;
  ts.server.route("POST", "/echo", [](const Request& req, std::shared_ptr<ResponseWriter> w) {
    Response r = Response::text(200, req.method + " " + req.target + " " + req.body);
    r.headers.set("X-Seen-Header", std::string(req.headers.get("x-custom").value_or("none")));
    r.headers.set("X-Remote", req.remote_address.substr(0, 10));
    (void)w->send(std::move(r));
  });
  ts.start();
  HttpClient client;
  Headers headers;
  headers.add("X-Custom", "v1");
  auto resp = client.post(ts.url("/echo?q=1"), "hello", "text/plain", headers);
  ASSERT_TRUE(resp.ok()) << resp.error().message();
  EXPECT_EQ(resp->status, 200);
  EXPECT_EQ(resp->body, "POST /echo?q=1 hello");
  EXPECT_EQ(resp->headers.get("x-seen-header"), "v1");
  EXPECT_EQ(resp->headers.get("X-Remote"), "127.0.0.1:");
  EXPECT_EQ(resp->headers.get("content-type"), "text/plain; charset=utf-8");
  EXPECT_EQ(resp->headers.get("server"), "cllm");
}

TEST(HttpServer, NotFoundMethodNotAllowedAndHandlerErrors) {
  TestServer ts;
  ts.server.route("GET", "/fail", [](const Request&, std::shared_ptr<ResponseWriter> w) {
    (void)w->send(Response::json(500, R"({"error":"boom"})"));
  });
  ts.server.route("GET", "/silent", [](const Request&, std::shared_ptr<ResponseWriter>) {});
  ts.server.route("GET", "/throws", [](const Request&, std::shared_ptr<ResponseWriter>) {
    throw std::runtime_error("handler bug");
  });
  ts.start();
  HttpClient client;
  auto missing = client.get(ts.url("/nope"));
  ASSERT_TRUE(missing.ok()) << missing.error().message();
  EXPECT_EQ(missing->status, 404);
  auto body = parse_json(missing->body);
  ASSERT_TRUE(body.ok());
  EXPECT_EQ((*body)["error"]["code"], 404);

  auto wrong_method = client.post(ts.url("/fail"), "", "text/plain");
  ASSERT_TRUE(wrong_method.ok());
  EXPECT_EQ(wrong_method->status, 405);

  auto fail = client.get(ts.url("/fail"));
  ASSERT_TRUE(fail.ok());
  EXPECT_EQ(fail->status, 500);
  EXPECT_EQ(fail->body, R"({"error":"boom"})");

  for (const char* path : {"/silent", "/throws"}) {
    auto r = client.get(ts.url(path));
    ASSERT_TRUE(r.ok()) << r.error().message();
    EXPECT_EQ(r->status, 500) << path;
    EXPECT_EQ(r->headers.get("content-type"), "application/json");
  }
}

TEST(HttpServer, ExactRouteBeatsPrefixAndLongestPrefixWins) {
  TestServer ts;
  auto reply = [](std::string text) {
    return [text](const Request&, std::shared_ptr<ResponseWriter> w) {
      (void)w->send(Response::text(200, text));
    };
  };
  ts.server.route_prefix("", "/v1/", reply("v1-prefix"));
  ts.server.route_prefix("", "/v1/models/", reply("models-prefix"));
  ts.server.route("GET", "/v1/models", reply("models-exact"));
  ts.start();
  HttpClient client;
  EXPECT_EQ(client.get(ts.url("/v1/models"))->body, "models-exact");
  EXPECT_EQ(client.get(ts.url("/v1/models/x"))->body, "models-prefix");
  EXPECT_EQ(client.get(ts.url("/v1/chat"))->body, "v1-prefix");
}

TEST(HttpServer, BodyOverLimitGets413FromTheErrorFormatter) {
  ServerOptions options;
  options.limits.max_body_bytes = 1024;
  options.error_formatter = [](int status, std::string_view message) {
    Json j;
    j["status"] = status;
    j["message"] = std::string(message);
    return Response::json(status, j.dump());
  };
  TestServer ts(options);
  std::atomic<int> calls{0};
  ts.server.route("POST", "/upload", [&](const Request&, std::shared_ptr<ResponseWriter> w) {
    ++calls;
    (void)w->send(Response::text(200, "ok"));
  });
  ts.start();
  HttpClient client;
  auto small = client.post(ts.url("/upload"), std::string(1024, 'a'), "text/plain");
  ASSERT_TRUE(small.ok());
  EXPECT_EQ(small->status, 200);
  auto big = client.post(ts.url("/upload"), std::string(4096, 'a'), "text/plain");
  ASSERT_TRUE(big.ok()) << big.error().message();
  EXPECT_EQ(big->status, 413);
  auto body = parse_json(big->body);
  ASSERT_TRUE(body.ok()) << big->body;
  EXPECT_EQ((*body)["status"], 413);
  EXPECT_NE((*body)["message"].get<std::string>().find("1024"), std::string::npos);
  EXPECT_EQ(calls.load(), 1);
}

TEST(HttpServer, ChunkedRequestBodyOverLimitGets413) {
  ServerOptions options;
  options.limits.max_body_bytes = 10;
  TestServer ts(options);
  ts.server.route("POST", "/", [](const Request&, std::shared_ptr<ResponseWriter> w) {
    (void)w->send(Response::text(200, "ok"));
  });
  ts.start();
  RawSocket raw(ts.port);
  raw.send(
      "POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n"
      "8\r\n12345678\r\n8\r\n12345678\r\n0\r\n\r\n");
  const std::string reply = raw.read_all();
  EXPECT_EQ(reply.rfind("HTTP/1.1 413", 0), 0u) << reply;
}

TEST(HttpServer, OversizedHeaderGets431AndGarbageGets400) {
  ServerOptions options;
  options.limits.max_header_bytes = 512;
  TestServer ts(options);
  ts.server.route("GET", "/", [](const Request&, std::shared_ptr<ResponseWriter> w) {
    (void)w->send(Response::text(200, "ok"));
  });
  ts.start();
  {
    RawSocket raw(ts.port);
    raw.send("GET / HTTP/1.1\r\nHost: x\r\nX-Big: " + std::string(1000, 'a') + "\r\n\r\n");
    EXPECT_EQ(raw.read_all().rfind("HTTP/1.1 431", 0), 0u);
  }
  {
    RawSocket raw(ts.port);
    raw.send("NOT HTTP AT ALL\r\n\r\n");
    EXPECT_EQ(raw.read_all().rfind("HTTP/1.1 400", 0), 0u);
  }
}

TEST(HttpServer, KeepAliveServesPipelinedRequestsInOrder) {
  TestServer ts;
  ts.server.route("GET", "/n", [](const Request& req, std::shared_ptr<ResponseWriter> w) {
    if (req.query() == "1") std::this_thread::sleep_for(20ms);  // the second waits its turn
    (void)w->send(Response::text(200, "resp-" + std::string(req.query())));
  });
  ts.start();
  RawSocket raw(ts.port);
  raw.send(
      "GET /n?1 HTTP/1.1\r\nHost: x\r\n\r\nGET /n?2 HTTP/1.1\r\nHost: x\r\n"
      "Connection: close\r\n\r\n");
  const std::string reply = raw.read_all();
  EXPECT_EQ(count(reply, "HTTP/1.1 200"), 2u) << reply;
  const auto first = reply.find("resp-1");
  const auto second = reply.find("resp-2");
  ASSERT_NE(first, std::string::npos);
  ASSERT_NE(second, std::string::npos);
  EXPECT_LT(first, second);
}

TEST(HttpServer, AnswersExpect100ContinueBeforeReadingTheBody) {
  TestServer ts;
  ts.server.route("POST", "/e", [](const Request& req, std::shared_ptr<ResponseWriter> w) {
    (void)w->send(Response::text(200, "got:" + req.body));
  });
  ts.start();
  RawSocket raw(ts.port);
  raw.send(
      "POST /e HTTP/1.1\r\nHost: x\r\nContent-Length: 4\r\nExpect: 100-continue\r\n"
      "Connection: close\r\n\r\n");
  char buf[64] = {};
  const std::string interim = "HTTP/1.1 100 Continue\r\n\r\n";
  ASSERT_EQ(::recv(raw.fd(), buf, interim.size(), MSG_WAITALL),
            static_cast<ssize_t>(interim.size()));
  EXPECT_EQ(std::string(buf, interim.size()), interim);
  raw.send("body");
  const std::string reply = raw.read_all();
  EXPECT_EQ(reply.rfind("HTTP/1.1 200", 0), 0u) << reply;
  EXPECT_NE(reply.find("got:body"), std::string::npos);
}

TEST(HttpServer, HeadGetsHeadersWithoutBody) {
  TestServer ts;
  ts.server.route("", "/h", [](const Request&, std::shared_ptr<ResponseWriter> w) {
    (void)w->send(Response::text(200, "twelve bytes"));
  });
  ts.start();
  RawSocket raw(ts.port);
  raw.send("HEAD /h HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
  const std::string reply = raw.read_all();
  EXPECT_NE(reply.find("Content-Length: 12\r\n"), std::string::npos) << reply;
  EXPECT_EQ(reply.find("twelve"), std::string::npos);
}

TEST(HttpServer, IdleConnectionIsClosedAfterTheRequestTimeout) {
  ServerOptions options;
  options.limits.request_timeout = 150ms;
  TestServer ts(options);
  ts.start();
  RawSocket raw(ts.port);
  const auto start = std::chrono::steady_clock::now();
  EXPECT_EQ(raw.read_all(), "");
  EXPECT_LT(std::chrono::steady_clock::now() - start, 1500ms);
}

TEST(HttpServer, SseEventsArriveBeforeTheHandlerFinishes) {
  TestServer ts;
  std::promise<void> first_seen;
  auto first_seen_future = first_seen.get_future().share();
  std::atomic<bool> handler_done{false};
  ts.server.route("GET", "/events", [&](const Request&, std::shared_ptr<ResponseWriter> w) {
    ASSERT_TRUE(w->start_sse().ok());
    SseEvent e;
    e.data = "one";
    ASSERT_TRUE(w->write_event(e).ok());
    // Continue only once the client has the first event: proof that it was flushed.
    ASSERT_EQ(first_seen_future.wait_for(2s), std::future_status::ready);
    e.data = "two\nlines";
    e.event = "second";
    ASSERT_TRUE(w->write_event(e).ok());
    ASSERT_TRUE(w->write(format_sse_data("[DONE]")).ok());
    ASSERT_TRUE(w->finish().ok());
    handler_done = true;
  });
  ts.start();
  HttpClient client;
  ClientRequest req;
  req.url = ts.url("/events");
  std::vector<SseEvent> events;
  bool handler_was_running_at_first_event = false;
  auto resp = client.stream_sse(req, [&](const SseEvent& e) {
    events.push_back(e);
    if (events.size() == 1) {
      handler_was_running_at_first_event = !handler_done.load();
      first_seen.set_value();
    }
    return true;
  });
  ASSERT_TRUE(resp.ok()) << resp.error().message();
  EXPECT_EQ(resp->status, 200);
  EXPECT_EQ(resp->headers.get("content-type"), "text/event-stream");
  EXPECT_EQ(resp->headers.get("transfer-encoding"), "chunked");
  ASSERT_EQ(events.size(), 3u);
  EXPECT_TRUE(handler_was_running_at_first_event);
  EXPECT_EQ(events[0].data, "one");
  EXPECT_EQ(events[1].event, "second");
  EXPECT_EQ(events[1].data, "two\nlines");
  EXPECT_EQ(events[2].data, "[DONE]");
}

TEST(HttpServer, WritesFromSeveralThreadsDoNotInterleave) {
  TestServer ts;
  ts.server.route("GET", "/fan", [](const Request&, std::shared_ptr<ResponseWriter> w) {
    (void)w->start_sse();
    std::vector<std::thread> producers;
    for (int t = 0; t < 4; ++t) {
      producers.emplace_back([w, t] {
        for (int i = 0; i < 50; ++i) {
          (void)w->write(format_sse_data(std::string(100, static_cast<char>('a' + t))));
        }
      });
    }
    for (auto& p : producers)
      p.join();
  });
  ts.start();
  HttpClient client;
  ClientRequest req;
  req.url = ts.url("/fan");
  int events = 0;
  bool intact = true;
  auto resp = client.stream_sse(req, [&](const SseEvent& e) {
    ++events;
    intact = intact && e.data.size() == 100 && e.data == std::string(100, e.data[0]);
    return true;
  });
  ASSERT_TRUE(resp.ok()) << resp.error().message();
  EXPECT_EQ(events, 200);
  EXPECT_TRUE(intact);
}

TEST(HttpServer, WriterReportsClientGoneMidStream) {
  TestServer ts;
  std::promise<bool> saw_gone;
  ts.server.route("GET", "/forever", [&](const Request&, std::shared_ptr<ResponseWriter> w) {
    (void)w->start_sse();
    const auto deadline = std::chrono::steady_clock::now() + 3s;
    bool gone = false;
    while (std::chrono::steady_clock::now() < deadline) {
      if (!w->write(format_sse_data("tick")).ok() || w->client_gone()) {
        gone = true;
        break;
      }
      std::this_thread::sleep_for(5ms);
    }
    EXPECT_TRUE(w->cancelled_flag().load());
    saw_gone.set_value(gone);
  });
  ts.start();
  HttpClient client;
  ClientRequest req;
  req.url = ts.url("/forever");
  int received = 0;
  auto resp = client.stream_sse(req, [&](const SseEvent&) { return ++received < 3; });
  ASSERT_TRUE(resp.ok()) << resp.error().message();
  EXPECT_EQ(received, 3);
  auto future = saw_gone.get_future();
  ASSERT_EQ(future.wait_for(2s), std::future_status::ready);
  EXPECT_TRUE(future.get());
}

TEST(HttpServer, GracefulStopDrainsAnInFlightStream) {
  auto ts = std::make_unique<TestServer>();
  std::promise<void> streaming;
  ts->server.route("GET", "/count", [&](const Request&, std::shared_ptr<ResponseWriter> w) {
    (void)w->start_sse();
    for (int i = 0; i < 5; ++i) {
      (void)w->write(format_sse_data(std::to_string(i)));
      if (i == 0) streaming.set_value();
      std::this_thread::sleep_for(20ms);
    }
    (void)w->finish();
  });
  ts->start();
  const std::uint16_t port = ts->port;
  std::thread stopper([&] {
    streaming.get_future().wait();
    ts->server.stop(2s);
  });
  HttpClient client;
  ClientRequest req;
  req.url = ts->url("/count");
  std::vector<std::string> data;
  auto resp = client.stream_sse(req, [&](const SseEvent& e) {
    data.push_back(e.data);
    return true;
  });
  stopper.join();
  ASSERT_TRUE(resp.ok()) << resp.error().message();
  EXPECT_EQ(data, (std::vector<std::string>{"0", "1", "2", "3", "4"}));
  // Stopped: nothing listens any more.
  ClientOptions quick_options;
  quick_options.connect_timeout = 500ms;
  HttpClient quick(quick_options);
  EXPECT_FALSE(quick.get(base_url(port) + "/count").ok());
  EXPECT_EQ(ts->server.open_connections(), 0u);
}

TEST(HttpServer, StopDeadlineCancelsStreamsThatDoNotEnd) {
  TestServer ts;
  std::promise<void> streaming;
  std::atomic<bool> cancelled{false};
  ts.server.route("GET", "/endless", [&](const Request&, std::shared_ptr<ResponseWriter> w) {
    (void)w->start_sse();
    (void)w->write(format_sse_data("x"));
    streaming.set_value();
    while (!w->client_gone())
      std::this_thread::sleep_for(2ms);
    cancelled = true;
  });
  ts.start();
  std::thread client_thread([&] {
    HttpClient client;
    ClientRequest req;
    req.url = ts.url("/endless");
    (void)client.stream_sse(req, [](const SseEvent&) { return true; });
  });
  streaming.get_future().wait();
  const auto start = std::chrono::steady_clock::now();
  ts.server.stop(100ms);
  EXPECT_LT(std::chrono::steady_clock::now() - start, 2s);
  EXPECT_TRUE(cancelled.load());
  client_thread.join();
}

TEST(HttpServer, UnixSocketRoundTrip) {
  char dir_template[] = "/tmp/cllm-net-test-XXXXXX";
  ASSERT_NE(::mkdtemp(dir_template), nullptr);
  const std::string path = std::string(dir_template) + "/api.sock";
  {
    HttpServer server;
    server.route("POST", "/GetQuote", [](const Request& req, std::shared_ptr<ResponseWriter> w) {
      (void)w->send(Response::json(
          200, R"({"remote":")" + req.remote_address + R"(","body":")" + req.body + "\"}"));
    });
    auto port = server.listen(ListenAddress::unix_socket(path));
    ASSERT_TRUE(port.ok()) << port.error().message();
    EXPECT_EQ(*port, 0);
    ASSERT_TRUE(server.start().ok());

    HttpClient client;
    ClientRequest req;
    req.method = "POST";
    req.url = "unix://" + path;
    req.target = "/GetQuote";
    req.body = "abc";
    auto resp = client.request(req);
    ASSERT_TRUE(resp.ok()) << resp.error().message();
    EXPECT_EQ(resp->status, 200);
    EXPECT_EQ(resp->body, R"({"remote":"unix","body":"abc"})");

    auto encoded =
        client.post("http+unix://" + percent_encode(path) + "/GetQuote", "x", "application/json");
    ASSERT_TRUE(encoded.ok()) << encoded.error().message();
    EXPECT_EQ(encoded->body, R"({"remote":"unix","body":"x"})");
    server.stop();
  }
  ::unlink(path.c_str());
  ::rmdir(dir_template);
}

TEST(HttpServer, EightParallelClients) {
  ServerOptions options;
  options.io_threads = 2;
  TestServer ts(options);
  std::atomic<int> concurrent{0};
  std::atomic<int> peak{0};
  ts.server.route("POST", "/work", [&](const Request& req, std::shared_ptr<ResponseWriter> w) {
    const int now = ++concurrent;
    int prev = peak.load();
    while (now > prev && !peak.compare_exchange_weak(prev, now)) {
    }
    std::this_thread::sleep_for(30ms);
    --concurrent;
    (void)w->send(Response::text(200, "done:" + req.body));
  });
  ts.start();
  std::vector<std::thread> threads;
  std::vector<std::string> results(8);
  for (int i = 0; i < 8; ++i) {
    threads.emplace_back([&, i] {
      HttpClient client;
      for (int j = 0; j < 3; ++j) {
        auto r = client.post(ts.url("/work"), std::to_string(i), "text/plain");
        results[static_cast<std::size_t>(i)] = r.ok() ? r->body : r.error().message();
      }
    });
  }
  for (auto& t : threads)
    t.join();
  for (int i = 0; i < 8; ++i)
    EXPECT_EQ(results[static_cast<std::size_t>(i)], "done:" + std::to_string(i));
  EXPECT_GT(peak.load(), 1);  // handlers really ran in parallel
}

TEST(HttpServer, ListenRejectsNonIpHostAndNonSocketPath) {
  HttpServer server;
  EXPECT_FALSE(server.listen(ListenAddress::tcp("localhost", 0)).ok());
  char file_template[] = "/tmp/cllm-net-not-a-socket-XXXXXX";
  const int fd = ::mkstemp(file_template);
  ASSERT_GE(fd, 0);
  ::close(fd);
  EXPECT_FALSE(server.listen(ListenAddress::unix_socket(file_template)).ok());
  ::unlink(file_template);
  EXPECT_FALSE(server.listen(ListenAddress::unix_socket("/tmp/" + std::string(200, 'a'))).ok());
}

}  // namespace
}  // namespace cllm::net
