// The AVX-VNNI kernel (avx_vnni_kernel.hpp) with the instruction itself.
//
// No machine this project is tested on executes VEX vpdpbusd (not the CI
// hosts, not qemu 10's x86 emulation), so its body is tested through an AVX2
// stand-in for the instruction, and here the engine compares the real thing
// against ref on the spot before it lists the kernel: a CPU where it differed
// would run avx2 instead, with the same bits.
#include <cpuid.h>
#include <immintrin.h>

// acc += dot(x, w), as one instruction.
#define INDORERANK_AVX_VNNI_DOT(w, acc) "%{vex%} vpdpbusd " w ", %[x], %[" #acc "]\n\t"
#include "avx_vnni_kernel.hpp"

namespace indorerank::kernels {
namespace {

struct VexDot {
  static __m256i dpbusd(__m256i acc, __m256i u8, __m256i s8) { return _mm256_dpbusd_avx_epi32(acc, u8, s8); }
};

// CPUID leaf 7, sub-leaf 1, EAX bit 4; avx2 also tells that the OS saves ymm state.
bool cpu_has_avx_vnni() {
  unsigned eax = 0, ebx = 0, ecx = 0, edx = 0;
  if (!__builtin_cpu_supports("avx2") || !__get_cpuid_count(7, 1, &eax, &ebx, &ecx, &edx)) return false;
  return (eax >> 4) & 1u;
}

}  // namespace

const KernelTable kAvxVnniKernel = avx_vnni::table<VexDot>("avx_vnni");

bool avx_vnni_usable() {
  static const bool usable = cpu_has_avx_vnni() && check_against_ref(kAvxVnniKernel, false).empty();
  return usable;
}

}  // namespace indorerank::kernels
