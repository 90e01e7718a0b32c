#include "cllm/cli/cli_io.hpp"

#include <cstdio>
#include <cstdlib>
#include <iostream>

#include "cllm/common/file.hpp"

namespace cllm::cli {

void print_error(std::string_view command, const Error& error) {
  std::fprintf(stderr, "cllm %.*s: %s\n", static_cast<int>(command.size()), command.data(),
               error.message().c_str());
}

void print_json(const Json& value) {
  std::string text = value.dump(2, ' ', false, Json::error_handler_t::replace);
  std::fwrite(text.data(), 1, text.size(), stdout);
  std::fputc('\n', stdout);
}

Result<Bytes> read_input(const std::string& path) {
  constexpr std::size_t kMax = 64u << 20;
  if (path != "-") return read_file(path, kMax);
  Bytes out;
  char buf[65536];
  while (std::cin.read(buf, sizeof buf) || std::cin.gcount() > 0) {
    out.insert(out.end(), buf, buf + std::cin.gcount());
    if (out.size() > kMax) return make_error(ErrorCode::kLimit, "stdin is larger than 64 MiB");
  }
  return out;
}

std::string cache_home() {
  if (const char* xdg = std::getenv("XDG_CACHE_HOME"); xdg && *xdg) return std::string(xdg);
  const char* home = std::getenv("HOME");
  return std::string(home ? home : "/tmp") + "/.cache";
}

}  // namespace cllm::cli
