// A file of raw ECDSA private scalars, one after another (ec_field_size bytes each): how the
// TDX and GPU simulators keep their keys across runs. Written atomically; the bytes pass
// through SecretBytes and are wiped after use.
#pragma once

#include <cstddef>
#include <string>
#include <vector>

#include "cllm/common/result.hpp"
#include "cllm/crypto/ecdsa.hpp"

namespace cllm::crypto {

Status write_private_key_file(const std::string& path, const std::vector<EcdsaPrivateKey>& keys,
                              unsigned mode = 0600);

// Exactly `count` scalars of `curve`; an error names the file ("keys.bin: expected N bytes").
Result<std::vector<EcdsaPrivateKey>> read_private_key_file(const std::string& path, EcCurve curve,
                                                           std::size_t count);

}  // namespace cllm::crypto
