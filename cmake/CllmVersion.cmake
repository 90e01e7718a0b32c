# Generates version_info.cpp at build time (not configure time), so the git commit compiled
# into cllm follows every commit. The file is rewritten only when its content changes.
set(CLLM_GENERATED_DIR "${CMAKE_BINARY_DIR}/generated")
set(CLLM_VERSION_CPP "${CLLM_GENERATED_DIR}/version_info.cpp")
add_custom_target(cllm_version_info
  BYPRODUCTS "${CLLM_VERSION_CPP}"
  COMMAND "${CMAKE_COMMAND}"
          -DSOURCE_DIR=${CMAKE_SOURCE_DIR}
          -DOUT=${CLLM_VERSION_CPP}
          -DCLLM_VERSION=${PROJECT_VERSION}
          -DLLAMA_VERSION=${llama_VERSION}
          -P "${CMAKE_SOURCE_DIR}/cmake/GitVersion.cmake"
  COMMENT "Recording the git commit"
  VERBATIM)
