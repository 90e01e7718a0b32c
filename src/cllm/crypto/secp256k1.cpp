#include "cllm/crypto/secp256k1.hpp"

#include <openssl/rand.h>
#include <secp256k1.h>
#include <secp256k1_recovery.h>

#include <algorithm>
#include <array>
#include <string>

namespace cllm::crypto {

namespace {

// With the default handler an illegal argument aborts the process. Every call below checks
// its inputs first, so this should never fire; if it does, the call returns 0 and we report
// an error instead of crashing.
void ignore_illegal_argument(const char* /*message*/, void* /*data*/) {}

// The process-wide context, or nullptr if it could not be randomized. Created on first use
// (thread-safe static initialization) and intentionally never destroyed: destroying it at
// exit could race with a thread still signing.
const secp256k1_context* context() {
  static const secp256k1_context* const ctx = []() -> const secp256k1_context* {
    secp256k1_context* c = secp256k1_context_create(SECP256K1_CONTEXT_NONE);
    if (c == nullptr) return nullptr;
    secp256k1_context_set_illegal_callback(c, ignore_illegal_argument, nullptr);
    // Randomization blinds the signing and key-generation scalar multiplications against
    // side channels; the library asks for it once, right after creation.
    std::array<unsigned char, 32> seed{};
    const bool ok = RAND_priv_bytes(seed.data(), static_cast<int>(seed.size())) == 1 &&
                    secp256k1_context_randomize(c, seed.data()) == 1;
    secure_zero(seed.data(), seed.size());
    if (!ok) {
      secp256k1_context_destroy(c);
      return nullptr;
    }
    return c;
  }();
  return ctx;
}

Result<const secp256k1_context*> require_context() {
  const secp256k1_context* ctx = context();
  if (ctx == nullptr) {
    return make_error(ErrorCode::kCrypto, "secp256k1: could not create a randomized context");
  }
  return ctx;
}

Bytes serialize(const secp256k1_context* ctx, const secp256k1_pubkey& key, bool compressed) {
  Bytes out(compressed ? kSecp256k1CompressedSize : kSecp256k1UncompressedSize);
  std::size_t len = out.size();
  // Returns 1 always for a parsed key and a large enough buffer.
  secp256k1_ec_pubkey_serialize(ctx, out.data(), &len, &key,
                                compressed ? SECP256K1_EC_COMPRESSED : SECP256K1_EC_UNCOMPRESSED);
  out.resize(len);
  return out;
}

Status check_digest(ByteView digest) {
  if (digest.size() != kSecp256k1DigestSize) {
    return make_error(ErrorCode::kVerification,
                      "secp256k1: digest must be 32 bytes, got " + std::to_string(digest.size()));
  }
  return ok_status();
}

// Rejects a high-s signature with a message that says so (libsecp256k1 would only say
// "invalid").
Status check_low_s(const secp256k1_context* ctx, const secp256k1_ecdsa_signature& sig) {
  if (secp256k1_ecdsa_signature_normalize(ctx, nullptr, &sig) == 1) {
    return make_error(ErrorCode::kVerification,
                      "secp256k1: signature has a high s value (malleable form), rejected");
  }
  return ok_status();
}

}  // namespace

// --- Secp256k1PublicKey ---

Result<Secp256k1PublicKey> Secp256k1PublicKey::from_sec1(ByteView encoded) {
  CLLM_ASSIGN_OR_RETURN(const secp256k1_context* ctx, require_context());
  const bool uncompressed = encoded.size() == kSecp256k1UncompressedSize && encoded[0] == 0x04;
  const bool compressed =
      encoded.size() == kSecp256k1CompressedSize && (encoded[0] == 0x02 || encoded[0] == 0x03);
  if (!uncompressed && !compressed) {
    return make_error(ErrorCode::kParse,
                      "secp256k1: public key must be 65 bytes starting 0x04 or 33 bytes starting "
                      "0x02/0x03, got " +
                          std::to_string(encoded.size()) + " bytes");
  }
  secp256k1_pubkey key;
  if (secp256k1_ec_pubkey_parse(ctx, &key, encoded.data(), encoded.size()) != 1) {
    return make_error(ErrorCode::kParse, "secp256k1: public key is not a point on the curve");
  }
  return Secp256k1PublicKey(serialize(ctx, key, false));
}

Result<Secp256k1PublicKey> Secp256k1PublicKey::from_raw_xy(ByteView xy) {
  if (xy.size() != 64) {
    return make_error(ErrorCode::kParse, "secp256k1: raw public key must be 64 bytes (x||y), got " +
                                             std::to_string(xy.size()));
  }
  Bytes sec1{0x04};
  sec1.insert(sec1.end(), xy.begin(), xy.end());
  return from_sec1(sec1);
}

Bytes Secp256k1PublicKey::raw_xy() const {
  return Bytes(uncompressed_.begin() + 1, uncompressed_.end());
}

Bytes Secp256k1PublicKey::compressed() const {
  Bytes out(kSecp256k1CompressedSize);
  // The parity of y picks the tag; x is copied as is.
  out[0] = (uncompressed_.back() & 1) != 0 ? 0x03 : 0x02;
  std::copy(uncompressed_.begin() + 1, uncompressed_.begin() + 33, out.begin() + 1);
  return out;
}

Status Secp256k1PublicKey::verify(ByteView digest, ByteView signature) const {
  CLLM_ASSIGN_OR_RETURN(const secp256k1_context* ctx, require_context());
  CLLM_TRY(check_digest(digest));
  if (signature.size() != kSecp256k1SignatureSize &&
      signature.size() != kSecp256k1RecoverableSignatureSize) {
    return make_error(
        ErrorCode::kVerification,
        "secp256k1: signature must be 64 or 65 bytes, got " + std::to_string(signature.size()));
  }
  secp256k1_ecdsa_signature sig;
  if (secp256k1_ecdsa_signature_parse_compact(ctx, &sig, signature.data()) != 1) {
    return make_error(ErrorCode::kVerification, "secp256k1: signature r or s is out of range");
  }
  CLLM_TRY(check_low_s(ctx, sig));
  secp256k1_pubkey key;
  if (secp256k1_ec_pubkey_parse(ctx, &key, uncompressed_.data(), uncompressed_.size()) != 1) {
    return make_error(ErrorCode::kInternal, "secp256k1: stored public key does not parse");
  }
  if (secp256k1_ecdsa_verify(ctx, &sig, digest.data(), &key) != 1) {
    return make_error(ErrorCode::kVerification,
                      "secp256k1: signature does not match the digest and key");
  }
  return ok_status();
}

// --- Secp256k1PrivateKey ---

Result<Secp256k1PrivateKey> Secp256k1PrivateKey::generate() {
  CLLM_ASSIGN_OR_RETURN(const secp256k1_context* ctx, require_context());
  SecretBytes secret(kSecp256k1SecretSize);
  // A random 32-byte string is a valid scalar except with probability ~2^-128; retry a few
  // times rather than loop forever on a broken generator.
  for (int attempt = 0; attempt < 8; ++attempt) {
    if (RAND_priv_bytes(secret.data(), static_cast<int>(secret.size())) != 1) {
      return make_error(ErrorCode::kCrypto, "secp256k1: random generator failed");
    }
    if (secp256k1_ec_seckey_verify(ctx, secret.data()) == 1) return from_bytes(secret.view());
  }
  return make_error(ErrorCode::kCrypto, "secp256k1: random generator gave no valid key");
}

Result<Secp256k1PrivateKey> Secp256k1PrivateKey::from_bytes(ByteView secret) {
  CLLM_ASSIGN_OR_RETURN(const secp256k1_context* ctx, require_context());
  if (secret.size() != kSecp256k1SecretSize) {
    return make_error(ErrorCode::kInvalidArgument, "secp256k1: private key must be 32 bytes, got " +
                                                       std::to_string(secret.size()));
  }
  if (secp256k1_ec_seckey_verify(ctx, secret.data()) != 1) {
    return make_error(ErrorCode::kInvalidArgument, "secp256k1: private key is not in [1, n-1]");
  }
  secp256k1_pubkey key;
  if (secp256k1_ec_pubkey_create(ctx, &key, secret.data()) != 1) {
    return make_error(ErrorCode::kCrypto, "secp256k1: computing the public key failed");
  }
  return Secp256k1PrivateKey(SecretBytes(secret), Secp256k1PublicKey(serialize(ctx, key, false)));
}

Result<Bytes> Secp256k1PrivateKey::sign_recoverable(ByteView digest) const {
  CLLM_ASSIGN_OR_RETURN(const secp256k1_context* ctx, require_context());
  if (digest.size() != kSecp256k1DigestSize) {
    return make_error(ErrorCode::kInvalidArgument,
                      "secp256k1: digest must be 32 bytes, got " + std::to_string(digest.size()));
  }
  secp256k1_ecdsa_recoverable_signature sig;
  // nullptr nonce function: the library's RFC 6979 default.
  if (secp256k1_ecdsa_sign_recoverable(ctx, &sig, digest.data(), secret_.data(), nullptr,
                                       nullptr) != 1) {
    return make_error(ErrorCode::kCrypto, "secp256k1: signing failed");
  }
  Bytes out(kSecp256k1RecoverableSignatureSize);
  int recid = 0;
  secp256k1_ecdsa_recoverable_signature_serialize_compact(ctx, out.data(), &recid, &sig);
  out[64] = static_cast<std::uint8_t>(recid);
  return out;
}

Result<Secp256k1PublicKey> secp256k1_recover(ByteView digest, ByteView signature) {
  CLLM_ASSIGN_OR_RETURN(const secp256k1_context* ctx, require_context());
  CLLM_TRY(check_digest(digest));
  if (signature.size() != kSecp256k1RecoverableSignatureSize) {
    return make_error(ErrorCode::kVerification,
                      "secp256k1: recoverable signature must be 65 bytes, got " +
                          std::to_string(signature.size()));
  }
  const int recid = signature[64];
  if (recid > 3) {
    return make_error(ErrorCode::kVerification,
                      "secp256k1: recovery id must be 0..3, got " + std::to_string(recid));
  }
  secp256k1_ecdsa_recoverable_signature sig;
  if (secp256k1_ecdsa_recoverable_signature_parse_compact(ctx, &sig, signature.data(), recid) !=
      1) {
    return make_error(ErrorCode::kVerification, "secp256k1: signature r or s is out of range");
  }
  secp256k1_ecdsa_signature plain;
  secp256k1_ecdsa_recoverable_signature_convert(ctx, &plain, &sig);
  CLLM_TRY(check_low_s(ctx, plain));
  secp256k1_pubkey key;
  if (secp256k1_ecdsa_recover(ctx, &key, &sig, digest.data()) != 1) {
    return make_error(ErrorCode::kVerification,
                      "secp256k1: no public key recovers from this signature and digest");
  }
  return Secp256k1PublicKey(serialize(ctx, key, false));
}

}  // namespace cllm::crypto
