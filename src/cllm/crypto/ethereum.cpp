#include "cllm/crypto/ethereum.hpp"

#include <algorithm>

#include "cllm/common/hex.hpp"
#include "cllm/crypto/keccak.hpp"

namespace cllm::crypto {

namespace {

// v = 27 + recovery id in legacy (pre-EIP-155) signatures, which personal_sign uses.
constexpr std::uint8_t kLegacyVOffset = 27;

bool is_lower_hex_letter(char c) {
  return c >= 'a' && c <= 'f';
}
bool is_upper_hex_letter(char c) {
  return c >= 'A' && c <= 'F';
}

}  // namespace

EthAddress eth_address(const Secp256k1PublicKey& key) {
  const Bytes xy = key.raw_xy();
  const Keccak256Digest digest = keccak256(xy);
  EthAddress out;
  std::copy(digest.end() - kEthAddressSize, digest.end(), out.begin());
  return out;
}

Result<EthAddress> eth_address_from_public_key(ByteView key) {
  // Only full points: a compressed key would parse too, but no caller expects one here.
  if (key.size() != kSecp256k1UncompressedSize && key.size() != 64) {
    return make_error(
        ErrorCode::kParse,
        "ethereum address: public key must be 64 or 65 bytes, got " + std::to_string(key.size()));
  }
  auto parsed =
      key.size() == 64 ? Secp256k1PublicKey::from_raw_xy(key) : Secp256k1PublicKey::from_sec1(key);
  if (!parsed.ok()) return std::move(parsed).error().context("ethereum address");
  return eth_address(*parsed);
}

std::string eip55_checksum_address(const EthAddress& address) {
  std::string hex = to_hex(address);  // lower case
  const Keccak256Digest digest = keccak256(as_bytes(hex));
  for (std::size_t i = 0; i < hex.size(); ++i) {
    // Nibble i of the hash of the lower-case hex text decides the case of character i.
    const std::uint8_t nibble =
        (i % 2 == 0) ? static_cast<std::uint8_t>(digest[i / 2] >> 4) : (digest[i / 2] & 0x0f);
    if (is_lower_hex_letter(hex[i]) && nibble >= 8) {
      hex[i] = static_cast<char>(hex[i] - 'a' + 'A');
    }
  }
  return "0x" + hex;
}

Result<EthAddress> parse_eth_address(std::string_view text) {
  if (text.size() >= 2 && text[0] == '0' && text[1] == 'x') text.remove_prefix(2);
  if (text.size() != 2 * kEthAddressSize) {
    return make_error(ErrorCode::kParse, "ethereum address: want 40 hex digits, got " +
                                             std::to_string(text.size()) + " characters");
  }
  CLLM_ASSIGN_OR_RETURN(Bytes bytes, from_hex(text));
  EthAddress out;
  std::copy(bytes.begin(), bytes.end(), out.begin());
  const bool has_lower = std::any_of(text.begin(), text.end(), is_lower_hex_letter);
  const bool has_upper = std::any_of(text.begin(), text.end(), is_upper_hex_letter);
  if (has_lower && has_upper) {
    const std::string expected = eip55_checksum_address(out);
    if (std::string_view(expected).substr(2) != text) {
      return make_error(ErrorCode::kParse,
                        "ethereum address: EIP-55 checksum mismatch (expected " + expected + ")");
    }
  }
  return out;
}

std::array<std::uint8_t, 32> eip191_personal_message_hash(ByteView message) {
  // EIP-191 version 0x45 ('E'): 0x19 keeps the data from being a valid RLP transaction.
  Keccak256 hasher;
  const std::string prefix =
      "\x19"
      "Ethereum Signed Message:\n" +
      std::to_string(message.size());
  hasher.update(as_bytes(prefix));
  hasher.update(message);
  return hasher.finish();
}

Result<Bytes> personal_sign(const Secp256k1PrivateKey& key, ByteView message) {
  const auto digest = eip191_personal_message_hash(message);
  CLLM_ASSIGN_OR_RETURN(Bytes signature, key.sign_recoverable(digest));
  if (signature[64] > 1) {
    // recid 2/3 needs r >= n (probability ~2^-127); legacy v cannot express it.
    return make_error(ErrorCode::kCrypto, "personal_sign: recovery id out of the legacy range");
  }
  signature[64] = static_cast<std::uint8_t>(signature[64] + kLegacyVOffset);
  return signature;
}

Result<EthAddress> recover_personal_sign_address(ByteView message, ByteView signature) {
  if (signature.size() != kSecp256k1RecoverableSignatureSize) {
    return make_error(ErrorCode::kVerification,
                      "personal_sign: signature must be 65 bytes (r||s||v), got " +
                          std::to_string(signature.size()));
  }
  std::uint8_t v = signature[64];
  if (v == kLegacyVOffset || v == kLegacyVOffset + 1)
    v = static_cast<std::uint8_t>(v - kLegacyVOffset);
  if (v > 1) {
    return make_error(ErrorCode::kVerification, "personal_sign: v must be 0, 1, 27 or 28, got " +
                                                    std::to_string(signature[64]));
  }
  Bytes normalized(signature.begin(), signature.end());
  normalized[64] = v;
  const auto digest = eip191_personal_message_hash(message);
  auto key = secp256k1_recover(digest, normalized);
  if (!key.ok()) return std::move(key).error().context("personal_sign");
  return eth_address(*key);
}

}  // namespace cllm::crypto
