// Private to the server's .cpp files: the server state shared by the listener code
// (http_server.cpp) and the per-connection protocol (http_connection.cpp).
#pragma once

#include <atomic>
#include <boost/asio/basic_socket_acceptor.hpp>
#include <boost/asio/generic/stream_protocol.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ssl/context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <condition_variable>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <unordered_map>
#include <vector>

#include "cllm/net/http_server.hpp"

namespace cllm::net {

using Socket = boost::asio::generic::stream_protocol::socket;
using Acceptor = boost::asio::basic_socket_acceptor<boost::asio::generic::stream_protocol>;

struct Route {
  std::string method;
  std::string path;
  bool prefix = false;
  Handler handler;
};

using Done = std::function<void(Status)>;

// What a ResponseWriter needs from its connection, independent of the stream type.
class ConnectionBase {
 public:
  virtual ~ConnectionBase() = default;
  // A response head (and the whole body, or nullopt for a chunked stream). Posted to the
  // connection's strand; done runs there.
  virtual void post_response(int status, Headers headers, std::optional<std::string> body,
                             Done done) = 0;
  // One chunk; last ends the stream (data is then ignored).
  virtual void post_chunk(std::string data, bool last, Done done) = 0;
  virtual const std::atomic<bool>& gone_flag() const = 0;
  // Posted to the strand: stop taking requests; close now if idle.
  virtual void request_stop() = 0;
  // Posted to the strand: close now.
  virtual void request_close() = 0;
};

struct HttpServer::Impl {
  explicit Impl(ServerOptions opts) : options(std::move(opts)) {
    if (!options.error_formatter) options.error_formatter = default_error_response;
    if (options.io_threads == 0) options.io_threads = 1;
  }

  const Route* find_route(std::string_view method, std::string_view path, int& status) const;
  void do_accept(Acceptor& acceptor, bool is_unix);
  void start_connection(Socket socket, bool is_unix);
  void writer_created() {
    std::lock_guard lock(mutex);
    ++live_writers;
  }
  void writer_released() {
    std::lock_guard lock(mutex);
    --live_writers;
    cv.notify_all();  // under the lock: stop() may destroy us as soon as it sees zero
  }

  ServerOptions options;
  std::vector<Route> routes;
  mutable std::mutex mutex;
  std::condition_variable cv;
  std::unordered_map<const void*, std::weak_ptr<ConnectionBase>> connections;
  std::size_t live_writers = 0;
  std::atomic<bool> stopping{false};
  bool started = false;
  bool stopped = false;
  std::vector<std::thread> threads;
  std::vector<std::string> unix_paths;

  // Destroyed in reverse order: acceptors, then the io_context (whose pending handlers own
  // the connections), while the members above are still alive.
  boost::asio::io_context ioc;
  std::optional<boost::asio::executor_work_guard<boost::asio::io_context::executor_type>> work;
  struct Listener {
    Listener(boost::asio::io_context& ctx, bool unix_socket)
        : acceptor(boost::asio::make_strand(ctx)),
          is_unix(unix_socket),
          retry(acceptor.get_executor()) {}
    Acceptor acceptor;
    bool is_unix;
    boost::asio::steady_timer retry;
  };
  std::vector<std::unique_ptr<Listener>> listeners;
};

// Start serving an accepted socket (defined in http_connection.cpp).
void serve_plain_connection(HttpServer::Impl& server, Socket socket, std::string remote);
void serve_tls_connection(HttpServer::Impl& server, Socket socket,
                          std::shared_ptr<boost::asio::ssl::context> tls, std::string remote);

}  // namespace cllm::net
