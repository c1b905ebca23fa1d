# One way to build and test everything. See README.md.
JOBS ?= $(shell nproc)
BUILD ?= build
CLI := $(BUILD)/native/bin/indorerank
FIXTURES := $(BUILD)/native/fixtures

.PHONY: all setup native test test-native asan tsan fuzz bench-native demo fixtures-full clean

all: native

setup:
	@bash tools/setup.sh

native: setup
	cmake -S . -B $(BUILD)/native -DCMAKE_BUILD_TYPE=Release >/dev/null
	cmake --build $(BUILD)/native -j $(JOBS)

# Every test suite: Catch2 suites, CLI contract, parity with onnxruntime-node
# (tiny and full shape), bounded fuzzing of the parsers, the threaded suites
# under ThreadSanitizer, then the native suite again under ASan + UBSan.
test: test-native fuzz tsan asan

test-native: native
	cd $(BUILD)/native && ctest --output-on-failure -j $(JOBS)

asan: setup
	cmake -S . -B $(BUILD)/asan -DCMAKE_BUILD_TYPE=RelWithDebInfo -DINDORERANK_SANITIZE=ON >/dev/null
	cmake --build $(BUILD)/asan -j $(JOBS)
	cd $(BUILD)/asan && ASAN_OPTIONS=detect_leaks=1 UBSAN_OPTIONS=print_stacktrace=1 \
	  ctest --output-on-failure -j $(JOBS) -LE full -E parity

# The suites that run several threads (pool, concurrent callers) under TSan.
tsan: setup
	cmake -S . -B $(BUILD)/tsan -DCMAKE_BUILD_TYPE=RelWithDebInfo -DINDORERANK_TSAN=ON >/dev/null
	cmake --build $(BUILD)/tsan -j $(JOBS) --target indorerank_tests indorerank_cli
	cd $(BUILD)/tsan && TSAN_OPTIONS=halt_on_error=1 ctest --output-on-failure -j $(JOBS) \
	  -R 'core\.(api|batch_invariance)'

# libFuzzer (clang, ASan + UBSan) on the JSON, safetensors and UTF-8 readers.
FUZZ_RUNS ?= 1000000
FUZZ_SEED ?= 1
fuzz: setup
	bash tests/fuzz/run.sh $(BUILD)/fuzz $(FUZZ_RUNS) $(FUZZ_SEED)

# The full mMiniLMv2-L12-H384 shape fixture, converted (generated, never committed).
fixtures-full: native
	cd $(BUILD)/native && ctest -R 'fixture.full|convert.full' --output-on-failure

bench-native: fixtures-full
	node bench/native_vs_ort.mjs --cli $(CLI) --hf $(FIXTURES)/full --model $(FIXTURES)/full.int8.safetensors

# The main job: private Indonesian reranking on the default model.
demo: native
	bash tools/demo.sh $(CLI) $(FIXTURES)

clean:
	rm -rf $(BUILD)
