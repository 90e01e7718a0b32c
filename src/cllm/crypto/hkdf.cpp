// HKDF through EVP_KDF, one derive per call; the mode parameter selects extract-only,
// expand-only or both, so each of the three functions is one provider call.
#include "cllm/crypto/hkdf.hpp"

#include <openssl/core_names.h>
#include <openssl/params.h>

#include <string>
#include <vector>

namespace cllm::crypto {

namespace {

// OSSL_PARAM wants a non-const, non-NULL pointer even for an empty octet string.
void* octets(ByteView bytes) {
  static unsigned char empty = 0;
  return bytes.empty() ? &empty : const_cast<std::uint8_t*>(bytes.data());
}

Status check_length(HashAlgorithm algorithm, std::size_t length) {
  if (length == 0) return make_error(ErrorCode::kInvalidArgument, "hkdf: output length is 0");
  if (length > hkdf_max_output(algorithm)) {
    return make_error(ErrorCode::kLimit, "hkdf: output length " + std::to_string(length) +
                                             " exceeds 255*" +
                                             std::to_string(digest_size(algorithm)));
  }
  return ok_status();
}

Status check_info(ByteView info) {
  if (info.size() > kHkdfMaxInfoSize) {
    return make_error(ErrorCode::kLimit, "hkdf: info length " + std::to_string(info.size()) +
                                             " exceeds " + std::to_string(kHkdfMaxInfoSize));
  }
  return ok_status();
}

// Runs EVP_KDF "HKDF" in `mode`. `salt` and `info` are only passed when the mode uses them.
Result<SecretBytes> run_hkdf(HashAlgorithm algorithm, int mode, ByteView key, ByteView salt,
                             ByteView info, std::size_t length) {
  const char* digest = detail::openssl_digest_name(algorithm);
  if (digest == nullptr) return make_error(ErrorCode::kInvalidArgument, "hkdf: unknown algorithm");

  EvpKdfPtr kdf(EVP_KDF_fetch(nullptr, "HKDF", nullptr));
  if (!kdf) return openssl_error("hkdf: EVP_KDF_fetch(HKDF) failed");
  EvpKdfCtxPtr ctx(EVP_KDF_CTX_new(kdf.get()));
  if (!ctx) return openssl_error("hkdf: EVP_KDF_CTX_new failed");

  std::vector<OSSL_PARAM> params;
  params.push_back(OSSL_PARAM_construct_int(OSSL_KDF_PARAM_MODE, &mode));
  params.push_back(
      OSSL_PARAM_construct_utf8_string(OSSL_KDF_PARAM_DIGEST, const_cast<char*>(digest), 0));
  params.push_back(OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_KEY, octets(key), key.size()));
  if (mode != EVP_KDF_HKDF_MODE_EXPAND_ONLY) {
    params.push_back(
        OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_SALT, octets(salt), salt.size()));
  }
  if (mode != EVP_KDF_HKDF_MODE_EXTRACT_ONLY && !info.empty()) {
    params.push_back(
        OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_INFO, octets(info), info.size()));
  }
  params.push_back(OSSL_PARAM_construct_end());

  SecretBytes out(length);
  if (EVP_KDF_derive(ctx.get(), out.data(), out.size(), params.data()) != 1) {
    return openssl_error("hkdf-" + std::string(to_string(algorithm)) + ": derive failed");
  }
  return out;
}

}  // namespace

std::size_t hkdf_max_output(HashAlgorithm algorithm) {
  return 255 * digest_size(algorithm);
}

Result<SecretBytes> hkdf_extract(HashAlgorithm algorithm, ByteView salt, ByteView ikm) {
  return run_hkdf(algorithm, EVP_KDF_HKDF_MODE_EXTRACT_ONLY, ikm, salt, {}, digest_size(algorithm));
}

Result<SecretBytes> hkdf_expand(HashAlgorithm algorithm, ByteView prk, ByteView info,
                                std::size_t length) {
  CLLM_TRY(check_length(algorithm, length));
  CLLM_TRY(check_info(info));
  if (prk.size() < digest_size(algorithm)) {
    return make_error(ErrorCode::kInvalidArgument,
                      "hkdf: prk length " + std::to_string(prk.size()) + " is shorter than " +
                          std::to_string(digest_size(algorithm)));
  }
  return run_hkdf(algorithm, EVP_KDF_HKDF_MODE_EXPAND_ONLY, prk, {}, info, length);
}

Result<SecretBytes> hkdf(HashAlgorithm algorithm, ByteView salt, ByteView ikm, ByteView info,
                         std::size_t length) {
  CLLM_TRY(check_length(algorithm, length));
  CLLM_TRY(check_info(info));
  return run_hkdf(algorithm, EVP_KDF_HKDF_MODE_EXTRACT_AND_EXPAND, ikm, salt, info, length);
}

}  // namespace cllm::crypto
