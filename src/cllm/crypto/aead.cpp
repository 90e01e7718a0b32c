// AEAD through EVP_CIPHER_fetch + EVP_{En,De}crypt*. Both ciphers use OpenSSL's default IV
// length of 12 bytes, and the tag is moved through the OSSL_CIPHER_PARAM_AEAD_TAG parameter.
#include "cllm/crypto/aead.hpp"

#include <openssl/core_names.h>
#include <openssl/err.h>
#include <openssl/params.h>

#include <algorithm>
#include <string>

#include "cllm/crypto/evp_ptr.hpp"

namespace cllm::crypto {

namespace {

// EVP_CipherUpdate takes an int length; larger inputs go through in chunks, which both
// ciphers support as a stream (AAD chunks too, as long as they precede the data).
constexpr std::size_t kChunk = std::size_t{1} << 30;

const char* openssl_name(AeadAlgorithm algorithm) {
  switch (algorithm) {
    case AeadAlgorithm::kAes256Gcm:
      return "AES-256-GCM";
    case AeadAlgorithm::kChaCha20Poly1305:
      return "ChaCha20-Poly1305";
  }
  return nullptr;
}

std::string prefix(AeadAlgorithm algorithm) {
  return std::string(to_string(algorithm)) + ": ";
}

Status check_inputs(AeadAlgorithm algorithm, const SecretBytes& key, ByteView nonce) {
  if (openssl_name(algorithm) == nullptr) {
    return make_error(ErrorCode::kInvalidArgument, "aead: unknown algorithm");
  }
  if (key.size() != kAeadKeySize) {
    return make_error(ErrorCode::kInvalidArgument, prefix(algorithm) + "key must be " +
                                                       std::to_string(kAeadKeySize) +
                                                       " bytes, got " + std::to_string(key.size()));
  }
  if (nonce.size() != kAeadNonceSize) {
    return make_error(ErrorCode::kInvalidArgument,
                      prefix(algorithm) + "nonce must be " + std::to_string(kAeadNonceSize) +
                          " bytes, got " + std::to_string(nonce.size()));
  }
  return ok_status();
}

// A cipher context initialized with key and nonce for one direction (encrypt = 1 / 0).
Result<EvpCipherCtxPtr> make_ctx(AeadAlgorithm algorithm, const SecretBytes& key, ByteView nonce,
                                 int encrypt) {
  EvpCipherPtr cipher(EVP_CIPHER_fetch(nullptr, openssl_name(algorithm), nullptr));
  if (!cipher) return openssl_error(prefix(algorithm) + "EVP_CIPHER_fetch failed");
  EvpCipherCtxPtr ctx(EVP_CIPHER_CTX_new());
  if (!ctx) return openssl_error(prefix(algorithm) + "EVP_CIPHER_CTX_new failed");
  if (EVP_CipherInit_ex2(ctx.get(), cipher.get(), key.data(), nonce.data(), encrypt, nullptr) !=
      1) {
    return openssl_error(prefix(algorithm) + "cipher init failed");
  }
  return ctx;
}

// Feeds `in` through EVP_CipherUpdate; `out` is nullptr for AAD. Returns bytes written.
Result<std::size_t> update(AeadAlgorithm algorithm, EVP_CIPHER_CTX* ctx, ByteView in,
                           std::uint8_t* out) {
  std::size_t written = 0;
  for (std::size_t done = 0; done < in.size();) {
    const std::size_t n = std::min(kChunk, in.size() - done);
    int out_len = 0;
    if (EVP_CipherUpdate(ctx, out == nullptr ? nullptr : out + written, &out_len, in.data() + done,
                         static_cast<int>(n)) != 1) {
      return openssl_error(prefix(algorithm) + "cipher update failed");
    }
    done += n;
    written += static_cast<std::size_t>(out_len);
  }
  return written;
}

}  // namespace

std::string_view to_string(AeadAlgorithm algorithm) {
  switch (algorithm) {
    case AeadAlgorithm::kAes256Gcm:
      return "aes-256-gcm";
    case AeadAlgorithm::kChaCha20Poly1305:
      return "chacha20-poly1305";
  }
  return "unknown";
}

Result<Bytes> aead_seal(AeadAlgorithm algorithm, const SecretBytes& key, ByteView nonce,
                        ByteView plaintext, ByteView aad) {
  CLLM_TRY(check_inputs(algorithm, key, nonce));
  CLLM_ASSIGN_OR_RETURN(EvpCipherCtxPtr ctx, make_ctx(algorithm, key, nonce, 1));

  CLLM_TRY(update(algorithm, ctx.get(), aad, nullptr));
  Bytes out(plaintext.size() + kAeadTagSize);
  CLLM_ASSIGN_OR_RETURN(std::size_t written, update(algorithm, ctx.get(), plaintext, out.data()));
  int final_len = 0;
  if (EVP_CipherFinal_ex(ctx.get(), out.data() + written, &final_len) != 1) {
    return openssl_error(prefix(algorithm) + "cipher final failed");
  }
  written += static_cast<std::size_t>(final_len);
  if (written != plaintext.size()) {
    return make_error(ErrorCode::kInternal, prefix(algorithm) + "unexpected ciphertext length");
  }

  OSSL_PARAM params[] = {
      OSSL_PARAM_construct_octet_string(OSSL_CIPHER_PARAM_AEAD_TAG, out.data() + written,
                                        kAeadTagSize),
      OSSL_PARAM_construct_end(),
  };
  if (EVP_CIPHER_CTX_get_params(ctx.get(), params) != 1) {
    return openssl_error(prefix(algorithm) + "reading the tag failed");
  }
  return out;
}

Result<Bytes> aead_open(AeadAlgorithm algorithm, const SecretBytes& key, ByteView nonce,
                        ByteView sealed, ByteView aad) {
  CLLM_TRY(check_inputs(algorithm, key, nonce));
  if (sealed.size() < kAeadTagSize) {
    return make_error(ErrorCode::kVerification, prefix(algorithm) + "aead tag mismatch: input of " +
                                                    std::to_string(sealed.size()) +
                                                    " bytes is shorter than the tag");
  }
  const ByteView ciphertext = sealed.first(sealed.size() - kAeadTagSize);
  const ByteView tag = sealed.last(kAeadTagSize);

  CLLM_ASSIGN_OR_RETURN(EvpCipherCtxPtr ctx, make_ctx(algorithm, key, nonce, 0));
  // The expected tag must be set before final; OpenSSL does not write through this pointer.
  OSSL_PARAM params[] = {
      OSSL_PARAM_construct_octet_string(OSSL_CIPHER_PARAM_AEAD_TAG,
                                        const_cast<std::uint8_t*>(tag.data()), tag.size()),
      OSSL_PARAM_construct_end(),
  };
  if (EVP_CIPHER_CTX_set_params(ctx.get(), params) != 1) {
    return openssl_error(prefix(algorithm) + "setting the tag failed");
  }

  CLLM_TRY(update(algorithm, ctx.get(), aad, nullptr));
  Bytes out(ciphertext.size());
  // Decryption writes unauthenticated plaintext into `out` before the tag is checked; every
  // failure path below wipes it so that none of it escapes.
  auto fail = [&out](Error error) {
    secure_zero(out.data(), out.size());
    return error;
  };
  auto written = update(algorithm, ctx.get(), ciphertext, out.data());
  if (!written.ok()) return fail(std::move(written).error());
  int final_len = 0;
  // Both ciphers are stream modes and emit nothing at final; the scratch buffer only keeps the
  // call from ever writing past `out`.
  std::uint8_t final_buf[16];
  if (EVP_CipherFinal_ex(ctx.get(), final_buf, &final_len) != 1 || final_len != 0) {
    ERR_clear_error();  // a tag mismatch is an expected outcome, not a library fault
    return fail(make_error(ErrorCode::kVerification, prefix(algorithm) + "aead tag mismatch"));
  }
  if (*written != out.size()) {
    return fail(
        make_error(ErrorCode::kInternal, prefix(algorithm) + "unexpected plaintext length"));
  }
  return out;
}

}  // namespace cllm::crypto
