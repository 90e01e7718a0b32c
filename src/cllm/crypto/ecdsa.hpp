// ECDSA over the NIST curves P-256 and P-384 (OpenSSL 3, EVP only).
//
// Signatures travel as raw r||s, each half big-endian and fixed width (32 bytes for P-256,
// 48 for P-384): that is the form in TDX quotes, PCS JSON collateral and NVIDIA SPDM
// reports. OpenSSL speaks DER (ECDSA-Sig-Value), so the strict converters below sit
// between the two. The hash is tied to the curve: SHA-256 with P-256, SHA-384 with P-384.
#pragma once

#include <openssl/evp.h>

#include <cstddef>
#include <memory>
#include <string_view>

#include "cllm/common/bytes.hpp"
#include "cllm/common/result.hpp"
#include "cllm/crypto/evp_ptr.hpp"

namespace cllm::crypto {

enum class EcCurve { kP256, kP384 };

// Bytes in a scalar or coordinate, and in each half of a raw signature: 32 or 48.
std::size_t ec_field_size(EcCurve curve);
// Bytes in the digest of the curve's hash (SHA-256: 32, SHA-384: 48).
std::size_t ec_digest_size(EcCurve curve);
// "P-256" or "P-384".
std::string_view ec_curve_name(EcCurve curve);
// The group order n, big-endian, ec_field_size bytes.
ByteView ec_curve_order(EcCurve curve);

// Raw r||s (2 * field size) -> DER ECDSA-Sig-Value. Rejects a wrong length and r or s that
// is zero or not below the group order.
Result<Bytes> ecdsa_raw_to_der(EcCurve curve, ByteView raw);
// DER ECDSA-Sig-Value -> raw r||s. Strict DER: minimal lengths, minimal positive INTEGERs,
// no trailing bytes; r and s in [1, n-1].
Result<Bytes> ecdsa_der_to_raw(EcCurve curve, ByteView der);

// A public key. Copies share the underlying EVP_PKEY (read-only, safe across threads).
class EcdsaPublicKey {
 public:
  // 0x04 || x || y (65 or 97 bytes). Compressed and hybrid forms are rejected.
  static Result<EcdsaPublicKey> from_sec1(EcCurve curve, ByteView point);
  // x || y (64 or 96 bytes), the form TDX quotes carry.
  static Result<EcdsaPublicKey> from_raw_xy(EcCurve curve, ByteView xy);
  // Takes a reference to an existing EC key (e.g. a certificate's). Fails if the key is not
  // on P-256 or P-384.
  static Result<EcdsaPublicKey> from_pkey(EVP_PKEY* pkey);

  EcCurve curve() const { return curve_; }
  Bytes to_sec1() const;    // 0x04 || x || y
  Bytes to_raw_xy() const;  // x || y

  // Verifies raw r||s over message hashed with the curve's hash. Any rejection, including
  // a malformed signature, is ErrorCode::kVerification.
  Status verify(ByteView message, ByteView raw_signature) const;
  // Same, with a DER signature (strictly parsed).
  Status verify_der(ByteView message, ByteView der_signature) const;
  // Same, over a digest computed by the caller; it must be ec_digest_size bytes.
  Status verify_prehashed(ByteView digest, ByteView raw_signature) const;

  // Borrowed; valid while this object (or a copy) lives.
  EVP_PKEY* pkey() const { return pkey_.get(); }

 private:
  EcdsaPublicKey(EcCurve curve, std::shared_ptr<EVP_PKEY> pkey, Bytes sec1)
      : curve_(curve), pkey_(std::move(pkey)), sec1_(std::move(sec1)) {}

  EcCurve curve_;
  std::shared_ptr<EVP_PKEY> pkey_;
  Bytes sec1_;
};

// A private key. Move-only so the secret has one owner; OpenSSL clears the scalar on free.
class EcdsaPrivateKey {
 public:
  static Result<EcdsaPrivateKey> generate(EcCurve curve);
  // A big-endian scalar of exactly ec_field_size bytes with 1 <= d < n.
  static Result<EcdsaPrivateKey> from_scalar(EcCurve curve, ByteView scalar);

  EcdsaPrivateKey(EcdsaPrivateKey&&) noexcept = default;
  EcdsaPrivateKey& operator=(EcdsaPrivateKey&&) noexcept = default;
  EcdsaPrivateKey(const EcdsaPrivateKey&) = delete;
  EcdsaPrivateKey& operator=(const EcdsaPrivateKey&) = delete;
  ~EcdsaPrivateKey() = default;

  EcCurve curve() const { return public_key_.curve(); }
  const EcdsaPublicKey& public_key() const { return public_key_; }
  // The scalar, big-endian, ec_field_size bytes.
  Result<SecretBytes> export_scalar() const;

  // Signs message (hashed with the curve's hash); returns raw r||s. OpenSSL picks a random
  // nonce, so two signatures of one message differ.
  Result<Bytes> sign(ByteView message) const;
  // Signs a digest of ec_digest_size bytes; returns raw r||s.
  Result<Bytes> sign_prehashed(ByteView digest) const;

  // Borrowed; valid while this object lives. For callers such as certificate signing.
  EVP_PKEY* pkey() const { return pkey_.get(); }

 private:
  EcdsaPrivateKey(EvpPkeyPtr pkey, EcdsaPublicKey pub)
      : pkey_(std::move(pkey)), public_key_(std::move(pub)) {}

  EvpPkeyPtr pkey_;
  EcdsaPublicKey public_key_;
};

}  // namespace cllm::crypto
