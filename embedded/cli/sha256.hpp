// SHA-256 (FIPS 180-4), for checking downloaded files against the sha256 the
// model hub reports in its ETag. Small and portable; speed is not a goal.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>

#include "indorerank/status.hpp"

namespace indorerank::cli {

class Sha256 {
 public:
  Sha256();
  void update(const void* data, size_t size);
  /// The digest as 64 lower-case hex digits. Call once, after the last update.
  std::string hex_digest();

 private:
  void block(const uint8_t* p);
  uint32_t h_[8];
  uint8_t buf_[64];
  size_t buf_len_ = 0;
  uint64_t total_ = 0;  // bytes hashed
};

/// sha256 of a whole file, as 64 hex digits.
StatusOr<std::string> sha256_file(const std::string& path);

}  // namespace indorerank::cli
