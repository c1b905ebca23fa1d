// Tokenization: the truncation rule, and id-for-id parity with the Python
// sentencepiece oracle on the generated cases (tools/fixtures/gen_token_cases.py).
#include <catch2/catch.hpp>

#include <fstream>
#include <string>

#include "blob.hpp"
#include "json.hpp"
#include "test_support.hpp"
#include "tokenizer.hpp"
#include "utf8.hpp"

using namespace indorerank;

namespace {
std::pair<size_t, size_t> trunc(size_t a, size_t b, size_t budget) {
  truncate_longest_first(&a, &b, budget);
  return {a, b};
}
std::string from_hex(const std::string& h) {
  std::string out;
  for (size_t i = 0; i + 1 < h.size(); i += 2) out += static_cast<char>(std::stoi(h.substr(i, 2), nullptr, 16));
  return out;
}
std::unique_ptr<Tokenizer> tiny_tokenizer() {
  auto bytes = read_file(test::fixture("tiny/sentencepiece.bpe.model"));
  REQUIRE(bytes.ok());
  auto t = Tokenizer::create(std::string(bytes->begin(), bytes->end()), 1 << 20);
  REQUIRE(t.ok());
  return std::move(t).value();
}
}  // namespace

TEST_CASE("longest_first truncation follows the tokenizers rule", "[tokenizer]") {
  using P = std::pair<size_t, size_t>;
  REQUIRE(trunc(3, 5, 10) == P(3, 5));      // fits
  REQUIRE(trunc(3, 50, 10) == P(3, 7));     // only the longer is cut
  REQUIRE(trunc(50, 3, 10) == P(7, 3));
  REQUIRE(trunc(8, 9, 10) == P(5, 5));      // both long: halves
  REQUIRE(trunc(9, 8, 11) == P(6, 5));      // the longer gets the odd token
  REQUIRE(trunc(8, 8, 11) == P(5, 6));      // tie: the query counts as shorter
  REQUIRE(trunc(20, 30, 10) == P(5, 5));
  REQUIRE(trunc(0, 30, 10) == P(0, 10));
  REQUIRE(trunc(30, 0, 10) == P(10, 0));
  REQUIRE(trunc(6, 6, 10) == P(5, 5));
  REQUIRE(trunc(1, 1, 1) == P(0, 1));
}

TEST_CASE("token ids equal the Python sentencepiece oracle", "[tokenizer]") {
  auto tok = tiny_tokenizer();
  std::ifstream in(test::fixture("token_cases.jsonl"));
  REQUIRE(in.good());
  std::string line;
  int cases = 0, truncated = 0, invalid_utf8 = 0;
  while (std::getline(in, line)) {
    auto v = json::parse(line);
    REQUIRE(v.ok());
    const std::string q = from_hex(v->find("q_hex")->as_string());
    const std::string p = from_hex(v->find("p_hex")->as_string());
    const int max_length = static_cast<int>(v->find("max_length")->as_int());
    std::vector<int32_t> expect;
    for (const auto& x : v->find("input_ids")->items()) expect.push_back(static_cast<int32_t>(x.as_int()));
    auto enc = tok->encode_pair(q, p, max_length);
    REQUIRE(enc.ok());
    INFO("case " << cases << " max_length " << max_length << " q_hex " << v->find("q_hex")->as_string());
    REQUIRE(enc->input_ids == expect);
    REQUIRE(enc->truncated() == v->find("truncated")->as_bool());
    if (const json::Value* pt = v->find("passage_truncated")) REQUIRE(enc->passage_truncated == pt->as_bool());
    REQUIRE(static_cast<int>(enc->input_ids.size()) <= max_length);
    ++cases;
    truncated += enc->truncated();
    invalid_utf8 += !is_valid_utf8(q) || !is_valid_utf8(p);
  }
  REQUIRE(cases >= 1000);
  REQUIRE(truncated > 50);
  REQUIRE(invalid_utf8 > 5);
}

TEST_CASE("tokenizer rejects bad models and bad arguments", "[tokenizer]") {
  REQUIRE(!Tokenizer::create("not a model", 1000).ok());
  REQUIRE(!Tokenizer::create("", 1000).ok());
  auto bytes = read_file(test::fixture("tiny/sentencepiece.bpe.model"));
  REQUIRE(bytes.ok());
  auto small = Tokenizer::create(std::string(bytes->begin(), bytes->end()), 100);
  REQUIRE(!small.ok());
  REQUIRE(small.status().message().find("embedding table") != std::string::npos);
  auto tok = tiny_tokenizer();
  REQUIRE(!tok->encode_pair("a", "b", 4).ok());
  auto e = tok->encode_pair("", "", 8);
  REQUIRE(e.ok());
  REQUIRE(e->input_ids == std::vector<int32_t>{0, 2, 2, 2});
}

TEST_CASE("a 250,000-piece tokenizer (the fixture's pieces spread as XLM-R's are) gives their new ids", "[tokenizer]") {
  auto proto = read_file(test::fixture("spread_spm/sentencepiece.bpe.model"));
  auto mapping = read_file(test::fixture("spread_spm/sentencepiece.bpe.model.ids.json"));
  REQUIRE(proto.ok());
  REQUIRE(mapping.ok());
  auto m = json::parse(std::string(mapping->begin(), mapping->end()));
  REQUIRE(m.ok());
  std::vector<int32_t> old_to_new;
  for (const auto& x : m->find("old_to_new")->items()) old_to_new.push_back(static_cast<int32_t>(x.as_int()));
  auto spread = Tokenizer::create(std::string(proto->begin(), proto->end()), 250002);
  REQUIRE(spread.ok());
  REQUIRE(spread.value()->piece_count() == 250000);
  REQUIRE(spread.value()->reads_prefixes());
  auto tiny = tiny_tokenizer();
  // Private Use Area characters are what the filler pieces are made of.
  auto has_private_use = [](const std::string& s) {
    for (size_t i = 0; i < s.size(); ++i) {
      const auto b = [&](size_t k) { return i + k < s.size() ? static_cast<unsigned char>(s[i + k]) : 0; };
      if (b(0) == 0xEE || (b(0) == 0xEF && b(1) <= 0xA3) || (b(0) == 0xF3 && b(1) >= 0xB0) || b(0) == 0xF4) return true;
    }
    return false;
  };
  std::ifstream in(test::fixture("token_cases.jsonl"));
  std::string line;
  int cases = 0, high = 0;
  while (std::getline(in, line)) {
    auto v = json::parse(line);
    REQUIRE(v.ok());
    const std::string q = from_hex(v->find("q_hex")->as_string());
    const std::string p = from_hex(v->find("p_hex")->as_string());
    if (has_private_use(q) || has_private_use(p)) continue;
    const int max_length = static_cast<int>(v->find("max_length")->as_int());
    auto want = tiny->encode_pair(q, p, max_length);
    auto got = spread.value()->encode_pair(q, p, max_length);
    REQUIRE(want.ok());
    REQUIRE(got.ok());
    INFO("case " << cases);
    REQUIRE(got->input_ids.size() == want->input_ids.size());
    for (size_t i = 0; i < want->input_ids.size(); ++i) {
      const int32_t id = want->input_ids[i];
      REQUIRE(got->input_ids[i] == (id <= kUnkId ? id : old_to_new[static_cast<size_t>(id - 1)] + 1));
      high += got->input_ids[i] > 100000;
    }
    ++cases;
  }
  REQUIRE(cases >= 1000);
  REQUIRE(high > 1000);  // the ids really are spread
}
