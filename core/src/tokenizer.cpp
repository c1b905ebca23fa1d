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

StatusOr<std::unique_ptr<Tokenizer>> Tokenizer::create(std::string_view model_proto, int vocab_size,
                                                       size_t prefix_limit) {
  std::unique_ptr<Tokenizer> t(new Tokenizer());
  t->prefix_limit_ = std::max<size_t>(prefix_limit, 1024);
  const auto st = t->sp_->LoadFromSerializedProto(model_proto);
  if (!st.ok()) return data_loss(std::string("the sentencepiece model cannot be loaded: ") + st.ToString());
  const int pieces = t->sp_->GetPieceSize();
  // The largest id encode() can emit is (pieces - 1) + 1.
  if (pieces + 1 > vocab_size)
    return data_loss("the sentencepiece model has " + std::to_string(pieces) + " pieces but the embedding table only " +
                     std::to_string(vocab_size) + " rows");
  // May long texts be read by prefixes (tokenizer.hpp)?
  const std::string kMeta = "\xE2\x96\x81";  // U+2581, sentencepiece's space
  bool meta_inside = false;
  for (int i = 0; i < pieces; ++i) {
    if (t->sp_->IsUnknown(i) || t->sp_->IsControl(i)) continue;
    meta_inside = meta_inside || t->sp_->IdToPiece(i).find(kMeta, 1) != std::string::npos;
  }
  const bool meta_is_piece = !t->sp_->IsUnknown(t->sp_->PieceToId(kMeta));
  bool edges_dropped = true;
  const std::pair<const char*, const char*> kProbes[] = {
      {"ab", " cd"}, {"ab ", " cd"}, {"ab", "   cd"}, {"ab\t", " cd"}, {"a.", " \xC3\xA9x"}, {"12", " 3"}};
  for (const auto& [left, right] : kProbes) {
    std::vector<int32_t> l, r, whole;
    if (!t->encode(left, &l).ok() || !t->encode(right, &r).ok() ||
        !t->encode(std::string(left) + right, &whole).ok())
      return internal_error("the sentencepiece model cannot encode a probe text");
    l.insert(l.end(), r.begin(), r.end());
    edges_dropped = edges_dropped && l == whole;
  }
  t->prefixes_ = !meta_inside && meta_is_piece && edges_dropped;
  return t;
}

int Tokenizer::piece_count() const { return sp_->GetPieceSize(); }

Status Tokenizer::encode(std::string_view text, std::vector<int32_t>* ids) const {
  ids->clear();
  size_t longest = longest_read_.load(std::memory_order_relaxed);
  while (text.size() > longest &&
         !longest_read_.compare_exchange_weak(longest, text.size(), std::memory_order_relaxed)) {
  }
  std::vector<int> raw;
  const std::string clean = repair_utf8(text);
  const auto st = sp_->Encode(clean, &raw);
  if (!st.ok()) return internal_error(std::string("sentencepiece failed to encode: ") + st.ToString());
  ids->reserve(raw.size());
  for (const int id : raw) ids->push_back(id == 0 ? kUnkId : id + 1);
  return ok_status();
}

namespace {

bool is_continuation(char c) { return (static_cast<unsigned char>(c) & 0xC0) == 0x80; }

}  // namespace

Status Tokenizer::encode_leading(std::string_view text, size_t need, std::vector<int32_t>* ids, size_t* count,
                                 bool* complete) const {
  ids->clear();
  *count = 0;
  *complete = true;
  if (need == SIZE_MAX) {  // counting: the whole text, within bounds
    if (text.size() > prefix_limit_)
      return resource_exhausted("a text of " + std::to_string(text.size()) +
                                " bytes is too long to count its tokens (" + std::to_string(prefix_limit_) +
                                " at most)");
    INDORERANK_RETURN_IF_ERROR(encode(text, ids));
    *count = ids->size();
    ids->clear();
    return ok_status();
  }
  // Growing prefixes from the start of the text: sentencepiece's best
  // segmentation of a prefix that ends just before a space is the whole
  // text's up to there (tokenizer.hpp); windows from the middle would not be.
  if (!prefixes_) {
    INDORERANK_RETURN_IF_ERROR(encode(text, ids));
    *count = ids->size();
    return ok_status();
  }
  for (size_t want = std::max<size_t>(256, 8 * (need + 1));; want = std::min(2 * want, prefix_limit_)) {
    if (want >= text.size()) {  // the whole text, no longer than prefix_limit_
      INDORERANK_RETURN_IF_ERROR(encode(text, ids));
      *count = ids->size();
      return ok_status();
    }
    // Just before the first space at or after `want`. A run without a space
    // that goes on past prefix_limit_ is cut inside, at a character boundary:
    // the one place where ties between equally likely segmentations may
    // resolve otherwise than with the whole run read.
    size_t cut = text.find(' ', want);
    if (cut == std::string_view::npos || cut > prefix_limit_) {
      cut = std::max(want, prefix_limit_);
      if (cut >= text.size()) continue;  // the rest fits: read it whole
      while (cut > want && is_continuation(text[cut])) --cut;
    }
    INDORERANK_RETURN_IF_ERROR(encode(text.substr(0, cut), ids));
    *count = ids->size();
    if (ids->size() > need) {
      *complete = false;
      return ok_status();
    }
    if (cut >= prefix_limit_)
      return resource_exhausted("the first " + std::to_string(cut) + " bytes of a " + std::to_string(text.size()) +
                                "-byte text give only " + std::to_string(ids->size()) +
                                " tokens (mostly spaces or characters the vocabulary lacks); it is too long to read whole");
    want = cut;  // doubled by the loop
  }
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

Status Tokenizer::encode_sides(std::string_view query, std::string_view passage, size_t budget, bool whole_passage,
                               std::vector<int32_t>* q, std::vector<int32_t>* p, size_t* q_keep, size_t* p_keep,
                               bool* passage_read) const {
  size_t count = 0;
  bool q_all = true, p_all = true;
  INDORERANK_RETURN_IF_ERROR(encode_leading(query, budget + 1, q, &count, &q_all));
  if (whole_passage) {
    // Chunks cover the passage up to prefix_limit_ bytes, cut just before a
    // space (the ids of the whole text up to there); what follows is dropped.
    std::string_view read = passage;
    if (prefixes_ && passage.size() > prefix_limit_) {
      size_t cut = passage.rfind(' ', prefix_limit_);
      if (cut == std::string_view::npos || cut == 0) {  // one long run: cut inside, at a character boundary
        cut = prefix_limit_;
        while (cut > 0 && is_continuation(passage[cut])) --cut;
      }
      read = passage.substr(0, cut);
      p_all = false;
    }
    INDORERANK_RETURN_IF_ERROR(encode(read, p));
  } else {
    INDORERANK_RETURN_IF_ERROR(encode_leading(passage, budget + 1, p, &count, &p_all));
  }
  // longest_first needs the true lengths only to compare them when both sides
  // exceed the budget and it is odd: the longer side keeps the extra token.
  size_t a = q->size(), b = p->size();
  if (a > budget && b > budget && budget % 2 == 1) {
    std::vector<int32_t> none;
    bool all = true;
    if (!q_all) INDORERANK_RETURN_IF_ERROR(encode_leading(query, SIZE_MAX, &none, &a, &all));
    if (!p_all) INDORERANK_RETURN_IF_ERROR(encode_leading(passage, SIZE_MAX, &none, &b, &all));
  }
  truncate_longest_first(&a, &b, budget);
  *q_keep = std::min(a, q->size());
  *p_keep = std::min(b, p->size());
  if (passage_read) *passage_read = p_all;
  return ok_status();
}

StatusOr<std::vector<Encoding>> Tokenizer::encode_pair_chunks(std::string_view query, std::string_view passage,
                                                              int max_length, int overlap) const {
  if (max_length < kSpecialTokensPerPair + 1) return invalid_argument("max_length must be at least 5");
  const size_t budget = static_cast<size_t>(max_length - kSpecialTokensPerPair);
  std::vector<int32_t> q, p;
  size_t a = 0, b = 0;
  bool p_all = true;
  INDORERANK_RETURN_IF_ERROR(encode_sides(query, passage, budget, true, &q, &p, &a, &b, &p_all));
  const size_t window = budget - a;  // passage tokens per window
  if (b == p.size() || window == 0) {
    Encoding e = assemble(q, a, p.data(), b);
    e.passage_truncated = b < p.size() || !p_all;
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
  out.front().passage_truncated = !p_all;  // the passage went on past what was read
  return out;
}

StatusOr<Encoding> Tokenizer::encode_pair(std::string_view query, std::string_view passage, int max_length) const {
  if (max_length < kSpecialTokensPerPair + 1) return invalid_argument("max_length must be at least 5");
  std::vector<int32_t> q, p;
  size_t a = 0, b = 0;
  INDORERANK_RETURN_IF_ERROR(encode_sides(query, passage, static_cast<size_t>(max_length - kSpecialTokensPerPair),
                                          false, &q, &p, &a, &b, nullptr));
  Encoding e = assemble(q, a, p.data(), b);
  e.passage_truncated = b < p.size();
  return e;
}

}  // namespace indorerank
