// Converts OpenSSL's per-thread error queue into a cllm::Error (see evp_ptr.hpp).
#include <openssl/err.h>

#include <array>
#include <string>

#include "cllm/crypto/evp_ptr.hpp"

namespace cllm::crypto {

Error openssl_error(std::string_view what) {
  std::string message(what);
  bool first = true;
  // ERR_get_error pops the oldest entry; draining the queue is the point (see header).
  for (unsigned long code = ERR_get_error(); code != 0; code = ERR_get_error()) {
    std::array<char, 256> buf{};
    ERR_error_string_n(code, buf.data(), buf.size());
    message += first ? ": " : "; ";
    message += buf.data();
    first = false;
  }
  return make_error(ErrorCode::kCrypto, std::move(message));
}

}  // namespace cllm::crypto
