// Private to the net module's .cpp files: the Asio objects behind the TLS contexts.
#pragma once

#include <boost/asio/ssl/context.hpp>
#include <memory>
#include <mutex>
#include <string>

#include "cllm/common/bytes.hpp"
#include "cllm/net/tls_context.hpp"

namespace cllm::net {

struct TlsServerContext::Impl {
  mutable std::mutex mutex;
  std::shared_ptr<boost::asio::ssl::context> current;  // swapped whole on replace
  Bytes leaf_der;

  std::shared_ptr<boost::asio::ssl::context> snapshot() const {
    std::lock_guard lock(mutex);
    return current;
  }
};

struct TlsClientContext::Impl {
  explicit Impl(TlsClientOptions opts)
      : options(std::move(opts)), context(boost::asio::ssl::context::tls_client) {}
  TlsClientOptions options;
  boost::asio::ssl::context context;
};

namespace detail {
// The message of the last rejection by a PeerChainVerifier on this thread, then cleared.
std::string take_verify_error();
}  // namespace detail

}  // namespace cllm::net
