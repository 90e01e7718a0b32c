// Digests of whole files, read in chunks (model weights can be many GiB).
#pragma once

#include <string>

#include "cllm/common/bytes.hpp"
#include "cllm/common/result.hpp"

namespace cllm::crypto {

enum class FileDigestAlgorithm { kSha256, kSha384 };

// Hashes the file open on fd from its current offset to the end; fd stays open.
Result<Bytes> digest_fd(int fd, FileDigestAlgorithm algorithm, const std::string& name_for_errors);
Result<Bytes> digest_file(const std::string& path, FileDigestAlgorithm algorithm);

inline Result<Bytes> sha256_file(const std::string& path) {
  return digest_file(path, FileDigestAlgorithm::kSha256);
}
inline Result<Bytes> sha384_file(const std::string& path) {
  return digest_file(path, FileDigestAlgorithm::kSha384);
}

}  // namespace cllm::crypto
