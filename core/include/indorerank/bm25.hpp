// indorerank: BM25 first stage for Indonesian text.
//
// A search engine that runs before the reranker: an in-memory inverted index
// with Indonesian analysis and Okapi BM25 scoring. Typical use: keep the
// passages' texts yourself, index them by id, take the BM25 top 100 and rerank
// those.
//
//   indorerank::Bm25Index index;                       // k1 1.2, b 0.75
//   index.add("doc-1", "Pembuatan paspor kini bisa diantre secara daring.");
//   index.add("doc-2", "Rendang berasal dari Sumatera Barat.");
//   auto hits = index.search("cara membuat paspor", 10);
//   // hits.value()[0].id == "doc-1"
//
// Analysis (the same for passages and queries; see analyze()): text is read
// as UTF-8 (invalid bytes as U+FFFD), split into runs of letters and digits
// (hyphens split reduplication such as "anak-anak"; apostrophes inside a word
// are dropped: "Jum'at" -> "jumat"), lower-cased (ASCII, Latin-1, Latin
// Extended-A), stopwords from the project's Indonesian list are dropped, and
// each word is reduced by Snowball's `indonesian` stemmer
// ("pembangunan" -> "bangun", "mempermainkan" -> "main").
//
// Scoring: score(q, d) = sum over distinct query terms t present in d of
//   idf(t) * tf * (k1 + 1) / (tf + k1 * (1 - b + b * len(d) / avglen)),
//   idf(t) = ln(1 + (N - df + 0.5) / (df + 0.5)),
// with tf the count of t in d, len(d) its analyzed length in terms, N the
// number of passages, df the passages containing t. Ties keep the order in
// which passages were added.
//
// Thread safety: const methods (search, serialize, size) may run
// concurrently; add/remove need exclusive access.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "indorerank/status.hpp"

INDORERANK_API_BEGIN
namespace indorerank {

struct Bm25Options {
  /// Term-frequency saturation, >= 0.
  double k1 = 1.2;
  /// Length normalisation, 0 (none) .. 1 (full).
  double b = 0.75;
  /// Reduce words with Snowball's Indonesian stemmer.
  bool stem = true;
  /// Drop the Indonesian stopwords (stopwords()).
  bool remove_stopwords = true;
};

struct Bm25Hit {
  std::string id;
  double score = 0;
};

/// The terms a passage or query is indexed by, in text order (see the header
/// comment for the steps).
std::vector<std::string> analyze(std::string_view text, bool stem = true, bool remove_stopwords = true);

/// The project's Indonesian stopword list, lower-case, sorted.
const std::vector<std::string>& stopwords();

class Bm25Index {
 public:
  /// An empty index with the default options.
  Bm25Index();
  /// An empty index; options are not checked here (create() checks them).
  explicit Bm25Index(Bm25Options options);
  ~Bm25Index();
  Bm25Index(Bm25Index&&) noexcept;
  Bm25Index& operator=(Bm25Index&&) noexcept;
  Bm25Index(const Bm25Index&) = delete;
  Bm25Index& operator=(const Bm25Index&) = delete;

  /// An empty index; kInvalidArgument unless k1 >= 0 and 0 <= b <= 1.
  static StatusOr<Bm25Index> create(Bm25Options options);

  /// Adds a passage. kInvalidArgument for an empty id or an id already in the
  /// index (remove it first to replace it). A passage with no terms after
  /// analysis is kept (it counts in N and matches nothing).
  Status add(std::string_view id, std::string_view text);
  /// Removes a passage; false when the id is not in the index.
  bool remove(std::string_view id);
  bool contains(std::string_view id) const;
  /// Passages in the index.
  size_t size() const;
  /// Distinct terms in the index.
  size_t term_count() const;
  const Bm25Options& options() const;

  /// The best top_k passages with a score > 0, best first (top_k 0: all).
  std::vector<Bm25Hit> search(std::string_view query, size_t top_k = 10) const;

  /// A self-contained binary snapshot (options, ids, term counts; not the
  /// texts), little-endian, loadable on every platform by deserialize().
  std::vector<uint8_t> serialize() const;
  /// kDataLoss with the reason when the bytes are not a valid snapshot.
  static StatusOr<Bm25Index> deserialize(const uint8_t* data, size_t size);

 private:
  struct INDORERANK_HIDDEN Impl;  // engine internals, not exported
  std::unique_ptr<Impl> impl_;
};

}  // namespace indorerank
INDORERANK_API_END
