// XLM-RoBERTa pair tokenization on top of the sentencepiece library, matching
// Hugging Face's XLMRobertaTokenizer(Fast) for cross-encoders:
//   ids:    <s>=0 <pad>=1 </s>=2 <unk>=3, other pieces = sentencepiece id + 1
//   layout: <s> query </s></s> passage </s>
//   truncation: tokenizers' `longest_first` rule (see truncate_longest_first).
//
// A pair uses at most max_length tokens, so encode_pair() reads only as much
// of each text as can matter: text is fed to sentencepiece a window of
// kWindowBytes at a time, cut just before a space, and reading stops once a
// side has more tokens than the budget. Cutting before a space gives the ids
// the whole text gives when no piece spans a space (every "▁" in the
// vocabulary is a piece's first character, and "▁" is a piece itself, so
// unknown characters never merge across it) and the normalizer drops the
// spaces at a window's edges as it drops repeated ones: create() checks both,
// and without them every text is tokenized whole. A run of more than
// kWindowBytes without a space is cut inside, at a character boundary, after
// enough characters for more tokens than any budget; sentencepiece's BPE is
// not provably local there, so that case is checked by tests (tokenizer
// tests: 10,000 random long texts equal to whole-text tokenization).
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
  /// The text sentencepiece is given at once when reads_windows() (a run
  /// without spaces can take up to 8 x (max_length + 2) x the longest piece's
  /// characters): it bounds the tokenizer's working memory whatever the text's length.
  static constexpr size_t kWindowBytes = 32 << 10;
  /// `model_proto` is a serialized sentencepiece ModelProto. Fails when the
  /// model is invalid or would emit ids >= vocab_size. `window_bytes` is for
  /// tests that exercise the windows on small texts.
  static StatusOr<std::unique_ptr<Tokenizer>> create(std::string_view model_proto, int vocab_size,
                                                     size_t window_bytes = kWindowBytes);
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
  /// True when long texts are read window by window (see above).
  bool reads_windows() const { return windowed_; }

 private:
  Tokenizer();
  /// The leading ids of `text`: all of them (*complete = true), or more than
  /// `need` of them whose first `need` equal encode(text)'s. need == SIZE_MAX
  /// only counts: *count gets the number of ids of the whole text, `ids` stays empty.
  Status encode_leading(std::string_view text, size_t need, std::vector<int32_t>* ids, size_t* count,
                        bool* complete) const;
  /// Leading ids of both sides and how many of each to keep.
  Status encode_sides(std::string_view query, std::string_view passage, size_t budget, bool whole_passage,
                      std::vector<int32_t>* q, std::vector<int32_t>* p, size_t* q_keep, size_t* p_keep) const;
  std::unique_ptr<sentencepiece::SentencePieceProcessor> sp_;
  bool windowed_ = false;
  size_t window_bytes_ = kWindowBytes;
  size_t longest_piece_chars_ = 1;
};

}  // namespace indorerank
