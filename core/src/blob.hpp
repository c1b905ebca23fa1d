// Read-only bytes of a model file: memory-mapped from a path where the OS
// allows it (so untouched embedding rows never become resident), or owned.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "indorerank/status.hpp"

namespace indorerank {

class Blob {
 public:
  virtual ~Blob() = default;
  virtual const uint8_t* data() const = 0;
  virtual size_t size() const = 0;
  /// Tells the OS the bytes [offset, offset + n) will not be read again (a
  /// mapped file's pages there stop counting as resident); they stay readable.
  virtual void release(size_t /*offset*/, size_t /*n*/) const {}
};

/// Maps (or, where mmap is unavailable, reads) the whole file.
StatusOr<std::shared_ptr<const Blob>> map_file(const std::string& path);
/// Takes ownership of bytes.
std::shared_ptr<const Blob> blob_from_vector(std::vector<uint8_t> bytes);
/// Reads a whole file into memory.
StatusOr<std::vector<uint8_t>> read_file(const std::string& path);

}  // namespace indorerank
