// Inner loops of an int8 GEMM in three WebAssembly forms, to measure what a
// runtime makes of them (`make bench-relaxed`). Each loop keeps 3 weight
// vectors in registers and 6 accumulators (V8 allocates 15 xmm registers;
// more spills), and reads 2 activation vectors per iteration.
//   simd128:   i32x4.dot_i16x8_s + add: 8 int8 MACs per dot (operands widened
//              to int16 beforehand), what the shipped kernel does.
//   relaxed7:  i32x4.relaxed_dot_i8x16_i7x16_add_s: 16 MACs per instruction,
//              exact and deterministic only when one operand is in [0, 127].
//   relaxed8:  the exact form for two full int8 operands: the unsigned
//              activation u = a + 128 in [0, 255] split as u = 2h + l with
//              h in [0, 127] and l in {0, 1}, so two relaxed dots per 16 MACs.
// Built by clang-19 and wasm-ld-19 alone: binaryen 108 (run by emcc, and by
// clang when it finds wasm-opt) rewrites the relaxed dot into an invalid module.
#include <wasm_simd128.h>

#define EXPORT(name) __attribute__((export_name(#name)))

typedef int i32;

// One multiply-accumulate step of each form: acc + w . x.
static inline v128_t mac_simd128(v128_t acc, v128_t w, v128_t x) {
  return wasm_i32x4_add(acc, wasm_i32x4_dot_i16x8(w, x));
}
static inline v128_t mac_relaxed(v128_t acc, v128_t w, v128_t x) {
  return wasm_i32x4_relaxed_dot_i8x16_i7x16_add(w, x, acc);
}

// The shared loop: acc[i] gathers w[i] . x0 and acc[i + 3] gathers w[i] . x1,
// with (x0, x1) from a ring of 16 pairs. `mac` is a constant at every call, so
// clang inlines it.
static inline __attribute__((always_inline)) void run(const v128_t* x, const v128_t* w, i32 n,
                                                      v128_t (*mac)(v128_t, v128_t, v128_t), v128_t acc[6]) {
  v128_t wr[3];
  for (int i = 0; i < 6; ++i) acc[i] = wasm_i32x4_splat(0);
  for (int i = 0; i < 3; ++i) wr[i] = w[i];
  for (i32 it = 0; it < n; ++it) {
    const v128_t* p = x + 2 * (it & 15);
    const v128_t x0 = p[0], x1 = p[1];
    for (int i = 0; i < 3; ++i) {
      acc[i] = mac(acc[i], wr[i], x0);
      acc[i + 3] = mac(acc[i + 3], wr[i], x1);
    }
  }
}

static inline i32 lane0_of_sum(const v128_t acc[6]) {
  v128_t s = acc[0];
  for (int i = 1; i < 6; ++i) s = wasm_i32x4_add(s, acc[i]);
  return wasm_i32x4_extract_lane(s, 0);
}

EXPORT(simd128) i32 simd128(const v128_t* x, const v128_t* w, i32 n) {
  v128_t acc[6];
  run(x, w, n, mac_simd128, acc);
  return lane0_of_sum(acc);
}

EXPORT(relaxed7) i32 relaxed7(const v128_t* x, const v128_t* w, i32 n) {
  v128_t acc[6];
  run(x, w, n, mac_relaxed, acc);
  return lane0_of_sum(acc);
}

// x holds pairs (h, l) of the split activations, so acc[i] gathers the h part
// and acc[i + 3] the l part: 2 relaxed dots per 16 MACs. (h is doubled once at
// the end, outside the loop.)
EXPORT(relaxed8) i32 relaxed8(const v128_t* x, const v128_t* w, i32 n) {
  v128_t acc[6];
  run(x, w, n, mac_relaxed, acc);
  v128_t s = wasm_i32x4_splat(0);
  for (int i = 0; i < 3; ++i) s = wasm_i32x4_add(s, wasm_i32x4_add(wasm_i32x4_shl(acc[i], 1), acc[i + 3]));
  return wasm_i32x4_extract_lane(s, 0);
}

// The relaxed dot's throughput: 12 independent accumulators and operands in
// registers, nothing else in the loop (the loops above keep 6 chains, which
// the dot's latency limits). 12 x 16 MACs per iteration.
EXPORT(relaxed7_peak) i32 relaxed7_peak(const v128_t* x, const v128_t* w, i32 n) {
  v128_t acc[12];
  const v128_t x0 = x[0], w0 = w[0];
  for (int i = 0; i < 12; ++i) acc[i] = wasm_i32x4_splat(i);
  for (i32 it = 0; it < n; ++it)
    for (int i = 0; i < 12; ++i) acc[i] = mac_relaxed(acc[i], w0, x0);
  v128_t s = acc[0];
  for (int i = 1; i < 12; ++i) s = wasm_i32x4_add(s, acc[i]);
  return wasm_i32x4_extract_lane(s, 0);
}

// One lane of the relaxed dot for all-equal inputs x (int8) and y (byte of
// the 7-bit operand), to see how the runtime treats y outside [0, 127].
EXPORT(one_lane) i32 one_lane(i32 x, i32 y) {
  const v128_t r = wasm_i32x4_relaxed_dot_i8x16_i7x16_add(wasm_i8x16_splat((signed char)x),
                                                          wasm_i8x16_splat((signed char)y), wasm_i32x4_splat(0));
  return wasm_i32x4_extract_lane(r, 0);
}
