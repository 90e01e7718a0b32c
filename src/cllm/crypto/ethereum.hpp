// Ethereum-style identities and signatures: addresses (keccak-256 of x||y, last 20 bytes),
// EIP-55 checksummed hex, and EIP-191 version 0x45 "personal_sign" messages. cllm signs
// responses this way so that any Ethereum tool (ethers, web3, eth-account) can check them.
//
// Malleability choice: recover_personal_sign_address rejects high-s signatures (the EIP-2
// rule for transactions). Every mainstream signer, libsecp256k1 included, emits low-s only,
// so this refuses nothing honest, and it makes each (message, signer) pair have exactly one
// accepted signature, which matters to anyone who deduplicates or indexes by signature.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "cllm/common/bytes.hpp"
#include "cllm/common/result.hpp"
#include "cllm/crypto/secp256k1.hpp"

namespace cllm::crypto {

inline constexpr std::size_t kEthAddressSize = 20;
using EthAddress = std::array<std::uint8_t, kEthAddressSize>;

// The address of a public key.
EthAddress eth_address(const Secp256k1PublicKey& key);
// The same from an encoded key: 65 bytes (0x04||x||y) or 64 bytes (x||y). The point is
// validated, so garbage never becomes an "address".
Result<EthAddress> eth_address_from_public_key(ByteView key);

// "0x" + 40 hex digits in EIP-55 mixed case.
std::string eip55_checksum_address(const EthAddress& address);
// Parses "0x"-prefixed (or bare) 40 hex digits. All-lower and all-upper hex are accepted
// unchecked (EIP-55 says they carry no checksum); mixed case must be a correct checksum.
Result<EthAddress> parse_eth_address(std::string_view text);

// keccak256("\x19Ethereum Signed Message:\n" + decimal(len(message)) + message).
std::array<std::uint8_t, 32> eip191_personal_message_hash(ByteView message);

// personal_sign: 65 bytes r||s||v with v = 27 + recovery id (27 or 28), as wallets return.
Result<Bytes> personal_sign(const Secp256k1PrivateKey& key, ByteView message);

// Recovers the signer of a personal_sign signature. v may be 27/28 or 0/1; anything else,
// a high-s signature, or a length other than 65 is kVerification.
Result<EthAddress> recover_personal_sign_address(ByteView message, ByteView signature);

}  // namespace cllm::crypto
