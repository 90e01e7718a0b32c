// Reading and writing whole files with size bounds and errors that name the path.
#pragma once

#include <cstddef>
#include <string>

#include "cllm/common/bytes.hpp"
#include "cllm/common/result.hpp"

namespace cllm {

// Reads a whole file; fails with kLimit when it is larger than max_size.
Result<Bytes> read_file(const std::string& path, std::size_t max_size = 64u << 20);
Result<std::string> read_text_file(const std::string& path, std::size_t max_size = 64u << 20);

// Writes through a temporary file and rename, so readers never see a partial file.
Status write_file_atomic(const std::string& path, ByteView data, unsigned mode = 0644);

// Creates dir and any missing parents with mode 0700 (keys live below: nobody else may list
// them); fails naming the path when it cannot, or when dir exists but is not a directory.
Status ensure_private_directory(const std::string& dir);
bool file_exists(const std::string& path);

}  // namespace cllm
