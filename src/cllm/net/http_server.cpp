#include "cllm/net/http_server.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/local/stream_protocol.hpp>
#include <boost/asio/post.hpp>
#include <cstring>

#include "cllm/common/json.hpp"
#include "cllm/common/log.hpp"
#include "cllm/net/server_internal.hpp"
#include "cllm/net/tls_internal.hpp"

namespace cllm::net {
namespace asio = boost::asio;
using error_code = boost::system::error_code;

namespace {

// "ip:port" of an endpoint, "unix" for a unix socket.
std::string endpoint_text(const asio::generic::stream_protocol::endpoint& ep) {
  sockaddr_storage storage{};
  std::memcpy(&storage, ep.data(), std::min<std::size_t>(ep.size(), sizeof(storage)));
  char buf[INET6_ADDRSTRLEN] = {};
  if (storage.ss_family == AF_INET) {
    sockaddr_in in{};
    std::memcpy(&in, &storage, sizeof(in));
    inet_ntop(AF_INET, &in.sin_addr, buf, sizeof(buf));
    return std::string(buf) + ":" + std::to_string(ntohs(in.sin_port));
  }
  if (storage.ss_family == AF_INET6) {
    sockaddr_in6 in6{};
    std::memcpy(&in6, &storage, sizeof(in6));
    inet_ntop(AF_INET6, &in6.sin6_addr, buf, sizeof(buf));
    return "[" + std::string(buf) + "]:" + std::to_string(ntohs(in6.sin6_port));
  }
  return "unix";
}

std::uint16_t endpoint_port(const asio::generic::stream_protocol::endpoint& ep) {
  sockaddr_storage storage{};
  std::memcpy(&storage, ep.data(), std::min<std::size_t>(ep.size(), sizeof(storage)));
  if (storage.ss_family == AF_INET) {
    sockaddr_in in{};
    std::memcpy(&in, &storage, sizeof(in));
    return ntohs(in.sin_port);
  }
  if (storage.ss_family == AF_INET6) {
    sockaddr_in6 in6{};
    std::memcpy(&in6, &storage, sizeof(in6));
    return ntohs(in6.sin6_port);
  }
  return 0;
}

}  // namespace

Response default_error_response(int status, std::string_view message) {
  Json body;
  body["error"]["message"] = std::string(message);
  body["error"]["type"] = status >= 500 ? "server_error" : "invalid_request_error";
  body["error"]["code"] = status;
  return Response::json(status, body.dump(-1, ' ', true, Json::error_handler_t::replace));
}
const Route* HttpServer::Impl::find_route(std::string_view method, std::string_view path,
                                          int& status) const {
  const Route* best = nullptr;
  bool path_matched = false;
  for (const auto& route : routes) {
    const bool matches =
        route.prefix ? path.substr(0, route.path.size()) == route.path : path == route.path;
    if (!matches) continue;
    path_matched = true;
    if (!route.method.empty() && route.method != method) continue;
    if (best == nullptr) {
      best = &route;
    } else if (best->prefix && (!route.prefix || route.path.size() > best->path.size())) {
      best = &route;
    }
  }
  status = best != nullptr ? 200 : (path_matched ? 405 : 404);
  return best;
}

void HttpServer::Impl::do_accept(Acceptor& acceptor, bool is_unix) {
  auto socket = std::make_shared<Socket>(asio::make_strand(ioc));
  acceptor.async_accept(*socket, [this, &acceptor, is_unix, socket](const error_code& ec) {
    if (stopping.load() || !acceptor.is_open()) return;
    if (ec) {
      // Out of descriptors and the like: back off briefly instead of spinning.
      for (auto& l : listeners) {
        if (&l->acceptor != &acceptor) continue;
        l->retry.expires_after(std::chrono::milliseconds(50));
        l->retry.async_wait([this, &acceptor, is_unix](const error_code& wait_ec) {
          if (!wait_ec) do_accept(acceptor, is_unix);
        });
      }
      return;
    }
    start_connection(std::move(*socket), is_unix);
    do_accept(acceptor, is_unix);
  });
}

void HttpServer::Impl::start_connection(Socket socket, bool is_unix) {
  {
    std::lock_guard lock(mutex);
    if (connections.size() >= options.limits.max_connections) {
      error_code ec;
      socket.close(ec);
      return;
    }
  }
  error_code ec;
  std::string remote = "unix";
  if (!is_unix) {
    socket.set_option(asio::ip::tcp::no_delay(true), ec);
    const auto ep = socket.remote_endpoint(ec);
    if (!ec) remote = endpoint_text(ep);
  }
  if (options.tls) {
    serve_tls_connection(*this, std::move(socket), options.tls->impl().snapshot(),
                         std::move(remote));
  } else {
    serve_plain_connection(*this, std::move(socket), std::move(remote));
  }
}

HttpServer::HttpServer(ServerOptions options) : impl_(std::make_shared<Impl>(std::move(options))) {}

HttpServer::~HttpServer() {
  stop(std::chrono::milliseconds(0));
}

void HttpServer::route(std::string method, std::string path, Handler handler) {
  impl_->routes.push_back(Route{std::move(method), std::move(path), false, std::move(handler)});
}

void HttpServer::route_prefix(std::string method, std::string prefix, Handler handler) {
  impl_->routes.push_back(Route{std::move(method), std::move(prefix), true, std::move(handler)});
}

Result<std::uint16_t> HttpServer::listen(const ListenAddress& address) {
  Impl& impl = *impl_;
  error_code ec;
  asio::generic::stream_protocol::endpoint endpoint;
  const bool is_unix = address.kind == ListenAddress::Kind::kUnix;
  if (is_unix) {
    if (address.path.empty() || address.path.size() >= sizeof(sockaddr_un{}.sun_path)) {
      return make_error(ErrorCode::kInvalidArgument,
                        "http server: unix socket path empty or too long: " + address.path);
    }
    struct stat st {};
    if (::lstat(address.path.c_str(), &st) == 0) {
      if (!S_ISSOCK(st.st_mode)) {
        return make_error(ErrorCode::kIo,
                          "http server: not a socket, refusing to replace: " + address.path);
      }
      ::unlink(address.path.c_str());
    }
    endpoint = asio::local::stream_protocol::endpoint(address.path);
  } else {
    const auto ip = asio::ip::make_address(address.host, ec);
    if (ec) {
      return make_error(ErrorCode::kInvalidArgument,
                        "http server: listen host must be an IP address: " + address.host);
    }
    endpoint = asio::ip::tcp::endpoint(ip, address.port);
  }
  auto listener = std::make_unique<Impl::Listener>(impl.ioc, is_unix);
  auto& acceptor = listener->acceptor;
  const std::string where =
      is_unix ? address.path : address.host + ":" + std::to_string(address.port);
  acceptor.open(endpoint.protocol(), ec);
  if (!ec && !is_unix) acceptor.set_option(asio::socket_base::reuse_address(true), ec);
  if (!ec) acceptor.bind(endpoint, ec);
  if (!ec) acceptor.listen(asio::socket_base::max_listen_connections, ec);
  if (ec)
    return make_error(ErrorCode::kIo, "http server: listen on " + where + ": " + ec.message());
  std::uint16_t port = 0;
  if (!is_unix) {
    const auto local = acceptor.local_endpoint(ec);
    if (ec) return make_error(ErrorCode::kIo, "http server: local endpoint: " + ec.message());
    port = endpoint_port(local);
  }
  Impl::Listener* raw = listener.get();
  {
    std::lock_guard lock(impl.mutex);
    impl.listeners.push_back(std::move(listener));
    if (is_unix) impl.unix_paths.push_back(address.path);
    if (impl.started) {
      asio::post(raw->acceptor.get_executor(),
                 [&impl, raw] { impl.do_accept(raw->acceptor, raw->is_unix); });
    }
  }
  return port;
}

Status HttpServer::start() {
  Impl& impl = *impl_;
  std::lock_guard lock(impl.mutex);
  if (impl.started) return make_error(ErrorCode::kInvalidArgument, "http server: already started");
  impl.started = true;
  impl.work.emplace(impl.ioc.get_executor());
  for (auto& l : impl.listeners) {
    Impl::Listener* raw = l.get();
    asio::post(raw->acceptor.get_executor(),
               [&impl, raw] { impl.do_accept(raw->acceptor, raw->is_unix); });
  }
  for (std::size_t i = 0; i < impl.options.io_threads; ++i) {
    impl.threads.emplace_back([&impl] {
      while (true) {
        try {
          impl.ioc.run();
          return;
        } catch (const std::exception& e) {
          spdlog::error("http server: io thread: {}", e.what());
        }
      }
    });
  }
  return ok_status();
}

void HttpServer::stop(std::chrono::milliseconds drain_deadline) {
  Impl& impl = *impl_;
  std::unique_lock lock(impl.mutex);
  if (impl.stopped) return;
  impl.stopped = true;
  impl.stopping = true;
  if (!impl.started) {
    for (auto& l : impl.listeners) {
      error_code ec;
      l->acceptor.close(ec);
    }
    for (const auto& path : impl.unix_paths)
      ::unlink(path.c_str());
    return;
  }
  for (auto& l : impl.listeners) {
    Impl::Listener* raw = l.get();
    asio::post(raw->acceptor.get_executor(), [raw] {
      error_code ec;
      raw->acceptor.close(ec);
      raw->retry.cancel();
    });
  }
  for (const auto& path : impl.unix_paths)
    ::unlink(path.c_str());

  // Called with the lock held. The strong references are dropped with the lock released,
  // since the last one runs the connection's destructor, which takes the lock.
  auto for_each_connection = [&](auto&& fn) {
    std::vector<std::shared_ptr<ConnectionBase>> alive;
    for (auto& [key, weak] : impl.connections) {
      if (auto conn = weak.lock()) alive.push_back(std::move(conn));
    }
    lock.unlock();
    for (auto& conn : alive)
      fn(*conn);
    alive.clear();
    lock.lock();
  };
  for_each_connection([](ConnectionBase& c) { c.request_stop(); });
  impl.cv.wait_for(lock, drain_deadline, [&] { return impl.connections.empty(); });
  for_each_connection([](ConnectionBase& c) { c.request_close(); });
  while (!impl.cv.wait_for(lock, std::chrono::seconds(5),
                           [&] { return impl.connections.empty() && impl.live_writers == 0; })) {
    spdlog::warn("http server: stopping; waiting for {} connection(s) and {} response writer(s)",
                 impl.connections.size(), impl.live_writers);
    for_each_connection([](ConnectionBase& c) { c.request_close(); });
  }
  impl.work.reset();
  lock.unlock();
  impl.ioc.stop();
  for (auto& t : impl.threads)
    t.join();
  impl.threads.clear();
  // The closes posted above may have been dropped by ioc.stop() before they ran; the port
  // would then keep listening, and clients would hang in the kernel's backlog instead of
  // being refused. No thread runs the io_context any more, so close here directly.
  for (auto& l : impl.listeners) {
    error_code ec;
    l->retry.cancel();
    l->acceptor.close(ec);
  }
}

std::size_t HttpServer::open_connections() const {
  std::lock_guard lock(impl_->mutex);
  return impl_->connections.size();
}

}  // namespace cllm::net