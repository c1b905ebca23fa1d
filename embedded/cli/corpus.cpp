#include "corpus.hpp"

#include <cmath>
#include <cstdlib>

namespace indorerank::cli {

const std::set<std::string> kBm25OptionNames = {"k1", "b"};

std::string id_key(const json::Value& id) { return id.is_string() ? id.as_string() : json::dump(id); }

StatusOr<Bm25Options> bm25_options(const Args& a) {
  Bm25Options o;
  for (const char* name : {"k1", "b"}) {
    if (!a.has(name)) continue;
    const std::string s = a.get(name);
    char* end = nullptr;
    const double v = std::strtod(s.c_str(), &end);
    if (s.empty() || *end != '\0' || !std::isfinite(v))
      return invalid_argument(std::string("--") + name + " needs a number, got '" + s + "'");
    (name[0] == 'k' ? o.k1 : o.b) = v;
  }
  // Range errors come from Bm25Index::create with the accepted ranges.
  return o;
}

StatusOr<Corpus> load_corpus(const std::string& path, const Bm25Options& options) {
  INDORERANK_ASSIGN_OR_RETURN(std::string text, read_text(path));
  INDORERANK_ASSIGN_OR_RETURN(std::vector<Passage> passages, parse_passages(text));
  INDORERANK_ASSIGN_OR_RETURN(Bm25Index index, Bm25Index::create(options));
  // Both stages read a passage's title with its text, as the demo page does.
  for (auto& p : passages)
    if (!p.title.empty()) p.text = p.title + ". " + p.text;
  Corpus c{std::move(passages), {}, {}, std::move(index)};
  c.ids.reserve(c.passages.size());
  for (size_t i = 0; i < c.passages.size(); ++i) {
    std::string key = id_key(c.passages[i].id);
    if (!c.position.emplace(key, i).second)
      return invalid_argument("corpus " + path + ": passage id " + json::dump(c.passages[i].id) + " appears twice");
    Status s = c.index.add(key, c.passages[i].text);
    if (!s.ok()) return invalid_argument("corpus " + path + ": " + s.message());
    c.ids.push_back(std::move(key));
  }
  return c;
}

}  // namespace indorerank::cli
