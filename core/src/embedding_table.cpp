#include "embedding_table.hpp"

#include <algorithm>
#include <cstring>
#include <string>

#include "crc32.hpp"

namespace indorerank {

void EmbeddingTable::init(int vocab, int hidden, int block_rows, std::vector<uint32_t> crc) {
  vocab_ = vocab;
  hidden_ = hidden;
  block_rows_ = block_rows;
  const size_t blocks = static_cast<size_t>((vocab + block_rows - 1) / block_rows);
  crc_ = std::move(crc);
  ptr_.assign(blocks, nullptr);
  checked_.assign(blocks, crc_.empty() ? 1 : 0);
  owned_.clear();
  owned_.resize(blocks);
  owned_bytes_ = 0;
  resident_ = 0;
}

void EmbeddingTable::init_in_file(const int8_t* rows, int vocab, int hidden, int block_rows, std::vector<uint32_t> crc) {
  init(vocab, hidden, block_rows, std::move(crc));
  for (size_t b = 0; b < ptr_.size(); ++b) ptr_[b] = rows + b * static_cast<size_t>(block_rows) * static_cast<size_t>(hidden);
  resident_ = blocks();
}

void EmbeddingTable::init_absent(int vocab, int hidden, int block_rows, std::vector<uint32_t> crc) {
  init(vocab, hidden, block_rows, std::move(crc));
}

size_t EmbeddingTable::block_bytes(int b) const {
  const int rows = std::min(block_rows_, vocab_ - b * block_rows_);
  return static_cast<size_t>(rows) * static_cast<size_t>(hidden_);
}

Status EmbeddingTable::add(int b, const uint8_t* data, size_t size) {
  if (b < 0 || b >= blocks())
    return invalid_argument("embedding block " + std::to_string(b) + " does not exist (the table has " +
                            std::to_string(blocks()) + " blocks)");
  const size_t want = block_bytes(b);
  if (size != want)
    return data_loss("embedding block " + std::to_string(b) + " has " + std::to_string(size) + " bytes, expected " +
                     std::to_string(want) + " (a truncated download?)");
  if (!crc_.empty() && crc32(data, size) != crc_[static_cast<size_t>(b)])
    return data_loss("embedding block " + std::to_string(b) + " fails its checksum (corrupted download or a block of "
                     "another model file)");
  if (has(b)) return ok_status();
  auto copy = std::make_unique<int8_t[]>(size);
  std::memcpy(copy.get(), data, size);
  ptr_[static_cast<size_t>(b)] = copy.get();
  owned_[static_cast<size_t>(b)] = std::move(copy);
  checked_[static_cast<size_t>(b)] = 1;
  owned_bytes_ += size;
  ++resident_;
  return ok_status();
}

void EmbeddingTable::missing(const int32_t* ids, size_t n, std::vector<int>* out) const {
  for (size_t i = 0; i < n; ++i) {
    const int b = ids[i] / block_rows_;
    if (!has(b)) out->push_back(b);
  }
}

Status EmbeddingTable::check(const int32_t* ids, size_t n) {
  for (size_t i = 0; i < n; ++i) {
    const int b = ids[i] / block_rows_;
    if (!has(b))
      return failed_precondition("the embedding rows of token id " + std::to_string(ids[i]) + " (block " +
                                 std::to_string(b) + ") are not loaded yet");
    if (checked_[static_cast<size_t>(b)]) continue;
    const auto* p = reinterpret_cast<const uint8_t*>(ptr_[static_cast<size_t>(b)]);
    if (crc32(p, block_bytes(b)) != crc_[static_cast<size_t>(b)])
      return data_loss("the model file is corrupted: embedding block " + std::to_string(b) +
                       " fails its checksum (download the model again)");
    checked_[static_cast<size_t>(b)] = 1;
  }
  return ok_status();
}

}  // namespace indorerank
