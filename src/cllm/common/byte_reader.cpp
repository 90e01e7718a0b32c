#include "cllm/common/byte_reader.hpp"

#include <string>

namespace cllm {

Status ByteReader::need(std::size_t n, std::string_view field) const {
  if (n > remaining()) {
    return make_error(ErrorCode::kParse, "truncated: field '" + std::string(field) +
                                             "' at offset " + std::to_string(offset_) + " needs " +
                                             std::to_string(n) + " bytes, " +
                                             std::to_string(remaining()) + " left");
  }
  return ok_status();
}

Result<ByteView> ByteReader::bytes(std::size_t n, std::string_view field) {
  CLLM_TRY(need(n, field));
  ByteView out = data_.subspan(offset_, n);
  offset_ += n;
  return out;
}

Status ByteReader::skip(std::size_t n, std::string_view field) {
  CLLM_TRY(need(n, field));
  offset_ += n;
  return ok_status();
}

namespace {
template <class T>
T load_le(ByteView b) {
  T v = 0;
  for (std::size_t i = 0; i < sizeof(T); ++i)
    v |= static_cast<T>(b[i]) << (8 * i);
  return v;
}
template <class T>
T load_be(ByteView b) {
  T v = 0;
  for (std::size_t i = 0; i < sizeof(T); ++i)
    v = static_cast<T>((v << 8) | b[i]);
  return v;
}
}  // namespace

Result<std::uint8_t> ByteReader::u8(std::string_view field) {
  CLLM_ASSIGN_OR_RETURN(ByteView b, bytes(1, field));
  return b[0];
}
Result<std::uint16_t> ByteReader::u16le(std::string_view field) {
  CLLM_ASSIGN_OR_RETURN(ByteView b, bytes(2, field));
  return load_le<std::uint16_t>(b);
}
Result<std::uint32_t> ByteReader::u32le(std::string_view field) {
  CLLM_ASSIGN_OR_RETURN(ByteView b, bytes(4, field));
  return load_le<std::uint32_t>(b);
}
Result<std::uint64_t> ByteReader::u64le(std::string_view field) {
  CLLM_ASSIGN_OR_RETURN(ByteView b, bytes(8, field));
  return load_le<std::uint64_t>(b);
}
Result<std::uint16_t> ByteReader::u16be(std::string_view field) {
  CLLM_ASSIGN_OR_RETURN(ByteView b, bytes(2, field));
  return load_be<std::uint16_t>(b);
}
Result<std::uint32_t> ByteReader::u32be(std::string_view field) {
  CLLM_ASSIGN_OR_RETURN(ByteView b, bytes(4, field));
  return load_be<std::uint32_t>(b);
}

}  // namespace cllm
