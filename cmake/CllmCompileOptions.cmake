# Warnings, sanitizers and the flags that make release builds bit-for-bit reproducible.
# Applied through the cllm_options interface target, which every cllm target links.

add_library(cllm_options INTERFACE)

target_compile_options(cllm_options INTERFACE
  -Wall -Wextra -Wpedantic -Wshadow -Wnon-virtual-dtor -Wold-style-cast -Wcast-align
  -Wdouble-promotion -Wformat=2 -Wimplicit-fallthrough)
# GCC 12 at -O2/-O3 reports these inside libstdc++'s own string/vector code after inlining
# (GCC bugs 105329, 105651, 106199): false positives that would block release builds.
# ASan+UBSan and the fuzzers check the real bounds at run time.
if(CMAKE_CXX_COMPILER_ID STREQUAL "GNU" AND CMAKE_CXX_COMPILER_VERSION VERSION_LESS 13)
  target_compile_options(cllm_options INTERFACE
    -Wno-array-bounds -Wno-restrict -Wno-stringop-overflow -Wno-stringop-overread)
endif()
if(CLLM_WERROR)
  target_compile_options(cllm_options INTERFACE -Werror)
endif()

# Reproducibility: no build paths in the output (__FILE__, debug info), a content-derived
# build id, and no timestamps (nothing uses __DATE__/__TIME__; -Wdate-time enforces it).
target_compile_options(cllm_options INTERFACE
  "-ffile-prefix-map=${CMAKE_SOURCE_DIR}=."
  "-ffile-prefix-map=${CMAKE_BINARY_DIR}=build"
  -Wdate-time)
target_link_options(cllm_options INTERFACE -Wl,--build-id=sha1)

# Fuzz builds: every library gets libFuzzer's coverage instrumentation (without its main),
# so the fuzzers are guided by the parsers' own branches, not only by the target's file.
if(CLLM_BUILD_FUZZ)
  target_compile_options(cllm_options INTERFACE -fsanitize=fuzzer-no-link)
endif()

if(CLLM_SANITIZE)
  target_compile_options(cllm_options INTERFACE
    -fsanitize=${CLLM_SANITIZE} -fno-omit-frame-pointer -fno-sanitize-recover=all)
  target_link_options(cllm_options INTERFACE -fsanitize=${CLLM_SANITIZE})
endif()

# Each module is one static library named cllm_<module>, with src/ as its include root.
function(cllm_module name)
  cmake_parse_arguments(ARG "" "" "SOURCES;DEPS" ${ARGN})
  if(NOT ARG_SOURCES)  # a module that is still headers only
    add_library(cllm_${name} INTERFACE)
    target_include_directories(cllm_${name} INTERFACE "${CMAKE_SOURCE_DIR}/src")
    target_link_libraries(cllm_${name} INTERFACE cllm_options ${ARG_DEPS})
    return()
  endif()
  add_library(cllm_${name} STATIC ${ARG_SOURCES})
  target_include_directories(cllm_${name} PUBLIC "${CMAKE_SOURCE_DIR}/src")
  target_link_libraries(cllm_${name} PUBLIC cllm_options ${ARG_DEPS})
endfunction()
