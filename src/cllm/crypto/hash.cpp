// SHA-2 via EVP_MD_fetch + EVP_Digest*: the explicit fetch (rather than EVP_sha256()) makes
// the provider lookup visible and lets a FIPS provider configuration apply.
#include "cllm/crypto/hash.hpp"

#include <string>

namespace cllm::crypto {

std::string_view to_string(HashAlgorithm algorithm) {
  switch (algorithm) {
    case HashAlgorithm::kSha256:
      return "sha256";
    case HashAlgorithm::kSha384:
      return "sha384";
    case HashAlgorithm::kSha512:
      return "sha512";
  }
  return "unknown";
}

std::size_t digest_size(HashAlgorithm algorithm) {
  switch (algorithm) {
    case HashAlgorithm::kSha256:
      return 32;
    case HashAlgorithm::kSha384:
      return 48;
    case HashAlgorithm::kSha512:
      return 64;
  }
  return 0;
}

namespace detail {

const char* openssl_digest_name(HashAlgorithm algorithm) {
  // OpenSSL's canonical names; "SHA2-256" etc. are aliases of the same implementations.
  switch (algorithm) {
    case HashAlgorithm::kSha256:
      return "SHA256";
    case HashAlgorithm::kSha384:
      return "SHA384";
    case HashAlgorithm::kSha512:
      return "SHA512";
  }
  return nullptr;
}

Result<EvpMdPtr> fetch_md(HashAlgorithm algorithm) {
  const char* name = openssl_digest_name(algorithm);
  if (name == nullptr) return make_error(ErrorCode::kInvalidArgument, "hash: unknown algorithm");
  EvpMdPtr md(EVP_MD_fetch(nullptr, name, nullptr));
  if (!md) return openssl_error(std::string("hash: EVP_MD_fetch(") + name + ") failed");
  return md;
}

}  // namespace detail

Result<Bytes> hash(HashAlgorithm algorithm, ByteView data) {
  CLLM_ASSIGN_OR_RETURN(Hasher hasher, Hasher::create(algorithm));
  CLLM_TRY(hasher.update(data));
  return hasher.finish();
}

Result<Bytes> sha256(ByteView data) {
  return hash(HashAlgorithm::kSha256, data);
}
Result<Bytes> sha384(ByteView data) {
  return hash(HashAlgorithm::kSha384, data);
}
Result<Bytes> sha512(ByteView data) {
  return hash(HashAlgorithm::kSha512, data);
}

Result<Hasher> Hasher::create(HashAlgorithm algorithm) {
  CLLM_ASSIGN_OR_RETURN(EvpMdPtr md, detail::fetch_md(algorithm));
  EvpMdCtxPtr ctx(EVP_MD_CTX_new());
  if (!ctx) return openssl_error("hash: EVP_MD_CTX_new failed");
  Hasher hasher(algorithm, std::move(md), std::move(ctx));
  CLLM_TRY(hasher.ensure_started());
  return hasher;
}

Status Hasher::ensure_started() {
  if (state_ == State::kFailed) {
    return make_error(
        ErrorCode::kCrypto,
        std::string("hash: ") + std::string(to_string(algorithm_)) + ": an earlier update failed");
  }
  if (state_ == State::kActive) return ok_status();
  if (EVP_DigestInit_ex2(ctx_.get(), md_.get(), nullptr) != 1) {
    return openssl_error(std::string("hash: ") + std::string(to_string(algorithm_)) +
                         ": init failed");
  }
  state_ = State::kActive;
  return ok_status();
}

Status Hasher::update(ByteView data) {
  CLLM_TRY(ensure_started());
  // EVP_DigestUpdate takes a size_t length, so no chunking is needed for large inputs.
  if (!data.empty() && EVP_DigestUpdate(ctx_.get(), data.data(), data.size()) != 1) {
    state_ = State::kFailed;
    return openssl_error(std::string("hash: ") + std::string(to_string(algorithm_)) +
                         ": update failed");
  }
  return ok_status();
}

Result<Bytes> Hasher::finish() {
  Status started = ensure_started();
  if (!started.ok()) {
    state_ = State::kNeedsInit;  // the poisoned message is reported once, then dropped
    return std::move(started).error();
  }
  Bytes out(digest_size(algorithm_));
  unsigned int out_len = 0;
  // A finalized context must be re-initialized before reuse, whatever the outcome.
  state_ = State::kNeedsInit;
  if (EVP_DigestFinal_ex(ctx_.get(), out.data(), &out_len) != 1) {
    return openssl_error(std::string("hash: ") + std::string(to_string(algorithm_)) +
                         ": final failed");
  }
  if (out_len != out.size()) {
    return make_error(ErrorCode::kInternal, "hash: unexpected digest length");
  }
  return out;
}

}  // namespace cllm::crypto
