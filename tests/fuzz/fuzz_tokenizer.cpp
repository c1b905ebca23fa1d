// libFuzzer target: the pair tokenizer (query + passage + max_length) never
// crashes, keeps within max_length, and reading texts by prefixes gives the
// ids and truncation flags of tokenizing them whole (budgets of 1..60 tokens
// make the fuzzer's short inputs take several prefixes). The sentencepiece
// model is the tiny fixture's (INDORERANK_FUZZ_SPM, set by tests/fuzz/run.sh).
#include <cstdint>
#include <cstdlib>
#include <fstream>
#include <memory>
#include <sstream>
#include <string>

#include "tokenizer.hpp"

using namespace indorerank;

namespace {
std::unique_ptr<Tokenizer> prefixed, whole;
}

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  const char* path = std::getenv("INDORERANK_FUZZ_SPM");
  std::ifstream in(path ? path : "");
  if (!in) {
    std::fprintf(stderr, "fuzz_tokenizer: set INDORERANK_FUZZ_SPM to a sentencepiece model\n");
    std::abort();
  }
  std::stringstream ss;
  ss << in.rdbuf();
  prefixed = std::move(Tokenizer::create(ss.str(), 1 << 30)).value();
  whole = std::move(Tokenizer::create(ss.str(), 1 << 30, size_t(1) << 40)).value();
  if (!prefixed->reads_prefixes()) std::abort();
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size < 1) return 0;
  const int max_length = 5 + data[0] % 60;  // budgets 1..60, odd and even
  const std::string_view rest(reinterpret_cast<const char*>(data + 1), size - 1);
  const size_t split = rest.find('\0');
  const std::string_view query = split == std::string_view::npos ? rest.substr(0, rest.size() / 4) : rest.substr(0, split);
  const std::string_view passage = split == std::string_view::npos ? rest.substr(rest.size() / 4) : rest.substr(split + 1);
  auto a = prefixed->encode_pair(query, passage, max_length);
  auto b = whole->encode_pair(query, passage, max_length);
  if (a.ok() != b.ok()) {
    // Only the prefix reader refuses (too few tokens in its limit); never the reverse.
    if (b.ok() && a.status().code() == StatusCode::kResourceExhausted) return 0;
    std::abort();
  }
  if (!a.ok()) return 0;
  if (a->input_ids.size() > static_cast<size_t>(max_length)) std::abort();
  if (a->input_ids != b->input_ids || a->query_truncated != b->query_truncated ||
      a->passage_truncated != b->passage_truncated)
    std::abort();
  return 0;
}
