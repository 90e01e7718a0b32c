#include "cllm/node/receipt_signer.hpp"

#include <gtest/gtest.h>

#include "cllm/common/hex.hpp"
#include "cllm/crypto/ed25519.hpp"
#include "cllm/crypto/ethereum.hpp"

namespace cllm::node {
namespace {

TEST(ReceiptSigner, EcdsaRecoversToTheSigningAddressAndEd25519Verifies) {
  EphemeralKeyProvider provider;
  auto keys = provider.node_keys();
  ASSERT_TRUE(keys);
  auto id = public_identity(*keys);
  ASSERT_TRUE(id);
  EXPECT_EQ(id->tls_spki_sha256.size(), 64u);
  EXPECT_EQ(id->signing_address.size(), 42u);
  std::string text = std::string(64, '1') + ":" + std::string(64, '2');

  auto ecdsa = sign_receipt_text(*keys, *id, text, "ecdsa");
  ASSERT_TRUE(ecdsa) << ecdsa.error().message();
  EXPECT_EQ(ecdsa->signing_address, id->signing_address);
  auto sig = from_hex(ecdsa->signature, true);
  ASSERT_TRUE(sig);
  ASSERT_EQ(sig->size(), 65u);
  auto recovered = crypto::recover_personal_sign_address(as_bytes(text), *sig);
  ASSERT_TRUE(recovered);
  EXPECT_EQ(crypto::eip55_checksum_address(*recovered), id->signing_address);
  std::string changed = text;
  changed[0] = '3';
  auto other = crypto::recover_personal_sign_address(as_bytes(changed), *sig);
  EXPECT_TRUE(!other || crypto::eip55_checksum_address(*other) != id->signing_address);

  auto ed = sign_receipt_text(*keys, *id, text, "ed25519");
  ASSERT_TRUE(ed);
  auto ed_sig = from_hex(ed->signature);
  auto pub = from_hex(id->ed25519_public_key);
  ASSERT_TRUE(ed_sig && pub);
  EXPECT_TRUE(crypto::ed25519_verify(*pub, as_bytes(text), *ed_sig));
  EXPECT_FALSE(crypto::ed25519_verify(*pub, as_bytes(changed), *ed_sig));

  EXPECT_FALSE(sign_receipt_text(*keys, *id, text, "rsa"));
}

}  // namespace
}  // namespace cllm::node
