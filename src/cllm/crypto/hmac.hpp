// HMAC-SHA256/384/512 (RFC 2104) through OpenSSL 3 EVP_MAC, and a constant-time verifier.
#pragma once

#include "cllm/common/bytes.hpp"
#include "cllm/common/result.hpp"
#include "cllm/crypto/hash.hpp"

namespace cllm::crypto {

// Full-length tag (digest_size(algorithm) bytes). Any key length is allowed, including empty.
Result<Bytes> hmac(HashAlgorithm algorithm, ByteView key, ByteView data);
Result<Bytes> hmac_sha256(ByteView key, ByteView data);
Result<Bytes> hmac_sha384(ByteView key, ByteView data);
Result<Bytes> hmac_sha512(ByteView key, ByteView data);

// Recomputes the tag and compares it in constant time. `expected_tag` must be the full
// digest length: accepting a caller-chosen shorter tag would let an attacker pick a 1-byte
// tag and forge with probability 1/256. Fails with kVerification "hmac: tag mismatch".
Status hmac_verify(HashAlgorithm algorithm, ByteView key, ByteView data, ByteView expected_tag);

}  // namespace cllm::crypto
