#include "cllm/inference/model_file_hash.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "cllm/common/hex.hpp"
#include "cllm/crypto/file_digest.hpp"

namespace cllm::inference {

Result<ModelFileHash> ModelFileHash::start(const std::string& path) {
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    return make_error(ErrorCode::kIo, "cannot open model " + path + ": " + std::strerror(errno));
  }
  auto task = [fd, path]() -> Result<std::string> {
    Result<Bytes> digest = crypto::digest_fd(fd, crypto::FileDigestAlgorithm::kSha256, path);
    ::close(fd);
    if (!digest) return std::move(digest).error();
    return to_hex(*digest);
  };
  return ModelFileHash(std::async(std::launch::async, std::move(task)));
}

Result<std::string> ModelFileHash::get() {
  return future_.get();
}

}  // namespace cllm::inference
