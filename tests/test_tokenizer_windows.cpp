// Long texts are tokenized only as far as max_length can use (tokenizer.hpp):
// the ids and truncation flags equal those of tokenizing each text whole, on
// 10,000 random long texts, and a 100 MB passage costs little time and memory.
// (tests/fuzz/fuzz_tokenizer.cpp checks the same on the fuzzer's inputs.)
#include <catch2/catch.hpp>
#include <chrono>
#include <cstdint>
#include <cstdlib>
#include <fstream>
#include <random>
#include <string>

#include "blob.hpp"
#include "heap_counter.hpp"
#include "test_support.hpp"
#include "tokenizer.hpp"

using namespace indorerank;
namespace heap_test = indorerank::test::heap;

namespace {

std::string tiny_proto() {
  auto bytes = read_file(test::fixture("tiny/sentencepiece.bpe.model"));
  REQUIRE(bytes.ok());
  return std::string(bytes->begin(), bytes->end());
}

// What encode_pair must give: both texts tokenized whole, then longest_first.
Encoding whole_pair(const Tokenizer& t, std::string_view query, std::string_view passage, int max_length) {
  std::vector<int32_t> q, p;
  REQUIRE(t.encode(query, &q).ok());
  REQUIRE(t.encode(passage, &p).ok());
  size_t a = q.size(), b = p.size();
  truncate_longest_first(&a, &b, static_cast<size_t>(max_length - kSpecialTokensPerPair));
  Encoding e;
  e.input_ids.push_back(kBosId);
  e.input_ids.insert(e.input_ids.end(), q.begin(), q.begin() + static_cast<std::ptrdiff_t>(a));
  e.input_ids.push_back(kEosId);
  e.input_ids.push_back(kEosId);
  e.input_ids.insert(e.input_ids.end(), p.begin(), p.begin() + static_cast<std::ptrdiff_t>(b));
  e.input_ids.push_back(kEosId);
  e.query_truncated = a < q.size();
  e.passage_truncated = b < p.size();
  return e;
}

// Random text of about `bytes` bytes: Indonesian-like words, CJK and emoji
// runs, characters the vocabulary lacks (they merge into one <unk>), digits,
// punctuation, repeated spaces, tabs and newlines, invalid UTF-8, and now and
// then a long run without a space.
std::string random_text(std::mt19937& rng, size_t bytes) {
  static const char* const kSyllables[] = {"ba", "ra", "sa", "ka", "ng", "me", "di", "pe", "ter", "an", "kan", "nya",
                                           "har", "ga", "be", "ras", "ja", "ta", "i", "u", "o", "e"};
  static const char* const kOther[] = {"\xE6\x9D\xB1", "\xE4\xBA\xAC", "\xE5\xA4\xA7", "\xF0\x9F\x98\x80",
                                       "\xF0\x9F\x8D\x9A", "\xE1\x8E\xA0", "\xEA\xAD\xB0", "\xF0\x90\x8C\xB0",
                                       "\xC3\xA9", "\xFF", "\xE0\x80", "\xC2", ".", ",", "!", "1", "23", "-"};
  static const char* const kSpaces[] = {" ", " ", " ", " ", "  ", "\t", "\n", " \n "};
  std::uniform_int_distribution<int> pick(0, 99);
  std::string s;
  while (s.size() < bytes) {
    const int kind = pick(rng);
    if (kind < 70) {  // a word
      const int n = 1 + pick(rng) % 4;
      for (int i = 0; i < n; ++i) s += kSyllables[pick(rng) % (sizeof kSyllables / sizeof *kSyllables)];
    } else if (kind < 92) {  // something else
      const int n = 1 + pick(rng) % 3;
      for (int i = 0; i < n; ++i) s += kOther[pick(rng) % (sizeof kOther / sizeof *kOther)];
    } else if (kind < 97) {  // a run without a space
      const int n = 50 + pick(rng) * 20;
      const char* unit = kOther[pick(rng) % 8];
      const bool mixed = pick(rng) < 50;
      for (int i = 0; i < n; ++i) s += mixed && i % 3 ? kSyllables[pick(rng) % 10] : unit;
    } else {
      s += "\xE2\x96\x81";  // U+2581 written by the user
    }
    s += kSpaces[pick(rng) % (sizeof kSpaces / sizeof *kSpaces)];
  }
  return s;
}

size_t proc_status_kb(const char* field) {
  std::ifstream in("/proc/self/status");
  std::string line;
  const std::string prefix = std::string(field) + ":";
  while (std::getline(in, line))
    if (line.compare(0, prefix.size(), prefix) == 0) return std::stoul(line.substr(prefix.size()));
  return 0;
}

}  // namespace

TEST_CASE("tokenizing by prefixes gives the ids of the whole text", "[tokenizer]") {
  const std::string proto = tiny_proto();
  // Small budgets start from 256-byte prefixes, so 1-5 KB texts take several rounds.
  auto prefixed = Tokenizer::create(proto, 1 << 20);
  REQUIRE(prefixed.ok());
  const Tokenizer& t = *prefixed.value();
  REQUIRE(t.reads_prefixes());
  std::mt19937 rng(20261201);
  const int kMaxLengths[] = {8, 9, 16, 33, 64, 128, 257};  // odd budgets too (9 - 4 = 5, 33 - 4 = 29)
  int truncated = 0, both_long = 0;
  // Under qemu (the arm64 suites) and sanitizers a tenth of the cases: 10,000 took 6 minutes
  // per emulated CPU and 3 under ASan (the tokenizer fuzz target explores more there).
  const bool slow = std::getenv("INDORERANK_EMULATED") || std::getenv("INDORERANK_SANITIZED");
  const int cases = slow ? 1000 : 10000;
  for (int i = 0; i < cases; ++i) {
    const int max_length = kMaxLengths[i % 7];
    const std::string query = random_text(rng, i % 5 == 0 ? 300 + rng() % 3000 : 3 + rng() % 200);
    const std::string passage = random_text(rng, 100 + rng() % 5000);
    auto got = t.encode_pair(query, passage, max_length);
    REQUIRE(got.ok());
    const Encoding want = whole_pair(t, query, passage, max_length);
    INFO("case " << i << ", max_length " << max_length);
    REQUIRE(got->input_ids == want.input_ids);
    REQUIRE(got->query_truncated == want.query_truncated);
    REQUIRE(got->passage_truncated == want.passage_truncated);
    truncated += want.passage_truncated;
    both_long += want.passage_truncated && want.query_truncated;
    if (i % 50 == 0) {  // chunks: the query is cut the same way, every passage token kept
      auto chunks = t.encode_pair_chunks(query, passage, max_length, 0);
      auto whole = Tokenizer::create(proto, 1 << 20, SIZE_MAX / 8);  // never cut (4 x the limit must not overflow)
      auto want_chunks = whole.value()->encode_pair_chunks(query, passage, max_length, 0);
      REQUIRE(chunks.ok());
      REQUIRE(chunks->size() == want_chunks->size());
      for (size_t c = 0; c < chunks->size(); ++c) REQUIRE((*chunks)[c].input_ids == (*want_chunks)[c].input_ids);
    }
  }
  // The cases reach what they are for.
  REQUIRE(truncated > cases / 2);
  REQUIRE(both_long > cases / 20);
}

TEST_CASE("a 100 MB passage is tokenized in little time and memory", "[tokenizer]") {
  // Under qemu (the arm64 suites) or a sanitizer, time says nothing: only results and memory are checked.
  const bool timed = !std::getenv("INDORERANK_EMULATED") && !std::getenv("INDORERANK_SANITIZED");
  auto tok = Tokenizer::create(tiny_proto(), 1 << 20);
  REQUIRE(tok.ok());
  std::mt19937 rng(7);
  const std::string block = random_text(rng, 1 << 20);
  std::string passage;
  passage.reserve((100 << 20) + block.size());
  while (passage.size() < (100 << 20)) passage += block;
  const std::string query = "harga beras di pasar";
  // Peak RSS from here on: /proc/self/clear_refs "5" resets VmHWM to the current RSS.
  { std::ofstream("/proc/self/clear_refs") << "5"; }
  const size_t rss0 = proc_status_kb("VmRSS");
  const auto t0 = std::chrono::steady_clock::now();
  auto e = tok.value()->encode_pair(query, passage, 256);
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  const size_t peak_growth_kb = proc_status_kb("VmHWM") - rss0;
  REQUIRE(e.ok());
  REQUIRE(e->input_ids.size() == 256);
  REQUIRE(e->passage_truncated);
  if (timed) CHECK(seconds < 1.0);
  CHECK(peak_growth_kb < 16 * 1024);
  // Chunking reads it up to the prefix limit too.
  { std::ofstream("/proc/self/clear_refs") << "5"; }
  const size_t rss1 = proc_status_kb("VmRSS");
  const auto t2 = std::chrono::steady_clock::now();
  auto chunks = tok.value()->encode_pair_chunks(query, passage, 256, 32);
  const double chunk_seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t2).count();
  REQUIRE(chunks.ok());
  REQUIRE(chunks->front().passage_truncated);
  REQUIRE(chunks->size() > 10);  // 64 KiB of text: thousands of tokens
  REQUIRE(chunks->size() < 500);
  if (timed) CHECK(chunk_seconds < 1.0);
  CHECK(proc_status_kb("VmHWM") - rss1 < 32 * 1024);
  // A run without spaces is cut too: 100 MB of one word.
  for (const char* unit : {"a", "kata", "ber\xC3\xA9"}) {
    std::string run;
    while (run.size() < (100 << 20)) run += unit;
    const auto t1 = std::chrono::steady_clock::now();
    auto r = tok.value()->encode_pair(query, run, 256);
    INFO(unit);
    REQUIRE(r.ok());
    REQUIRE(r->passage_truncated);
    if (timed) CHECK(std::chrono::duration<double>(std::chrono::steady_clock::now() - t1).count() < 1.0);
  }
  // Characters the vocabulary lacks merge into one <unk> (the tiny fixture has
  // no CJK), so such a run gives too few tokens to cut: up to the prefix limit it is
  // read whole, past that it is refused with a clear error, not swallowed.
  // So is a text that is mostly spaces.
  for (const char* unit : {"\xE1\x8E\xA0", "\xE6\x9D\xB1"}) {
    std::string unknown;
    while (unknown.size() < Tokenizer::kPrefixLimit - 4096) unknown += unit;
    auto fits = tok.value()->encode_pair(query, unknown, 256);
    REQUIRE(fits.ok());
    REQUIRE(fits->input_ids == whole_pair(*tok.value(), query, unknown, 256).input_ids);
    while (unknown.size() < (1 << 20)) unknown += unit;
    auto u = tok.value()->encode_pair(query, unknown, 256);
    REQUIRE(!u.ok());
    REQUIRE(u.status().code() == StatusCode::kResourceExhausted);
    REQUIRE(u.status().message().find("give only") != std::string::npos);
  }
  std::string spaces(4 << 20, ' ');
  spaces += "harga beras";
  auto sp = tok.value()->encode_pair(query, spaces, 256);
  REQUIRE(sp.status().code() == StatusCode::kResourceExhausted);
}

TEST_CASE("chunks of a passage past the prefix limit are the chunks of its text up to the last space within it",
          "[tokenizer]") {
  const std::string proto = tiny_proto();
  auto limited = Tokenizer::create(proto, 1 << 20, 4096);
  auto whole = Tokenizer::create(proto, 1 << 20, SIZE_MAX / 8);
  REQUIRE(limited.ok());
  REQUIRE(whole.ok());
  std::mt19937 rng(99);
  for (int i = 0; i < 50; ++i) {
    std::string query = "harga beras di pasar";  // half the cases: a query longest_first cuts too
    if (i % 2)
      for (int w = 0; w < 40; ++w) query += " kata";
    const std::string passage = random_text(rng, 5000 + rng() % 20000);
    INFO("case " << i);
    auto got = limited.value()->encode_pair_chunks(query, passage, 64, 8);
    INFO(got.status().message());
    REQUIRE(got.ok());
    size_t cut = passage.rfind(' ', 4096);
    if (cut == std::string::npos || cut == 0)  // no space: cut inside the run, at a character boundary
      for (cut = 4096; (static_cast<unsigned char>(passage[cut]) & 0xC0) == 0x80;) --cut;
    auto want = whole.value()->encode_pair_chunks(query, passage.substr(0, cut), 64, 8);
    REQUIRE(got->size() == want->size());
    for (size_t c = 0; c < got->size(); ++c) REQUIRE((*got)[c].input_ids == (*want)[c].input_ids);
    REQUIRE(got->front().passage_truncated);
    REQUIRE(!want->front().passage_truncated);
    // A passage within the limit is read whole, as before.
    auto short_got = limited.value()->encode_pair_chunks(query, passage.substr(0, 3000), 64, 8);
    auto short_want = whole.value()->encode_pair_chunks(query, passage.substr(0, 3000), 64, 8);
    REQUIRE(short_got->size() == short_want->size());
    for (size_t c = 0; c < short_got->size(); ++c) REQUIRE((*short_got)[c].input_ids == (*short_want)[c].input_ids);
    REQUIRE(!short_got->front().passage_truncated);
  }
}

TEST_CASE("the tokenizer's heap stays within working_bytes() on the worst texts", "[tokenizer]") {
  auto tok = Tokenizer::create(tiny_proto(), 1 << 20);
  REQUIRE(tok.ok());
  std::mt19937 rng(5);
  const size_t n = Tokenizer::kPrefixLimit;
  auto repeat = [n](const std::string& unit) {
    std::string s;
    while (s.size() < n) s += unit;
    s.resize(n);
    return s;
  };
  // One piece per byte (a letter, digits, letters between spaces) is the worst
  // case; unknown characters, mixed text and prose use less.
  const std::string texts[] = {
      repeat("a"),          repeat("kata"),          repeat("\xE6\x9D\xB1"), repeat("a "),
      repeat("1234567890"), repeat("a\xE6\x9D\xB1"), random_text(rng, n),    repeat("harga beras di pasar ")};
  for (const std::string& text : texts) {
    INFO("text starting " << text.substr(0, 24));
    heap_test::reset_peak();
    const size_t live0 = heap_test::live_bytes();
    auto e = tok.value()->encode_pair("harga beras", text, 256);  // prefixes up to the limit
    auto c = tok.value()->encode_pair_chunks("harga beras", text, 256, 16);
    REQUIRE(e.ok());
    REQUIRE(c.ok());
    REQUIRE(heap_test::peak_bytes() - live0 <= Tokenizer::working_bytes(n));
  }
  REQUIRE(tok.value()->peak_working_bytes() == Tokenizer::working_bytes(n));
}
