#include "cllm/node/key_provider.hpp"

#include <openssl/x509.h>

#include "cllm/common/hex.hpp"
#include "cllm/crypto/ethereum.hpp"
#include "cllm/crypto/hash.hpp"

namespace cllm::node {

Result<NodeKeys> EphemeralKeyProvider::node_keys() {
  auto tls = crypto::EcdsaPrivateKey::generate(crypto::EcCurve::kP256);
  if (!tls) return std::move(tls).error().context("generating the TLS key");
  auto ecdsa = crypto::Secp256k1PrivateKey::generate();
  if (!ecdsa) return std::move(ecdsa).error().context("generating the secp256k1 signing key");
  auto ed = crypto::Ed25519KeyPair::generate();
  if (!ed) return std::move(ed).error().context("generating the Ed25519 signing key");
  return NodeKeys{std::move(*tls), std::move(*ecdsa), std::move(*ed)};
}

Result<PublicIdentity> public_identity(const NodeKeys& keys) {
  PublicIdentity id;
  id.signing_address = crypto::eip55_checksum_address(crypto::eth_address(keys.ecdsa.public_key()));
  id.secp256k1_public_key = to_hex(keys.ecdsa.public_key().uncompressed());
  id.ed25519_public_key = to_hex(keys.ed25519.public_key());
  unsigned char* der = nullptr;
  int len = i2d_PUBKEY(keys.tls.pkey(), &der);
  if (len <= 0) return make_error(ErrorCode::kCrypto, "encoding the TLS SubjectPublicKeyInfo");
  Bytes spki(der, der + len);
  OPENSSL_free(der);
  auto digest = crypto::sha256(spki);
  if (!digest) return std::move(digest).error();
  id.tls_spki_sha256 = to_hex(*digest);
  return id;
}

}  // namespace cllm::node
