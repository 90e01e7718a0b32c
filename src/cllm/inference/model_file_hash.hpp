// SHA-256 of a model file, computed on a worker thread while llama.cpp loads the same file.
#pragma once

#include <future>
#include <string>

#include "cllm/common/result.hpp"

namespace cllm::inference {

// Opens the file now and hashes it on another thread. Loading and hashing read the same
// inode; see docs/ARCHITECTURE.md for what this does and does not guarantee.
class ModelFileHash {
 public:
  static Result<ModelFileHash> start(const std::string& path);
  // Waits for the hash: lower-case hex.
  Result<std::string> get();

 private:
  explicit ModelFileHash(std::future<Result<std::string>> f) : future_(std::move(f)) {}
  std::future<Result<std::string>> future_;
};

}  // namespace cllm::inference
