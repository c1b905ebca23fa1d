// XLM-RoBERTa pair tokenization on top of the sentencepiece library, matching
// Hugging Face's XLMRobertaTokenizer(Fast) for cross-encoders:
//   ids:    <s>=0 <pad>=1 </s>=2 <unk>=3, other pieces = sentencepiece id + 1
//   layout: <s> query </s></s> passage </s>
//   truncation: tokenizers' `longest_first` rule (see truncate_longest_first).
#pragma once

#include <cstdint>
#include <memory>
#include <string_view>
#include <vector>

#include "indorerank/indorerank.hpp"

namespace sentencepiece {
class SentencePieceProcessor;
}

namespace indorerank {

constexpr int32_t kBosId = 0, kPadId = 1, kEosId = 2, kUnkId = 3;
constexpr int kSpecialTokensPerPair = 4;

/// Given token counts of query (*a) and passage (*b), sets the counts to keep
/// so that *a + *b <= budget, exactly as Hugging Face tokenizers' longest_first
/// truncation of a pair does it.
void truncate_longest_first(size_t* a, size_t* b, size_t budget);

class Tokenizer {
 public:
  /// `model_proto` is a serialized sentencepiece ModelProto. Fails when the
  /// model is invalid or would emit ids >= vocab_size.
  static StatusOr<std::unique_ptr<Tokenizer>> create(std::string_view model_proto, int vocab_size);
  ~Tokenizer();

  /// XLM-R ids of one text, without special tokens.
  Status encode(std::string_view text, std::vector<int32_t>* ids) const;
  /// The full pair input, truncated to max_length.
  StatusOr<Encoding> encode_pair(std::string_view query, std::string_view passage, int max_length) const;
  /// The pair as windows over the passage, each within max_length, with
  /// `overlap` passage tokens shared by neighbours. The query is cut as
  /// longest_first would cut it; no passage token is dropped.
  StatusOr<std::vector<Encoding>> encode_pair_chunks(std::string_view query, std::string_view passage, int max_length,
                                                     int overlap) const;
  int piece_count() const;

 private:
  Tokenizer();
  std::unique_ptr<sentencepiece::SentencePieceProcessor> sp_;
};

}  // namespace indorerank
