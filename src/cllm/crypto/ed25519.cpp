// Ed25519 via EVP_PKEY raw keys and one-shot EVP_DigestSign/EVP_DigestVerify (Ed25519 takes
// no separate digest, so the md name is NULL).
#include "cllm/crypto/ed25519.hpp"

#include <openssl/err.h>

#include <string>

namespace cllm::crypto {

namespace {
// OpenSSL's one-shot calls are happiest with a non-NULL pointer even for an empty message.
const unsigned char* message_ptr(ByteView message) {
  static const unsigned char kEmpty = 0;
  return message.empty() ? &kEmpty : message.data();
}
}  // namespace

Result<Ed25519KeyPair> Ed25519KeyPair::from_pkey(EvpPkeyPtr pkey) {
  Bytes public_key(kEd25519PublicKeySize);
  std::size_t len = public_key.size();
  if (EVP_PKEY_get_raw_public_key(pkey.get(), public_key.data(), &len) != 1 ||
      len != kEd25519PublicKeySize) {
    return openssl_error("ed25519: exporting the public key failed");
  }
  return Ed25519KeyPair(std::move(pkey), std::move(public_key));
}

Result<Ed25519KeyPair> Ed25519KeyPair::generate() {
  EvpPkeyPtr pkey(EVP_PKEY_Q_keygen(nullptr, nullptr, "ED25519"));
  if (!pkey) return openssl_error("ed25519: key generation failed");
  return from_pkey(std::move(pkey));
}

Result<Ed25519KeyPair> Ed25519KeyPair::from_seed(ByteView seed) {
  if (seed.size() != kEd25519SeedSize) {
    return make_error(ErrorCode::kInvalidArgument,
                      "ed25519: seed must be 32 bytes, got " + std::to_string(seed.size()));
  }
  EvpPkeyPtr pkey(
      EVP_PKEY_new_raw_private_key(EVP_PKEY_ED25519, nullptr, seed.data(), seed.size()));
  if (!pkey) return openssl_error("ed25519: importing the seed failed");
  return from_pkey(std::move(pkey));
}

Result<Bytes> Ed25519KeyPair::sign(ByteView message) const {
  EvpMdCtxPtr ctx(EVP_MD_CTX_new());
  if (!ctx) return openssl_error("ed25519: EVP_MD_CTX_new failed");
  if (EVP_DigestSignInit_ex(ctx.get(), nullptr, nullptr, nullptr, nullptr, pkey_.get(), nullptr) !=
      1) {
    return openssl_error("ed25519: sign init failed");
  }
  Bytes signature(kEd25519SignatureSize);
  std::size_t len = signature.size();
  if (EVP_DigestSign(ctx.get(), signature.data(), &len, message_ptr(message), message.size()) !=
      1) {
    return openssl_error("ed25519: signing failed");
  }
  if (len != kEd25519SignatureSize) {
    return make_error(ErrorCode::kInternal, "ed25519: unexpected signature length");
  }
  return signature;
}

Status ed25519_verify(ByteView public_key, ByteView message, ByteView signature) {
  if (public_key.size() != kEd25519PublicKeySize) {
    return make_error(ErrorCode::kVerification, "ed25519: public key must be 32 bytes, got " +
                                                    std::to_string(public_key.size()));
  }
  if (signature.size() != kEd25519SignatureSize) {
    return make_error(ErrorCode::kVerification, "ed25519: signature must be 64 bytes, got " +
                                                    std::to_string(signature.size()));
  }
  EvpPkeyPtr pkey(
      EVP_PKEY_new_raw_public_key(EVP_PKEY_ED25519, nullptr, public_key.data(), public_key.size()));
  if (!pkey) {
    // Outside input that OpenSSL will not even load is a failed verification, not a fault.
    return Error(ErrorCode::kVerification,
                 openssl_error("ed25519: importing the public key failed").message());
  }
  EvpMdCtxPtr ctx(EVP_MD_CTX_new());
  if (!ctx) return openssl_error("ed25519: EVP_MD_CTX_new failed");
  if (EVP_DigestVerifyInit_ex(ctx.get(), nullptr, nullptr, nullptr, nullptr, pkey.get(), nullptr) !=
      1) {
    return openssl_error("ed25519: verify init failed");
  }
  // 1 is valid; 0 is a bad signature; < 0 an error such as an undecodable point. All of them
  // are a failed verification for the caller.
  if (EVP_DigestVerify(ctx.get(), signature.data(), signature.size(), message_ptr(message),
                       message.size()) != 1) {
    ERR_clear_error();
    return make_error(ErrorCode::kVerification, "ed25519: signature verification failed");
  }
  return ok_status();
}

}  // namespace cllm::crypto
