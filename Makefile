# One way to build and test everything. See README.md.
JOBS ?= $(shell nproc)
BUILD ?= build
CLI := $(BUILD)/native/bin/indorerank
FIXTURES := $(BUILD)/native/fixtures
# Node.js 24 LTS, fetched by tools/setup.sh: first on PATH where a target runs
# the package under the Node most users have (the machine's node may be older).
NODE_LTS_PATH := PATH=$(CURDIR)/third_party/node-lts/bin:$$PATH
JS_ENV = INDORERANK_REQUIRE_FULL=1 INDORERANK_FIXTURES=$(CURDIR)/$(FIXTURES) INDORERANK_CLI=$(CURDIR)/$(CLI)

.PHONY: all setup native wasm arm64 test-arm64 package test-package test test-native test-wasm test-js test-browser test-bundlers test-demo bench-wasm bench-relaxed bench-demo bench-first-visit bench-memory bench-serve asan tsan fuzz bench-native demo eval fixtures-full fixtures-spread clean

all: native

setup:
	@bash tools/setup.sh

native: setup
	cmake -S . -B $(BUILD)/native -DCMAKE_BUILD_TYPE=Release >/dev/null
	cmake --build $(BUILD)/native -j $(JOBS)

# WebAssembly: sentencepiece from Debian source, then the single-thread and
# the pthreads builds of the package's modules (the -mt tree also holds the
# Catch2 suites compiled to wasm). Modules are copied into js/dist/, with the
# package's Web Worker bundled into one file beside them.
EMCMAKE := NODE_PATH=/usr/share/nodejs emcmake cmake -DCMAKE_BUILD_TYPE=Release -DINDORERANK_BUILD_CLI=OFF \
  -DCMAKE_CROSSCOMPILING_EMULATOR="/usr/bin/node;--no-experimental-fetch"
wasm: setup
	bash tools/build_deps.sh wasm $(BUILD)
	bash tools/build_deps.sh wasm-mt $(BUILD)
	$(EMCMAKE) -S . -B $(BUILD)/wasm -DINDORERANK_BUILD_TESTS=OFF -DINDORERANK_DEPS_DIR=$(CURDIR)/$(BUILD)/deps/wasm >/dev/null
	NODE_PATH=/usr/share/nodejs cmake --build $(BUILD)/wasm -j $(JOBS)
	$(EMCMAKE) -S . -B $(BUILD)/wasm-mt -DINDORERANK_WASM_THREADS=ON -DINDORERANK_DEPS_DIR=$(CURDIR)/$(BUILD)/deps/wasm-mt \
	  -DINDORERANK_NATIVE_FIXTURES=$(CURDIR)/$(FIXTURES) >/dev/null
	NODE_PATH=/usr/share/nodejs cmake --build $(BUILD)/wasm-mt -j $(JOBS)
	bash tools/copy_wasm.sh $(BUILD) js/dist
	node tools/bundle_worker.mjs js/dist

# aarch64 (Raspberry Pi 4/5, ARM64 boards) with Debian's cross toolchain;
# sentencepiece cross-built from its Debian source. CLI: build/arm64/bin/indorerank.
arm64: setup
	bash tools/build_deps.sh arm64 $(BUILD)
	cmake -S . -B $(BUILD)/arm64 -DCMAKE_BUILD_TYPE=Release \
	  -DCMAKE_TOOLCHAIN_FILE=$(CURDIR)/embedded/cmake/aarch64-linux-gnu.cmake \
	  -DINDORERANK_DEPS_DIR=$(CURDIR)/$(BUILD)/deps/arm64 -DINDORERANK_NATIVE_FIXTURES=$(CURDIR)/$(FIXTURES) \
	  -DNATIVE_CLI=$(CURDIR)/$(CLI) >/dev/null
	cmake --build $(BUILD)/arm64 -j $(JOBS)

# Every suite under qemu on a Cortex-A72 (Pi 4) and a Cortex-A76 (Pi 5).
test-arm64: test-native arm64
	cd $(BUILD)/arm64 && ctest --output-on-failure -j $(JOBS)

# Debian packages (CLI, shared library, headers, pkg-config, systemd unit)
# for amd64 and arm64, in build/native and build/arm64.
package: native arm64
	cd $(BUILD)/native && cpack >/dev/null && ls $(CURDIR)/$(BUILD)/native/indorerank_*_amd64.deb
	cd $(BUILD)/arm64 && cpack >/dev/null && ls $(CURDIR)/$(BUILD)/arm64/indorerank_*_arm64.deb

test-package: test-native package
	/usr/bin/python3 tests/packaging/test_deb.py $(BUILD)/native/indorerank_0.1.0_amd64.deb \
	  $(BUILD)/arm64/indorerank_0.1.0_arm64.deb $(FIXTURES)/tiny.int8.safetensors

# Every test suite: Catch2 suites, CLI contract, parity with onnxruntime-node
# (tiny and full shape), bounded fuzzing of the parsers, the threaded suites
# under ThreadSanitizer, then the native suite again under ASan + UBSan.
test: test-native test-wasm test-js test-browser test-bundlers test-demo test-arm64 test-package fuzz tsan asan

test-native: native
	cd $(BUILD)/native && ctest --output-on-failure -j $(JOBS)

# The Catch2 suites compiled to wasm (pthreads build) under Node, on the
# fixtures test-native generated.
test-wasm: test-native wasm
	cd $(BUILD)/wasm-mt && ctest --output-on-failure -j $(JOBS)

# The npm package in Node: API, errors, worker, wasm == native parity,
# onnxruntime-web agreement, npm pack + offline install + tsc --strict. Then
# again under Node 24 LTS, all but its five slowest tests (the full-shape
# fixture and the memory bounds: 2 of its 3 minutes).
test-js: test-native wasm
	cd tests && $(JS_ENV) node --test js/*.test.mjs
	cd tests && $(NODE_LTS_PATH) $(JS_ENV) node --test \
	  --test-skip-pattern='full-shape fixture|bounded memory|bounded groups' js/*.test.mjs

# The package's browser build in Debian's Chromium (Playwright), Firefox ESR
# (WebDriver BiDi) and WebKitGTK (WebKitWebDriver), with and without
# cross-origin isolation. Node 24: its WebSocket client speaks BiDi.
test-browser: test-native wasm
	cd tests && $(NODE_LTS_PATH) INDORERANK_FIXTURES=$(CURDIR)/$(FIXTURES) node browser/run.mjs

# The packed npm package in fresh apps built by Vite (build and dev server),
# webpack 5, Rollup, esbuild and Parcel (versions pinned in tests/package.json), run in
# Chromium, Firefox ESR and WebKitGTK, isolated and not; Node ESM import, CommonJS
# require and SSR import, in Node 24 and in the machine's own Node.
test-bundlers: test-native wasm
	cd tests && $(NODE_LTS_PATH) INDORERANK_FIXTURES=$(CURDIR)/$(FIXTURES) node bundlers/run.mjs

# The demo page in Chromium, isolated and not: model progress, keyboard search,
# BM25 and reranked results equal to Node's, pasted text and .txt files, no
# request beyond 127.0.0.1 and none once the model is cached, offline reloads;
# then a first visit on a phone with the spread fixture (full shape, XLM-R-like
# ids), read by range: BM25 while the model downloads, reranked results batch
# by batch, every score equal to the whole file's, the first on the first screen.
# Then the page in Firefox ESR and WebKitGTK: search, kernel and threads, read
# by range, a phone-sized screen, an offline reload.
test-demo: native wasm
	test -f $(FIXTURES)/tiny.int8.safetensors || (cd $(BUILD)/native && ctest -R '^(fixture|convert)\.tiny$$' --output-on-failure)
	cd tests && INDORERANK_FIXTURES=$(CURDIR)/$(FIXTURES) node browser/demo.mjs
	cd tests && $(NODE_LTS_PATH) INDORERANK_FIXTURES=$(CURDIR)/$(FIXTURES) node browser/demo_engines.mjs
	$(MAKE) fixtures-spread
	cd tests && INDORERANK_FIXTURES=$(CURDIR)/$(FIXTURES) node browser/demo_first_screen.mjs

asan: setup
	cmake -S . -B $(BUILD)/asan -DCMAKE_BUILD_TYPE=RelWithDebInfo -DINDORERANK_SANITIZE=ON >/dev/null
	cmake --build $(BUILD)/asan -j $(JOBS)
	cd $(BUILD)/asan && ASAN_OPTIONS=detect_leaks=1 UBSAN_OPTIONS=print_stacktrace=1 INDORERANK_SANITIZED=1 \
	  ctest --output-on-failure -j $(JOBS) -LE full -E parity

# The suites that run several threads (pool, concurrent callers, the HTTP
# server's event loop, workers and reaper) under TSan.
tsan: setup
	cmake -S . -B $(BUILD)/tsan -DCMAKE_BUILD_TYPE=RelWithDebInfo -DINDORERANK_TSAN=ON >/dev/null
	cmake --build $(BUILD)/tsan -j $(JOBS) --target indorerank_tests indorerank_cli
	cd $(BUILD)/tsan && TSAN_OPTIONS=halt_on_error=1 INDORERANK_SANITIZED=1 ctest --output-on-failure -j $(JOBS) \
	  -R 'core\.(api|batch_invariance|thread_pool)|cli\.serve'

# libFuzzer (clang, ASan + UBSan) on the JSON, safetensors, UTF-8, BM25, rerank
# request and tokenizer entry points.
FUZZ_RUNS ?= 300000
FUZZ_SEED ?= 1
fuzz: native
	test -f $(FIXTURES)/tiny/sentencepiece.bpe.model || (cd $(BUILD)/native && ctest -R '^fixture\.tiny$$' --output-on-failure)
	bash tests/fuzz/run.sh $(BUILD)/fuzz $(FUZZ_RUNS) $(FUZZ_SEED) $(FIXTURES)/tiny/sentencepiece.bpe.model

# The full mMiniLMv2-L12-H384 shape fixture, converted (generated, never committed).
fixtures-full: native
	cd $(BUILD)/native && ctest -R 'fixture.full|convert.full' --output-on-failure

# The full shape with a 250,000-piece tokenizer whose real pieces are spread
# over the id range as XLM-R's are (tools/fixtures/spread_spm.py), converted:
# what lazy loading of embedding rows is measured on.
fixtures-spread: native
	/usr/bin/python3 tools/fixtures/gen_fixture.py --shape full --seed 2 --spread-vocab 250000 --no-onnx \
	  --out $(FIXTURES)/spread
	(test $(FIXTURES)/spread.int8.safetensors -nt $(FIXTURES)/spread/.done && \
	  $(CLI) info $(FIXTURES)/spread.int8.safetensors | grep -q '^layout: head') || \
	  $(CLI) convert $(FIXTURES)/spread $(FIXTURES)/spread.int8.safetensors

# A first visit to the demo on the spread fixture, the model loaded by range:
# bytes and WebAssembly memory before the first reranked result, 20 typed
# queries, every shown score against the whole model's, then offline.
bench-first-visit: fixtures-spread wasm
	node bench/first_visit.mjs --model $(FIXTURES)/spread.int8.safetensors

# Memory after load and after 20 pairs: native from disk, Node whole, Node by range.
bench-memory: fixtures-spread wasm
	node bench/load_memory.mjs --model $(FIXTURES)/spread.int8.safetensors --cli $(CLI)

bench-native: fixtures-full
	node bench/native_vs_ort.mjs --cli $(CLI) --hf $(FIXTURES)/full --model $(FIXTURES)/full.int8.safetensors

# The rerank server: 16 clients x 200 requests in 3 rounds, then a soak of
# SOAK seconds with trickling, idle and 8 MiB-body clients alongside.
SOAK ?= 600
bench-serve: native
	cd $(BUILD)/native && ctest -R 'fixture.tiny|convert.tiny' --output-on-failure >/dev/null
	/usr/bin/python3 bench/serve_load.py $(CLI) $(FIXTURES)/tiny.int8.safetensors --soak $(SOAK)

# indorerank wasm vs onnxruntime-web, one thread each: in Node 24 LTS, then in
# Chromium (the kernel each picks, and wasm_simd128 by name), then in Firefox
# ESR and WebKitGTK (where the package runs wasm_simd128).
bench-wasm: fixtures-full wasm
	$(NODE_LTS_PATH) node bench/wasm_vs_ort_web.mjs --hf $(FIXTURES)/full --model $(FIXTURES)/full.int8.safetensors
	node bench/wasm_vs_ort_web_chromium.mjs --hf $(FIXTURES)/full --model $(FIXTURES)/full.int8.safetensors
	for e in firefox webkit; do $(NODE_LTS_PATH) node bench/wasm_vs_ort_web_chromium.mjs --engine $$e \
	  --hf $(FIXTURES)/full --model $(FIXTURES)/full.int8.safetensors || exit 1; done

# Relaxed SIMD in Node and Chromium: GMAC/s of the int8 dot forms, and how
# each runtime reads the relaxed dot's 7-bit operand (bench/relaxed_probe);
# then the wasm kernel and op benchmarks in a Chromium worker, where the
# relaxed kernel runs (bench/wasm_in_chromium.mjs).
bench-relaxed: wasm
	node bench/relaxed_probe/run.mjs
	node bench/wasm_in_chromium.mjs --build $(BUILD)

# The demo page in Chromium: BM25 + rerank of the top 20 / top 100, one thread and threaded.
bench-demo: fixtures-full wasm
	node bench/demo_browser.mjs --model $(FIXTURES)/full.int8.safetensors

# Ranking quality on the project's labelled queries: BM25, and BM25 then
# rerank with MODEL=path/to/model.int8.safetensors.
eval: native
	$(CLI) eval --corpus demo/data/passages.jsonl --queries demo/data/queries.jsonl $(if $(MODEL),-m $(MODEL))

# The main job: the demo page on http://127.0.0.1:$(PORT)/ with the real model
# when it can be fetched, else the generated full-shape fixture (see tools/demo.mjs).
PORT ?= 8080
demo: native wasm
	PORT=$(PORT) MODEL_DIR="$(MODEL_DIR)" node tools/demo.mjs --cli $(CLI)

clean:
	rm -rf $(BUILD)
