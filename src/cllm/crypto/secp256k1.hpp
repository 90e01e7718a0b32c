// ECDSA over secp256k1 with public-key recovery, over libsecp256k1 (the Ethereum curve).
//
// Signatures are 64-byte r||s (big-endian halves), recoverable ones 65 bytes r||s||recid
// with recid in 0..3 (Ethereum's v = 27 + recid lives in ethereum.hpp). Signing is
// deterministic (RFC 6979) and always yields low-s. One library context serves all threads:
// it is created and randomized once, then only used through const pointers, which
// libsecp256k1 documents as safe for concurrent use.
#pragma once

#include <cstddef>

#include "cllm/common/bytes.hpp"
#include "cllm/common/result.hpp"

namespace cllm::crypto {

inline constexpr std::size_t kSecp256k1SecretSize = 32;
inline constexpr std::size_t kSecp256k1DigestSize = 32;
inline constexpr std::size_t kSecp256k1SignatureSize = 64;             // r || s
inline constexpr std::size_t kSecp256k1RecoverableSignatureSize = 65;  // r || s || recid
inline constexpr std::size_t kSecp256k1UncompressedSize = 65;          // 0x04 || x || y
inline constexpr std::size_t kSecp256k1CompressedSize = 33;            // 0x02/0x03 || x

class Secp256k1PublicKey {
 public:
  // SEC1: 65 bytes uncompressed (0x04) or 33 bytes compressed (0x02/0x03). The "hybrid"
  // forms libsecp256k1 would also take (0x06/0x07) are rejected.
  static Result<Secp256k1PublicKey> from_sec1(ByteView encoded);
  // x || y, 64 bytes (the form Ethereum hashes).
  static Result<Secp256k1PublicKey> from_raw_xy(ByteView xy);

  const Bytes& uncompressed() const { return uncompressed_; }  // 65 bytes
  Bytes raw_xy() const;                                        // 64 bytes
  Bytes compressed() const;                                    // 33 bytes

  // Verifies a 64-byte r||s (or a 65-byte recoverable one; recid is ignored) over a 32-byte
  // digest. High-s signatures are rejected, as libsecp256k1 does: each signature has one
  // valid encoding, so signatures are not malleable.
  Status verify(ByteView digest, ByteView signature) const;

  friend bool operator==(const Secp256k1PublicKey& a, const Secp256k1PublicKey& b) {
    return a.uncompressed_ == b.uncompressed_;
  }

 private:
  friend class Secp256k1PrivateKey;
  friend Result<Secp256k1PublicKey> secp256k1_recover(ByteView digest, ByteView signature);
  explicit Secp256k1PublicKey(Bytes uncompressed) : uncompressed_(std::move(uncompressed)) {}
  Bytes uncompressed_;
};

class Secp256k1PrivateKey {
 public:
  // Fresh key from the OpenSSL DRBG.
  static Result<Secp256k1PrivateKey> generate();
  // 32 big-endian bytes, 1 <= d < n.
  static Result<Secp256k1PrivateKey> from_bytes(ByteView secret);

  const Secp256k1PublicKey& public_key() const { return public_key_; }
  // A copy of the secret, for storage by the caller. Never log it.
  SecretBytes export_bytes() const { return secret_; }

  // Signs a 32-byte digest: 65 bytes r||s||recid, recid in {0, 1} (2 and 3 need r >= n,
  // which does not happen in practice but is allowed by the format).
  Result<Bytes> sign_recoverable(ByteView digest) const;

 private:
  Secp256k1PrivateKey(SecretBytes secret, Secp256k1PublicKey pub)
      : secret_(std::move(secret)), public_key_(std::move(pub)) {}
  SecretBytes secret_;
  Secp256k1PublicKey public_key_;
};

// Recovers the signer's public key from a 32-byte digest and a 65-byte r||s||recid
// (recid 0..3). High-s signatures are rejected (see verify). Failures are kVerification.
Result<Secp256k1PublicKey> secp256k1_recover(ByteView digest, ByteView signature);

}  // namespace cllm::crypto
