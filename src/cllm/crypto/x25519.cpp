// X25519 via EVP_PKEY raw keys and EVP_PKEY_derive.
#include "cllm/crypto/x25519.hpp"

#include <array>
#include <string>

namespace cllm::crypto {

Result<X25519KeyPair> X25519KeyPair::from_pkey(EvpPkeyPtr pkey) {
  Bytes public_key(kX25519KeySize);
  std::size_t len = public_key.size();
  if (EVP_PKEY_get_raw_public_key(pkey.get(), public_key.data(), &len) != 1 ||
      len != kX25519KeySize) {
    return openssl_error("x25519: exporting the public key failed");
  }
  return X25519KeyPair(std::move(pkey), std::move(public_key));
}

Result<X25519KeyPair> X25519KeyPair::generate() {
  // OpenSSL draws the private key from its private DRBG.
  EvpPkeyPtr pkey(EVP_PKEY_Q_keygen(nullptr, nullptr, "X25519"));
  if (!pkey) return openssl_error("x25519: key generation failed");
  return from_pkey(std::move(pkey));
}

Result<X25519KeyPair> X25519KeyPair::from_private_key(ByteView private_key) {
  if (private_key.size() != kX25519KeySize) {
    return make_error(ErrorCode::kInvalidArgument, "x25519: private key must be 32 bytes, got " +
                                                       std::to_string(private_key.size()));
  }
  EvpPkeyPtr pkey(EVP_PKEY_new_raw_private_key(EVP_PKEY_X25519, nullptr, private_key.data(),
                                               private_key.size()));
  if (!pkey) return openssl_error("x25519: importing the private key failed");
  return from_pkey(std::move(pkey));
}

Result<SecretBytes> X25519KeyPair::derive(ByteView peer_public_key) const {
  if (peer_public_key.size() != kX25519KeySize) {
    return make_error(
        ErrorCode::kInvalidArgument,
        "x25519: peer public key must be 32 bytes, got " + std::to_string(peer_public_key.size()));
  }
  EvpPkeyPtr peer(EVP_PKEY_new_raw_public_key(EVP_PKEY_X25519, nullptr, peer_public_key.data(),
                                              peer_public_key.size()));
  if (!peer) return openssl_error("x25519: importing the peer public key failed");
  EvpPkeyCtxPtr ctx(EVP_PKEY_CTX_new_from_pkey(nullptr, pkey_.get(), nullptr));
  if (!ctx) return openssl_error("x25519: EVP_PKEY_CTX_new_from_pkey failed");
  if (EVP_PKEY_derive_init(ctx.get()) != 1) return openssl_error("x25519: derive init failed");
  if (EVP_PKEY_derive_set_peer(ctx.get(), peer.get()) != 1) {
    return openssl_error("x25519: setting the peer public key failed");
  }

  SecretBytes secret(kX25519KeySize);
  std::size_t len = secret.size();
  if (EVP_PKEY_derive(ctx.get(), secret.data(), &len) != 1) {
    // OpenSSL itself refuses an all-zero result, so a low-order peer point usually lands here.
    return openssl_error("x25519: derivation failed (low-order peer public key?)");
  }
  if (len != kX25519KeySize) {
    return make_error(ErrorCode::kInternal, "x25519: unexpected shared secret length");
  }
  // Checked here as well, so the guarantee does not rest on one OpenSSL version's behaviour.
  static constexpr std::array<std::uint8_t, kX25519KeySize> kZero{};
  if (constant_time_equal(secret.view(), kZero)) {
    return make_error(ErrorCode::kCrypto,
                      "x25519: all-zero shared secret (low-order peer public key)");
  }
  return secret;
}

}  // namespace cllm::crypto
