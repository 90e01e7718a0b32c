// Where a node's keys come from. Today: EphemeralKeyProvider, which generates every key inside
// the TEE at start (a restart is a new identity, as in Phala's vllm-proxy). The KMS issue adds
// a provider that derives them from the threshold KMS, so restarts and replicas keep them.
#pragma once

#include <memory>
#include <string>
#include <string_view>

#include "cllm/common/result.hpp"
#include "cllm/crypto/ecdsa.hpp"
#include "cllm/crypto/ed25519.hpp"
#include "cllm/crypto/secp256k1.hpp"

namespace cllm::node {

// The keys of one node. Move-only; every private key wipes itself when freed.
struct NodeKeys {
  crypto::EcdsaPrivateKey tls;        // P-256, the RA-TLS certificate's key
  crypto::Secp256k1PrivateKey ecdsa;  // receipts: EIP-191 personal_sign
  crypto::Ed25519KeyPair ed25519;     // receipts: Ed25519 over the text
};

class KeyProvider {
 public:
  virtual ~KeyProvider() = default;
  // "ephemeral", later "kms".
  virtual std::string_view kind() const = 0;
  virtual Result<NodeKeys> node_keys() = 0;
};

class EphemeralKeyProvider final : public KeyProvider {
 public:
  std::string_view kind() const override { return "ephemeral"; }
  Result<NodeKeys> node_keys() override;
};

// The public identity derived from the keys, as reports and claims show it.
struct PublicIdentity {
  std::string signing_address;       // EIP-55 address of the secp256k1 key
  std::string secp256k1_public_key;  // hex, 65-byte uncompressed SEC1
  std::string ed25519_public_key;    // hex, 32 bytes
  std::string tls_spki_sha256;       // hex, SHA-256 of the TLS key's DER SubjectPublicKeyInfo
};
Result<PublicIdentity> public_identity(const NodeKeys& keys);

}  // namespace cllm::node
