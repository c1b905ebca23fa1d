// The block layout: a model loaded from its head plus the embedding blocks a
// call needs scores exactly as the whole file does; a missing, short or
// corrupted block is an error, never a score.
#include <catch2/catch.hpp>

#include <cstdio>
#include <string>

#include "blob.hpp"
#include "model_bytes.hpp"
#include "test_support.hpp"

using namespace indorerank;

namespace {

ModelLayout layout_of(const std::vector<uint8_t>& bytes) {
  auto l = Reranker::read_layout(bytes.data(), bytes.size());
  REQUIRE(l.ok());
  return l.value();
}

std::unique_ptr<Reranker> head_of(const std::vector<uint8_t>& bytes) {
  const ModelLayout l = layout_of(bytes);
  auto r = Reranker::load_head(std::vector<uint8_t>(bytes.begin(), bytes.begin() + static_cast<std::ptrdiff_t>(l.head_bytes)));
  REQUIRE(r.ok());
  return std::move(r).value();
}

Status add_block(Reranker& r, const std::vector<uint8_t>& bytes, uint32_t b) {
  const ModelLayout l = layout_of(bytes);
  return r.add_embedding_block(b, bytes.data() + l.block_begin(b), static_cast<size_t>(l.block_end(b) - l.block_begin(b)));
}

void require_same(const std::vector<Result>& a, const std::vector<Result>& b) {
  REQUIRE(a.size() == b.size());
  for (size_t i = 0; i < a.size(); ++i) {
    REQUIRE(a[i].index == b[i].index);
    REQUIRE(a[i].logit == b[i].logit);  // bit for bit
    REQUIRE(a[i].chunks == b[i].chunks);
  }
}

const std::string kQuery = "di mana rendang berasal";
const std::vector<std::string> kPassages = {
    "Rendang berasal dari Sumatera Barat dan dimasak lama dengan santan.",
    "Kereta api berangkat pukul tujuh pagi dari Stasiun Gambir.",
    "Borobudur adalah candi Buddha terbesar di dunia, dibangun pada abad kesembilan.",
    "Zzyzx qwv ÿ 東京 🙂 xyzzy"};

}  // namespace

TEST_CASE("the layout is read from a file's first bytes", "[model_layout]") {
  const auto bytes = test::tiny_bytes();
  const ModelLayout l = layout_of(bytes);
  const Info info = test::load_tiny()->info();
  const uint32_t v = static_cast<uint32_t>(info.config.vocab_size), h = static_cast<uint32_t>(info.config.hidden_size);
  REQUIRE(l.block_rows == 16);
  REQUIRE(l.blocks == (v + 15) / 16);
  REQUIRE(l.row_bytes == h);
  REQUIRE(l.file_bytes == bytes.size());
  REQUIRE(l.head_bytes + uint64_t(v) * h == bytes.size());
  REQUIRE(l.block_begin(0) == l.head_bytes);
  REQUIRE(l.block_end(l.blocks - 1) == bytes.size());
  REQUIRE(l.block_end(l.blocks - 1) - l.block_begin(l.blocks - 1) == (v % 16 ? v % 16 : 16) * h);
  REQUIRE(info.layout.head_bytes == l.head_bytes);
  REQUIRE(info.resident_blocks == l.blocks);

  // Fewer bytes than the header: only the header's size, to read again.
  for (const size_t n : {size_t(8), size_t(100), static_cast<size_t>(l.header_bytes - 1)}) {
    auto part = Reranker::read_layout(bytes.data(), n);
    REQUIRE(part.ok());
    REQUIRE(part->header_bytes == l.header_bytes);
    REQUIRE(part->head_bytes == 0);
  }
  auto exact = Reranker::read_layout(bytes.data(), static_cast<size_t>(l.header_bytes));
  REQUIRE(exact.ok());
  REQUIRE(exact->head_bytes == l.head_bytes);
  REQUIRE(Reranker::read_layout(bytes.data(), 7).status().code() == StatusCode::kDataLoss);
  auto hf = read_file(test::fixture("tiny/model.safetensors"));
  REQUIRE(hf.ok());
  REQUIRE(Reranker::read_layout(hf->data(), hf->size()).status().message().find("indorerank convert") != std::string::npos);

  // A file without blocks says so, and still loads whole with the same scores.
  const auto old = test::without_blocks(bytes);
  REQUIRE(layout_of(old).block_rows == 0);
  auto whole = Reranker::load_from_bytes(old);
  REQUIRE(whole.ok());
  require_same(whole.value()->rerank(kQuery, kPassages).value(), test::load_tiny()->rerank(kQuery, kPassages).value());
  const ModelLayout ol = layout_of(old);
  auto head = Reranker::load_head(std::vector<uint8_t>(old.begin(), old.begin() + static_cast<std::ptrdiff_t>(ol.head_bytes)));
  REQUIRE(head.status().code() == StatusCode::kDataLoss);
  REQUIRE(head.status().message().find("no embedding blocks") != std::string::npos);
}

TEST_CASE("a head plus the blocks a call needs scores as the whole file does", "[model_layout]") {
  const auto bytes = test::tiny_bytes();
  auto whole = test::load_tiny();
  auto head = head_of(bytes);
  REQUIRE(head->info().resident_blocks == 0);
  REQUIRE(whole->missing_embedding_blocks(kQuery, kPassages).value().empty());

  // Before its blocks arrive, a call is refused.
  auto early = head->rerank(kQuery, kPassages);
  REQUIRE(early.status().code() == StatusCode::kFailedPrecondition);
  REQUIRE(early.status().message().find("not loaded") != std::string::npos);

  // Passage by passage: each call lists what it lacks, ascending and unique.
  size_t added = 0;
  for (const auto& p : kPassages) {
    const std::vector<std::string> one = {p};
    auto missing = head->missing_embedding_blocks(kQuery, one);
    REQUIRE(missing.ok());
    REQUIRE(!missing->empty());
    for (size_t i = 1; i < missing->size(); ++i) REQUIRE((*missing)[i - 1] < (*missing)[i]);
    for (const uint32_t b : *missing) REQUIRE(add_block(*head, bytes, b).ok());
    added += missing->size();
    REQUIRE(head->missing_embedding_blocks(kQuery, one).value().empty());
    require_same(head->rerank(kQuery, one).value(), whole->rerank(kQuery, one).value());
  }
  REQUIRE(head->info().resident_blocks == added);
  REQUIRE(added < layout_of(bytes).blocks);
  require_same(head->rerank(kQuery, kPassages).value(), whole->rerank(kQuery, kPassages).value());
  auto ids = whole->tokenize(kQuery, kPassages[0]).value().input_ids;
  REQUIRE(head->score_ids({ids}).value() == whole->score_ids({ids}).value());

  // Chunked passages read more windows: their blocks are listed too.
  std::string longer;
  for (int i = 0; i < 40; ++i) longer += "Gunung Merapi meletus lagi pada tahun " + std::to_string(1900 + i) + ". ";
  RerankOptions ro;
  ro.chunk_long_passages = true;
  const std::vector<std::string> lp = {longer};
  const auto lp_missing = head->missing_embedding_blocks(kQuery, lp, ro).value();
  for (const uint32_t b : lp_missing) REQUIRE(add_block(*head, bytes, b).ok());
  require_same(head->rerank(kQuery, lp, ro).value(), whole->rerank(kQuery, lp, ro).value());
  REQUIRE(head->info().weight_bytes < whole->info().weight_bytes);
}

TEST_CASE("a short, corrupted or misplaced block changes nothing", "[model_layout]") {
  const auto bytes = test::tiny_bytes();
  const ModelLayout l = layout_of(bytes);
  auto head = head_of(bytes);
  const std::vector<std::string> one = {kPassages[0]};
  const auto missing = head->missing_embedding_blocks(kQuery, one).value();
  const uint32_t b = missing.front(), other = missing.back();
  REQUIRE(b != other);
  const uint8_t* data = bytes.data() + l.block_begin(b);
  const size_t n = static_cast<size_t>(l.block_end(b) - l.block_begin(b));

  auto s = head->add_embedding_block(b, data, n - 1);
  REQUIRE(s.code() == StatusCode::kDataLoss);
  REQUIRE(s.message().find("truncated") != std::string::npos);
  std::vector<uint8_t> flipped(data, data + n);
  flipped[n / 2] ^= 0x10;
  s = head->add_embedding_block(b, flipped.data(), n);
  REQUIRE(s.code() == StatusCode::kDataLoss);
  REQUIRE(s.message().find("checksum") != std::string::npos);
  s = head->add_embedding_block(other, data, n);  // the right bytes under another index
  REQUIRE(s.code() == StatusCode::kDataLoss);
  REQUIRE(head->add_embedding_block(l.blocks, data, n).code() == StatusCode::kInvalidArgument);
  REQUIRE(head->add_embedding_block(b, nullptr, n).code() == StatusCode::kInvalidArgument);
  REQUIRE(head->info().resident_blocks == 0);
  REQUIRE(head->missing_embedding_blocks(kQuery, one).value() == missing);

  REQUIRE(head->add_embedding_block(b, data, n).ok());
  REQUIRE(head->add_embedding_block(b, data, n).ok());  // twice is harmless
  REQUIRE(head->info().resident_blocks == 1);
}

TEST_CASE("a corrupted block in a whole file fails only the calls that use it", "[model_layout]") {
  const auto bytes = test::tiny_bytes();
  const ModelLayout l = layout_of(bytes);
  auto whole = test::load_tiny();
  // A block passage 0 uses and no other passage does.
  auto head = head_of(bytes);
  const std::vector<std::string> rest(kPassages.begin() + 1, kPassages.end());
  const auto rest_missing = head->missing_embedding_blocks(kQuery, rest).value();
  for (const uint32_t b : rest_missing) REQUIRE(add_block(*head, bytes, b).ok());
  const auto only0 = head->missing_embedding_blocks(kQuery, {kPassages[0]}).value();
  REQUIRE(!only0.empty());
  auto bad = bytes;
  bad[static_cast<size_t>(l.block_begin(only0[0]))] ^= 1;

  const std::string path = test::fixture("corrupt-block.int8.safetensors");
  FILE* f = std::fopen(path.c_str(), "wb");
  REQUIRE(f != nullptr);
  REQUIRE(std::fwrite(bad.data(), 1, bad.size(), f) == bad.size());
  std::fclose(f);
  for (int from_disk = 0; from_disk < 2; ++from_disk) {
    auto r = from_disk ? Reranker::load(path) : Reranker::load_from_bytes(bad);
    REQUIRE(r.ok());  // a block is checked when a token first uses it
    auto res = r.value()->rerank(kQuery, kPassages);
    REQUIRE(res.status().code() == StatusCode::kDataLoss);
    REQUIRE(res.status().message().find("block " + std::to_string(only0[0]) + " fails its checksum") != std::string::npos);
    require_same(r.value()->rerank(kQuery, rest).value(), whole->rerank(kQuery, rest).value());
    REQUIRE(!r.value()->rerank(kQuery, {kPassages[0]}).ok());  // and again: no call ever scores it
  }
  std::remove(path.c_str());
}

TEST_CASE("a head is checked like a whole file", "[model_layout]") {
  const auto bytes = test::tiny_bytes();
  const ModelLayout l = layout_of(bytes);
  const auto head_bytes = [&](size_t n) { return std::vector<uint8_t>(bytes.begin(), bytes.begin() + static_cast<std::ptrdiff_t>(n)); };
  for (const size_t n : {size_t(0), size_t(7), static_cast<size_t>(l.header_bytes), static_cast<size_t>(l.head_bytes - 1),
                         static_cast<size_t>(l.head_bytes + 1), bytes.size()}) {
    INFO("head of " << n << " bytes");
    auto r = Reranker::load_head(head_bytes(n));
    REQUIRE(r.status().code() == StatusCode::kDataLoss);
  }
  auto flipped = head_bytes(static_cast<size_t>(l.head_bytes));
  flipped[static_cast<size_t>(l.header_bytes) + 100] ^= 4;
  auto r = Reranker::load_head(flipped);
  REQUIRE(r.status().message().find("head fails its checksum") != std::string::npos);
  REQUIRE(Reranker::load_head(head_bytes(static_cast<size_t>(l.head_bytes))).ok());
}
