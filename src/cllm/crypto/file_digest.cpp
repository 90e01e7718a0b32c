#include "cllm/crypto/file_digest.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <vector>

#include "cllm/crypto/evp_ptr.hpp"

namespace cllm::crypto {

Result<Bytes> digest_fd(int fd, FileDigestAlgorithm algorithm, const std::string& name) {
  const EVP_MD* md = algorithm == FileDigestAlgorithm::kSha256 ? EVP_sha256() : EVP_sha384();
  EvpMdCtxPtr ctx(EVP_MD_CTX_new());
  if (!ctx || EVP_DigestInit_ex(ctx.get(), md, nullptr) != 1) {
    return openssl_error("file digest: init");
  }
  std::vector<unsigned char> buf(1u << 20);
  for (;;) {
    ssize_t n = ::read(fd, buf.data(), buf.size());
    if (n < 0) {
      if (errno == EINTR) continue;
      return make_error(ErrorCode::kIo, "cannot read " + name + ": " + std::strerror(errno));
    }
    if (n == 0) break;
    if (EVP_DigestUpdate(ctx.get(), buf.data(), static_cast<std::size_t>(n)) != 1) {
      return openssl_error("file digest: update");
    }
  }
  Bytes out(static_cast<std::size_t>(EVP_MD_get_size(md)));
  unsigned int len = 0;
  if (EVP_DigestFinal_ex(ctx.get(), out.data(), &len) != 1)
    return openssl_error("file digest: final");
  out.resize(len);
  return out;
}

Result<Bytes> digest_file(const std::string& path, FileDigestAlgorithm algorithm) {
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0)
    return make_error(ErrorCode::kIo, "cannot open " + path + ": " + std::strerror(errno));
  Result<Bytes> out = digest_fd(fd, algorithm, path);
  ::close(fd);
  return out;
}

}  // namespace cllm::crypto
