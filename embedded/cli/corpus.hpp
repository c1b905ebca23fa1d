// A passage file indexed for BM25: what `search` and `eval` start from.
#pragma once

#include <string>
#include <unordered_map>
#include <vector>

#include "args.hpp"
#include "indorerank/bm25.hpp"
#include "passages.hpp"

namespace indorerank::cli {

struct Corpus {
  std::vector<Passage> passages;
  std::vector<std::string> ids;                 // the passages' ids as index keys
  std::unordered_map<std::string, size_t> position;  // id -> passage number
  Bm25Index index;
};

/// The passage id as a string: a JSON string's value, anything else as JSON.
std::string id_key(const json::Value& id);

/// BM25 options from --k1 and --b.
StatusOr<Bm25Options> bm25_options(const Args& a);
/// Option names bm25_options() reads.
extern const std::set<std::string> kBm25OptionNames;

/// Reads and indexes a passage file; repeated ids are an error. A passage's
/// "title", when present, is read as "TITLE. TEXT" by both stages.
StatusOr<Corpus> load_corpus(const std::string& path, const Bm25Options& options);

}  // namespace indorerank::cli
