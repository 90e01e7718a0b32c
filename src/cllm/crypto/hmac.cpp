// HMAC through EVP_MAC "HMAC", with the digest named by parameter.
#include "cllm/crypto/hmac.hpp"

#include <openssl/core_names.h>
#include <openssl/params.h>

#include <string>

namespace cllm::crypto {

namespace {}  // namespace

Result<Bytes> hmac(HashAlgorithm algorithm, ByteView key, ByteView data) {
  const char* digest = detail::openssl_digest_name(algorithm);
  if (digest == nullptr) return make_error(ErrorCode::kInvalidArgument, "hmac: unknown algorithm");

  EvpMacPtr mac(EVP_MAC_fetch(nullptr, "HMAC", nullptr));
  if (!mac) return openssl_error("hmac: EVP_MAC_fetch(HMAC) failed");
  EvpMacCtxPtr ctx(EVP_MAC_CTX_new(mac.get()));
  if (!ctx) return openssl_error("hmac: EVP_MAC_CTX_new failed");

  // The key goes in as a parameter rather than through EVP_MAC_init's key argument: there a
  // NULL pointer means "no key", and an empty key (legal in HMAC) needs a non-NULL pointer.
  static const unsigned char kEmpty = 0;
  void* key_ptr = const_cast<unsigned char*>(key.empty() ? &kEmpty : key.data());
  OSSL_PARAM params[] = {
      OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST, const_cast<char*>(digest), 0),
      OSSL_PARAM_construct_octet_string(OSSL_MAC_PARAM_KEY, key_ptr, key.size()),
      OSSL_PARAM_construct_end(),
  };
  const std::string name = "hmac-" + std::string(to_string(algorithm));
  if (EVP_MAC_init(ctx.get(), nullptr, 0, params) != 1)
    return openssl_error(name + ": init failed");
  if (!data.empty() && EVP_MAC_update(ctx.get(), data.data(), data.size()) != 1) {
    return openssl_error(name + ": update failed");
  }
  Bytes tag(digest_size(algorithm));
  std::size_t tag_len = 0;
  if (EVP_MAC_final(ctx.get(), tag.data(), &tag_len, tag.size()) != 1) {
    return openssl_error(name + ": final failed");
  }
  if (tag_len != tag.size())
    return make_error(ErrorCode::kInternal, name + ": unexpected tag length");
  return tag;
}

Result<Bytes> hmac_sha256(ByteView key, ByteView data) {
  return hmac(HashAlgorithm::kSha256, key, data);
}
Result<Bytes> hmac_sha384(ByteView key, ByteView data) {
  return hmac(HashAlgorithm::kSha384, key, data);
}
Result<Bytes> hmac_sha512(ByteView key, ByteView data) {
  return hmac(HashAlgorithm::kSha512, key, data);
}

Status hmac_verify(HashAlgorithm algorithm, ByteView key, ByteView data, ByteView expected_tag) {
  const std::size_t want = digest_size(algorithm);
  if (expected_tag.size() != want) {
    return make_error(ErrorCode::kVerification,
                      "hmac: tag length " + std::to_string(expected_tag.size()) +
                          " is not the full " + std::to_string(want) + " bytes");
  }
  CLLM_ASSIGN_OR_RETURN(Bytes actual, hmac(algorithm, key, data));
  if (!constant_time_equal(actual, expected_tag)) {
    return make_error(ErrorCode::kVerification, "hmac: tag mismatch");
  }
  return ok_status();
}

}  // namespace cllm::crypto
