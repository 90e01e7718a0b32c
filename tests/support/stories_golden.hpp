// The shared test model and its golden output (../shared/models/PROVENANCE.md).
#pragma once

namespace cllm::test::stories {

inline constexpr const char* kModel = "models/stories260K.gguf";
inline constexpr const char* kModelSha256 =
    "270cba1bd5109f42d03350f60406024560464db173c0e387d91f0426d3bd256d";
inline constexpr const char* kGoldenPrompt = "Once upon a time";
// The first 64 greedy tokens after BOS + "Once upon a time".
inline constexpr const char* kGolden =
    ", there was a little girl named Lily. She loved to play outside in the park. One day, she "
    "saw a big, red ball. She wanted to play with it, but it was too high.\nLily's mom said";

}  // namespace cllm::test::stories
