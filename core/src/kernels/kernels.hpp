// Int8 GEMM kernels behind one dispatch table.
//
// Every kernel computes C[m][n] = sum_k A[m][k] * W[n][k] in exact int32
// arithmetic, so all kernels agree bit for bit and `ref` is the oracle.
//
// A (activations): int8, row-major, `lda` bytes per row, k_pad columns of
// which the ones past k are zero.
// W (weights): int8, pre-packed once at load by pack_weights() into blocks of
// kNr=16 output channels x kKr=4 depth:
//   packed[((nb * (k_pad / 4)) + kb) * 64 + c * 4 + j] = W[nb * 16 + c][kb * 4 + j]
// with zeros outside W. Each 64-byte block is one 512-bit register, or four
// 128-bit ones, of 16 columns x 4 depth.
// C: int32, row-major, `ldc` >= n_pad; a call writes the columns of blocks
// [nb_begin, nb_end) for rows [0, m).
// Scratch: a kernel that needs working memory gets it from the caller (the
// engine carves one piece per thread from its arena, so the memory cap counts
// it): `scratch_bytes(m, k_pad)` bytes, 64-byte aligned, passed as `scratch`.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

namespace indorerank::kernels {

constexpr int kNr = 16;
constexpr int kKr = 4;

inline int round_up(int x, int m) { return (x + m - 1) / m * m; }

struct PackedWeights {
  int n = 0, k = 0, n_pad = 0, k_pad = 0;
  std::vector<int8_t> data;       // n_pad * k_pad bytes, layout above
  std::vector<int32_t> col_sums;  // n_pad sums of each column's weights (for u8 kernels)
  int n_blocks() const { return n_pad / kNr; }
};

/// Packs W [n][k] (row-major, int8) into the kernel layout.
PackedWeights pack_weights(const int8_t* w, int n, int k);

using GemmFn = void (*)(int m, int k_pad, const int8_t* a, size_t lda, const int8_t* w_packed, const int32_t* col_sums,
                        int nb_begin, int nb_end, int32_t* c, size_t ldc, void* scratch);

/// The dequantizing epilogue of gemm_s8s8_f32, for rows [0, m) and columns < n:
///   y[r][j] = float(C[r][j] - a_zero[r] * col_sums[j]) * a_scale[r] * w_scale[j] + bias[j]
/// with exactly the operations and order of ops::dequantize_row, so the fused
/// and the separate paths give identical bits.
struct Dequant {
  const float* a_scale;
  const int32_t* a_zero;
  const float* w_scale;
  const float* bias;
  int n;
};
using GemmF32Fn = void (*)(int m, int k_pad, const int8_t* a, size_t lda, const int8_t* w_packed,
                           const int32_t* col_sums, int nb_begin, int nb_end, const Dequant& dq, float* y, size_t ldy,
                           void* scratch);
/// Bytes of scratch one call of up to `m` rows at depth `k_pad` uses.
using ScratchFn = size_t (*)(int m, int k_pad);
inline size_t no_scratch(int, int) {
  return 0;
}

struct KernelTable {
  const char* name;
  GemmFn gemm_s8s8_s32;     // int32 results (the tested contract)
  GemmF32Fn gemm_s8s8_f32;  // the same products, dequantized on the way out
  ScratchFn scratch_bytes;  // what either needs as `scratch`
};

// Each kernel; the non-ref ones exist only in builds for their ISA.
extern const KernelTable kRefKernel;
#if defined(INDORERANK_HAVE_AVX2)
extern const KernelTable kAvx2Kernel;
#endif
#if defined(INDORERANK_HAVE_AVX512VNNI)
extern const KernelTable kAvx512VnniKernel;
#endif
#if defined(INDORERANK_HAVE_AVXVNNI)
extern const KernelTable kAvxVnniKernel;  // VEX vpdpbusd on ymm (avx_vnni_kernel.hpp)
/// Whether this CPU has AVX-VNNI and kAvxVnniKernel matches ref on it (checked once).
bool avx_vnni_usable();
#endif
#if defined(INDORERANK_HAVE_WASM_SIMD128)
extern const KernelTable kWasmSimd128Kernel;
#endif
#if defined(INDORERANK_HAVE_WASM_RELAXED)
extern const KernelTable kWasmRelaxedKernel;  // relaxed SIMD, in a side module (wasm_relaxed.cpp)
/// Whether this runtime runs kWasmRelaxedKernel exactly (probed once).
bool wasm_relaxed_usable();
#endif
#if defined(INDORERANK_HAVE_NEON)
extern const KernelTable kNeonKernel;         // every ARMv8-A core
extern const KernelTable kNeonDotprodKernel;  // ARMv8.2-A dot product (sdot)
#endif

/// "" when `k` gives the same int32 and dequantized results as ref, bit for
/// bit, on small products with extreme values at tail sizes (all of them when
/// `thorough`); else what differed.
std::string check_against_ref(const KernelTable& k, bool thorough);

/// Kernels this build has and this CPU runs, best first ("ref" is always last).
std::vector<const KernelTable*> available();
/// The best available kernel.
const KernelTable& best();
/// A kernel by name, or nullptr when this build or CPU lacks it.
const KernelTable* find(const std::string& name);

}  // namespace indorerank::kernels
