// Model output bytes -> streamed text: output is always valid UTF-8 and equals the sum of
// the deltas; no stop string ever appears in it.
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "cllm/common/utf8.hpp"
#include "cllm/inference/text_assembler.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size < 2) return 0;
  std::string_view all(reinterpret_cast<const char*>(data), size);
  std::size_t stop_len = data[0] % 8;
  all.remove_prefix(1);
  std::string stop(all.substr(0, stop_len));
  all.remove_prefix(std::min(stop_len, all.size()));
  cllm::inference::TextAssembler a({stop});
  std::string out;
  // Feed in pieces of varying size, as tokens arrive.
  for (std::size_t i = 0; i < all.size();) {
    std::size_t n = 1 + (static_cast<unsigned char>(all[i]) % 4);
    out += a.push(all.substr(i, n));
    i += n;
  }
  out += a.finish();
  if (out != a.text()) std::abort();
  if (!cllm::is_valid_utf8(out)) std::abort();
  if (!stop.empty() && out.find(stop) != std::string::npos && cllm::is_valid_utf8(stop)) {
    std::abort();
  }
  return 0;
}
