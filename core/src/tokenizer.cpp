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
                                                       size_t window_bytes) {
  std::unique_ptr<Tokenizer> t(new Tokenizer());
  t->window_bytes_ = std::max<size_t>(window_bytes, 16);
  const auto st = t->sp_->LoadFromSerializedProto(model_proto);
  if (!st.ok()) return data_loss(std::string("the sentencepiece model cannot be loaded: ") + st.ToString());
  const int pieces = t->sp_->GetPieceSize();
  // The largest id encode() can emit is (pieces - 1) + 1.
  if (pieces + 1 > vocab_size)
    return data_loss("the sentencepiece model has " + std::to_string(pieces) + " pieces but the embedding table only " +
                     std::to_string(vocab_size) + " rows");
  // May long texts be read window by window (tokenizer.hpp)?
  const std::string kMeta = "\xE2\x96\x81";  // U+2581, sentencepiece's space
  size_t longest = 1;
  bool meta_inside = false;
  for (int i = 0; i < pieces; ++i) {
    if (t->sp_->IsUnknown(i) || t->sp_->IsControl(i)) continue;
    const std::string& piece = t->sp_->IdToPiece(i);
    size_t chars = 0;
    for (const unsigned char c : piece) chars += (c & 0xC0) != 0x80;
    longest = std::max(longest, chars);
    meta_inside = meta_inside || piece.find(kMeta, 1) != std::string::npos;
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
  t->windowed_ = !meta_inside && meta_is_piece && edges_dropped;
  t->longest_piece_chars_ = longest;
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

// A run without a space that cannot be cut (see encode_leading) is given to
// sentencepiece whole only up to this size: such runs cost it about 50 bytes
// and superlinear time per byte (256 KiB: 12 MB, 0.35 s; 900 KiB: 40 MB, 5.8 s).
constexpr size_t kMaxRunBytes = 256 << 10;

bool is_continuation(char c) { return (static_cast<unsigned char>(c) & 0xC0) == 0x80; }

}  // namespace

Status Tokenizer::encode_leading(std::string_view text, size_t need, std::vector<int32_t>* ids, size_t* count,
                                 bool* complete) const {
  ids->clear();
  *count = 0;
  *complete = true;
  if (!windowed_ || text.size() <= window_bytes_) {
    INDORERANK_RETURN_IF_ERROR(encode(text, ids));
    *count = ids->size();
    return ok_status();
  }
  const bool counting = need == SIZE_MAX;  // keep only the count, not the ids
  // A run without spaces is cut after enough characters for `need` tokens
  // twice over (a piece has at most longest_piece_chars_ characters).
  const size_t cut_chars = counting ? SIZE_MAX : 2 * (need + 2) * longest_piece_chars_;
  std::vector<int32_t> part;
  for (size_t pos = 0; pos < text.size();) {
    size_t end = std::min(text.size(), pos + window_bytes_);
    size_t run_end = 0;  // set when `end` falls inside a run without spaces
    if (end < text.size()) {
      const size_t space = text.rfind(' ', end);
      if (space != std::string_view::npos && space > pos) {
        end = space;  // just before a space
      } else {
        // A run longer than a window: read to its end when that comes within
        // cut_chars characters, else cut it at a character boundary.
        const size_t next = std::min(text.find(' ', pos + 1), text.size());
        size_t chars = 0;
        end = pos;
        while (end < next && chars < cut_chars) chars += !is_continuation(text[end++]);
        while (end < next && is_continuation(text[end])) ++end;
        if (end < next) run_end = next;
        if (end - pos > kMaxRunBytes)
          return resource_exhausted("a run of " + std::to_string(next - pos) +
                                    " bytes without a space is too long to tokenize");
      }
    }
    INDORERANK_RETURN_IF_ERROR(encode(text.substr(pos, end - pos), &part));
    if (run_end && part.size() <= need) {
      // Characters sentencepiece does not know merge into one <unk>, so the
      // cut run gave too few tokens to stop there: read the run whole.
      if (run_end - pos > kMaxRunBytes)
        return resource_exhausted("a run of " + std::to_string(run_end - pos) +
                                  " bytes without a space gives too few tokens to cut and is too long to tokenize whole");
      end = run_end;
      run_end = 0;
      INDORERANK_RETURN_IF_ERROR(encode(text.substr(pos, end - pos), &part));
    }
    *count += part.size();
    if (!counting) {
      ids->insert(ids->end(), part.begin(), part.end());
      if (ids->size() > need) {
        *complete = false;
        return ok_status();
      }
    }
    pos = end;
  }
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

Status Tokenizer::encode_sides(std::string_view query, std::string_view passage, size_t budget, bool whole_passage,
                               std::vector<int32_t>* q, std::vector<int32_t>* p, size_t* q_keep,
                               size_t* p_keep) const {
  size_t count = 0;
  bool q_all = true, p_all = true;
  INDORERANK_RETURN_IF_ERROR(encode_leading(query, budget + 1, q, &count, &q_all));
  if (whole_passage) {
    INDORERANK_RETURN_IF_ERROR(encode(passage, p));
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
  return ok_status();
}

StatusOr<std::vector<Encoding>> Tokenizer::encode_pair_chunks(std::string_view query, std::string_view passage,
                                                              int max_length, int overlap) const {
  if (max_length < kSpecialTokensPerPair + 1) return invalid_argument("max_length must be at least 5");
  const size_t budget = static_cast<size_t>(max_length - kSpecialTokensPerPair);
  std::vector<int32_t> q, p;
  size_t a = 0, b = 0;
  INDORERANK_RETURN_IF_ERROR(encode_sides(query, passage, budget, true, &q, &p, &a, &b));
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
  size_t a = 0, b = 0;
  INDORERANK_RETURN_IF_ERROR(
      encode_sides(query, passage, static_cast<size_t>(max_length - kSpecialTokensPerPair), false, &q, &p, &a, &b));
  Encoding e = assemble(q, a, p.data(), b);
  e.passage_truncated = b < p.size();
  return e;
}

}  // namespace indorerank
