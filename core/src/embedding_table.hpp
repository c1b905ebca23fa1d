// The word-embedding table: V rows of H int8 values in blocks of `block_rows`
// rows (the last block may be shorter), each block with a CRC-32.
//
// The rows either sit in a loaded model file, where each block's checksum is
// checked the first time a token uses it, or arrive later block by block from
// a loader that fetched them (the web's lazy loading: see Reranker::load_head).
// A token whose block is absent or fails its checksum makes the call an error;
// it never gives a score.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <vector>

#include "indorerank/status.hpp"

namespace indorerank {

class EmbeddingTable {
 public:
  /// Rows at `rows` inside a file the caller keeps alive. An empty `crc`
  /// means the file has no block checksums (an older file): nothing is checked.
  void init_in_file(const int8_t* rows, int vocab, int hidden, int block_rows, std::vector<uint32_t> crc);
  /// No rows yet: add() brings them.
  void init_absent(int vocab, int hidden, int block_rows, std::vector<uint32_t> crc);

  int block_rows() const { return block_rows_; }
  int blocks() const { return static_cast<int>(ptr_.size()); }
  int resident_blocks() const { return resident_; }
  size_t block_bytes(int b) const;
  bool has(int b) const { return ptr_[static_cast<size_t>(b)] != nullptr; }
  /// Bytes of rows this table allocated (blocks added, not rows in a file).
  size_t owned_bytes() const { return owned_bytes_; }

  /// Stores a copy of block `b` after checking its index, size and checksum.
  /// Adding a block that is already present is allowed and changes nothing.
  Status add(int b, const uint8_t* data, size_t size);
  /// Appends the blocks `ids` use that are not present (in id order, repeats included).
  void missing(const int32_t* ids, size_t n, std::vector<int>* out) const;
  /// OK when every block `ids` use is present and passes its checksum
  /// (checked once per block). Ids must be within the vocabulary.
  Status check(const int32_t* ids, size_t n);

  const int8_t* row(int32_t id) const {
    return ptr_[static_cast<size_t>(id / block_rows_)] + static_cast<size_t>(id % block_rows_) * static_cast<size_t>(hidden_);
  }

 private:
  void init(int vocab, int hidden, int block_rows, std::vector<uint32_t> crc);

  int vocab_ = 0, hidden_ = 0, block_rows_ = 1, resident_ = 0;
  size_t owned_bytes_ = 0;
  std::vector<uint32_t> crc_;
  std::vector<const int8_t*> ptr_;
  std::vector<uint8_t> checked_;
  std::vector<std::unique_ptr<int8_t[]>> owned_;
};

}  // namespace indorerank
