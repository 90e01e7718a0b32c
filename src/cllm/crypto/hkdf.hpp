// HKDF (RFC 5869) with SHA-256/384/512 through OpenSSL 3 EVP_KDF "HKDF".
// Outputs are key material and come back as SecretBytes.
#pragma once

#include <cstddef>

#include "cllm/common/bytes.hpp"
#include "cllm/common/result.hpp"
#include "cllm/crypto/hash.hpp"

namespace cllm::crypto {

// Largest info accepted. OpenSSL 3.0's HKDF keeps info in a fixed 1024-byte buffer; bounding
// it here gives a clear kLimit error instead of an opaque provider failure.
inline constexpr std::size_t kHkdfMaxInfoSize = 1024;

// The most bytes expand can produce: 255 * digest_size(algorithm) (RFC 5869 §2.3).
std::size_t hkdf_max_output(HashAlgorithm algorithm);

// PRK = HMAC-Hash(salt, IKM). An empty salt means HashLen zero bytes, as the RFC specifies.
Result<SecretBytes> hkdf_extract(HashAlgorithm algorithm, ByteView salt, ByteView ikm);

// OKM of `length` bytes from PRK and info. `prk` must be at least HashLen bytes (RFC 5869
// §2.3); `length` must be in 1..hkdf_max_output(algorithm), else kLimit
// ("hkdf: output length 9000 exceeds 255*32").
Result<SecretBytes> hkdf_expand(HashAlgorithm algorithm, ByteView prk, ByteView info,
                                std::size_t length);

// Extract then expand.
Result<SecretBytes> hkdf(HashAlgorithm algorithm, ByteView salt, ByteView ikm, ByteView info,
                         std::size_t length);

}  // namespace cllm::crypto
