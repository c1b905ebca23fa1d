// libFuzzer target: BM25 snapshots and analysis. Any bytes either load as a
// snapshot that round-trips exactly or fail with kDataLoss; any text analyzes
// to non-empty, valid UTF-8 terms and can be indexed and searched.
#include <cstdint>
#include <cstdlib>
#include <string>

#include "indorerank/bm25.hpp"
#include "utf8.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  auto loaded = indorerank::Bm25Index::deserialize(data, size);
  if (loaded.ok()) {
    auto bytes = loaded.value().serialize();
    auto again = indorerank::Bm25Index::deserialize(bytes.data(), bytes.size());
    if (!again.ok() || again.value().serialize() != bytes) std::abort();
    loaded.value().search("a b", 5);
  } else if (loaded.status().code() != indorerank::StatusCode::kDataLoss) {
    std::abort();
  }
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  for (const auto& term : indorerank::analyze(text))
    if (term.empty() || !indorerank::is_valid_utf8(term)) std::abort();
  indorerank::Bm25Index index;
  if (!index.add("x", text).ok()) std::abort();
  index.search(text, 3);
  return 0;
}
