// A passage's score is bit-identical whatever else is in the request, its
// position, the micro-batch size (memory cap), the thread count and the kernel.
#include <catch2/catch.hpp>

#include <algorithm>
#include <random>
#include <thread>

#include "test_support.hpp"

using namespace indorerank;

namespace {
std::vector<std::string> passages() {
  const char* words[] = {"pemerintah", "kota", "jalan", "sekolah", "rumah", "sakit", "banjir", "harga", "beras",
                         "kereta", "pantai", "gunung", "desa", "pasar", "listrik", "air", "bersih", "anak"};
  std::mt19937 rng(4);
  std::vector<std::string> out;
  for (int i = 0; i < 60; ++i) {
    std::string p;
    const int n = 1 + static_cast<int>(rng() % 90);
    for (int w = 0; w < n; ++w) p += std::string(words[rng() % 18]) + (w % 9 == 8 ? ". " : " ");
    out.push_back(p);
  }
  return out;
}

std::vector<float> logits_by_index(Reranker& r, const std::vector<std::string>& ps) {
  auto res = r.rerank("harga beras di pasar", ps);
  REQUIRE(res.ok());
  std::vector<float> out(ps.size());
  for (const auto& x : res.value()) out[x.index] = x.logit;
  return out;
}
}  // namespace

TEST_CASE("scores are bit-identical across batch composition, order, caps, threads and kernels",
          "[batch_invariance]") {
  const auto ps = passages();
  LoadOptions one_thread;
  one_thread.threads = 1;
  auto base = test::load_tiny(one_thread);
  const std::vector<float> ref = logits_by_index(*base, ps);

  SECTION("each passage alone") {
    for (size_t i = 0; i < ps.size(); i += 7) REQUIRE(logits_by_index(*base, {ps[i]})[0] == ref[i]);
  }
  SECTION("shuffled and mixed with other passages") {
    std::vector<size_t> order(ps.size());
    for (size_t i = 0; i < order.size(); ++i) order[i] = i;
    std::mt19937 rng(8);
    std::shuffle(order.begin(), order.end(), rng);
    std::vector<std::string> shuffled;
    for (const size_t i : order) {
      shuffled.push_back(ps[i]);
      shuffled.push_back("teks pengganggu " + std::to_string(i));
    }
    const auto got = logits_by_index(*base, shuffled);
    for (size_t j = 0; j < order.size(); ++j) REQUIRE(got[2 * j] == ref[order[j]]);
  }
  SECTION("micro-batches side by side, one per thread, the remainder over all threads") {
    for (const int threads : {2, 3, 4}) {
      LoadOptions o;
      o.threads = threads;
      auto r = Reranker::load(test::fixture("tiny.int8.safetensors"), o);
      REQUIRE(r.ok());
      INFO("threads " << threads);
      REQUIRE(logits_by_index(*r.value(), ps) == ref);  // ~20 micro-batches
      // Fewer micro-batches than threads: each runs over all threads.
      const std::vector<float> two = logits_by_index(*r.value(), {ps[0], ps[1]});
      REQUIRE(two == std::vector<float>{ref[0], ref[1]});
      // One long and one short micro-batch: split ops, not side by side.
      const size_t longest = static_cast<size_t>(
          std::max_element(ps.begin(), ps.end(), [](auto& a, auto& b) { return a.size() < b.size(); }) - ps.begin());
      std::vector<std::string> uneven{ps[longest], ps[longest], ps[0]};
      const std::vector<float> got = logits_by_index(*r.value(), uneven);
      REQUIRE(got == std::vector<float>{ref[longest], ref[longest], ref[0]});
    }
  }
  SECTION("smallest memory cap (one pair per micro-batch), more threads, every kernel") {
    for (const std::string& kernel : available_kernels())
      for (const int threads : {1, 2, 3}) {
        LoadOptions o;
        o.kernel = kernel;
        o.threads = threads;
        // The minimum depends on the kernel's scratch and the thread count.
        auto probe = Reranker::load(test::fixture("tiny.int8.safetensors"), o);
        REQUIRE(probe.ok());
        o.memory_limit = probe.value()->info().min_memory + (1 << 16);  // about one pair per micro-batch
        auto r = Reranker::load(test::fixture("tiny.int8.safetensors"), o);
        REQUIRE(r.ok());
        INFO("kernel " << kernel << " threads " << threads);
        REQUIRE(logits_by_index(*r.value(), ps) == ref);
      }
  }
}

TEST_CASE("concurrent rerank calls on one reranker are safe and give the same scores", "[batch_invariance]") {
  const auto ps = passages();
  LoadOptions o;
  o.threads = 2;
  auto r = Reranker::load(test::fixture("tiny.int8.safetensors"), o);
  REQUIRE(r.ok());
  const std::vector<float> ref = logits_by_index(*r.value(), ps);
  std::vector<std::vector<float>> got(4);
  std::vector<std::thread> callers;
  for (size_t t = 0; t < got.size(); ++t)
    callers.emplace_back([&, t] {
      auto res = r.value()->rerank("harga beras di pasar", ps);
      if (!res.ok()) return;
      got[t].resize(ps.size());
      for (const auto& x : res.value()) got[t][x.index] = x.logit;
    });
  for (auto& c : callers) c.join();
  for (const auto& g : got) REQUIRE(g == ref);
}
