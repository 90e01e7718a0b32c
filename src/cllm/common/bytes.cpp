#include "cllm/common/bytes.hpp"

#include <string.h>  // explicit_bzero

namespace cllm {

Bytes concat(std::initializer_list<ByteView> parts) {
  std::size_t total = 0;
  for (auto p : parts)
    total += p.size();
  Bytes out;
  out.reserve(total);
  for (auto p : parts)
    out.insert(out.end(), p.begin(), p.end());
  return out;
}

void secure_zero(void* data, std::size_t size) {
  if (size != 0) explicit_bzero(data, size);
}

bool constant_time_equal(ByteView a, ByteView b) {
  if (a.size() != b.size()) return false;
  volatile std::uint8_t diff = 0;
  for (std::size_t i = 0; i < a.size(); ++i)
    diff = diff | (a[i] ^ b[i]);
  return diff == 0;
}

SecretBytes& SecretBytes::operator=(const SecretBytes& other) {
  if (this != &other) {
    wipe();
    data_ = other.data_;
  }
  return *this;
}

SecretBytes& SecretBytes::operator=(SecretBytes&& other) noexcept {
  if (this != &other) {
    wipe();
    data_ = std::move(other.data_);
    other.data_.clear();
  }
  return *this;
}

void SecretBytes::wipe() {
  // Wipe the whole allocation, not just size(): earlier contents may sit past the end.
  secure_zero(data_.data(), data_.capacity());
  data_.clear();
}

}  // namespace cllm
