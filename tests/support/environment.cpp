#include "support/environment.hpp"

#include <string_view>

extern char** environ;

namespace cllm::test {

std::vector<std::string> merged_environment(const std::vector<std::string>& overrides) {
  auto name_of = [](std::string_view entry) { return entry.substr(0, entry.find('=')); };
  std::vector<std::string> out;
  for (char** e = environ; *e != nullptr; ++e) {
    std::string_view entry(*e);
    bool overridden = false;
    for (const auto& o : overrides)
      overridden = overridden || name_of(o) == name_of(entry);
    if (!overridden) out.emplace_back(entry);
  }
  for (const auto& o : overrides)
    out.push_back(o);
  return out;
}

SpawnArguments::SpawnArguments(const std::vector<std::string>& args,
                               const std::vector<std::string>& overrides)
    : arg_storage(args), env_storage(merged_environment(overrides)) {
  for (auto& a : arg_storage)
    argv.push_back(a.data());
  argv.push_back(nullptr);
  for (auto& e : env_storage)
    envp.push_back(e.data());
  envp.push_back(nullptr);
}

}  // namespace cllm::test
