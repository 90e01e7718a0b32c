// Compact JWS (RFC 7515) as NVIDIA's attestation service signs its tokens: ES384 only (ECDSA
// P-384 with SHA-384, signature raw r||s of 96 bytes, RFC 7518 §3.4), a key id in the header,
// a JSON object as payload. Anything else ("none", HMAC, RSA, unknown critical headers) is
// rejected: accepting a weaker algorithm named by the token itself is the classic JWT hole.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

#include "cllm/common/bytes.hpp"
#include "cllm/common/json.hpp"
#include "cllm/common/result.hpp"
#include "cllm/crypto/ecdsa.hpp"

namespace cllm::gpu {

// NRAS tokens are 2-5 KB (a GPU token carries ~40 claims); the bound leaves room for growth
// while keeping a hostile answer from costing more than a bounded parse.
inline constexpr std::size_t kMaxJwsSize = 64 * 1024;
inline constexpr std::size_t kMaxJwsKidSize = 256;
inline constexpr std::size_t kEs384SignatureSize = 96;

struct Jws {
  std::string compact;                 // the whole token as received
  std::size_t signing_input_size = 0;  // "header.payload" = compact[0, signing_input_size)
  Json header;                         // a JSON object with alg "ES384" and a kid
  std::string kid;
  Json payload;     // a JSON object (the claims)
  Bytes signature;  // raw r||s, 96 bytes

  std::string_view signing_input() const {
    return std::string_view(compact).substr(0, signing_input_size);
  }
};

// Parses and checks the form of a compact JWS; does not verify the signature. Each part must be
// strict base64url (RFC 7515 §2: no padding, no whitespace, canonical trailing bits).
Result<Jws> parse_jws(std::string_view compact);

// Verifies the ES384 signature over the ASCII signing input. The key must be on P-384.
Status verify_jws(const Jws& jws, const crypto::EcdsaPublicKey& key);

// Signs payload (a JSON object) as ES384 with header {"alg":"ES384","kid":kid}, for the NRAS
// replay in tests and for simulation. Keys are serialized sorted (canonical JSON).
Result<std::string> sign_jws_es384(const Json& payload, std::string_view kid,
                                   const crypto::EcdsaPrivateKey& key);

}  // namespace cllm::gpu
