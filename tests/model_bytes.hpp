// Model files as bytes, for the loader suites.
#pragma once

#include <catch2/catch.hpp>
#include <cstdint>
#include <vector>

#include "blob.hpp"
#include "model_file.hpp"
#include "safetensors.hpp"
#include "test_support.hpp"

namespace indorerank::test {

/// The tiny fixture's model file.
inline std::vector<uint8_t> tiny_bytes() {
  auto b = read_file(fixture("tiny.int8.safetensors"));
  REQUIRE(b.ok());
  return std::move(b).value();
}

/// The same model as a file without the block layout, as converters before
/// it wrote: no block checksums, no head checksum, the table wherever it falls.
inline std::vector<uint8_t> without_blocks(const std::vector<uint8_t>& bytes) {
  auto f = safetensors::parse(bytes.data(), bytes.size());
  if (!f.ok()) return {};
  std::map<std::string, std::string> meta = f->metadata;
  meta.erase(kBlockRowsKey);
  meta.erase(kHeadCrcKey);
  std::vector<safetensors::TensorToWrite> tensors;
  for (const auto& [name, t] : f->tensors)  // name order: the table is no longer last
    if (name != kBlockCrcTensor) tensors.push_back({name, t.dtype, t.shape, std::vector<uint8_t>(t.data, t.data + t.nbytes)});
  return safetensors::serialize(meta, &tensors);
}

}  // namespace indorerank::test
