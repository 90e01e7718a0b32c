// Byte buffers, secrets that wipe themselves, constant-time comparison.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace cllm {

using Bytes = std::vector<std::uint8_t>;
using ByteView = std::span<const std::uint8_t>;

inline ByteView as_bytes(std::string_view s) {
  return {reinterpret_cast<const std::uint8_t*>(s.data()), s.size()};
}
inline Bytes to_bytes(std::string_view s) {
  return Bytes(s.begin(), s.end());
}
inline std::string to_string(ByteView b) {
  return std::string(b.begin(), b.end());
}

Bytes concat(std::initializer_list<ByteView> parts);

// Overwrites memory in a way the optimizer may not remove.
void secure_zero(void* data, std::size_t size);

// Compares in time that depends only on the lengths, never on the contents.
bool constant_time_equal(ByteView a, ByteView b);

// A byte buffer for key material: wiped on destruction and on reassignment, never printed.
class SecretBytes {
 public:
  SecretBytes() = default;
  explicit SecretBytes(std::size_t size) : data_(size) {}
  explicit SecretBytes(ByteView bytes) : data_(bytes.begin(), bytes.end()) {}
  SecretBytes(const SecretBytes&) = default;
  SecretBytes(SecretBytes&& other) noexcept : data_(std::move(other.data_)) { other.data_.clear(); }
  SecretBytes& operator=(const SecretBytes& other);
  SecretBytes& operator=(SecretBytes&& other) noexcept;
  ~SecretBytes() { wipe(); }

  std::uint8_t* data() { return data_.data(); }
  const std::uint8_t* data() const { return data_.data(); }
  std::size_t size() const { return data_.size(); }
  bool empty() const { return data_.empty(); }
  ByteView view() const { return data_; }
  std::span<std::uint8_t> mutable_view() { return data_; }

 private:
  void wipe();
  std::vector<std::uint8_t> data_;
};

}  // namespace cllm
