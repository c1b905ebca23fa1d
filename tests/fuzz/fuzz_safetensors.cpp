// libFuzzer target: the safetensors reader never reads outside its buffer,
// and every tensor view it returns lies inside it.
#include <cstdint>
#include <cstdlib>

#include "safetensors.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  auto f = indorerank::safetensors::parse(data, size);
  if (!f.ok()) return 0;
  for (const auto& [name, t] : f->tensors) {
    if (t.data < data || t.data + t.nbytes > data + size) std::abort();
    volatile uint8_t sink = 0;
    for (size_t i = 0; i < t.nbytes; ++i) sink ^= t.data[i];
  }
  return 0;
}
