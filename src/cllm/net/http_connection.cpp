// One server connection: reads requests (limits, timeouts, 100-continue), runs the handler
// on a thread of its own, writes whole or chunked responses for the ResponseWriter, notices a
// client that goes away, and closes gracefully.
#include <boost/asio/post.hpp>
#include <boost/asio/ssl/stream.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/stream_traits.hpp>
#include <boost/beast/http/error.hpp>
#include <boost/beast/http/parser.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/string_body.hpp>
#include <cstdio>
#include <ctime>
#include <future>

#include "cllm/common/log.hpp"
#include "cllm/net/server_internal.hpp"

namespace cllm::net {
namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using error_code = boost::system::error_code;
using SslStream = asio::ssl::stream<Socket>;

namespace {

// How much a connection reads ahead (pipelined requests) while a handler runs, and how much
// it drains after a final response before closing (so the kernel does not reset the
// connection and destroy the response in flight).
constexpr std::size_t kMaxReadAhead = 64 * 1024;
constexpr std::size_t kMaxLingerBytes = 1024 * 1024;
constexpr std::chrono::milliseconds kLingerTime{2000};

std::string http_date() {
  const std::time_t now = std::time(nullptr);
  std::tm tm{};
  gmtime_r(&now, &tm);
  char buf[64];
  const std::size_t n = std::strftime(buf, sizeof(buf), "%a, %d %b %Y %H:%M:%S GMT", &tm);
  return std::string(buf, n);
}

bool is_token_char(char c) {
  if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')) return true;
  return std::string_view("!#$%&'*+-.^_`|~").find(c) != std::string_view::npos;
}

// A field a handler set is written only if it cannot break the framing.
bool is_safe_field(const std::string& name, const std::string& value) {
  if (name.empty()) return false;
  for (const char c : name) {
    if (!is_token_char(c)) return false;
  }
  return value.find_first_of(std::string_view("\r\n\0", 3)) == std::string::npos;
}

// Fields whose value the server owns (framing and connection management).
bool is_framing_field(const std::string& name) {
  return iequals(name, "Content-Length") || iequals(name, "Transfer-Encoding") ||
         iequals(name, "Connection") || iequals(name, "Keep-Alive") || iequals(name, "Date") ||
         iequals(name, "Server");
}

bool status_has_body(int status) {
  return !(status < 200 || status == 204 || status == 304);
}

std::string response_head(int status, const Headers& headers, const std::string& server,
                          std::optional<std::size_t> content_length, bool keep_alive) {
  std::string out = "HTTP/1.1 " + std::to_string(status) + " ";
  out += reason_phrase(status);
  out += "\r\nDate: " + http_date() + "\r\n";
  if (!server.empty()) out += "Server: " + server + "\r\n";
  for (const auto& [name, value] : headers.fields()) {
    if (is_framing_field(name)) continue;
    if (!is_safe_field(name, value)) {
      spdlog::warn("http server: dropped a response field with an invalid name or value");
      continue;
    }
    out += name + ": " + value + "\r\n";
  }
  if (status_has_body(status)) {
    if (content_length) {
      out += "Content-Length: " + std::to_string(*content_length) + "\r\n";
    } else {
      out += "Transfer-Encoding: chunked\r\n";
    }
  }
  out += keep_alive ? "Connection: keep-alive\r\n\r\n" : "Connection: close\r\n\r\n";
  return out;
}

std::string chunk(std::string_view data) {
  char size[32];
  const int n = std::snprintf(size, sizeof(size), "%zx\r\n", data.size());
  std::string out(size, static_cast<std::size_t>(n));
  out.append(data);
  out += "\r\n";
  return out;
}

class Writer final : public ResponseWriter {
 public:
  Writer(std::shared_ptr<ConnectionBase> conn, HttpServer::Impl& server)
      : conn_(std::move(conn)), server_(server) {
    server_.writer_created();
  }

  ~Writer() override {
    State state;
    {
      std::lock_guard lock(mutex_);
      state = state_;
    }
    if (state == State::kNone) {
      const Response r = server_.options.error_formatter(500, "the handler produced no response");
      conn_->post_response(r.status, r.headers, r.body, [](const Status&) {});
    } else if (state == State::kStreaming) {
      conn_->post_chunk({}, true, [](const Status&) {});
    }
    conn_.reset();
    server_.writer_released();
  }

  Status send(Response response) override {
    std::lock_guard io(io_mutex_);
    CLLM_TRY(transition(State::kNone, State::kDone, "send"));
    return wait([&](Done done) {
      conn_->post_response(response.status, std::move(response.headers), std::move(response.body),
                           std::move(done));
    });
  }

  Status start_stream(int status, Headers headers) override {
    std::lock_guard io(io_mutex_);
    CLLM_TRY(transition(State::kNone, State::kStreaming, "start_stream"));
    return wait([&](Done done) {
      conn_->post_response(status, std::move(headers), std::nullopt, std::move(done));
    });
  }

  Status write(std::string_view data) override {
    std::lock_guard io(io_mutex_);
    {
      std::lock_guard lock(mutex_);
      if (state_ != State::kStreaming) {
        return make_error(ErrorCode::kInvalidArgument, "http server: write() without a stream");
      }
    }
    if (conn_->gone_flag().load()) return gone_error();
    if (data.empty()) return ok_status();
    return wait([&](Done done) { conn_->post_chunk(std::string(data), false, std::move(done)); });
  }

  Status finish() override {
    std::lock_guard io(io_mutex_);
    CLLM_TRY(transition(State::kStreaming, State::kDone, "finish"));
    return wait([&](Done done) { conn_->post_chunk({}, true, std::move(done)); });
  }

  bool client_gone() const override { return conn_->gone_flag().load(); }
  const std::atomic<bool>& cancelled_flag() const override { return conn_->gone_flag(); }

 private:
  enum class State { kNone, kStreaming, kDone };

  static Error gone_error() {
    return make_error(ErrorCode::kIo, "http server: the client has gone");
  }

  Status transition(State from, State to, std::string_view what) {
    std::lock_guard lock(mutex_);
    if (state_ != from) {
      return make_error(ErrorCode::kInvalidArgument,
                        "http server: " + std::string(what) + "() in the wrong response state");
    }
    state_ = to;
    return ok_status();
  }

  // Starts an operation on the connection's strand and blocks until it completes.
  template <class Start>
  Status wait(Start&& start) {
    auto promise = std::make_shared<std::promise<Status>>();
    auto future = promise->get_future();
    start([promise](Status s) { promise->set_value(std::move(s)); });
    return future.get();
  }

  std::shared_ptr<ConnectionBase> conn_;
  HttpServer::Impl& server_;
  // Held for a whole operation, so that calls from several threads go out one at a time
  // (the stream allows one write in flight).
  std::mutex io_mutex_;
  std::mutex mutex_;
  State state_ = State::kNone;
};

template <class Stream>
class Connection final : public ConnectionBase,
                         public std::enable_shared_from_this<Connection<Stream>> {
 public:
  static constexpr bool kTls = std::is_same_v<Stream, SslStream>;

  Connection(HttpServer::Impl& server, Socket socket, std::shared_ptr<asio::ssl::context> tls,
             std::string remote) requires kTls : server_(server),
                                                 tls_(std::move(tls)),
                                                 stream_(std::move(socket), *tls_),
                                                 read_timer_(stream_.get_executor()),
                                                 write_timer_(stream_.get_executor()),
                                                 remote_(std::move(remote)) {}

  Connection(HttpServer::Impl& server, Socket socket, std::string remote) requires(!kTls)
      : server_(server),
        stream_(std::move(socket)),
        read_timer_(stream_.get_executor()),
        write_timer_(stream_.get_executor()),
        remote_(std::move(remote)) {}

  ~Connection() override {
    std::lock_guard lock(server_.mutex);
    server_.connections.erase(this);
    server_.cv.notify_all();
  }

  void start() {
    {
      std::lock_guard lock(server_.mutex);
      server_.connections[this] = this->weak_from_this();
    }
    asio::post(stream_.get_executor(), [self = this->shared_from_this()] {
      if constexpr (kTls) {
        self->arm_read_timer(self->server_.options.limits.request_timeout);
        self->stream_.async_handshake(asio::ssl::stream_base::server, [self](const error_code& ec) {
          self->read_timer_.cancel();
          if (ec) return self->close();
          self->read_request();
        });
      } else {
        self->read_request();
      }
    });
  }

  const std::atomic<bool>& gone_flag() const override { return gone_; }

  void request_stop() override {
    asio::post(stream_.get_executor(), [self = this->shared_from_this()] {
      self->keep_alive_ = false;
      if (!self->in_request_) self->close();
    });
  }

  void request_close() override {
    asio::post(stream_.get_executor(), [self = this->shared_from_this()] { self->close(); });
  }

  void post_response(int status, Headers headers, std::optional<std::string> body,
                     Done done) override {
    asio::post(stream_.get_executor(),
               [self = this->shared_from_this(), status, headers = std::move(headers),
                body = std::move(body), done = std::move(done)]() mutable {
                 self->write_response(status, headers, std::move(body), std::move(done));
               });
  }

  void post_chunk(std::string data, bool last, Done done) override {
    asio::post(stream_.get_executor(), [self = this->shared_from_this(), data = std::move(data),
                                        last, done = std::move(done)]() mutable {
      if (self->head_request_ || !self->chunked_) {
        // Nothing goes on the wire for HEAD or for bodiless statuses.
        done(ok_status());
        if (last) self->after_response();
        return;
      }
      self->send_bytes(last ? std::string("0\r\n\r\n") : chunk(data), last, std::move(done));
    });
  }

 private:
  auto& socket() { return beast::get_lowest_layer(stream_); }

  void arm_read_timer(std::chrono::milliseconds timeout) {
    read_timer_.expires_after(timeout);
    read_timer_.async_wait([self = this->shared_from_this()](const error_code& ec) {
      if (ec) return;  // cancelled
      self->close();
    });
  }

  void arm_write_timer() {
    write_timer_.expires_after(server_.options.limits.write_timeout);
    write_timer_.async_wait([self = this->shared_from_this()](const error_code& ec) {
      if (ec) return;
      self->close();
    });
  }

  // Waits for and reads the next request. If a read-ahead is already pending, the request read
  // starts when it completes.
  void read_request() {
    if (closed_) return;
    if (server_.stopping.load()) return close();
    arm_read_timer(server_.options.limits.request_timeout);
    if (read_pending_) {
      want_request_ = true;
      return;
    }
    const auto& limits = server_.options.limits;
    parser_.emplace();
    parser_->header_limit(
        static_cast<std::uint32_t>(std::min<std::size_t>(limits.max_header_bytes, UINT32_MAX)));
    parser_->body_limit(static_cast<std::uint64_t>(limits.max_body_bytes));
    read_pending_ = true;
    http::async_read_header(stream_, buffer_, *parser_,
                            [self = this->shared_from_this()](const error_code& ec, std::size_t) {
                              self->read_pending_ = false;
                              self->on_header(ec);
                            });
  }

  void on_header(const error_code& ec) {
    if (ec) return on_read_error(ec);
    const auto& req = parser_->get();
    if (iequals(req[http::field::expect], "100-continue") && !parser_->is_done()) {
      auto interim = std::make_shared<std::string>("HTTP/1.1 100 Continue\r\n\r\n");
      asio::async_write(
          stream_, asio::buffer(*interim),
          [self = this->shared_from_this(), interim](const error_code& wec, std::size_t) {
            if (wec) return self->close();
            self->read_body();
          });
      return;
    }
    read_body();
  }

  void read_body() {
    read_pending_ = true;
    http::async_read(stream_, buffer_, *parser_,
                     [self = this->shared_from_this()](const error_code& ec, std::size_t) {
                       self->read_pending_ = false;
                       if (ec) return self->on_read_error(ec);
                       self->read_timer_.cancel();
                       self->dispatch();
                     });
  }

  void on_read_error(const error_code& ec) {
    read_timer_.cancel();
    if (closed_) return;
    const auto& limits = server_.options.limits;
    if (ec == http::error::body_limit) {
      return fail_request(
          413, "request body is larger than " + std::to_string(limits.max_body_bytes) + " bytes");
    }
    if (ec == http::error::header_limit) {
      return fail_request(431, "request header is larger than " +
                                   std::to_string(limits.max_header_bytes) + " bytes");
    }
    if (ec.category() == http::make_error_code(http::error::bad_method).category() &&
        ec != http::error::end_of_stream && ec != http::error::partial_message) {
      return fail_request(400, "malformed request: " + ec.message());
    }
    close();  // end of stream, reset, timeout, TLS failure
  }

  // Answers a request the server rejects itself, then closes the connection.
  void fail_request(int status, const std::string& message) {
    keep_alive_ = false;
    head_request_ = false;
    in_request_ = true;
    const Response r = server_.options.error_formatter(status, message);
    write_response(r.status, r.headers, r.body, [](const Status&) {});
  }

  void dispatch() {
    auto& msg = parser_->get();
    Request request;
    request.method = std::string(msg.method_string());
    request.target = std::string(msg.target());
    for (const auto& field : msg) {
      request.headers.add(std::string(field.name_string()), std::string(field.value()));
    }
    request.body = std::move(msg.body());
    request.remote_address = remote_;
    ++requests_;
    const auto& limits = server_.options.limits;
    keep_alive_ = limits.keep_alive && parser_->keep_alive() &&
                  requests_ < limits.max_requests_per_connection && !server_.stopping.load();
    head_request_ = msg.method() == http::verb::head;
    parser_.reset();
    in_request_ = true;
    gone_ = false;

    int status = 0;
    const Route* route = server_.find_route(request.method, request.path(), status);
    if (route == nullptr) {
      const Response r = server_.options.error_formatter(
          status, status == 405 ? "method not allowed" : "no route for this path");
      return write_response(r.status, r.headers, r.body, [](const Status&) {});
    }
    // Notices a client that goes away while the handler runs. Not when a pipelined request is
    // already buffered: no more bytes may come, and the read could not be taken back.
    if (buffer_.size() == 0) read_ahead();
    auto writer = std::make_shared<Writer>(this->shared_from_this(), server_);
    try {
      std::thread([handler = route->handler, request = std::move(request), writer]() mutable {
        try {
          handler(request, writer);
        } catch (const std::exception& e) {
          spdlog::error("http server: handler threw: {}", e.what());
        } catch (...) {
          spdlog::error("http server: handler threw");
        }
        writer.reset();  // last use: may send the 500 of a handler that did not answer
      }).detach();
    } catch (const std::system_error&) {
      writer.reset();  // answers 500
    }
  }

  // Reads ahead while a handler runs: EOF or an error means the client has gone (a client
  // that half-closes its side while waiting for the response counts as gone too). Also drains
  // the connection while lingering before a close.
  void read_ahead() {
    if (read_pending_ || closed_ || buffer_.size() >= kMaxReadAhead) return;
    read_pending_ = true;
    stream_.async_read_some(buffer_.prepare(4096),
                            [self = this->shared_from_this()](const error_code& ec, std::size_t n) {
                              self->read_pending_ = false;
                              if (ec) {
                                self->gone_ = true;
                                return self->close();
                              }
                              self->buffer_.commit(n);
                              if (self->lingering_) {
                                self->lingered_ += n;
                                self->buffer_.consume(self->buffer_.size());
                                if (self->lingered_ > kMaxLingerBytes) return self->close();
                                return self->read_ahead();
                              }
                              // Bytes of a pipelined request: stop reading ahead; they are parsed
                              // after the response.
                              if (self->want_request_) {
                                self->want_request_ = false;
                                self->read_request();
                              }
                            });
  }

  void write_response(int status, const Headers& headers, std::optional<std::string> body,
                      Done done) {
    chunked_ = !body.has_value() && status_has_body(status);
    std::optional<std::size_t> length;
    if (body) length = body->size();
    std::string bytes =
        response_head(status, headers, server_.options.server_header, length, keep_alive_);
    if (body && !head_request_ && status_has_body(status)) bytes += *body;
    send_bytes(std::move(bytes), body.has_value(), std::move(done));
  }

  void send_bytes(std::string bytes, bool final_write, Done done) {
    if (closed_) {
      done(make_error(ErrorCode::kIo, "http server: the client has gone"));
      return;
    }
    auto buf = std::make_shared<std::string>(std::move(bytes));
    arm_write_timer();
    asio::async_write(
        stream_, asio::buffer(*buf),
        [self = this->shared_from_this(), buf, final_write, done = std::move(done)](
            const error_code& ec, std::size_t) {
          self->write_timer_.cancel();
          if (ec) {
            self->close();
            done(make_error(ErrorCode::kIo, "http server: write failed: " + ec.message()));
            return;
          }
          done(ok_status());
          if (final_write) self->after_response();
        });
  }

  void after_response() {
    in_request_ = false;
    if (closed_) return;
    if (!keep_alive_ || server_.stopping.load()) return linger_close();
    read_request();
  }

  // Half-closes, then drains what the client still sends for a short while before closing,
  // so that unread request bytes do not make the kernel reset the connection (which can
  // destroy the response before the client reads it).
  void linger_close() {
    lingering_ = true;
    want_request_ = false;
    buffer_.consume(buffer_.size());
    error_code ec;
    socket().shutdown(asio::socket_base::shutdown_send, ec);
    arm_read_timer(kLingerTime);
    read_ahead();
  }

  void close() {
    gone_ = true;
    if (closed_) return;
    closed_ = true;
    read_timer_.cancel();
    write_timer_.cancel();
    error_code ec;
    socket().shutdown(asio::socket_base::shutdown_both, ec);
    socket().close(ec);
  }

  HttpServer::Impl& server_;
  std::shared_ptr<asio::ssl::context> tls_;  // before stream_: the stream uses it
  Stream stream_;
  asio::steady_timer read_timer_;
  asio::steady_timer write_timer_;
  std::string remote_;
  beast::flat_buffer buffer_;
  std::optional<http::request_parser<http::string_body>> parser_;
  std::atomic<bool> gone_{false};
  bool closed_ = false;
  bool read_pending_ = false;
  bool want_request_ = false;
  bool in_request_ = false;
  bool keep_alive_ = true;
  bool head_request_ = false;
  bool chunked_ = false;
  bool lingering_ = false;
  std::size_t lingered_ = 0;
  std::size_t requests_ = 0;
};

}  // namespace

void serve_plain_connection(HttpServer::Impl& server, Socket socket, std::string remote) {
  std::make_shared<Connection<Socket>>(server, std::move(socket), std::move(remote))->start();
}

void serve_tls_connection(HttpServer::Impl& server, Socket socket,
                          std::shared_ptr<asio::ssl::context> tls, std::string remote) {
  std::make_shared<Connection<SslStream>>(server, std::move(socket), std::move(tls),
                                          std::move(remote))
      ->start();
}

Status ResponseWriter::start_sse(Headers headers) {
  headers.set("Content-Type", "text/event-stream");
  headers.set("Cache-Control", "no-cache");
  return start_stream(200, std::move(headers));
}

Status ResponseWriter::write_event(const SseEvent& event) {
  return write(format_sse_event(event));
}

}  // namespace cllm::net
