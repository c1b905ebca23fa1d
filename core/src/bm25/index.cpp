// Bm25Index: inverted index (term -> postings sorted by passage slot) plus a
// forward list per passage (its terms and counts) so remove() can undo add().
#include <algorithm>
#include <cmath>
#include <cstring>
#include <string>
#include <unordered_map>
#include <utility>
#include <vector>

#include "bm25/analyze.hpp"
#include "indorerank/bm25.hpp"

namespace indorerank {

struct Bm25Index::Impl {
  struct Posting {
    uint32_t slot;
    uint32_t tf;
  };
  struct Passage {
    std::string id;  // empty once removed
    uint32_t length = 0;
    std::vector<std::pair<uint32_t, uint32_t>> terms;  // (term, tf), term ascending
  };

  Bm25Options options;
  std::vector<Passage> slots;                     // in the order passages were added
  std::unordered_map<std::string, uint32_t> slot_of;  // id -> slot, live passages only
  std::vector<std::string> term_text;
  std::unordered_map<std::string, uint32_t> term_of;
  std::vector<std::vector<Posting>> postings;  // per term, slot ascending
  uint64_t total_length = 0;

  uint32_t intern(const std::string& term) {
    auto [it, inserted] = term_of.emplace(term, static_cast<uint32_t>(term_text.size()));
    if (inserted) {
      term_text.push_back(term);
      postings.emplace_back();
    }
    return it->second;
  }

  // Appends a passage whose analysis is already counted; the id is new.
  void insert(std::string id, std::vector<std::pair<uint32_t, uint32_t>> terms, uint32_t length) {
    auto slot = static_cast<uint32_t>(slots.size());
    for (auto [term, tf] : terms) postings[term].push_back({slot, tf});
    slot_of.emplace(id, slot);
    slots.push_back({std::move(id), length, std::move(terms)});
    total_length += length;
  }

  // Renumbers the live passages densely once removed slots outnumber them.
  void compact_if_sparse() {
    size_t live = slot_of.size();
    if (slots.size() < 1024 || slots.size() - live <= live) return;
    std::vector<Passage> old;
    old.swap(slots);
    slot_of.clear();
    for (auto& p : postings) p.clear();
    total_length = 0;
    for (auto& p : old)
      if (!p.id.empty()) insert(std::move(p.id), std::move(p.terms), p.length);
  }
};

namespace {

bool valid_options(const Bm25Options& o) {
  return std::isfinite(o.k1) && o.k1 >= 0 && std::isfinite(o.b) && o.b >= 0 && o.b <= 1;
}

}  // namespace

Bm25Index::Bm25Index() : Bm25Index(Bm25Options{}) {}
Bm25Index::Bm25Index(Bm25Options options) : impl_(std::make_unique<Impl>()) {
  impl_->options = options;
}
Bm25Index::~Bm25Index() = default;
Bm25Index::Bm25Index(Bm25Index&&) noexcept = default;
Bm25Index& Bm25Index::operator=(Bm25Index&&) noexcept = default;

StatusOr<Bm25Index> Bm25Index::create(Bm25Options options) {
  if (!valid_options(options))
    return invalid_argument("BM25 options need k1 >= 0 and 0 <= b <= 1 (got k1 " + std::to_string(options.k1) +
                            ", b " + std::to_string(options.b) + ")");
  if (options.stem && !indonesian_stemmer_available())
    return unimplemented("this build of libstemmer has no Indonesian UTF-8 stemmer");
  return Bm25Index(options);
}

Status Bm25Index::add(std::string_view id, std::string_view text) {
  if (id.empty()) return invalid_argument("a passage id must not be empty");
  std::string key(id);
  if (impl_->slot_of.count(key)) return invalid_argument("passage id '" + key + "' is already in the index");
  auto words = analyze(text, impl_->options.stem, impl_->options.remove_stopwords);
  if (words.size() > UINT32_MAX) return invalid_argument("passage '" + key + "' has too many words");
  std::vector<uint32_t> ids;
  ids.reserve(words.size());
  for (const auto& w : words) ids.push_back(impl_->intern(w));
  std::sort(ids.begin(), ids.end());
  std::vector<std::pair<uint32_t, uint32_t>> terms;
  for (uint32_t t : ids) {
    if (!terms.empty() && terms.back().first == t) {
      ++terms.back().second;
    } else {
      terms.emplace_back(t, 1);
    }
  }
  impl_->insert(std::move(key), std::move(terms), static_cast<uint32_t>(words.size()));
  return ok_status();
}

bool Bm25Index::remove(std::string_view id) {
  auto it = impl_->slot_of.find(std::string(id));
  if (it == impl_->slot_of.end()) return false;
  uint32_t slot = it->second;
  auto& passage = impl_->slots[slot];
  for (auto [term, tf] : passage.terms) {
    auto& list = impl_->postings[term];
    auto pos = std::lower_bound(list.begin(), list.end(), slot,
                                [](const Impl::Posting& p, uint32_t s) { return p.slot < s; });
    list.erase(pos);
  }
  impl_->total_length -= passage.length;
  passage = Impl::Passage{};
  impl_->slot_of.erase(it);
  impl_->compact_if_sparse();
  return true;
}

bool Bm25Index::contains(std::string_view id) const { return impl_->slot_of.count(std::string(id)) != 0; }
size_t Bm25Index::size() const { return impl_->slot_of.size(); }
const Bm25Options& Bm25Index::options() const { return impl_->options; }

size_t Bm25Index::term_count() const {
  return static_cast<size_t>(std::count_if(impl_->postings.begin(), impl_->postings.end(),
                                           [](const auto& p) { return !p.empty(); }));
}

std::vector<Bm25Hit> Bm25Index::search(std::string_view query, size_t top_k) const {
  const Impl& x = *impl_;
  size_t n = x.slot_of.size();
  if (n == 0) return {};
  std::vector<uint32_t> terms;
  for (const auto& w : analyze(query, x.options.stem, x.options.remove_stopwords)) {
    auto it = x.term_of.find(w);
    if (it != x.term_of.end() && std::find(terms.begin(), terms.end(), it->second) == terms.end())
      terms.push_back(it->second);
  }
  const double k1 = x.options.k1, b = x.options.b;
  const double avg_length = static_cast<double>(x.total_length) / static_cast<double>(n);
  std::vector<double> score(x.slots.size(), 0.0);
  std::vector<uint32_t> touched;
  for (uint32_t t : terms) {
    const auto& list = x.postings[t];
    if (list.empty()) continue;
    double df = static_cast<double>(list.size());
    double idf = std::log(1.0 + (static_cast<double>(n) - df + 0.5) / (df + 0.5));
    for (const auto& p : list) {
      double tf = p.tf;
      // avg_length > 0 here: a passage holding a term has length >= 1.
      double norm = k1 * (1.0 - b + b * x.slots[p.slot].length / avg_length);
      if (score[p.slot] == 0.0) touched.push_back(p.slot);
      score[p.slot] += idf * tf * (k1 + 1.0) / (tf + norm);
    }
  }
  auto better = [&](uint32_t a, uint32_t c) { return score[a] != score[c] ? score[a] > score[c] : a < c; };
  size_t keep = top_k == 0 ? touched.size() : std::min(top_k, touched.size());
  std::partial_sort(touched.begin(), touched.begin() + static_cast<std::ptrdiff_t>(keep), touched.end(), better);
  std::vector<Bm25Hit> hits;
  hits.reserve(keep);
  for (size_t i = 0; i < keep; ++i) hits.push_back({x.slots[touched[i]].id, score[touched[i]]});
  return hits;
}

// ---- snapshot --------------------------------------------------------------
// "IRBM25\0\0", u32 version 1, f64 k1, f64 b, u32 flags (1 stem, 2 stopwords),
// u32 term count, terms (u32 byte length, bytes), u32 passage count,
// passages (u32 id length, id bytes, u32 length, u32 term count,
// (u32 term, u32 tf) with terms strictly ascending and tf summing to length).
namespace {

constexpr char kMagic[8] = {'I', 'R', 'B', 'M', '2', '5', 0, 0};
constexpr uint32_t kVersion = 1;

void put_u32(std::vector<uint8_t>& out, uint32_t v) {
  for (int i = 0; i < 4; ++i) out.push_back(static_cast<uint8_t>(v >> (8 * i)));
}
void put_f64(std::vector<uint8_t>& out, double v) {
  uint64_t u;
  std::memcpy(&u, &v, 8);
  for (int i = 0; i < 8; ++i) out.push_back(static_cast<uint8_t>(u >> (8 * i)));
}
void put_bytes(std::vector<uint8_t>& out, const std::string& s) {
  put_u32(out, static_cast<uint32_t>(s.size()));
  out.insert(out.end(), s.begin(), s.end());
}

struct Reader {
  const uint8_t* p;
  size_t left;
  std::string error;

  bool need(size_t n, const char* what) {
    if (left >= n) return true;
    if (error.empty()) error = std::string("BM25 index snapshot truncated in ") + what;
    return false;
  }
  bool u32(uint32_t& v, const char* what) {
    if (!need(4, what)) return false;
    v = 0;
    for (int i = 0; i < 4; ++i) v |= uint32_t(p[i]) << (8 * i);
    p += 4, left -= 4;
    return true;
  }
  bool f64(double& v, const char* what) {
    if (!need(8, what)) return false;
    uint64_t u = 0;
    for (int i = 0; i < 8; ++i) u |= uint64_t(p[i]) << (8 * i);
    std::memcpy(&v, &u, 8);
    p += 8, left -= 8;
    return true;
  }
  bool bytes(std::string& s, const char* what) {
    uint32_t n;
    if (!u32(n, what) || !need(n, what)) return false;
    s.assign(reinterpret_cast<const char*>(p), n);
    p += n, left -= n;
    return true;
  }
};

}  // namespace

std::vector<uint8_t> Bm25Index::serialize() const {
  const Impl& x = *impl_;
  // Only terms some live passage uses, renumbered densely.
  std::vector<uint32_t> new_id(x.term_text.size(), UINT32_MAX);
  std::vector<uint32_t> kept;
  for (uint32_t t = 0; t < x.term_text.size(); ++t)
    if (!x.postings[t].empty()) new_id[t] = static_cast<uint32_t>(kept.size()), kept.push_back(t);
  std::vector<uint8_t> out(kMagic, kMagic + 8);
  put_u32(out, kVersion);
  put_f64(out, x.options.k1);
  put_f64(out, x.options.b);
  put_u32(out, (x.options.stem ? 1u : 0u) | (x.options.remove_stopwords ? 2u : 0u));
  put_u32(out, static_cast<uint32_t>(kept.size()));
  for (uint32_t t : kept) put_bytes(out, x.term_text[t]);
  put_u32(out, static_cast<uint32_t>(x.slot_of.size()));
  for (const auto& p : x.slots) {
    if (p.id.empty()) continue;
    put_bytes(out, p.id);
    put_u32(out, p.length);
    put_u32(out, static_cast<uint32_t>(p.terms.size()));
    // Renumbering keeps the order, so the terms stay ascending.
    for (auto [term, tf] : p.terms) put_u32(out, new_id[term]), put_u32(out, tf);
  }
  return out;
}

StatusOr<Bm25Index> Bm25Index::deserialize(const uint8_t* data, size_t size) {
  if (size < 8 || std::memcmp(data, kMagic, 8) != 0)
    return data_loss("not a BM25 index snapshot (bad magic bytes)");
  Reader r{data + 8, size - 8, {}};
  uint32_t version = 0, flags = 0, term_count = 0, passage_count = 0;
  Bm25Options options;
  if (!r.u32(version, "the header")) return data_loss(r.error);
  if (version != kVersion)
    return data_loss("BM25 index snapshot version " + std::to_string(version) + " is not supported (this build reads " +
                     std::to_string(kVersion) + ")");
  if (!r.f64(options.k1, "the header") || !r.f64(options.b, "the header") || !r.u32(flags, "the header"))
    return data_loss(r.error);
  if (flags > 3) return data_loss("BM25 index snapshot has unknown flags");
  options.stem = flags & 1;
  options.remove_stopwords = flags & 2;
  auto created = create(options);
  if (!created.ok()) return data_loss("BM25 index snapshot: " + created.status().message());
  Bm25Index index = std::move(created).value();
  Impl& x = *index.impl_;
  if (!r.u32(term_count, "the term count")) return data_loss(r.error);
  // Each term takes at least 4 bytes: reject counts the data cannot hold before reserving.
  if (term_count > r.left / 4) return data_loss("BM25 index snapshot truncated in the terms");
  x.term_text.reserve(term_count);
  for (uint32_t t = 0; t < term_count; ++t) {
    std::string term;
    if (!r.bytes(term, "the terms")) return data_loss(r.error);
    if (term.empty() || x.term_of.count(term)) return data_loss("BM25 index snapshot has an empty or repeated term");
    x.intern(term);
  }
  if (!r.u32(passage_count, "the passage count")) return data_loss(r.error);
  if (passage_count > r.left / 12) return data_loss("BM25 index snapshot truncated in the passages");
  for (uint32_t i = 0; i < passage_count; ++i) {
    std::string id;
    uint32_t length = 0, n = 0;
    if (!r.bytes(id, "a passage id") || !r.u32(length, "a passage") || !r.u32(n, "a passage"))
      return data_loss(r.error);
    if (id.empty() || x.slot_of.count(id)) return data_loss("BM25 index snapshot has an empty or repeated passage id");
    if (n > r.left / 8) return data_loss("BM25 index snapshot truncated in passage '" + id + "'");
    std::vector<std::pair<uint32_t, uint32_t>> terms(n);
    uint64_t sum = 0;
    for (uint32_t k = 0; k < n; ++k) {
      auto& [term, tf] = terms[k];
      r.u32(term, "a passage"), r.u32(tf, "a passage");
      if (term >= term_count || tf == 0 || (k > 0 && term <= terms[k - 1].first))
        return data_loss("BM25 index snapshot has a bad term list in passage '" + id + "'");
      sum += tf;
    }
    if (sum != length) return data_loss("BM25 index snapshot: passage '" + id + "' length does not match its terms");
    x.insert(std::move(id), std::move(terms), length);
  }
  if (r.left != 0) return data_loss("BM25 index snapshot has " + std::to_string(r.left) + " bytes after its end");
  return index;
}

}  // namespace indorerank
