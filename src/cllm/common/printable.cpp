#include "cllm/common/printable.hpp"

namespace cllm {

std::string printable_ascii(std::string_view text, std::size_t max) {
  const std::string_view kept = text.substr(0, max);
  std::string out;
  out.reserve(kept.size() + 3);
  for (char c : kept) {
    const auto u = static_cast<unsigned char>(c);
    out += (u >= 0x20 && u < 0x7F) ? c : '?';
  }
  if (text.size() > max) out += "...";
  return out;
}

}  // namespace cllm
