// The public C++ API: ranking contract, options, errors, the memory cap.
#include <algorithm>
#include <catch2/catch.hpp>
#include <cmath>
#include <random>

#include "heap_counter.hpp"
#include "test_support.hpp"

using namespace indorerank;

namespace {
const std::vector<std::string> kPassages = {
    "Jakarta adalah ibu kota Indonesia dan kota terbesar di negara ini.",
    "Rendang adalah masakan daging berbumbu dari Sumatera Barat.",
    "Gunung Merapi di Jawa Tengah adalah salah satu gunung api paling aktif.",
    "Pemerintah membuka pendaftaran beasiswa untuk mahasiswa berprestasi.",
    "Kereta cepat menghubungkan Jakarta dan Bandung dalam waktu singkat.",
    "",
    "Pantai Kuta di Bali ramai dikunjungi wisatawan setiap akhir pekan."};
}  // namespace

TEST_CASE("rerank returns every passage sorted, with sigmoid scores", "[api]") {
  auto r = test::load_tiny();
  REQUIRE(r);
  const auto copy = kPassages;
  auto res = r->rerank("ibu kota Indonesia", kPassages);
  REQUIRE(res.ok());
  REQUIRE(kPassages == copy);  // inputs are not modified
  REQUIRE(res->size() == kPassages.size());
  std::vector<bool> seen(kPassages.size());
  for (size_t i = 0; i < res->size(); ++i) {
    const Result& x = res->at(i);
    seen[x.index] = true;
    REQUIRE(x.score == Approx(1.0 / (1.0 + std::exp(-double(x.logit)))).epsilon(1e-6));
    REQUIRE(x.score >= 0.0f);
    REQUIRE(x.score <= 1.0f);
    REQUIRE(!x.truncated);
    REQUIRE(x.document.empty());
    if (i > 0) REQUIRE(res->at(i - 1).logit >= x.logit);
  }
  for (const bool s : seen) REQUIRE(s);
}

TEST_CASE("scores spread well beyond int8 noise on the fixture", "[api]") {
  auto r = test::load_tiny();
  auto res = r->rerank("gunung api aktif", kPassages);
  REQUIRE(res.ok());
  REQUIRE(res->front().logit - res->back().logit > 1.0f);
}

TEST_CASE("top_k, return_documents and ties in input order", "[api]") {
  auto r = test::load_tiny();
  RerankOptions o;
  o.top_k = 3;
  o.return_documents = true;
  auto res = r->rerank("pantai Bali", kPassages, o);
  REQUIRE(res.ok());
  REQUIRE(res->size() == 3);
  for (const auto& x : res.value()) REQUIRE(x.document == kPassages[x.index]);
  o.top_k = 100;
  REQUIRE(r->rerank("pantai Bali", kPassages, o)->size() == kPassages.size());
  // Identical passages tie exactly; the earlier input comes first.
  auto ties = r->rerank("kota", {"sama persis", "lain sekali", "sama persis", "sama persis"});
  REQUIRE(ties.ok());
  std::vector<size_t> same;
  for (const auto& x : ties.value())
    if (x.index != 1) same.push_back(x.index);
  REQUIRE(same == std::vector<size_t>{0, 2, 3});
  REQUIRE(r->rerank("kota", {}).value().empty());
}

TEST_CASE("long passages are truncated and say so", "[api]") {
  LoadOptions lo;
  lo.max_length = 32;
  auto r = test::load_tiny(lo);
  std::string longp;
  for (int i = 0; i < 40; ++i) longp += "Pemerintah daerah memperbaiki jalan desa. ";
  auto res = r->rerank("jalan desa", {"jalan rusak", longp});
  REQUIRE(res.ok());
  for (const auto& x : res.value()) REQUIRE(x.truncated == (x.index == 1));
  auto enc = r->tokenize("jalan desa", longp);
  REQUIRE(enc.ok());
  REQUIRE(enc->input_ids.size() == 32);
  REQUIRE(enc->passage_truncated);
  REQUIRE(!enc->query_truncated);
}

TEST_CASE("load options are validated with clear messages", "[api]") {
  const std::string path = test::fixture("tiny.int8.safetensors");
  LoadOptions o;
  o.max_length = 4;
  REQUIRE(Reranker::load(path, o).status().code() == StatusCode::kInvalidArgument);
  o.max_length = 513;
  REQUIRE(Reranker::load(path, o).status().code() == StatusCode::kInvalidArgument);
  o = LoadOptions();
  o.threads = -1;
  REQUIRE(Reranker::load(path, o).status().code() == StatusCode::kInvalidArgument);
  o = LoadOptions();
  o.kernel = "neon_dotprod_but_not_here";
  auto k = Reranker::load(path, o);
  REQUIRE(k.status().code() == StatusCode::kUnimplemented);
  REQUIRE(k.status().message().find("available") != std::string::npos);
  o = LoadOptions();
  o.kernel = "ref";
  auto ref = Reranker::load(path, o);
  REQUIRE(ref.ok());
  REQUIRE(ref.value()->info().kernel == "ref");
}

TEST_CASE("a memory cap below one max-length pair fails at load and says the minimum", "[api]") {
  LoadOptions o;
  o.memory_limit = 1000;
  auto r = Reranker::load(test::fixture("tiny.int8.safetensors"), o);
  REQUIRE(!r.ok());
  REQUIRE(r.status().code() == StatusCode::kResourceExhausted);
  REQUIRE(r.status().message().find("needs") != std::string::npos);
  auto ok = test::load_tiny();
  o.memory_limit = ok->info().min_memory;
  auto just = Reranker::load(test::fixture("tiny.int8.safetensors"), o);
  REQUIRE(just.ok());
  std::vector<std::string> many(50, kPassages[0]);
  REQUIRE(just.value()->rerank("kota", many).ok());
  REQUIRE(just.value()->info().peak_bytes <= o.memory_limit);
}

TEST_CASE("the arena peak never exceeds the cap", "[api]") {
  for (const size_t cap_kib : {0, 4000, 8000, 20000}) {
    LoadOptions o;
    auto base = test::load_tiny();
    o.memory_limit = cap_kib == 0 ? base->info().min_memory : cap_kib * 1024;
    if (o.memory_limit < base->info().min_memory) continue;
    auto r = Reranker::load(test::fixture("tiny.int8.safetensors"), o);
    REQUIRE(r.ok());
    std::vector<std::string> many;
    for (int i = 0; i < 200; ++i) many.push_back(kPassages[i % kPassages.size()] + " " + std::to_string(i));
    REQUIRE(r.value()->rerank("kota", many).ok());
    const Info i = r.value()->info();
    INFO("cap " << o.memory_limit << " peak " << i.peak_bytes);
    REQUIRE(i.peak_bytes > 0);
    REQUIRE(i.peak_bytes <= o.memory_limit);
  }
}

TEST_CASE("a rerank call's heap stays within the memory cap, hostile passages and chunking included", "[api]") {
  std::mt19937 rng(3);
  std::string random_words;
  while (random_words.size() < (1 << 20)) random_words += kPassages[rng() % 5] + " ";
  const std::vector<std::string> hostile = {std::string(1 << 20, 'a'), std::string(200000, '7'), random_words,
                                            std::string(3 << 20, ' ') + "kota"};
  auto base = test::load_tiny();
  for (const size_t cap : {base->info().min_memory, size_t(24) << 20, size_t(256) << 20})
    for (const bool chunk : {false, true}) {
      // Chunked scoring reads up to the prefix limit: hundreds of windows at the larger caps,
      // minutes under qemu; the smallest cap (8 KiB prefixes) is the case that matters.
      if (chunk && cap != base->info().min_memory) continue;
      LoadOptions o;
      o.memory_limit = cap;
      auto r = Reranker::load(test::fixture("tiny.int8.safetensors"), o);
      REQUIRE(r.ok());
      RerankOptions ro;
      ro.chunk_long_passages = chunk;
      for (const std::string& p : hostile) {
        INFO("cap " << cap << " chunk " << chunk << " passage of " << p.size() << " bytes starting " << p.substr(0, 8));
        const std::vector<std::string> passages = {p, kPassages[0]};
        test::heap::reset_peak();
        const size_t live0 = test::heap::live_bytes();
        auto out = r.value()->rerank("ibu kota", passages, ro);
        const size_t grown = test::heap::peak_bytes() - live0;
        // A passage of only spaces gives too few tokens: refused, not read whole.
        if (!out.ok()) REQUIRE(out.status().code() == StatusCode::kResourceExhausted);
        REQUIRE(grown <= cap);
        REQUIRE(r.value()->info().peak_bytes <= cap);
      }
    }
}

TEST_CASE("score_ids validates its input", "[api]") {
  auto r = test::load_tiny();
  REQUIRE(r->score_ids({{0, 5, 2}}).ok());
  REQUIRE(r->score_ids({{}}).status().code() == StatusCode::kInvalidArgument);
  REQUIRE(r->score_ids({{0, -1, 2}}).status().code() == StatusCode::kInvalidArgument);
  REQUIRE(r->score_ids({{0, 1 << 30, 2}}).status().code() == StatusCode::kInvalidArgument);
  REQUIRE(r->score_ids({std::vector<int32_t>(300, 5)}).status().code() == StatusCode::kInvalidArgument);
  REQUIRE(r->score_ids({{0, 5, 2}}).ok());  // still usable after errors
}

TEST_CASE("load_from_bytes equals load from a path", "[api]") {
  FILE* f = std::fopen(test::fixture("tiny.int8.safetensors").c_str(), "rb");
  REQUIRE(f);
  std::vector<uint8_t> bytes;
  int c;
  while ((c = std::fgetc(f)) != EOF) bytes.push_back(static_cast<uint8_t>(c));
  std::fclose(f);
  auto a = Reranker::load_from_bytes(bytes.data(), bytes.size());
  REQUIRE(a.ok());
  bytes.assign(bytes.size(), 0);  // the reranker keeps its own copy
  auto b = test::load_tiny();
  auto ra = a.value()->rerank("kota", kPassages);
  auto rb = b->rerank("kota", kPassages);
  for (size_t i = 0; i < kPassages.size(); ++i) REQUIRE(ra->at(i).logit == rb->at(i).logit);
}

TEST_CASE("long passages can be scored in overlapping windows, keeping the best", "[api]") {
  LoadOptions lo;
  lo.max_length = 32;
  auto r = test::load_tiny(lo);
  std::string longp;
  for (int i = 0; i < 12; ++i) longp += "Pemerintah daerah memperbaiki jalan desa nomor " + std::to_string(i) + ". ";
  longp += "Harga beras di pasar tradisional naik lagi.";
  const std::vector<std::string> ps = {"jalan rusak", longp};

  RerankOptions chunked;
  chunked.chunk_long_passages = true;
  chunked.chunk_overlap = 4;
  auto windows = r->tokenize_chunks("harga beras", longp, 4);
  REQUIRE(windows.ok());
  REQUIRE(windows->size() > 2);
  // Windows fit, drop nothing, and overlap by exactly 4 passage tokens.
  std::vector<int32_t> all;
  REQUIRE(r->tokenize("harga beras", longp).ok());
  size_t q_len = 0;
  for (size_t w = 0; w < windows->size(); ++w) {
    const auto& ids = windows->at(w).input_ids;
    REQUIRE(ids.size() <= 32);
    REQUIRE(!windows->at(w).passage_truncated);
    const auto sep = std::find(ids.begin(), ids.end(), 2);
    q_len = static_cast<size_t>(sep - ids.begin()) - 1;
    std::vector<int32_t> body(ids.begin() + static_cast<std::ptrdiff_t>(q_len) + 3, ids.end() - 1);
    if (w > 0) REQUIRE(std::equal(body.begin(), body.begin() + 4, all.end() - 4));
    all.insert(all.end(), body.begin() + (w > 0 ? 4 : 0), body.end());
  }
  std::vector<int32_t> full;
  auto wide = test::load_tiny();
  auto enc = wide->tokenize("harga beras", longp);
  REQUIRE(enc.ok());
  REQUIRE(!enc->passage_truncated);
  full.assign(enc->input_ids.begin() + static_cast<std::ptrdiff_t>(q_len) + 3, enc->input_ids.end() - 1);
  REQUIRE(all == full);

  // The passage's logit is the best window's; the first window is the truncated input.
  std::vector<std::vector<int32_t>> seqs;
  for (const auto& w : windows.value()) seqs.push_back(w.input_ids);
  auto window_logits = r->score_ids(seqs);
  REQUIRE(window_logits.ok());
  auto res = r->rerank("harga beras", ps, chunked);
  REQUIRE(res.ok());
  auto plain = r->rerank("harga beras", ps);
  for (const auto& x : res.value()) {
    if (x.index == 0) {
      REQUIRE(x.chunks == 1);
      continue;
    }
    REQUIRE(x.chunks == static_cast<int>(windows->size()));
    REQUIRE(!x.truncated);
    REQUIRE(x.logit == *std::max_element(window_logits->begin(), window_logits->end()));
  }
  for (const auto& x : plain.value())
    if (x.index == 1) {
      REQUIRE(x.truncated);
      REQUIRE(x.chunks == 1);
      REQUIRE(x.logit == window_logits->front());
    }
  chunked.chunk_overlap = 1000;
  REQUIRE(r->rerank("harga beras", ps, chunked).status().code() == StatusCode::kInvalidArgument);
}
