// SHA-2 digests (SHA-256/384/512) through OpenSSL 3 EVP, one-shot and incremental.
#pragma once

#include <cstddef>
#include <string_view>

#include "cllm/common/bytes.hpp"
#include "cllm/common/result.hpp"
#include "cllm/crypto/evp_ptr.hpp"

namespace cllm::crypto {

enum class HashAlgorithm { kSha256, kSha384, kSha512 };

// "sha256", "sha384", "sha512".
std::string_view to_string(HashAlgorithm algorithm);
// Output size in bytes: 32, 48, 64.
std::size_t digest_size(HashAlgorithm algorithm);

// One-shot digest of `data`.
Result<Bytes> hash(HashAlgorithm algorithm, ByteView data);
Result<Bytes> sha256(ByteView data);
Result<Bytes> sha384(ByteView data);
Result<Bytes> sha512(ByteView data);

// Incremental digest, for inputs too large to hold at once (model files, streams).
// finish() returns the digest of everything passed to update() since creation or the last
// finish(), and leaves the hasher ready for a new message. After a failed update() the
// message is poisoned: further update() calls fail, and finish() fails once and resets.
class Hasher {
 public:
  static Result<Hasher> create(HashAlgorithm algorithm);

  HashAlgorithm algorithm() const { return algorithm_; }
  Status update(ByteView data);
  Result<Bytes> finish();

 private:
  Hasher(HashAlgorithm algorithm, EvpMdPtr md, EvpMdCtxPtr ctx)
      : algorithm_(algorithm), md_(std::move(md)), ctx_(std::move(ctx)) {}
  Status ensure_started();

  // kFailed exists so that a failed update() can never be followed by a finish() that
  // silently returns the digest of only part of the message.
  enum class State { kNeedsInit, kActive, kFailed };

  HashAlgorithm algorithm_;
  EvpMdPtr md_;
  EvpMdCtxPtr ctx_;
  State state_ = State::kNeedsInit;
};

namespace detail {
// OpenSSL's canonical digest name ("SHA256", ...), for APIs that take the digest by name
// (EVP_MAC, EVP_KDF parameters).
const char* openssl_digest_name(HashAlgorithm algorithm);
// Fetches the EVP_MD for `algorithm` from the default library context.
Result<EvpMdPtr> fetch_md(HashAlgorithm algorithm);
}  // namespace detail

}  // namespace cllm::crypto
