#include "tokenizer.hpp"

#include <algorithm>
#include <sentencepiece_processor.h>

#include "utf8.hpp"

namespace indorerank {

void truncate_longest_first(size_t* a, size_t* b, size_t budget) {
  if (*a + *b <= budget) return;
  const bool swapped = *a > *b;  // on a tie the query counts as the shorter
  size_t shorter = swapped ? *b : *a;
  size_t longer = swapped ? *a : *b;
  longer = shorter > budget ? shorter : std::max(shorter, budget - shorter);
  if (shorter + longer > budget) {
    shorter = budget / 2;
    longer = shorter + budget % 2;
  }
  // Keeping more than a side has is a no-op, as in the reference.
  if (swapped) {
    *a = std::min(*a, longer);
    *b = std::min(*b, shorter);
  } else {
    *a = std::min(*a, shorter);
    *b = std::min(*b, longer);
  }
}

Tokenizer::Tokenizer() : sp_(std::make_unique<sentencepiece::SentencePieceProcessor>()) {}
Tokenizer::~Tokenizer() = default;

StatusOr<std::unique_ptr<Tokenizer>> Tokenizer::create(std::string_view model_proto, int vocab_size) {
  std::unique_ptr<Tokenizer> t(new Tokenizer());
  const auto st = t->sp_->LoadFromSerializedProto(model_proto);
  if (!st.ok()) return data_loss(std::string("the sentencepiece model cannot be loaded: ") + st.ToString());
  const int pieces = t->sp_->GetPieceSize();
  // The largest id encode() can emit is (pieces - 1) + 1.
  if (pieces + 1 > vocab_size)
    return data_loss("the sentencepiece model has " + std::to_string(pieces) + " pieces but the embedding table only " +
                     std::to_string(vocab_size) + " rows");
  return t;
}

int Tokenizer::piece_count() const { return sp_->GetPieceSize(); }

Status Tokenizer::encode(std::string_view text, std::vector<int32_t>* ids) const {
  ids->clear();
  std::vector<int> raw;
  const std::string clean = repair_utf8(text);
  const auto st = sp_->Encode(clean, &raw);
  if (!st.ok()) return internal_error(std::string("sentencepiece failed to encode: ") + st.ToString());
  ids->reserve(raw.size());
  for (const int id : raw) ids->push_back(id == 0 ? kUnkId : id + 1);
  return ok_status();
}

namespace {
Encoding assemble(const std::vector<int32_t>& q, size_t q_keep, const int32_t* p, size_t p_len) {
  Encoding e;
  e.query_truncated = q_keep < q.size();
  e.input_ids.reserve(q_keep + p_len + kSpecialTokensPerPair);
  e.input_ids.push_back(kBosId);
  e.input_ids.insert(e.input_ids.end(), q.begin(), q.begin() + static_cast<std::ptrdiff_t>(q_keep));
  e.input_ids.push_back(kEosId);
  e.input_ids.push_back(kEosId);
  e.input_ids.insert(e.input_ids.end(), p, p + p_len);
  e.input_ids.push_back(kEosId);
  return e;
}
}  // namespace

StatusOr<std::vector<Encoding>> Tokenizer::encode_pair_chunks(std::string_view query, std::string_view passage,
                                                              int max_length, int overlap) const {
  if (max_length < kSpecialTokensPerPair + 1) return invalid_argument("max_length must be at least 5");
  std::vector<int32_t> q, p;
  INDORERANK_RETURN_IF_ERROR(encode(query, &q));
  INDORERANK_RETURN_IF_ERROR(encode(passage, &p));
  const size_t budget = static_cast<size_t>(max_length - kSpecialTokensPerPair);
  size_t a = q.size(), b = p.size();
  truncate_longest_first(&a, &b, budget);
  const size_t window = budget - a;  // passage tokens per window
  if (b == p.size() || window == 0) {
    Encoding e = assemble(q, a, p.data(), b);
    e.passage_truncated = b < p.size();
    return std::vector<Encoding>{std::move(e)};
  }
  if (overlap < 0 || static_cast<size_t>(overlap) > window / 2)
    return invalid_argument("chunk_overlap must be between 0 and half the passage window (" +
                            std::to_string(window / 2) + " tokens here)");
  const size_t step = window - static_cast<size_t>(overlap);
  std::vector<Encoding> out;
  for (size_t start = 0;; start += step) {
    const size_t len = std::min(window, p.size() - start);
    out.push_back(assemble(q, a, p.data() + start, len));
    if (start + len >= p.size()) break;
  }
  return out;
}

StatusOr<Encoding> Tokenizer::encode_pair(std::string_view query, std::string_view passage, int max_length) const {
  if (max_length < kSpecialTokensPerPair + 1) return invalid_argument("max_length must be at least 5");
  std::vector<int32_t> q, p;
  INDORERANK_RETURN_IF_ERROR(encode(query, &q));
  INDORERANK_RETURN_IF_ERROR(encode(passage, &p));
  size_t a = q.size(), b = p.size();
  truncate_longest_first(&a, &b, static_cast<size_t>(max_length - kSpecialTokensPerPair));
  Encoding e = assemble(q, a, p.data(), b);
  e.passage_truncated = b < p.size();
  return e;
}

}  // namespace indorerank
