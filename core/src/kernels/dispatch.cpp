// The one place that decides which kernels exist: from the build (which ISA
// files were compiled) and from the CPU at run time (never from flags alone).
#include "kernels.hpp"

#if defined(INDORERANK_HAVE_NEON)
#include <asm/hwcap.h>
#include <sys/auxv.h>
#endif

namespace indorerank::kernels {

std::vector<const KernelTable*> available() {
  std::vector<const KernelTable*> out;
#if defined(INDORERANK_HAVE_AVX512VNNI)
  if (__builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512bw") &&
      __builtin_cpu_supports("avx512vnni"))
    out.push_back(&kAvx512VnniKernel);
#endif
#if defined(INDORERANK_HAVE_AVXVNNI)
  if (avx_vnni_usable()) out.push_back(&kAvxVnniKernel);
#endif
#if defined(INDORERANK_HAVE_AVX2)
  if (__builtin_cpu_supports("avx2")) out.push_back(&kAvx2Kernel);
#endif
#if defined(INDORERANK_HAVE_NEON)
  // The kernel's hardware capabilities, as the CPU (or qemu's -cpu) reports them.
  if (getauxval(AT_HWCAP) & HWCAP_ASIMDDP) out.push_back(&kNeonDotprodKernel);
  out.push_back(&kNeonKernel);  // Advanced SIMD is part of every ARMv8-A core
#endif
#if defined(INDORERANK_HAVE_WASM_RELAXED)
  if (wasm_relaxed_usable()) out.push_back(&kWasmRelaxedKernel);
#endif
#if defined(INDORERANK_HAVE_WASM_SIMD128)
  // A wasm module built with SIMD128 does not even validate on an engine
  // without it, so reaching this line proves the feature.
  out.push_back(&kWasmSimd128Kernel);
#endif
  out.push_back(&kRefKernel);
  return out;
}

const KernelTable& best() { return *available().front(); }

const KernelTable* find(const std::string& name) {
  for (const KernelTable* k : available())
    if (name == k->name) return k;
  return nullptr;
}

}  // namespace indorerank::kernels
