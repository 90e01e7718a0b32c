// An HTTP/1.1 server (Boost.Beast/Asio in the .cpp; nothing of them here).
//
// Threads: the server runs an io_context on `io_threads` threads for the sockets. Each request
// is handed to its handler on a thread of its own, so a handler may block (run inference,
// stream for minutes) without holding up other connections. The number of concurrent handler
// threads is bounded by max_connections (one request in flight per connection; pipelined
// requests wait their turn).
//
// Lifetime: a handler gets a shared ResponseWriter. It may answer on the spot, or keep the
// writer (hand it to a producer thread) and stream. When the last reference to the writer is
// dropped without an answer, the client gets a 500; a stream left open is finished. stop()
// (and the destructor) waits until every writer is released, so a handler must give up its
// writer once client_gone() is true or a write fails.
#pragma once

#include <atomic>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>

#include "cllm/common/result.hpp"
#include "cllm/net/http_types.hpp"
#include "cllm/net/sse.hpp"
#include "cllm/net/tls_context.hpp"

namespace cllm::net {

// Where a server listens.
struct ListenAddress {
  enum class Kind { kTcp, kUnix };
  Kind kind = Kind::kTcp;
  std::string host = "127.0.0.1";  // an IP literal (v4 or v6); no name resolution
  std::uint16_t port = 0;          // 0: an ephemeral port (listen() returns it)
  std::string path;                // unix socket path; a stale file there is replaced

  static ListenAddress tcp(std::string host, std::uint16_t port) {
    ListenAddress a;
    a.host = std::move(host);
    a.port = port;
    return a;
  }
  static ListenAddress unix_socket(std::string path) {
    ListenAddress a;
    a.kind = Kind::kUnix;
    a.path = std::move(path);
    return a;
  }
};

struct ServerLimits {
  std::size_t max_header_bytes = 16 * 1024;      // request line + fields; over: 431
  std::size_t max_body_bytes = 4 * 1024 * 1024;  // over: 413 (checked on Content-Length too)
  // From the moment the server waits for a request (after accept or after the previous
  // response on a keep-alive connection) until the whole request has been read. Doubles as
  // the keep-alive idle timeout; it also bounds the TLS handshake.
  std::chrono::milliseconds request_timeout{30'000};
  // One write (a response, or one streamed chunk) to a client that does not read.
  std::chrono::milliseconds write_timeout{60'000};
  std::size_t max_connections = 1024;  // more are accepted and closed at once
  std::size_t max_requests_per_connection = 10'000;
  bool keep_alive = true;
};

// Turns a server-generated error (status, message) into a response: used for 400, 404, 405,
// 413, 431 and the 500 of a handler that failed to answer. The default gives
// {"error":{"message":...,"type":...,"code":status}} (OpenAI's error shape).
using ErrorFormatter = std::function<Response(int status, std::string_view message)>;
Response default_error_response(int status, std::string_view message);

struct ServerOptions {
  std::size_t io_threads = 2;
  ServerLimits limits;
  ErrorFormatter error_formatter;         // default_error_response when empty
  std::shared_ptr<TlsServerContext> tls;  // null: plain HTTP on every listener
  std::string server_header = "cllm";     // the Server field; empty: none
};

// Answers one request, either whole (send) or as a chunked stream (start_stream, write...,
// finish). Thread-safe; writes block until the bytes are handed to the socket (backpressure),
// and fail with kIo once the client has gone. Exactly one of send()/start_stream() per request.
class ResponseWriter {
 public:
  virtual ~ResponseWriter() = default;

  // Sends a whole response (Content-Length framing).
  virtual Status send(Response response) = 0;
  // Sends the status line and headers of a chunked response.
  virtual Status start_stream(int status, Headers headers) = 0;
  // Sends one chunk and flushes it (an empty string sends nothing).
  virtual Status write(std::string_view data) = 0;
  // Ends a stream (the last chunk). Also done automatically when the writer is released.
  virtual Status finish() = 0;

  // start_stream with Content-Type: text/event-stream and Cache-Control: no-cache.
  Status start_sse(Headers headers = {});
  // write(format_sse_event(event)).
  Status write_event(const SseEvent& event);

  // True once the client has closed or reset the connection, a write failed or timed out,
  // or the server gave up waiting for this request during stop(). Producers poll it to cancel.
  virtual bool client_gone() const = 0;
  // The same as a flag, for APIs that take a cancellation flag (inference::GenerationRequest).
  virtual const std::atomic<bool>& cancelled_flag() const = 0;
};

using Handler = std::function<void(const Request& request, std::shared_ptr<ResponseWriter>)>;

class HttpServer {
 public:
  explicit HttpServer(ServerOptions options = {});
  ~HttpServer();  // stop() with a zero drain deadline
  HttpServer(const HttpServer&) = delete;
  HttpServer& operator=(const HttpServer&) = delete;

  // Routes, registered before start(). method "" matches any method. An exact path wins over
  // a prefix; among prefixes the longest wins. A path that matches with another method gets
  // 405, no match 404.
  void route(std::string method, std::string path, Handler handler);
  void route_prefix(std::string method, std::string prefix, Handler handler);

  // Binds and listens (plain or TLS per options.tls). Returns the bound TCP port (useful with
  // port 0), or 0 for a unix socket. May be called several times for several addresses.
  Result<std::uint16_t> listen(const ListenAddress& address);
  // Starts the io threads and accepting. Call once.
  Status start();
  // Graceful stop: stops accepting, closes idle keep-alive connections, lets requests in flight
  // (streams included) finish for up to drain_deadline, then closes what is left (writers then
  // report client_gone()) and waits for every writer to be released. Idempotent.
  void stop(std::chrono::milliseconds drain_deadline = std::chrono::milliseconds(5000));

  // Connections open right now (for tests and metrics).
  std::size_t open_connections() const;

  struct Impl;

 private:
  std::shared_ptr<Impl> impl_;
};

}  // namespace cllm::net
