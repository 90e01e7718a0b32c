// A blocking HTTP/1.1 client for http://, https:// and HTTP over unix sockets (unix:// and
// http+unix://, see url.hpp). One connection per request (Connection: close); the calling
// thread does all the work, so a client object may be shared by threads. Beast and Asio stay
// in the .cpp.
#pragma once

#include <chrono>
#include <cstddef>
#include <functional>
#include <memory>
#include <string>
#include <string_view>

#include "cllm/common/bytes.hpp"
#include "cllm/common/result.hpp"
#include "cllm/net/http_types.hpp"
#include "cllm/net/sse.hpp"
#include "cllm/net/tls_context.hpp"

namespace cllm::net {

struct ClientOptions {
  // Required for https:// URLs; there is no implicit default trust.
  std::shared_ptr<TlsClientContext> tls;
  // Name resolution plus TCP (or unix socket) connect plus the TLS handshake.
  std::chrono::milliseconds connect_timeout{10'000};
  // Buffered requests: from connect to the last byte of the response. Streams: the longest
  // silence between two reads.
  std::chrono::milliseconds timeout{30'000};
  std::size_t max_header_bytes = 64 * 1024;
  std::size_t max_response_bytes = 16 * 1024 * 1024;  // buffered bodies (and error bodies)
  std::size_t max_stream_bytes = 0;                   // streamed bodies; 0 = no bound
  std::string user_agent = "cllm";
};

struct ClientRequest {
  std::string method = "GET";
  std::string url;
  // Overrides the URL's path and query. Needed with unix:// URLs, which name only the socket.
  std::string target;
  Headers headers;  // Host, Content-Length and Connection are set by the client
  std::string body;
  // Called once with the status and headers, before any body byte reaches a stream callback
  // (downloads decide from a 206 or 200 whether to append or start over).
  std::function<void(int status, const Headers& headers)> on_response_head;
};

struct ClientResponse {
  int status = 0;
  Headers headers;
  std::string body;  // empty for successful streamed responses (the callback got it)
  // https only: the server's leaf certificate (DER), for callers that bind to it (RA-TLS).
  Bytes peer_certificate_der;
};

// Receives a streamed body piece by piece; return false to stop reading (the connection is
// closed and the request still succeeds with what was received).
using BodyCallback = std::function<bool(std::string_view chunk)>;
using SseCallback = std::function<bool(const SseEvent& event)>;

class HttpClient {
 public:
  explicit HttpClient(ClientOptions options = {});

  // Sends the request and reads the whole response. Any status is a success here; transport,
  // TLS, framing and size failures are errors (kIo, kVerification for a rejected server
  // certificate, kLimit, kParse).
  Result<ClientResponse> request(const ClientRequest& request) const;
  Result<ClientResponse> get(std::string_view url, Headers headers = {}) const;
  Result<ClientResponse> post(std::string_view url, std::string body, std::string_view content_type,
                              Headers headers = {}) const;

  // Like request(), but hands a 2xx body to on_body as it arrives (chunked or not). Non-2xx
  // bodies are read whole (bounded by max_response_bytes) into the response instead.
  Result<ClientResponse> stream(const ClientRequest& request, const BodyCallback& on_body) const;
  // stream() through an SseParser: on_event gets each complete event.
  Result<ClientResponse> stream_sse(const ClientRequest& request,
                                    const SseCallback& on_event) const;

  const ClientOptions& options() const { return options_; }

 private:
  ClientOptions options_;
};

}  // namespace cllm::net
