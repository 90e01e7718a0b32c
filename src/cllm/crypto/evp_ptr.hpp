// RAII owners for the OpenSSL 3 objects the crypto module uses, so that no early return
// (every Result error path) can leak a context or key. Aliases only, plus the one helper
// that turns OpenSSL's thread-local error queue into a cllm::Error.
#pragma once

#include <openssl/evp.h>
#include <openssl/kdf.h>

#include <memory>
#include <string_view>

#include "cllm/common/result.hpp"

namespace cllm::crypto {

namespace detail {
// A deleter that calls an OpenSSL free function; a function-pointer template parameter keeps
// each unique_ptr the size of one pointer.
template <class T, void (*Free)(T*)>
struct OpensslDeleter {
  void operator()(T* p) const { Free(p); }
};
}  // namespace detail

template <class T, void (*Free)(T*)>
using OpensslPtr = std::unique_ptr<T, detail::OpensslDeleter<T, Free>>;

using EvpMdCtxPtr = OpensslPtr<EVP_MD_CTX, EVP_MD_CTX_free>;
using EvpMdPtr = OpensslPtr<EVP_MD, EVP_MD_free>;  // from EVP_MD_fetch
using EvpPkeyPtr = OpensslPtr<EVP_PKEY, EVP_PKEY_free>;
using EvpPkeyCtxPtr = OpensslPtr<EVP_PKEY_CTX, EVP_PKEY_CTX_free>;
using EvpMacPtr = OpensslPtr<EVP_MAC, EVP_MAC_free>;
using EvpMacCtxPtr = OpensslPtr<EVP_MAC_CTX, EVP_MAC_CTX_free>;
using EvpKdfPtr = OpensslPtr<EVP_KDF, EVP_KDF_free>;
using EvpKdfCtxPtr = OpensslPtr<EVP_KDF_CTX, EVP_KDF_CTX_free>;
using EvpCipherCtxPtr = OpensslPtr<EVP_CIPHER_CTX, EVP_CIPHER_CTX_free>;
using EvpCipherPtr = OpensslPtr<EVP_CIPHER, EVP_CIPHER_free>;  // from EVP_CIPHER_fetch

// Returns Error(kCrypto, "<what>: <openssl reason>[; <more reasons>]") built from every entry
// on this thread's OpenSSL error queue, and leaves the queue empty so that a stale entry
// never gets blamed on a later, unrelated failure. With an empty queue the message is just
// "<what>".
Error openssl_error(std::string_view what);

}  // namespace cllm::crypto
