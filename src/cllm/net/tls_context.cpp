#include "cllm/net/tls_context.hpp"

#include <openssl/pem.h>
#include <openssl/ssl.h>
#include <openssl/x509_vfy.h>

#include <climits>
#include <vector>

#include "cllm/crypto/evp_ptr.hpp"
#include "cllm/crypto/x509.hpp"
#include "cllm/crypto/x509_ptr.hpp"
#include "cllm/net/tls_internal.hpp"

namespace cllm::net {
namespace ssl = boost::asio::ssl;

namespace {

thread_local std::string t_verify_error;

// TLS 1.2 floor. SSL_CTX_set_min_proto_version is a macro with C casts; call what it expands to.
Status set_tls12_floor(SSL_CTX* ctx) {
  if (SSL_CTX_ctrl(ctx, SSL_CTRL_SET_MIN_PROTO_VERSION, TLS1_2_VERSION, nullptr) != 1) {
    return crypto::openssl_error("tls: setting the minimum protocol version");
  }
  return ok_status();
}

Result<Bytes> x509_to_der(X509* cert) {
  const int len = i2d_X509(cert, nullptr);
  if (len <= 0) return crypto::openssl_error("tls: encoding certificate");
  Bytes der(static_cast<std::size_t>(len));
  unsigned char* p = der.data();
  if (i2d_X509(cert, &p) != len) return crypto::openssl_error("tls: encoding certificate");
  return der;
}

Result<std::shared_ptr<ssl::context>> make_server_context(X509* leaf, EVP_PKEY* key,
                                                          std::span<X509* const> intermediates) {
  if (leaf == nullptr || key == nullptr) {
    return make_error(ErrorCode::kInvalidArgument, "tls: server certificate and key required");
  }
  auto ctx = std::make_shared<ssl::context>(ssl::context::tls_server);
  SSL_CTX* native = ctx->native_handle();
  ctx->set_options(ssl::context::default_workarounds | ssl::context::no_sslv2 |
                   ssl::context::no_sslv3 | ssl::context::no_tlsv1 | ssl::context::no_tlsv1_1 |
                   ssl::context::single_dh_use);
  CLLM_TRY(set_tls12_floor(native));
  if (X509_check_private_key(leaf, key) != 1) {
    return crypto::openssl_error("tls: the server key does not match the certificate");
  }
  if (SSL_CTX_use_certificate(native, leaf) != 1) {
    return crypto::openssl_error("tls: loading the server certificate");
  }
  for (X509* cert : intermediates) {
    // SSL_CTX_add1_chain_cert, spelled out (the macro uses C casts).
    if (SSL_CTX_ctrl(native, SSL_CTRL_CHAIN_CERT, 1, cert) != 1) {
      return crypto::openssl_error("tls: adding an intermediate certificate");
    }
  }
  if (SSL_CTX_use_PrivateKey(native, key) != 1) {
    return crypto::openssl_error("tls: loading the server key");
  }
  if (SSL_CTX_check_private_key(native) != 1) {
    return crypto::openssl_error("tls: the server key does not match the certificate");
  }
  return ctx;
}

struct ParsedCredentials {
  std::vector<crypto::Certificate> chain;
  crypto::EvpPkeyPtr key;
};

Result<ParsedCredentials> parse_credentials(std::string_view cert_chain_pem,
                                            std::string_view key_pem) {
  ParsedCredentials out;
  auto chain = crypto::parse_pem_chain(cert_chain_pem);
  if (!chain) return std::move(chain).error().context("tls: server certificate chain");
  out.chain = std::move(chain).value();
  if (key_pem.size() > static_cast<std::size_t>(INT_MAX)) {
    return make_error(ErrorCode::kLimit, "tls: server key PEM too large");
  }
  crypto::BioPtr bio(BIO_new_mem_buf(key_pem.data(), static_cast<int>(key_pem.size())));
  if (!bio) return crypto::openssl_error("tls: BIO_new_mem_buf");
  out.key.reset(PEM_read_bio_PrivateKey(bio.get(), nullptr, nullptr, nullptr));
  if (!out.key) return crypto::openssl_error("tls: parsing the server key PEM");
  return out;
}

// Replaces OpenSSL's chain validation when a PeerChainVerifier is configured.
int verify_with_callback(X509_STORE_CTX* store_ctx, void* arg) {
  const auto* impl = static_cast<const TlsClientContext::Impl*>(arg);
  std::vector<Bytes> chain;
  STACK_OF(X509)* untrusted = X509_STORE_CTX_get0_untrusted(store_ctx);
  X509* leaf = X509_STORE_CTX_get0_cert(store_ctx);
  if (untrusted != nullptr && crypto::x509_stack_size(untrusted) > 0) {
    const int n = crypto::x509_stack_size(untrusted);
    for (int i = 0; i < n; ++i) {
      auto der = x509_to_der(crypto::x509_stack_at(untrusted, i));
      if (!der) {
        t_verify_error = der.error().message();
        X509_STORE_CTX_set_error(store_ctx, X509_V_ERR_APPLICATION_VERIFICATION);
        return 0;
      }
      chain.push_back(std::move(der).value());
    }
  } else if (leaf != nullptr) {
    auto der = x509_to_der(leaf);
    if (der) chain.push_back(std::move(der).value());
  }
  if (chain.empty()) {
    t_verify_error = "tls: the server sent no certificate";
    X509_STORE_CTX_set_error(store_ctx, X509_V_ERR_APPLICATION_VERIFICATION);
    return 0;
  }
  Status status = make_error(ErrorCode::kInternal, "tls: verifier threw");
  try {
    status = impl->options.verify_peer(chain);
  } catch (const std::exception& e) {
    status = make_error(ErrorCode::kInternal, std::string("tls: verifier threw: ") + e.what());
  }
  if (!status) {
    t_verify_error = status.error().message();
    X509_STORE_CTX_set_error(store_ctx, X509_V_ERR_APPLICATION_VERIFICATION);
    return 0;
  }
  return 1;
}

}  // namespace

namespace detail {
std::string take_verify_error() {
  std::string out = std::move(t_verify_error);
  t_verify_error.clear();
  return out;
}
}  // namespace detail

TlsServerContext::TlsServerContext() : impl_(std::make_unique<Impl>()) {}
TlsServerContext::~TlsServerContext() = default;

Result<std::shared_ptr<TlsServerContext>> TlsServerContext::from_pem(
    std::string_view cert_chain_pem, std::string_view key_pem) {
  std::shared_ptr<TlsServerContext> ctx(new TlsServerContext());
  CLLM_TRY(ctx->replace_certificate_pem(cert_chain_pem, key_pem));
  return ctx;
}

Result<std::shared_ptr<TlsServerContext>> TlsServerContext::from_openssl(
    X509* leaf, EVP_PKEY* key, std::span<X509* const> intermediates) {
  std::shared_ptr<TlsServerContext> ctx(new TlsServerContext());
  CLLM_TRY(ctx->replace_certificate(leaf, key, intermediates));
  return ctx;
}

Status TlsServerContext::replace_certificate_pem(std::string_view cert_chain_pem,
                                                 std::string_view key_pem) {
  CLLM_ASSIGN_OR_RETURN(auto creds, parse_credentials(cert_chain_pem, key_pem));
  std::vector<X509*> intermediates;
  for (std::size_t i = 1; i < creds.chain.size(); ++i)
    intermediates.push_back(creds.chain[i].get());
  return replace_certificate(creds.chain[0].get(), creds.key.get(), intermediates);
}

Status TlsServerContext::replace_certificate(X509* leaf, EVP_PKEY* key,
                                             std::span<X509* const> intermediates) {
  CLLM_ASSIGN_OR_RETURN(auto ctx, make_server_context(leaf, key, intermediates));
  CLLM_ASSIGN_OR_RETURN(auto der, x509_to_der(leaf));
  std::lock_guard lock(impl_->mutex);
  impl_->current = std::move(ctx);
  impl_->leaf_der = std::move(der);
  return ok_status();
}

Bytes TlsServerContext::certificate_der() const {
  std::lock_guard lock(impl_->mutex);
  return impl_->leaf_der;
}

TlsClientContext::TlsClientContext() = default;
TlsClientContext::~TlsClientContext() = default;

const TlsClientOptions& TlsClientContext::options() const {
  return impl_->options;
}

Result<std::shared_ptr<TlsClientContext>> TlsClientContext::create(TlsClientOptions options) {
  std::shared_ptr<TlsClientContext> out(new TlsClientContext());
  out->impl_ = std::make_unique<Impl>(std::move(options));
  Impl& impl = *out->impl_;
  SSL_CTX* native = impl.context.native_handle();
  impl.context.set_options(ssl::context::default_workarounds | ssl::context::no_sslv2 |
                           ssl::context::no_sslv3 | ssl::context::no_tlsv1 |
                           ssl::context::no_tlsv1_1);
  CLLM_TRY(set_tls12_floor(native));
  SSL_CTX_set_verify(native, SSL_VERIFY_PEER, nullptr);
  if (impl.options.verify_peer) {
    SSL_CTX_set_cert_verify_callback(native, verify_with_callback, &impl);
    return out;
  }
  if (impl.options.ca_pem.empty() && !impl.options.use_system_trust_store) {
    return make_error(ErrorCode::kInvalidArgument,
                      "tls: client needs ca_pem, use_system_trust_store or verify_peer");
  }
  if (!impl.options.ca_pem.empty()) {
    auto cas = crypto::parse_pem_chain(impl.options.ca_pem);
    if (!cas) return std::move(cas).error().context("tls: client CA PEM");
    X509_STORE* store = SSL_CTX_get_cert_store(native);
    for (const auto& ca : *cas) {
      if (X509_STORE_add_cert(store, ca.get()) != 1) {
        return crypto::openssl_error("tls: adding a CA certificate");
      }
    }
  }
  if (impl.options.use_system_trust_store && SSL_CTX_set_default_verify_paths(native) != 1) {
    return crypto::openssl_error("tls: loading the system trust store");
  }
  return out;
}

}  // namespace cllm::net
