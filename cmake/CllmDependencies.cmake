# Every dependency comes from Debian 12 packages (scripts/apt-packages.txt), except
# llama.cpp, which scripts/build-llama.sh builds from the pinned npm bundle.

find_package(OpenSSL 3.0 REQUIRED)
find_package(PkgConfig REQUIRED)
pkg_check_modules(SECP256K1 REQUIRED IMPORTED_TARGET libsecp256k1)
# XML signatures of NVIDIA RIMs (gpu module); libxml2 comes with it.
pkg_check_modules(XMLSEC REQUIRED IMPORTED_TARGET xmlsec1-openssl)
find_package(nlohmann_json 3.11 REQUIRED)
find_package(spdlog REQUIRED)
find_package(CLI11 REQUIRED)
find_package(Threads REQUIRED)
find_package(Boost 1.74 REQUIRED)

find_package(llama 0.4.0 QUIET)
if(NOT llama_FOUND)
  message(FATAL_ERROR
    "llama.cpp not found. Run scripts/setup.sh (or 'make build') and pass "
    "-DCLLM_LLAMA_PREFIX=$(scripts/build-llama.sh --print-prefix)/install")
endif()

if(CLLM_BUILD_TESTS)
  find_package(GTest REQUIRED)
endif()
if(CLLM_BUILD_BENCH)
  find_package(benchmark QUIET)
endif()
