// Keccak-f[1600] and the sponge around it, written from the Keccak reference specification
// (FIPS 202 §3 step mappings). The round constants and rotation offsets are derived at compile
// time from their defining LFSR and recurrence rather than typed in, so a transcription
// error cannot hide in a table.
#include "cllm/crypto/keccak.hpp"

#include <cassert>

namespace cllm::crypto {

namespace detail {

namespace {

constexpr std::uint64_t rotl(std::uint64_t v, unsigned n) {
  return n == 0 ? v : (v << n) | (v >> (64 - n));
}

// rc(t) from FIPS 202 Algorithm 5: the LFSR with polynomial x^8 + x^6 + x^5 + x^4 + 1.
constexpr bool rc_bit(unsigned t) {
  if (t % 255 == 0) return true;
  unsigned r = 0x01;  // bit i = R[i], R[0] first
  for (unsigned i = 1; i <= t % 255; ++i) {
    // R = 0 || R; R[0] ^= R[8]; R[4] ^= R[8]; R[5] ^= R[8]; R[6] ^= R[8]; truncate to 8.
    r <<= 1;
    const unsigned r8 = (r >> 8) & 1;
    r ^= r8 | (r8 << 4) | (r8 << 5) | (r8 << 6);
    r &= 0xff;
  }
  return (r & 1) != 0;
}

// iota's RC[i] (FIPS 202 Algorithm 6): bit 2^j - 1 is rc(j + 7i), j = 0..6.
constexpr std::array<std::uint64_t, 24> make_round_constants() {
  std::array<std::uint64_t, 24> rc{};
  for (unsigned i = 0; i < 24; ++i) {
    for (unsigned j = 0; j <= 6; ++j) {
      if (rc_bit(j + 7 * i)) rc[i] |= std::uint64_t{1} << ((1u << j) - 1);
    }
  }
  return rc;
}

// rho's offsets (FIPS 202 Algorithm 2): starting at (x, y) = (1, 0), step t gets
// (t + 1)(t + 2)/2 mod 64 and moves to (y, (2x + 3y) mod 5).
constexpr std::array<unsigned, 25> make_rotations() {
  std::array<unsigned, 25> rot{};
  unsigned x = 1, y = 0;
  for (unsigned t = 0; t < 24; ++t) {
    rot[x + 5 * y] = ((t + 1) * (t + 2) / 2) % 64;
    const unsigned nx = y;
    const unsigned ny = (2 * x + 3 * y) % 5;
    x = nx;
    y = ny;
  }
  return rot;
}

constexpr auto kRoundConstants = make_round_constants();
constexpr auto kRotations = make_rotations();

// Spot checks against the well-known first and last constants and two offsets.
static_assert(kRoundConstants[0] == 0x0000000000000001ULL);
static_assert(kRoundConstants[1] == 0x0000000000008082ULL);
static_assert(kRoundConstants[23] == 0x8000000080008008ULL);
static_assert(kRotations[1] == 1 && kRotations[0] == 0);

}  // namespace

void keccak_f1600(std::array<std::uint64_t, 25>& a) {
  for (unsigned round = 0; round < 24; ++round) {
    // theta: xor each lane with the parities of two neighbouring columns.
    std::array<std::uint64_t, 5> c{};
    for (unsigned x = 0; x < 5; ++x) {
      c[x] = a[x] ^ a[x + 5] ^ a[x + 10] ^ a[x + 15] ^ a[x + 20];
    }
    for (unsigned x = 0; x < 5; ++x) {
      const std::uint64_t d = c[(x + 4) % 5] ^ rotl(c[(x + 1) % 5], 1);
      for (unsigned y = 0; y < 5; ++y)
        a[x + 5 * y] ^= d;
    }
    // rho and pi: B[y, 2x + 3y] = rot(A[x, y], r[x, y]).
    std::array<std::uint64_t, 25> b{};
    for (unsigned x = 0; x < 5; ++x) {
      for (unsigned y = 0; y < 5; ++y) {
        b[y + 5 * ((2 * x + 3 * y) % 5)] = rotl(a[x + 5 * y], kRotations[x + 5 * y]);
      }
    }
    // chi: the only non-linear step, along rows.
    for (unsigned y = 0; y < 5; ++y) {
      for (unsigned x = 0; x < 5; ++x) {
        a[x + 5 * y] = b[x + 5 * y] ^ (~b[(x + 1) % 5 + 5 * y] & b[(x + 2) % 5 + 5 * y]);
      }
    }
    // iota
    a[0] ^= kRoundConstants[round];
  }
}

KeccakSponge::KeccakSponge(std::size_t rate_bytes, std::uint8_t domain_byte)
    : rate_(rate_bytes), domain_(domain_byte) {
  assert(rate_bytes % 8 == 0 && rate_bytes >= 8 && rate_bytes <= 192);
}

KeccakSponge::~KeccakSponge() {
  secure_zero(state_.data(), sizeof(state_));
}

void KeccakSponge::reset() {
  secure_zero(state_.data(), sizeof(state_));
  pos_ = 0;
}

namespace {
// Lanes are little-endian: byte i of the state is byte i % 8 of lane i / 8.
void xor_byte(std::array<std::uint64_t, 25>& s, std::size_t i, std::uint8_t v) {
  s[i / 8] ^= std::uint64_t{v} << (8 * (i % 8));
}
std::uint8_t get_byte(const std::array<std::uint64_t, 25>& s, std::size_t i) {
  return static_cast<std::uint8_t>(s[i / 8] >> (8 * (i % 8)));
}
}  // namespace

void KeccakSponge::absorb(ByteView data) {
  for (std::uint8_t byte : data) {
    xor_byte(state_, pos_, byte);
    if (++pos_ == rate_) {
      keccak_f1600(state_);
      pos_ = 0;
    }
  }
}

void KeccakSponge::finish(std::span<std::uint8_t> out) {
  // pad10*1 with the domain suffix: the suffix bits at pos_, the final 1 bit at the end of the
  // rate. When pos_ == rate_ - 1 both land in the same byte, which the xors handle.
  xor_byte(state_, pos_, domain_);
  xor_byte(state_, rate_ - 1, 0x80);
  keccak_f1600(state_);
  std::size_t offset = 0;
  for (std::size_t i = 0; i < out.size(); ++i) {
    if (offset == rate_) {
      keccak_f1600(state_);
      offset = 0;
    }
    out[i] = get_byte(state_, offset++);
  }
  reset();
}

}  // namespace detail

Keccak256Digest Keccak256::finish() {
  Keccak256Digest digest{};
  sponge_.finish(digest);
  return digest;
}

Keccak256Digest keccak256(ByteView data) {
  Keccak256 hasher;
  hasher.update(data);
  return hasher.finish();
}

}  // namespace cllm::crypto
