// Cryptographically secure random bytes from OpenSSL's DRBGs. Fails closed: on any failure
// the output is wiped and an error returned, never partially random bytes.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>

#include "cllm/common/bytes.hpp"
#include "cllm/common/result.hpp"

namespace cllm::crypto {

// Public randomness (nonces, salts, challenges, request ids): RAND_bytes.
Status fill_random(std::span<std::uint8_t> out);
Result<Bytes> random_bytes(std::size_t size);

// Key material: RAND_priv_bytes, a separate DRBG instance, so that values an attacker sees
// (nonces) come from a different generator state than the keys.
Status fill_random_private(std::span<std::uint8_t> out);
Result<SecretBytes> random_secret(std::size_t size);

}  // namespace cllm::crypto
