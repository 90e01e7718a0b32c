#include "cllm/crypto/private_key_file.hpp"

#include <algorithm>
#include <filesystem>

#include "cllm/common/file.hpp"

namespace cllm::crypto {

Status write_private_key_file(const std::string& path, const std::vector<EcdsaPrivateKey>& keys,
                              unsigned mode) {
  std::size_t total = 0;
  for (const auto& key : keys)
    total += ec_field_size(key.curve());
  SecretBytes scalars(total);
  std::size_t at = 0;
  for (const auto& key : keys) {
    CLLM_ASSIGN_OR_RETURN(SecretBytes scalar, key.export_scalar());
    if (scalar.size() != ec_field_size(key.curve())) {
      return make_error(ErrorCode::kInternal, "unexpected private scalar size");
    }
    std::copy(scalar.view().begin(), scalar.view().end(), scalars.data() + at);
    at += scalar.size();
  }
  return write_file_atomic(path, scalars.view(), mode);
}

Result<std::vector<EcdsaPrivateKey>> read_private_key_file(const std::string& path, EcCurve curve,
                                                           std::size_t count) {
  const std::size_t size = ec_field_size(curve);
  CLLM_ASSIGN_OR_RETURN(Bytes raw, read_file(path, 1u << 20));
  SecretBytes scalars(raw);
  secure_zero(raw.data(), raw.size());
  const std::string name = std::filesystem::path(path).filename().string();
  if (scalars.size() != count * size) {
    return make_error(ErrorCode::kParse,
                      name + ": expected " + std::to_string(count * size) + " bytes");
  }
  std::vector<EcdsaPrivateKey> keys;
  for (std::size_t i = 0; i < count; ++i) {
    CLLM_ASSIGN_OR_RETURN(
        auto key, EcdsaPrivateKey::from_scalar(curve, scalars.view().subspan(i * size, size)));
    keys.push_back(std::move(key));
  }
  return keys;
}

}  // namespace cllm::crypto
