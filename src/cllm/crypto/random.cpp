// Thin wrappers over RAND_bytes / RAND_priv_bytes, chunked because they take an int length.
#include "cllm/crypto/random.hpp"

#include <openssl/rand.h>

#include <algorithm>

#include "cllm/crypto/evp_ptr.hpp"

namespace cllm::crypto {

namespace {

constexpr std::size_t kChunk = std::size_t{1} << 30;  // well below INT_MAX

using RandFn = int (*)(unsigned char*, int);

Status fill(RandFn fn, const char* what, std::span<std::uint8_t> out) {
  for (std::size_t done = 0; done < out.size();) {
    const std::size_t n = std::min(kChunk, out.size() - done);
    if (fn(out.data() + done, static_cast<int>(n)) != 1) {
      // Fail closed: whatever was written may be predictable, so none of it survives.
      secure_zero(out.data(), out.size());
      return openssl_error(what);
    }
    done += n;
  }
  return ok_status();
}

}  // namespace

Status fill_random(std::span<std::uint8_t> out) {
  return fill(RAND_bytes, "random: RAND_bytes failed", out);
}

Result<Bytes> random_bytes(std::size_t size) {
  Bytes out(size);
  CLLM_TRY(fill_random(out));
  return out;
}

Status fill_random_private(std::span<std::uint8_t> out) {
  return fill(RAND_priv_bytes, "random: RAND_priv_bytes failed", out);
}

Result<SecretBytes> random_secret(std::size_t size) {
  SecretBytes out(size);
  CLLM_TRY(fill_random_private(out.mutable_view()));
  return out;
}

}  // namespace cllm::crypto
