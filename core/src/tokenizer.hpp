// XLM-RoBERTa pair tokenization on top of the sentencepiece library, matching
// Hugging Face's XLMRobertaTokenizer(Fast) for cross-encoders:
//   ids:    <s>=0 <pad>=1 </s>=2 <unk>=3, other pieces = sentencepiece id + 1
//   layout: <s> query </s></s> passage </s>
//   truncation: tokenizers' `longest_first` rule (see truncate_longest_first).
//
// A pair uses at most max_length tokens, so encode_pair() reads only as much
// of each text as can matter: sentencepiece is given growing prefixes of the
// text (doubling from about 8 bytes per token needed), each ending just before
// a space, until a side has more tokens than the budget. Such a prefix has the
// ids the whole text has up to there: no piece of the vocabulary spans a space
// (every "▁" in it is a piece's first character, and "▁" is a piece itself, so
// unknown characters never merge across one), the normalizer treats the text
// before a space alike however it goes on, and the segmentation of text before
// a boundary that every segmentation shares is decided by that text alone
// (sentencepiece's unigram and BPE searches both run from the left). create()
// checks the vocabulary and the normalizer; without those properties texts
// are read whole. Prefixes stop at kPrefixLimit bytes: a run without a space
// past it is cut inside (there, ties between equally likely segmentations may
// resolve otherwise than with the whole run read), and a text whose first
// kPrefixLimit bytes give too few tokens (spaces, unknown characters) is
// refused with resource_exhausted. Windows taken from the middle of a text
// would not be exact: unigram ties are broken by rounding of the score summed
// from the start of the text.
#pragma once

#include <atomic>
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
  /// The most text sentencepiece is given at once when reads_prefixes(): it
  /// bounds the tokenizer's working memory whatever the text's length.
  static constexpr size_t kPrefixLimit = 64 << 10;
  /// The smallest prefix limit a memory cap may bring it down to.
  static constexpr size_t kMinPrefixLimit = 8 << 10;
  /// Heap bytes sentencepiece may use for a text of `bytes` bytes (and what
  /// the caller keeps of it). Measured on the worst texts (one piece per byte,
  /// such as a run of one letter: 205 bytes per byte), with a margin; tested.
  static size_t working_bytes(size_t bytes) { return 256 * bytes + (1 << 20); }
  /// `model_proto` is a serialized sentencepiece ModelProto. Fails when the
  /// model is invalid or would emit ids >= vocab_size. `prefix_limit` is for
  /// tests that exercise the limit on small texts.
  static StatusOr<std::unique_ptr<Tokenizer>> create(std::string_view model_proto, int vocab_size,
                                                     size_t prefix_limit = kPrefixLimit);
  ~Tokenizer();

  /// XLM-R ids of one text, without special tokens.
  Status encode(std::string_view text, std::vector<int32_t>* ids) const;
  /// The full pair input, truncated to max_length.
  StatusOr<Encoding> encode_pair(std::string_view query, std::string_view passage, int max_length) const;
  /// The pair as windows over the passage, each within max_length, with
  /// `overlap` passage tokens shared by neighbours. The query is cut as
  /// longest_first would cut it. The windows cover the whole passage, or,
  /// when reads_prefixes() and it is longer than the prefix limit, its text up
  /// to the last space within the limit; the first window's passage_truncated
  /// then says the rest was not read.
  StatusOr<std::vector<Encoding>> encode_pair_chunks(std::string_view query, std::string_view passage, int max_length,
                                                     int overlap) const;
  int piece_count() const;
  /// True when long texts are read by prefixes (see above).
  bool reads_prefixes() const { return prefixes_; }
  size_t prefix_limit() const { return prefix_limit_; }
  /// working_bytes() of the longest text given to sentencepiece so far.
  size_t peak_working_bytes() const { return working_bytes(longest_read_.load(std::memory_order_relaxed)); }

 private:
  Tokenizer();
  /// The leading ids of `text`: all of them (*complete = true), or more than
  /// `need` of them whose first `need` equal encode(text)'s. need == SIZE_MAX
  /// only counts (texts up to the prefix limit): *count gets the number of
  /// ids of the whole text, `ids` stays empty.
  Status encode_leading(std::string_view text, size_t need, std::vector<int32_t>* ids, size_t* count,
                        bool* complete) const;
  /// Leading ids of both sides and how many of each to keep.
  Status encode_sides(std::string_view query, std::string_view passage, size_t budget, bool whole_passage,
                      std::vector<int32_t>* q, std::vector<int32_t>* p, size_t* q_keep, size_t* p_keep,
                      bool* passage_read) const;
  std::unique_ptr<sentencepiece::SentencePieceProcessor> sp_;
  bool prefixes_ = false;
  size_t prefix_limit_ = kPrefixLimit;
  mutable std::atomic<size_t> longest_read_{0};
};

}  // namespace indorerank
