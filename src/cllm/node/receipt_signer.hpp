// Signs receipts with the node's response-signing keys, in the two algorithms clients ask
// for: "ecdsa" (EIP-191 personal_sign with secp256k1, r||s||v hex, as Phala's vllm-proxy
// does, so `ecrecover` gives the signing address) and "ed25519" (over the UTF-8 text).
#pragma once

#include <string>
#include <string_view>

#include "cllm/common/json.hpp"
#include "cllm/common/result.hpp"
#include "cllm/node/key_provider.hpp"

namespace cllm::node {

struct SignedReceipt {
  std::string text;             // "<request sha256>:<response sha256>"
  std::string signature;        // hex, 0x-prefixed for ecdsa (65 bytes), plain for ed25519 (64)
  std::string signing_address;  // ecdsa: the EIP-55 address; ed25519: the public key hex
  std::string signing_algo;     // "ecdsa" | "ed25519"
};

// algo must be "ecdsa" or "ed25519" (kInvalidArgument otherwise).
Result<SignedReceipt> sign_receipt_text(const NodeKeys& keys, const PublicIdentity& identity,
                                        std::string_view text, std::string_view algo);

Json signed_receipt_json(const SignedReceipt& receipt);

}  // namespace cllm::node
