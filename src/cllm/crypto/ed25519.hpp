// Ed25519 signatures (RFC 8032, pure Ed25519, no context or prehash) through OpenSSL 3.
#pragma once

#include <cstddef>

#include "cllm/common/bytes.hpp"
#include "cllm/common/result.hpp"
#include "cllm/crypto/evp_ptr.hpp"

namespace cllm::crypto {

inline constexpr std::size_t kEd25519SeedSize = 32;  // RFC 8032's 32-byte private key
inline constexpr std::size_t kEd25519PublicKeySize = 32;
inline constexpr std::size_t kEd25519SignatureSize = 64;

// A signing key. Move-only; OpenSSL wipes the private key when freed.
class Ed25519KeyPair {
 public:
  static Result<Ed25519KeyPair> generate();
  // From the 32-byte private key ("seed") of RFC 8032 §5.1.5.
  static Result<Ed25519KeyPair> from_seed(ByteView seed);

  // The raw 32-byte public key (RFC 8032 encoding).
  const Bytes& public_key() const { return public_key_; }

  // The 64-byte signature R || S. Ed25519 is deterministic: same key and message, same bytes.
  Result<Bytes> sign(ByteView message) const;

 private:
  Ed25519KeyPair(EvpPkeyPtr pkey, Bytes public_key)
      : pkey_(std::move(pkey)), public_key_(std::move(public_key)) {}
  static Result<Ed25519KeyPair> from_pkey(EvpPkeyPtr pkey);

  EvpPkeyPtr pkey_;
  Bytes public_key_;
};

// Verifies `signature` over `message` under a raw 32-byte public key. Every failure, including
// a wrong-length signature or an undecodable key, is kVerification
// ("ed25519: signature verification failed", or the length that was wrong).
Status ed25519_verify(ByteView public_key, ByteView message, ByteView signature);

}  // namespace cllm::crypto
