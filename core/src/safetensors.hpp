// Reading and writing the safetensors container: 8-byte little-endian header
// length N, N bytes of JSON header, then the raw tensor bytes. The reader
// validates every field against the buffer it was given and never reads
// outside it.
#pragma once

#include <cstddef>
#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "indorerank/status.hpp"

namespace indorerank::safetensors {

enum class DType { kF32, kF16, kBF16, kI8, kU8, kI32, kI64 };

const char* dtype_name(DType d);
size_t dtype_size(DType d);

struct TensorView {
  std::string name;
  DType dtype = DType::kF32;
  std::vector<int64_t> shape;
  const uint8_t* data = nullptr;  // points into the caller's buffer; null when absent (see Extent)
  size_t nbytes = 0;
  uint64_t offset = 0;  // of the data, from the start of the file
  int64_t numel() const;
};

struct File {
  uint64_t header_bytes = 0;  // the 8-byte length and the JSON header: where data starts
  std::map<std::string, std::string> metadata;
  std::map<std::string, TensorView> tensors;
  const TensorView* find(const std::string& name) const;
};

/// How much of the file the buffer given to parse() holds.
enum class Extent {
  kWhole,       // all of it: every tensor must be inside
  kMayEnd,      // a prefix: tensors starting at or after its end are absent, none may straddle it
  kHeaderOnly,  // at least the header: every tensor is absent
};

/// Parses and validates a safetensors file held in memory. The views point
/// into `data`, which must outlive the result.
StatusOr<File> parse(const uint8_t* data, size_t size, Extent extent = Extent::kWhole);

struct TensorToWrite {
  std::string name;
  DType dtype;
  std::vector<int64_t> shape;
  std::vector<uint8_t> bytes;
};

/// Writes tensors (in the given order) and string metadata to `path`.
Status write(const std::string& path, const std::map<std::string, std::string>& metadata,
             const std::vector<TensorToWrite>& tensors);

/// The same file as bytes; each tensor's bytes are released once copied.
std::vector<uint8_t> serialize(const std::map<std::string, std::string>& metadata,
                               std::vector<TensorToWrite>* tensors);

}  // namespace indorerank::safetensors
