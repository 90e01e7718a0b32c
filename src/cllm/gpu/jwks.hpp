// A JSON Web Key Set (RFC 7517) as NRAS serves it at /.well-known/jwks.json: EC P-384 keys
// {kid, kty "EC", crv "P-384", x, y, x5c}. When x5c is present its first certificate must
// carry the same key as x/y (NVIDIA's SDKs take the key from x5c[0]; we take x/y, so both
// readings must agree or the key is dropped).
#pragma once

#include <cstddef>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "cllm/common/result.hpp"
#include "cllm/crypto/ecdsa.hpp"
#include "cllm/crypto/x509.hpp"

namespace cllm::gpu {

inline constexpr std::size_t kMaxJwksSize = 256 * 1024;
inline constexpr std::size_t kMaxJwksKeys = 64;

struct Jwk {
  std::string kid;
  crypto::EcdsaPublicKey key;
  std::vector<crypto::Certificate> x5c;  // as served, leaf first; empty when absent
};

class Jwks {
 public:
  // Parses the set. Keys of another type or curve, and keys whose x5c disagrees with x/y, are
  // left out and listed in rejected(); a malformed document, or a kid used twice, fails.
  static Result<Jwks> parse(std::string_view json_text);

  // The key of that kid, or nullptr.
  const Jwk* find(std::string_view kid) const;
  const std::vector<Jwk>& keys() const { return keys_; }
  // "<kid>: <reason>" for every key left out.
  const std::vector<std::string>& rejected() const { return rejected_; }

 private:
  std::vector<Jwk> keys_;
  std::vector<std::string> rejected_;
};

// One key to publish (tests and simulation): P-384 key, optional certificates for x5c.
struct JwkSpec {
  std::string kid;
  crypto::EcdsaPublicKey key;
  std::vector<crypto::Certificate> x5c;
};

// {"keys":[{"kid","kty":"EC","crv":"P-384","x","y"[,"x5c"]}...]} in NRAS's shape.
Result<std::string> make_jwks_json(std::span<const JwkSpec> keys);

}  // namespace cllm::gpu
