// Authenticated encryption with associated data: AES-256-GCM and ChaCha20-Poly1305 through
// OpenSSL 3 EVP. Wire format of a sealed message: ciphertext || 16-byte tag.
//
// The nonce is the caller's responsibility and must never repeat under one key: a repeated
// GCM or ChaCha20-Poly1305 nonce leaks the XOR of the plaintexts and allows tag forgery.
#pragma once

#include <cstddef>
#include <string_view>

#include "cllm/common/bytes.hpp"
#include "cllm/common/result.hpp"

namespace cllm::crypto {

enum class AeadAlgorithm { kAes256Gcm, kChaCha20Poly1305 };

// "aes-256-gcm", "chacha20-poly1305".
std::string_view to_string(AeadAlgorithm algorithm);

inline constexpr std::size_t kAeadKeySize = 32;
inline constexpr std::size_t kAeadNonceSize = 12;
inline constexpr std::size_t kAeadTagSize = 16;

// Returns ciphertext || tag (plaintext.size() + 16 bytes). Fails with kInvalidArgument on a
// key that is not 32 bytes or a nonce that is not 12 bytes.
Result<Bytes> aead_seal(AeadAlgorithm algorithm, const SecretBytes& key, ByteView nonce,
                        ByteView plaintext, ByteView aad);

// Verifies and decrypts ciphertext || tag. Any authentication failure (wrong key, nonce, AAD,
// modified ciphertext or tag, input shorter than a tag) is kVerification with a message
// containing "aead tag mismatch"; no plaintext is released then.
Result<Bytes> aead_open(AeadAlgorithm algorithm, const SecretBytes& key, ByteView nonce,
                        ByteView sealed, ByteView aad);

}  // namespace cllm::crypto
