#include "cllm/node/receipt_signer.hpp"

#include "cllm/common/hex.hpp"
#include "cllm/crypto/ethereum.hpp"

namespace cllm::node {

Result<SignedReceipt> sign_receipt_text(const NodeKeys& keys, const PublicIdentity& identity,
                                        std::string_view text, std::string_view algo) {
  SignedReceipt out;
  out.text = std::string(text);
  out.signing_algo = std::string(algo);
  if (algo == "ecdsa") {
    auto sig = crypto::personal_sign(keys.ecdsa, as_bytes(text));
    if (!sig) return std::move(sig).error().context("signing the receipt (ecdsa)");
    out.signature = "0x" + to_hex(*sig);
    out.signing_address = identity.signing_address;
    return out;
  }
  if (algo == "ed25519") {
    auto sig = keys.ed25519.sign(as_bytes(text));
    if (!sig) return std::move(sig).error().context("signing the receipt (ed25519)");
    out.signature = to_hex(*sig);
    out.signing_address = identity.ed25519_public_key;
    return out;
  }
  return make_error(
      ErrorCode::kInvalidArgument,
      "signing_algo must be \"ecdsa\" or \"ed25519\", got \"" + std::string(algo) + "\"");
}

Json signed_receipt_json(const SignedReceipt& receipt) {
  return Json{{"text", receipt.text},
              {"signature", receipt.signature},
              {"signing_address", receipt.signing_address},
              {"signing_algo", receipt.signing_algo}};
}

}  // namespace cllm::node
