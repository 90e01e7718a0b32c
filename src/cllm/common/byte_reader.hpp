// Bounds-checked little/big-endian reading of outside bytes. Every read checks the
// remaining length first and reports the field name and offset on failure.
#pragma once

#include <cstdint>
#include <string_view>

#include "cllm/common/bytes.hpp"
#include "cllm/common/result.hpp"

namespace cllm {

class ByteReader {
 public:
  explicit ByteReader(ByteView data) : data_(data) {}

  std::size_t offset() const { return offset_; }
  std::size_t remaining() const { return data_.size() - offset_; }
  bool at_end() const { return offset_ == data_.size(); }

  Result<std::uint8_t> u8(std::string_view field);
  Result<std::uint16_t> u16le(std::string_view field);
  Result<std::uint32_t> u32le(std::string_view field);
  Result<std::uint64_t> u64le(std::string_view field);
  Result<std::uint16_t> u16be(std::string_view field);
  Result<std::uint32_t> u32be(std::string_view field);
  // A view into the underlying buffer (no copy): keeps signed raw bytes exact.
  Result<ByteView> bytes(std::size_t n, std::string_view field);
  Status skip(std::size_t n, std::string_view field);

 private:
  Status need(std::size_t n, std::string_view field) const;
  ByteView data_;
  std::size_t offset_ = 0;
};

}  // namespace cllm
