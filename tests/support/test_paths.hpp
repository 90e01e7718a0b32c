// Where tests find shared test data and the cllm binary.
#pragma once

#include <gtest/gtest.h>

#include <optional>
#include <string>

namespace cllm::test {

// $CLLM_SHARED_DIR, else the CMake option CLLM_SHARED_DIR (default ../shared).
std::string shared_dir();
// shared_dir()/relative when it exists, else nullopt.
std::optional<std::string> shared_file(const std::string& relative);
// The cllm executable built with the tests.
std::string cllm_binary();

}  // namespace cllm::test

// Skips the test loudly (the reason is printed and ctest counts it as skipped) when a
// shared test file is missing, and binds its path otherwise.
#define CLLM_REQUIRE_SHARED_FILE(var, relative)                                                  \
  std::string var;                                                                               \
  do {                                                                                           \
    auto cllm_found_ = ::cllm::test::shared_file(relative);                                      \
    if (!cllm_found_) {                                                                          \
      GTEST_SKIP() << "SKIPPED LOUDLY: shared test data missing: " << ::cllm::test::shared_dir() \
                   << "/" << (relative)                                                          \
                   << " (set CLLM_SHARED_DIR or the CMake option CLLM_SHARED_DIR)";              \
    }                                                                                            \
    var = *cllm_found_;                                                                          \
  } while (false)
