// `cllm generate` and `cllm --version` end to end, as child processes.
#include <gtest/gtest.h>

#include "support/subprocess.hpp"
#include "support/test_paths.hpp"

namespace cllm {
namespace {

using test::cllm_binary;
using test::run_process;

TEST(CliGenerate, StreamsTheGoldenTextToStdout) {
  CLLM_REQUIRE_SHARED_FILE(model, "models/stories260K.gguf");
  auto r = run_process({cllm_binary(), "generate", "--model", model, "--prompt", "Once upon a time",
                        "-n", "64", "--temp", "0", "--threads", "1"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.out,
            ", there was a little girl named Lily. She loved to play outside in the park. One "
            "day, she saw a big, red ball. She wanted to play with it, but it was too high.\n"
            "Lily's mom said\n");
}

TEST(CliGenerate, SeededSamplingRepeats) {
  CLLM_REQUIRE_SHARED_FILE(model, "models/stories260K.gguf");
  std::vector<std::string> args = {cllm_binary(),      "generate", "-m", model,    "-p",
                                   "Once upon a time", "-n",       "24", "--temp", "0.9",
                                   "--seed",           "42",       "-t", "1"};
  auto a = run_process(args);
  auto b = run_process(args);
  ASSERT_EQ(a.exit_code, 0) << a.err;
  EXPECT_EQ(a.out, b.out);
  EXPECT_GT(a.out.size(), 20u);
}

TEST(CliGenerate, MissingModelIsAUsageError) {
  auto r = run_process({cllm_binary(), "generate", "--model", "/nonexistent.gguf", "-p", "x"});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("nonexistent.gguf"), std::string::npos) << r.err;
}

TEST(CliGenerate, NotAModelFailsWithAClearError) {
  auto r = run_process({cllm_binary(), "generate", "--model", "/etc/hostname", "-p", "x"});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("cannot load model"), std::string::npos) << r.err;
}

TEST(CliVersion, PrintsVersionsAndSelfHash) {
  auto r = run_process({cllm_binary(), "--version", "--self-sha384"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("cllm 0.1.0"), std::string::npos);
  EXPECT_NE(r.out.find("git commit: "), std::string::npos);
  EXPECT_NE(r.out.find("llama.cpp: 0.4.0 (80fb11a)"), std::string::npos);
  auto pos = r.out.find("sha384: ");
  ASSERT_NE(pos, std::string::npos);
  std::string printed = r.out.substr(pos + 8, 96);
  // The same digest computed independently by coreutils over the file on disk.
  auto sum = run_process({"/usr/bin/sha384sum", cllm_binary()});
  ASSERT_EQ(sum.exit_code, 0) << sum.err;
  EXPECT_EQ(printed, sum.out.substr(0, 96));
}

TEST(CliHelp, ListsSubcommands) {
  auto r = run_process({cllm_binary(), "--help"});
  EXPECT_EQ(r.exit_code, 0);
  EXPECT_NE(r.out.find("generate"), std::string::npos);
}

}  // namespace
}  // namespace cllm
