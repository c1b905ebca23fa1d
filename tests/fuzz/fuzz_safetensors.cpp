// libFuzzer target: the safetensors reader never reads outside its buffer,
// and every tensor view it returns lies inside it, whether the buffer is the
// whole file, a prefix of it, or only its header (as a model's layout and
// head are read).
#include <cstdint>
#include <cstdlib>

#include "safetensors.hpp"

using indorerank::safetensors::Extent;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  for (const Extent extent : {Extent::kWhole, Extent::kMayEnd, Extent::kHeaderOnly}) {
    auto f = indorerank::safetensors::parse(data, size, extent);
    if (!f.ok()) continue;
    for (const auto& [name, t] : f->tensors) {
      if (!t.data) {
        if (extent == Extent::kWhole) std::abort();  // nothing is absent from a whole file
        continue;
      }
      if (t.data < data || t.data + t.nbytes > data + size) std::abort();
      volatile uint8_t sink = 0;
      for (size_t i = 0; i < t.nbytes; ++i) sink ^= t.data[i];
    }
  }
  return 0;
}
