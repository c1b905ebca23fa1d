// Indonesian text analysis for BM25: UTF-8 words, lower case, stopwords,
// Snowball's Indonesian stemmer (libstemmer's sb_stemmer API).
#include <libstemmer.h>

#include <algorithm>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "bm25/analyze.hpp"
#include "indorerank/bm25.hpp"
#include "utf8.hpp"

namespace indorerank {
namespace {

bool in(char32_t cp, char32_t lo, char32_t hi) { return cp >= lo && cp <= hi; }

// Letters, digits and combining marks form words; punctuation, symbols,
// spaces, emoji and U+FFFD separate them. Outside ASCII this is a block-level
// approximation of the Unicode categories, exact for the Latin, Greek and
// Cyrillic scripts and the punctuation blocks.
bool is_word_char(char32_t cp) {
  if (cp < 0x80) return in(cp, 'a', 'z') || in(cp, 'A', 'Z') || in(cp, '0', '9');
  if (cp < 0xC0) return cp == 0xAA || cp == 0xB5 || cp == 0xBA;
  if (cp == 0xD7 || cp == 0xF7) return false;
  if (cp == 0x37E || cp == 0x387 || in(cp, 0x55A, 0x55F) || cp == 0x589 || cp == 0x60C ||
      cp == 0x61B || cp == 0x61F || in(cp, 0x66A, 0x66D) || cp == 0x6D4 || in(cp, 0x964, 0x965) ||
      cp == 0xE4F || in(cp, 0xE5A, 0xE5B))
    return false;
  if (in(cp, 0x2000, 0x2BFF) || in(cp, 0x2E00, 0x2E7F) || in(cp, 0x3000, 0x303F)) return false;
  if (in(cp, 0xD800, 0xF8FF) || in(cp, 0xFE00, 0xFE0F) || in(cp, 0xFE30, 0xFE6F)) return false;
  if (in(cp, 0xFF00, 0xFF0F) || in(cp, 0xFF1A, 0xFF20) || in(cp, 0xFF3B, 0xFF40) ||
      in(cp, 0xFF5B, 0xFF65) || in(cp, 0xFFF0, 0xFFFF))
    return false;
  if (in(cp, 0x1F000, 0x1FAFF) || cp >= 0xE0000) return false;
  return true;
}

bool is_apostrophe(char32_t cp) { return cp == '\'' || cp == 0x2019 || cp == 0x2BC; }

char32_t to_lower(char32_t cp) {
  if (in(cp, 'A', 'Z')) return cp + 32;
  if (cp < 0xC0) return cp;
  if (in(cp, 0xC0, 0xDE) && cp != 0xD7) return cp + 32;
  if (cp == 0x130) return 'i';
  if (cp == 0x178) return 0xFF;
  if (in(cp, 0x100, 0x137) || in(cp, 0x14A, 0x177)) return cp | 1;
  if (in(cp, 0x139, 0x148) || in(cp, 0x179, 0x17E)) return (cp & 1) ? cp + 1 : cp;
  if (in(cp, 0x391, 0x3AB) && cp != 0x3A2) return cp + 32;
  if (in(cp, 0x410, 0x42F)) return cp + 32;
  if (in(cp, 0x400, 0x40F)) return cp + 80;
  return cp;
}

struct StemmerDeleter {
  void operator()(sb_stemmer* s) const { sb_stemmer_delete(s); }
};

// One stemmer per thread: sb_stemmer keeps per-call state.
sb_stemmer* indonesian_stemmer() {
  thread_local std::unique_ptr<sb_stemmer, StemmerDeleter> stemmer(sb_stemmer_new("indonesian", "UTF_8"));
  return stemmer.get();
}

}  // namespace

bool indonesian_stemmer_available() { return indonesian_stemmer() != nullptr; }

std::vector<std::string> analyze(std::string_view text, bool stem, bool remove_stopwords) {
  std::string repaired;
  if (!is_valid_utf8(text)) {
    repaired = repair_utf8(text);
    text = repaired;
  }
  const auto& stop = stopwords();
  sb_stemmer* stemmer = stem ? indonesian_stemmer() : nullptr;
  std::vector<std::string> terms;
  std::string word;
  auto flush = [&] {
    if (word.empty()) return;
    if (!remove_stopwords || !std::binary_search(stop.begin(), stop.end(), word)) {
      if (stemmer) {
        const sb_symbol* s = sb_stemmer_stem(stemmer, reinterpret_cast<const sb_symbol*>(word.data()),
                                             static_cast<int>(word.size()));
        // NULL only when out of memory; the word then stays unstemmed.
        if (s) word.assign(reinterpret_cast<const char*>(s), sb_stemmer_length(stemmer));
      }
      if (!word.empty()) terms.push_back(word);
    }
    word.clear();
  };
  size_t i = 0;
  while (i < text.size()) {
    char32_t cp = next_code_point(text, i);
    if (is_word_char(cp)) {
      append_utf8(word, to_lower(cp));
      continue;
    }
    // An apostrophe between two word characters joins them ("Jum'at").
    if (is_apostrophe(cp) && !word.empty() && i < text.size()) {
      size_t j = i;
      if (is_word_char(next_code_point(text, j))) continue;
    }
    flush();
  }
  flush();
  return terms;
}

}  // namespace indorerank
