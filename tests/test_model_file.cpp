// The model file loader: every truncation point, header byte flips, data
// flips, wrong files. Each must give a clear error or a working model, never
// a crash (this suite also runs under ASan + UBSan with `make asan`).
#include <catch2/catch.hpp>
#include <cmath>
#include <cstring>
#include <random>

#include "blob.hpp"
#include "model_bytes.hpp"
#include "safetensors.hpp"
#include "test_support.hpp"

using namespace indorerank;

namespace {
size_t header_end(const std::vector<uint8_t>& b) {
  uint64_t n = 0;
  for (int i = 7; i >= 0; --i) n = (n << 8) | b[i];
  return static_cast<size_t>(8 + n);
}
const std::vector<std::string> kPassages = {"Jakarta adalah ibu kota Indonesia.", "Rendang dimasak dengan santan.",
                                            "Kereta api berangkat pukul tujuh pagi dari Stasiun Gambir."};
}  // namespace

TEST_CASE("the converted model loads and describes itself", "[model_file]") {
  auto r = Reranker::load(test::fixture("tiny.int8.safetensors"));
  REQUIRE(r.ok());
  const Info i = r.value()->info();
  REQUIRE(i.config.hidden_size == 68);
  REQUIRE(i.config.num_layers == 2);
  REQUIRE(i.config.num_heads == 4);
  REQUIRE(i.config.intermediate_size == 148);
  REQUIRE(i.file_bytes > 0);
  REQUIRE(i.weight_bytes > i.file_bytes);
}

TEST_CASE("every truncation point gives a clear error", "[model_file]") {
  const auto bytes = test::tiny_bytes();
  const size_t hdr = header_end(bytes);
  std::vector<size_t> cuts;
  for (size_t n = 0; n <= hdr + 8 && n < bytes.size(); ++n) cuts.push_back(n);  // every header byte
  for (size_t n = hdr; n < bytes.size(); n += 4096) cuts.push_back(n);         // every 4 KiB of data
  cuts.push_back(bytes.size() - 1);
  for (const size_t n : cuts) {
    auto r = Reranker::load_from_bytes(bytes.data(), n);
    INFO("cut at " << n << " of " << bytes.size());
    REQUIRE(!r.ok());
    REQUIRE(r.status().code() == StatusCode::kDataLoss);
    REQUIRE(!r.status().message().empty());
  }
  REQUIRE(Reranker::load_from_bytes(bytes.data(), bytes.size()).ok());
}

TEST_CASE("header byte flips never crash", "[model_file]") {
  const auto bytes = test::tiny_bytes();
  const size_t hdr = header_end(bytes);
  std::mt19937 rng(11);
  int failed = 0, loaded = 0;
  for (int trial = 0; trial < 1500; ++trial) {
    auto b = bytes;
    const int flips = 1 + trial % 3;
    for (int f = 0; f < flips; ++f) b[rng() % hdr] ^= static_cast<uint8_t>(1u << (rng() % 8));
    auto r = Reranker::load_from_bytes(b.data(), b.size());
    if (r.ok()) {
      ++loaded;
      REQUIRE(r.value()->rerank("ibu kota", kPassages).ok());
    } else {
      ++failed;
      REQUIRE(!r.status().message().empty());
    }
  }
  REQUIRE(failed > 1000);  // nearly every flip is detected
  (void)loaded;
}

TEST_CASE("data byte flips never crash and NaN weights are refused", "[model_file]") {
  const auto bytes = test::tiny_bytes();
  const size_t hdr = header_end(bytes);
  std::mt19937 rng(12);
  for (int trial = 0; trial < 60; ++trial) {
    auto b = bytes;
    for (int f = 0; f < 64; ++f) b[hdr + rng() % (b.size() - hdr)] ^= static_cast<uint8_t>(rng());
    auto r = Reranker::load_from_bytes(b.data(), b.size());
    if (r.ok()) {
      auto res = r.value()->rerank("ibu kota", kPassages);
      if (res.ok())
        for (const auto& x : res.value()) REQUIRE(x.score >= 0.0f);
    }
  }
  // A NaN in a float tensor is named (in a file without checksums, which
  // would otherwise catch the change first).
  const auto old = test::without_blocks(bytes);
  auto parsed = safetensors::parse(old.data(), old.size());
  REQUIRE(parsed.ok());
  const auto* t = parsed->find("layers.0.attention.norm.weight");
  REQUIRE(t != nullptr);
  auto b = old;
  const size_t off = static_cast<size_t>(t->data - old.data());
  const float nan = std::nanf("");
  std::memcpy(b.data() + off, &nan, 4);
  auto r = Reranker::load_from_bytes(b.data(), b.size());
  REQUIRE(!r.ok());
  REQUIRE(r.status().message().find("layers.0.attention.norm.weight") != std::string::npos);
  // With checksums the same change is a corrupted head.
  auto parsed_blocks = safetensors::parse(bytes.data(), bytes.size());
  REQUIRE(parsed_blocks.ok());
  b = bytes;
  std::memcpy(b.data() + parsed_blocks->find("layers.0.attention.norm.weight")->offset, &nan, 4);
  r = Reranker::load_from_bytes(b.data(), b.size());
  REQUIRE(r.status().code() == StatusCode::kDataLoss);
  REQUIRE(r.status().message().find("head fails its checksum") != std::string::npos);
}

TEST_CASE("wrong files are named as such", "[model_file]") {
  auto hf = Reranker::load(test::fixture("tiny/model.safetensors"));
  REQUIRE(!hf.ok());
  REQUIRE(hf.status().message().find("indorerank convert") != std::string::npos);
  auto missing = Reranker::load(test::fixture("does-not-exist.int8.safetensors"));
  REQUIRE(missing.status().code() == StatusCode::kNotFound);
  auto dir = Reranker::load(test::fixture("tiny"));
  REQUIRE(!dir.ok());
  auto spm = Reranker::load(test::fixture("tiny/sentencepiece.bpe.model"));
  REQUIRE(!spm.ok());
  REQUIRE(!Reranker::load_from_bytes(nullptr, 0).ok());
}

TEST_CASE("convert reads fp16 checkpoints and reports bad folders", "[model_file]") {
  auto a = Reranker::load(test::fixture("tiny.int8.safetensors"));
  auto b = Reranker::load(test::fixture("tiny_fp16.int8.safetensors"));
  REQUIRE(a.ok());
  REQUIRE(b.ok());
  // Same weights rounded through fp16: the logits move by the rounding only.
  std::vector<std::string> many;
  for (int i = 0; i < 40; ++i) many.push_back(kPassages[i % 3] + " nomor " + std::to_string(i * 7919 % 1000));
  auto ra = a.value()->rerank("kereta api", many);
  auto rb = b.value()->rerank("kereta api", many);
  REQUIRE(ra.ok());
  REQUIRE(rb.ok());
  std::vector<double> la(many.size()), lb(many.size());
  for (const auto& x : ra.value()) la[x.index] = x.logit;
  for (const auto& x : rb.value()) lb[x.index] = x.logit;
  double ma = 0, mb = 0, sab = 0, saa = 0, sbb = 0;
  for (size_t i = 0; i < many.size(); ++i) { ma += la[i]; mb += lb[i]; }
  ma /= many.size();
  mb /= many.size();
  for (size_t i = 0; i < many.size(); ++i) {
    sab += (la[i] - ma) * (lb[i] - mb);
    saa += (la[i] - ma) * (la[i] - ma);
    sbb += (lb[i] - mb) * (lb[i] - mb);
  }
  REQUIRE(sab / std::sqrt(saa * sbb) > 0.99);
  const Status s = convert_hf_model(test::fixture("no-such-dir"), test::fixture("x.int8.safetensors"));
  REQUIRE(!s.ok());
  REQUIRE(s.message().find("config.json") != std::string::npos);
}

TEST_CASE("convert from bytes writes the same file as convert from a folder") {
  auto config = read_file(test::fixture("tiny/config.json"));
  auto spm = read_file(test::fixture("tiny/sentencepiece.bpe.model"));
  auto st = read_file(test::fixture("tiny/model.safetensors"));
  auto from_folder = read_file(test::fixture("tiny.int8.safetensors"));
  REQUIRE(config.ok());
  REQUIRE(spm.ok());
  REQUIRE(st.ok());
  REQUIRE(from_folder.ok());
  const std::string_view text(reinterpret_cast<const char*>(config.value().data()), config.value().size());
  auto bytes = convert_hf_model_bytes(text, spm.value(), st.value().data(), st.value().size());
  REQUIRE(bytes.ok());
  REQUIRE(bytes.value() == from_folder.value());

  // Bad parts are errors naming what is wrong, never a crash.
  auto bad_config = convert_hf_model_bytes("{\"model_type\": \"bert\"}", spm.value(), st.value().data(), st.value().size());
  REQUIRE(!bad_config.ok());
  REQUIRE(bad_config.status().message().find("xlm-roberta") != std::string::npos);
  auto truncated = convert_hf_model_bytes(text, spm.value(), st.value().data(), st.value().size() / 2);
  REQUIRE(!truncated.ok());
  REQUIRE(truncated.status().code() == StatusCode::kDataLoss);
}
