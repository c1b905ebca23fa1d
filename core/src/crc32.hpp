// CRC-32 (IEEE 802.3, the zlib/PNG polynomial): the checksum of each block of
// embedding rows and of a model file's head. js/src/crc32.js computes the same.
#pragma once

#include <cstddef>
#include <cstdint>

namespace indorerank {

/// CRC of `n` bytes, continuing from `crc` (0 to start).
uint32_t crc32(const uint8_t* data, size_t n, uint32_t crc = 0);

}  // namespace indorerank
