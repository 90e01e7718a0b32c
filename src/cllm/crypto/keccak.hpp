// Keccak-256 as Ethereum uses it: the original Keccak submission's padding (domain byte 0x01),
// NOT FIPS 202 SHA3-256 (0x06). The two differ on every input, so Ethereum addresses and
// signing hashes need this one. Our own Keccak-f[1600], since OpenSSL 3.0 exposes no
// plain Keccak-256.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>

#include "cllm/common/bytes.hpp"

namespace cllm::crypto {

inline constexpr std::size_t kKeccak256Size = 32;
using Keccak256Digest = std::array<std::uint8_t, kKeccak256Size>;

namespace detail {

// A Keccak[c = 1600 - 8*rate] sponge with a one-byte domain suffix (already including the
// first padding bit, as FIPS 202 writes it: 0x01 Keccak, 0x06 SHA-3, 0x1f SHAKE). Exposed for
// Keccak256 and so tests can check the permutation against OpenSSL's SHA-3.
class KeccakSponge {
 public:
  // rate_bytes must be a multiple of 8 in 8..192; checked with assert (callers are internal).
  KeccakSponge(std::size_t rate_bytes, std::uint8_t domain_byte);
  KeccakSponge(const KeccakSponge&) = default;
  KeccakSponge& operator=(const KeccakSponge&) = default;
  ~KeccakSponge();

  void absorb(ByteView data);
  // Pads, then squeezes out.size() bytes; afterwards the sponge is reset for a new message.
  void finish(std::span<std::uint8_t> out);
  void reset();

 private:
  std::array<std::uint64_t, 25> state_{};
  std::size_t rate_;
  std::size_t pos_ = 0;  // next byte of the rate to absorb into
  std::uint8_t domain_;
};

// The Keccak-f[1600] permutation, 24 rounds, on lanes indexed x + 5*y.
void keccak_f1600(std::array<std::uint64_t, 25>& lanes);

}  // namespace detail

// One-shot Keccak-256.
Keccak256Digest keccak256(ByteView data);

// Incremental Keccak-256; finish() returns the digest and resets for a new message.
class Keccak256 {
 public:
  Keccak256() : sponge_(kRate, 0x01) {}
  void update(ByteView data) { sponge_.absorb(data); }
  Keccak256Digest finish();

 private:
  static constexpr std::size_t kRate = 136;  // (1600 - 2*256) / 8
  detail::KeccakSponge sponge_;
};

}  // namespace cllm::crypto
