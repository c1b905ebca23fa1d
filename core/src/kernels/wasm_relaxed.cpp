// The relaxed-SIMD kernel as the engine sees it: calls into the side module
// built from wasm_relaxed_module.cpp, which the package's JS compiles and
// hands to the engine's factory as Module.relaxedSimd. The side module is
// instantiated on the engine's own memory the first time kernels are listed,
// and probed: it is listed only where the runtime reads relaxed_dot's second
// operand in a known exact way (unsigned or signed) and the kernel then
// agrees with `ref` on a set of small products. Anywhere else (no relaxed
// SIMD, no side module, an inexact lowering such as Node 20's) wasm_simd128
// serves, and the scores are the same.
//
// Pthreads: a pthread's JavaScript has its own Module, so each makes its own
// instance on its first call, compiled from the side module's bytes, which
// the package also hands over (Module.relaxedSimdBytes) and the engine keeps
// in its shared memory.
#include <emscripten/emscripten.h>

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <vector>

#include "kernels.hpp"

// The side module reads kernels::Dequant from memory as five 4-byte fields.
static_assert(sizeof(void*) == 4 && sizeof(indorerank::kernels::Dequant) == 20 &&
                  offsetof(indorerank::kernels::Dequant, n) == 16,
              "wasm_relaxed_module.cpp's Dequant must match kernels::Dequant");

// The bodies below are JavaScript.
// clang-format off
// 0: not usable; 1: unsigned reading (a + 128 against the weights); 2: signed.
// The reading is fixed per instance; the instance is kept on Module.
EM_JS(int, indorerank_relaxed_reading, (), {
  var state = Module['relaxedState'];
  if (state === undefined) {
    state = Module['relaxedState'] = {reading: 0, exports: null};
    var compiled = Module['relaxedSimd'];
    if (compiled) {
      try {
        var e = new WebAssembly.Instance(compiled, {env: {memory: wasmMemory}}).exports;
        var lane = e['one_lane'];
        // In range, every runtime must give 4 x 100 x 127; past 127, the reading shows.
        if (lane(100, 127) == 50800) {
          if (lane(-128, 255) == -130560 && lane(127, 200) == 101600)
            state.reading = 1;
          else if (lane(-128, 255) == 512 && lane(127, 200) == -28448)
            state.reading = 2;
        }
        state.exports = e;
      } catch (err) {
        state.reading = 0;
      }
    }
  }
  return state.reading;
});

// The side module's bytes (pthreads builds): their length, then a copy into `dst`.
EM_JS(int, indorerank_relaxed_bytes_length, (), {
  var b = Module['relaxedSimdBytes'];
  return b ? b.length : 0;
});
EM_JS(void, indorerank_relaxed_copy_bytes, (uint8_t* dst), {
  new Uint8Array(wasmMemory.buffer).set(Module['relaxedSimdBytes'], dst);
});

// The kernel calls (`dequant` null: int32 output into `out`, else floats).
// A pthread's first call instantiates the module from the bytes at
// [bytes, bytes + length) of the engine's memory.
EM_JS(void, indorerank_relaxed_gemm,
      (const uint8_t* bytes, int length, int unsigned_reading, int m, int k_pad, const int8_t* a, int lda,
       const int8_t* w, const int32_t* col_sums, int nb_begin, int nb_end, const void* dequant, void* out, int ld,
       void* scratch),
      {
        var state = Module['relaxedState'];
        if (state === undefined) {
          var compiled = new WebAssembly.Module(new Uint8Array(wasmMemory.buffer, bytes, length).slice());
          state = Module['relaxedState'] = {exports: new WebAssembly.Instance(compiled, {env: {memory: wasmMemory}}).exports};
        }
        if (dequant)
          state.exports['gemm_f32'](unsigned_reading, m, k_pad, a, lda, w, col_sums, nb_begin, nb_end, dequant, out, ld, scratch);
        else
          state.exports['gemm_s32'](unsigned_reading, m, k_pad, a, lda, w, col_sums, nb_begin, nb_end, out, ld, scratch);
      });
// clang-format on

namespace indorerank::kernels {
namespace {

constexpr int kRowBlock = 60;  // wasm_relaxed_module.cpp's rows per u8 copy

// The side module's bytes, kept for pthreads (empty in single-thread builds).
std::vector<uint8_t>& module_bytes() {
  static std::vector<uint8_t> bytes;
  return bytes;
}

// Probed once, on the thread that first lists the kernels (the engine's).
int reading() {
  static const int r = [] {
    const int got = indorerank_relaxed_reading();
#if defined(__EMSCRIPTEN_PTHREADS__)
    if (got == 0) return 0;
    const int length = indorerank_relaxed_bytes_length();
    if (length <= 0) return 0;  // pthreads could not make their instances
    module_bytes().resize(static_cast<size_t>(length));
    indorerank_relaxed_copy_bytes(module_bytes().data());
#endif
    return got;
  }();
  return r;
}

void gemm_s8s8_s32__relaxed(int m, int k_pad, const int8_t* a, size_t lda, const int8_t* w_packed,
                            const int32_t* col_sums, int nb_begin, int nb_end, int32_t* c, size_t ldc, void* scratch) {
  indorerank_relaxed_gemm(module_bytes().data(), static_cast<int>(module_bytes().size()), reading() == 1, m, k_pad, a,
                          static_cast<int>(lda), w_packed, col_sums, nb_begin, nb_end, nullptr, c,
                          static_cast<int>(ldc), scratch);
}

void gemm_s8s8_f32__relaxed(int m, int k_pad, const int8_t* a, size_t lda, const int8_t* w_packed,
                            const int32_t* col_sums, int nb_begin, int nb_end, const Dequant& dq, float* y, size_t ldy,
                            void* scratch) {
  indorerank_relaxed_gemm(module_bytes().data(), static_cast<int>(module_bytes().size()), reading() == 1, m, k_pad, a,
                          static_cast<int>(lda), w_packed, col_sums, nb_begin, nb_end, &dq, y, static_cast<int>(ldy),
                          scratch);
}

// The unsigned reading's u8 copy of up to kRowBlock rows.
size_t scratch_bytes__relaxed(int m, int k_pad) {
  return static_cast<size_t>(std::min(m, kRowBlock)) * static_cast<size_t>(k_pad);
}

}  // namespace

const KernelTable kWasmRelaxedKernel = {"wasm_relaxed", gemm_s8s8_s32__relaxed, gemm_s8s8_f32__relaxed,
                                        scratch_bytes__relaxed};

bool wasm_relaxed_usable() {
  static const bool usable = reading() != 0 && check_against_ref(kWasmRelaxedKernel, false).empty();
  return usable;
}

}  // namespace indorerank::kernels
