#include "cllm/net/http_client.hpp"

#include <openssl/ssl.h>
#include <openssl/x509v3.h>

#include <boost/asio/connect.hpp>
#include <boost/asio/generic/stream_protocol.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/local/stream_protocol.hpp>
#include <boost/asio/ssl/error.hpp>
#include <boost/asio/ssl/stream.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http/error.hpp>
#include <boost/beast/http/parser.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/string_body.hpp>
#include <optional>

#include "cllm/crypto/evp_ptr.hpp"
#include "cllm/net/tls_internal.hpp"
#include "cllm/net/url.hpp"

namespace cllm::net {
namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using error_code = boost::system::error_code;
using Socket = asio::generic::stream_protocol::socket;
using SslStream = asio::ssl::stream<Socket>;

namespace {

bool valid_target(std::string_view target) {
  if (target.empty() || target.front() != '/') return false;
  for (const char c : target) {
    const auto b = static_cast<unsigned char>(c);
    if (b <= 0x20 || b >= 0x7f) return false;
  }
  return true;
}

bool valid_method(std::string_view method) {
  if (method.empty() || method.size() > 32) return false;
  for (const char c : method) {
    if (c < 'A' || c > 'Z') return false;
  }
  return true;
}

bool valid_field(const std::string& name, const std::string& value) {
  if (name.empty() || name.find_first_of(" \t\r\n:") != std::string::npos) return false;
  return value.find_first_of(std::string_view("\r\n\0", 3)) == std::string::npos;
}

bool is_client_owned(const std::string& name) {
  return iequals(name, "Host") || iequals(name, "Content-Length") ||
         iequals(name, "Transfer-Encoding") || iequals(name, "Connection");
}

// One request on one connection. All asynchronous operations run on a private io_context on
// the calling thread; a single timer closes the socket when the current deadline passes, which
// makes the pending operation fail.
class Exchange {
 public:
  Exchange(const ClientOptions& options, const ClientRequest& request)
      : options_(options), request_(request), timer_(ioc_) {}

  Result<ClientResponse> run(const BodyCallback* on_body) {
    CLLM_ASSIGN_OR_RETURN(url_, parse_url(request_.url));
    target_ = request_.target.empty() ? url_.target : request_.target;
    if (!valid_target(target_)) {
      return make_error(ErrorCode::kInvalidArgument, "http client: invalid request target");
    }
    if (!valid_method(request_.method)) {
      return make_error(ErrorCode::kInvalidArgument, "http client: invalid method");
    }
    for (const auto& [name, value] : request_.headers.fields()) {
      if (!valid_field(name, value)) {
        return make_error(ErrorCode::kInvalidArgument,
                          "http client: invalid request header field \"" + name + "\"");
      }
    }
    where_ = url_.scheme == Scheme::kUnix ? "unix:" + url_.socket_path
                                          : url_.host + ":" + std::to_string(url_.port);
    if (url_.scheme == Scheme::kHttps) {
      if (!options_.tls) {
        return make_error(ErrorCode::kInvalidArgument,
                          "http client: https:// needs ClientOptions::tls");
      }
      CLLM_TRY(connect());
      SslStream stream(std::move(*socket_), options_.tls->impl().context);
      socket_.reset();
      lowest_ = &stream.next_layer();
      CLLM_TRY(handshake(stream));
      auto response = exchange(stream, on_body);
      if (response) response->peer_certificate_der = peer_der_;
      return response;
    }
    CLLM_TRY(connect());
    lowest_ = &*socket_;
    return exchange(*socket_, on_body);
  }

 private:
  Error io_error(std::string_view what, const error_code& ec) const {
    if (timed_out_) {
      return make_error(ErrorCode::kIo,
                        "http client: " + std::string(what) + " " + where_ + ": timed out");
    }
    return make_error(ErrorCode::kIo,
                      "http client: " + std::string(what) + " " + where_ + ": " + ec.message());
  }

  void arm(std::chrono::milliseconds timeout) {
    timer_.expires_after(timeout);
    timer_.async_wait([this](const error_code& ec) {
      if (ec) return;
      timed_out_ = true;
      error_code ignored;
      if (lowest_ != nullptr) lowest_->close(ignored);
      if (socket_) socket_->close(ignored);
      if (resolver_) resolver_->cancel();
    });
  }

  // Runs the io_context until the operation started by `start` completes.
  template <class Start>
  error_code await(Start&& start) {
    std::optional<error_code> result;
    start([&result](const error_code& ec, auto&&...) { result = ec; });
    ioc_.restart();
    while (!result && ioc_.run_one() > 0) {
    }
    return result.value_or(asio::error::operation_aborted);
  }

  Status connect() {
    arm(options_.connect_timeout);
    socket_.emplace(ioc_);
    if (url_.scheme == Scheme::kUnix) {
      const asio::local::stream_protocol::endpoint ep(url_.socket_path);
      const error_code ec = await([&](auto handler) { socket_->async_connect(ep, handler); });
      if (ec) return io_error("connect to", ec);
      return ok_status();
    }
    resolver_.emplace(ioc_);
    asio::ip::tcp::resolver::results_type results;
    const error_code rec = await([&](auto handler) {
      resolver_->async_resolve(url_.host, std::to_string(url_.port),
                               [&results, handler](const error_code& ec, auto r) mutable {
                                 results = std::move(r);
                                 handler(ec);
                               });
    });
    if (rec) return io_error("resolve", rec);
    error_code last = asio::error::host_not_found;
    for (const auto& entry : results) {
      error_code ignored;
      socket_->close(ignored);
      const asio::generic::stream_protocol::endpoint ep(entry.endpoint());
      last = await([&](auto handler) { socket_->async_connect(ep, handler); });
      if (!last) {
        socket_->set_option(asio::ip::tcp::no_delay(true), ignored);
        return ok_status();
      }
      if (timed_out_) break;
    }
    return io_error("connect to", last);
  }

  Status handshake(SslStream& stream) {
    SSL* ssl = stream.native_handle();
    const auto& tls = options_.tls->options();
    if (!url_.host_is_ip_literal()) {
      // SNI (SSL_set_tlsext_host_name, spelled out: the macro uses C casts). Not for IPs.
      if (SSL_ctrl(ssl, SSL_CTRL_SET_TLSEXT_HOSTNAME, TLSEXT_NAMETYPE_host_name,
                   const_cast<char*>(url_.host.c_str())) != 1) {
        return crypto::openssl_error("http client: setting SNI");
      }
    }
    if (!tls.verify_peer && tls.verify_hostname) {
      const int set = url_.host_is_ip_literal()
                          ? X509_VERIFY_PARAM_set1_ip_asc(SSL_get0_param(ssl), url_.host.c_str())
                          : SSL_set1_host(ssl, url_.host.c_str());
      if (set != 1) return crypto::openssl_error("http client: setting the expected host name");
    }
    detail::take_verify_error();
    const error_code ec = await(
        [&](auto handler) { stream.async_handshake(asio::ssl::stream_base::client, handler); });
    if (ec) {
      const std::string callback_error = detail::take_verify_error();
      if (!callback_error.empty()) {
        return make_error(ErrorCode::kVerification,
                          "http client: TLS peer rejected (" + where_ + "): " + callback_error);
      }
      const long verify = SSL_get_verify_result(ssl);
      if (verify != X509_V_OK) {
        return make_error(ErrorCode::kVerification,
                          "http client: TLS certificate verification failed (" + where_ +
                              "): " + X509_verify_cert_error_string(verify));
      }
      return io_error("TLS handshake with", ec);
    }
    X509* peer = SSL_get0_peer_certificate(ssl);
    if (peer != nullptr) {
      const int len = i2d_X509(peer, nullptr);
      if (len > 0) {
        peer_der_.resize(static_cast<std::size_t>(len));
        unsigned char* p = peer_der_.data();
        i2d_X509(peer, &p);
      }
    }
    return ok_status();
  }

  std::string serialize() const {
    std::string out = request_.method + " " + target_ + " HTTP/1.1\r\n";
    out += "Host: " + url_.host_header() + "\r\n";
    if (!options_.user_agent.empty() && !request_.headers.contains("User-Agent")) {
      out += "User-Agent: " + options_.user_agent + "\r\n";
    }
    for (const auto& [name, value] : request_.headers.fields()) {
      if (is_client_owned(name)) continue;
      out += name + ": " + value + "\r\n";
    }
    const bool has_body = !request_.body.empty() || request_.method == "POST" ||
                          request_.method == "PUT" || request_.method == "PATCH";
    if (has_body) out += "Content-Length: " + std::to_string(request_.body.size()) + "\r\n";
    out += "Connection: close\r\n\r\n";
    out += request_.body;
    return out;
  }

  template <class Stream>
  Result<ClientResponse> exchange(Stream& stream, const BodyCallback* on_body) {
    arm(options_.timeout);
    const std::string wire = serialize();
    error_code ec =
        await([&](auto handler) { asio::async_write(stream, asio::buffer(wire), handler); });
    if (ec) return io_error("sending to", ec);

    http::response_parser<http::string_body> parser;
    parser.header_limit(
        static_cast<std::uint32_t>(std::min<std::size_t>(options_.max_header_bytes, UINT32_MAX)));
    parser.body_limit(options_.max_response_bytes);
    if (request_.method == "HEAD") parser.skip(true);
    beast::flat_buffer buffer;
    ec = await([&](auto handler) { http::async_read_header(stream, buffer, parser, handler); });
    if (ec) return read_error(ec, "reading the response header from");

    ClientResponse response;
    response.status = static_cast<int>(parser.get().result_int());
    for (const auto& field : parser.get()) {
      response.headers.add(std::string(field.name_string()), std::string(field.value()));
    }
    if (request_.on_response_head) request_.on_response_head(response.status, response.headers);
    const bool streaming = on_body != nullptr && response.status >= 200 && response.status < 300;
    if (!streaming) {
      ec = await([&](auto handler) { http::async_read(stream, buffer, parser, handler); });
      if (ec) return read_error(ec, "reading the response body from");
      response.body = std::move(parser.get().body());
      return response;
    }

    if (options_.max_stream_bytes == 0) {
      parser.body_limit(boost::none);
    } else {
      parser.body_limit(options_.max_stream_bytes);
    }
    while (!parser.is_done()) {
      arm(options_.timeout);
      ec = await([&](auto handler) { http::async_read_some(stream, buffer, parser, handler); });
      auto& body = parser.get().body();
      if (!body.empty()) {
        const bool more = (*on_body)(body);
        body.clear();
        if (!more) return response;
      }
      if (ec) return read_error(ec, "reading the response stream from");
    }
    return response;
  }

  Error read_error(const error_code& ec, std::string_view what) const {
    if (ec == http::error::body_limit) {
      return make_error(ErrorCode::kLimit,
                        "http client: response body from " + where_ + " exceeds the size limit");
    }
    if (ec == http::error::header_limit) {
      return make_error(ErrorCode::kLimit,
                        "http client: response header from " + where_ + " exceeds the size limit");
    }
    if (!timed_out_ && ec.category() == http::make_error_code(http::error::bad_method).category() &&
        ec != http::error::partial_message && ec != http::error::end_of_stream) {
      return make_error(ErrorCode::kParse,
                        "http client: malformed response from " + where_ + ": " + ec.message());
    }
    return io_error(what, ec);
  }

  const ClientOptions& options_;
  const ClientRequest& request_;
  asio::io_context ioc_;
  asio::steady_timer timer_;
  std::optional<asio::ip::tcp::resolver> resolver_;
  std::optional<Socket> socket_;
  Socket* lowest_ = nullptr;
  bool timed_out_ = false;
  Url url_;
  std::string target_;
  std::string where_;
  Bytes peer_der_;
};

}  // namespace

HttpClient::HttpClient(ClientOptions options) : options_(std::move(options)) {}

Result<ClientResponse> HttpClient::request(const ClientRequest& request) const {
  Exchange exchange(options_, request);
  return exchange.run(nullptr);
}

Result<ClientResponse> HttpClient::get(std::string_view url, Headers headers) const {
  ClientRequest request;
  request.url = std::string(url);
  request.headers = std::move(headers);
  return this->request(request);
}

Result<ClientResponse> HttpClient::post(std::string_view url, std::string body,
                                        std::string_view content_type, Headers headers) const {
  ClientRequest request;
  request.method = "POST";
  request.url = std::string(url);
  request.headers = std::move(headers);
  request.headers.set("Content-Type", std::string(content_type));
  request.body = std::move(body);
  return this->request(request);
}

Result<ClientResponse> HttpClient::stream(const ClientRequest& request,
                                          const BodyCallback& on_body) const {
  Exchange exchange(options_, request);
  return exchange.run(&on_body);
}

Result<ClientResponse> HttpClient::stream_sse(const ClientRequest& request,
                                              const SseCallback& on_event) const {
  SseParser parser;
  std::optional<Error> parse_error;
  const BodyCallback on_body = [&](std::string_view chunk) {
    auto events = parser.feed(chunk);
    if (!events) {
      parse_error = std::move(events).error();
      return false;
    }
    for (const auto& event : *events) {
      if (!on_event(event)) return false;
    }
    return true;
  };
  auto response = stream(request, on_body);
  if (parse_error) return parse_error->context("http client: event stream");
  return response;
}

}  // namespace cllm::net
