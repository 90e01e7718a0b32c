// X25519 Diffie-Hellman (RFC 7748) through OpenSSL 3 EVP_PKEY.
#pragma once

#include <cstddef>

#include "cllm/common/bytes.hpp"
#include "cllm/common/result.hpp"
#include "cllm/crypto/evp_ptr.hpp"

namespace cllm::crypto {

inline constexpr std::size_t kX25519KeySize = 32;  // private key, public key and shared secret

// A private key and its public key. Move-only; OpenSSL wipes the private key when freed.
class X25519KeyPair {
 public:
  static Result<X25519KeyPair> generate();
  // From 32 raw private-key bytes (RFC 7748 scalar, clamped by X25519 itself).
  static Result<X25519KeyPair> from_private_key(ByteView private_key);

  // The 32-byte u-coordinate to send to the peer.
  const Bytes& public_key() const { return public_key_; }

  // X25519(private, peer_public). Rejects a peer key that is not 32 bytes and an all-zero
  // result (a low-order peer point, RFC 7748 §6.1), which would make the "secret" public.
  Result<SecretBytes> derive(ByteView peer_public_key) const;

 private:
  X25519KeyPair(EvpPkeyPtr pkey, Bytes public_key)
      : pkey_(std::move(pkey)), public_key_(std::move(public_key)) {}
  static Result<X25519KeyPair> from_pkey(EvpPkeyPtr pkey);

  EvpPkeyPtr pkey_;
  Bytes public_key_;
};

}  // namespace cllm::crypto
