# Thin wrappers over scripts/ and CMake presets: the commands users type.
#   make dev     install what is missing, build, run the main job
#   make test    install what is missing, build, run every test (release, then ASan+UBSan)
#   make build   release binary at build/release/bin/cllm
#   make bench   benchmarks against their named peers
#   make fmt     clang-format the sources
#   make repro-check  build twice in two directories, compare the binaries byte for byte

SHELL := /bin/bash
.DEFAULT_GOAL := build
.PHONY: deps build build-asan test test-release test-asan dev bench fmt fmt-check repro-check test-fuzz clean

SHARED ?= $(abspath ../shared)
MODEL ?=
JOBS ?= $(shell nproc)

# Recursive (=), not immediate: on a fresh machine the compiler that is part of the cache
# key exists only after `deps` has run, so the prefix is computed when a recipe runs.
LLAMA_DIR = $(shell scripts/build-llama.sh --print-prefix)
export CLLM_LLAMA_PREFIX = $(LLAMA_DIR)/install
export CLLM_COMPILER_LAUNCHER := $(shell command -v ccache 2>/dev/null)
export SOURCE_DATE_EPOCH := $(shell git log -1 --format=%ct 2>/dev/null || echo 0)
export CLLM_SHARED_DIR ?= $(SHARED)

deps:
	@scripts/setup.sh

build: deps
	@cmake --preset release >/dev/null
	@cmake --build --preset release -j$(JOBS)
	@echo "built build/release/bin/cllm"

build-asan: deps
	@cmake --preset asan >/dev/null
	@cmake --build --preset asan -j$(JOBS)

test-release: build
	@ctest --preset release -j$(JOBS)

test-asan: build-asan
	@ctest --preset asan -j$(JOBS)

test: test-release test-asan

# The simulator and a node on https://127.0.0.1:8443 until Ctrl-C. MODEL=path serves that GGUF;
# without it `cllm dev` downloads a small instruct model once (pinned SHA-256). GPUS=N adds N
# simulated NVIDIA GPUs.
dev: build
	build/release/bin/cllm --version
	build/release/bin/cllm dev $(if $(MODEL),--model "$(MODEL)") $(if $(GPUS),--gpus "$(GPUS)")

bench: build
	@scripts/bench.sh

fmt:
	@git ls-files '*.cpp' '*.hpp' | xargs clang-format -i

fmt-check:
	@git ls-files '*.cpp' '*.hpp' | xargs clang-format --dry-run --Werror

repro-check: deps
	@scripts/repro-check.sh

test-fuzz: deps
	@scripts/fuzz.sh

clean:
	rm -rf build
