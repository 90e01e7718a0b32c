// TLS configuration for the HTTP server and client (OpenSSL 3 through Asio's ssl::context).
// TLS 1.2 is the floor on both sides. Asio and Beast types stay in the .cpp files (pimpl), so
// including this header is cheap.
#pragma once

#include <openssl/evp.h>
#include <openssl/x509.h>

#include <functional>
#include <memory>
#include <span>
#include <string>
#include <string_view>

#include "cllm/common/bytes.hpp"
#include "cllm/common/result.hpp"

namespace cllm::net {

// The server's certificate and key. New connections use whatever certificate is current when
// they are accepted, so replace_*() re-issues the certificate at run time (RA-TLS renews its
// certificate with fresh evidence) without disturbing connections already established.
// Thread-safe.
class TlsServerContext {
 public:
  // cert_chain_pem: the leaf certificate first, then any intermediates; key_pem: the leaf's
  // private key (PKCS#8 or traditional PEM, unencrypted). The key must match the leaf.
  static Result<std::shared_ptr<TlsServerContext>> from_pem(std::string_view cert_chain_pem,
                                                            std::string_view key_pem);
  // The same from OpenSSL objects; the context takes its own references (the caller keeps
  // ownership of what it passes).
  static Result<std::shared_ptr<TlsServerContext>> from_openssl(
      X509* leaf, EVP_PKEY* key, std::span<X509* const> intermediates = {});

  Status replace_certificate_pem(std::string_view cert_chain_pem, std::string_view key_pem);
  Status replace_certificate(X509* leaf, EVP_PKEY* key, std::span<X509* const> intermediates = {});

  // The DER of the leaf certificate new connections present.
  Bytes certificate_der() const;

  ~TlsServerContext();
  TlsServerContext(const TlsServerContext&) = delete;
  TlsServerContext& operator=(const TlsServerContext&) = delete;

  struct Impl;  // defined in tls_internal.hpp, used by the server
  Impl& impl() const { return *impl_; }

 private:
  TlsServerContext();
  std::unique_ptr<Impl> impl_;
};

// Decides whether to accept the server's certificate chain (DER, leaf first, as the peer sent
// it). Runs during the handshake, on the thread that makes the request; an error aborts the
// handshake and its message is part of the request's error.
using PeerChainVerifier = std::function<Status(std::span<const Bytes> chain_der)>;

struct TlsClientOptions {
  // Trust anchors, PEM ("CERTIFICATE" blocks). Only these are trusted: the system store is
  // not consulted unless use_system_trust_store is set.
  std::string ca_pem;
  // Also trust the system's default CA store (public services such as Intel PCS).
  bool use_system_trust_store = false;
  // When set, replaces X.509 chain validation and hostname checks entirely: the callback is
  // the whole decision (RA-TLS: the certificate is self-signed and trust comes from the
  // attestation evidence it carries). ca_pem and use_system_trust_store are then ignored.
  PeerChainVerifier verify_peer;
  // Whether the certificate must name the host (DNS name, or IP address for IP literals)
  // when chain validation is on.
  bool verify_hostname = true;
};

// A client-side TLS configuration; share one across requests. Thread-safe once created.
class TlsClientContext {
 public:
  // Fails when there is no trust decision at all (no CA, no system store, no verifier), or a
  // CA PEM does not parse.
  static Result<std::shared_ptr<TlsClientContext>> create(TlsClientOptions options);

  const TlsClientOptions& options() const;

  ~TlsClientContext();
  TlsClientContext(const TlsClientContext&) = delete;
  TlsClientContext& operator=(const TlsClientContext&) = delete;

  struct Impl;  // defined in tls_internal.hpp, used by the client
  Impl& impl() const { return *impl_; }

 private:
  TlsClientContext();
  std::unique_ptr<Impl> impl_;
};

}  // namespace cllm::net
