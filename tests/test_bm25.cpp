// BM25 first stage: analysis (tokenizing, lower-casing, stopwords, Snowball's
// Indonesian stemmer), scores against hand-computed values, add/remove,
// snapshots and their corruption.
#include <catch2/catch.hpp>

#include <string>
#include <vector>

#include "indorerank/bm25.hpp"

using namespace indorerank;

namespace {

std::vector<std::string> words(const char* text) { return analyze(text, false, false); }

Bm25Options plain() {
  Bm25Options o;
  o.stem = false;
  o.remove_stopwords = false;
  return o;
}

// kucing makan ikan (3 terms) / kucing kucing tidur (3) / anjing makan tulang ikan ikan (5)
Bm25Index pets(Bm25Options o = plain()) {
  auto created = Bm25Index::create(o);
  REQUIRE(created.ok());
  Bm25Index index = std::move(created).value();
  REQUIRE(index.add("d1", "kucing makan ikan").ok());
  REQUIRE(index.add("d2", "Kucing kucing tidur.").ok());
  REQUIRE(index.add("d3", "anjing makan tulang, ikan ikan").ok());
  return index;
}

}  // namespace

TEST_CASE("analysis splits Unicode words, lower-cases and joins apostrophes", "[bm25]") {
  REQUIRE(words("Jakarta, ibu kota!") == std::vector<std::string>{"jakarta", "ibu", "kota"});
  REQUIRE(words("anak-anak bermain") == std::vector<std::string>{"anak", "anak", "bermain"});
  REQUIRE(words("Jum'at dan Jum\xE2\x80\x99" "at") == std::vector<std::string>{"jumat", "dan", "jumat"});
  REQUIRE(words("'kutip' tahun 2024") == std::vector<std::string>{"kutip", "tahun", "2024"});
  REQUIRE(words("CAF\xC3\x89 \xC3\x89LAN \xC4\xB0stanbul \xC5\xBD") ==
          std::vector<std::string>{"caf\xC3\xA9", "\xC3\xA9lan", "istanbul", "\xC5\xBE"});
  REQUIRE(words("\xD0\x9C\xD0\xBE\xD1\x81\xD0\xBA\xD0\xB2\xD0\xB0") ==
          std::vector<std::string>{"\xD0\xBC\xD0\xBE\xD1\x81\xD0\xBA\xD0\xB2\xD0\xB0"});  // Cyrillic
  // Punctuation, symbols and emoji separate; invalid bytes read as U+FFFD, a separator.
  REQUIRE(words("a\xE2\x80\x94" "b\xE2\x82\xAC" "c\xF0\x9F\x98\x80" "d\xFF" "e") ==
          std::vector<std::string>{"a", "b", "c", "d", "e"});
  REQUIRE(words("").empty());
  REQUIRE(words(" \t\n...").empty());
}

TEST_CASE("analysis drops the Indonesian stopwords before stemming", "[bm25]") {
  REQUIRE(analyze("Bagaimana cara membuat paspor yang baru?") == std::vector<std::string>{"buat", "paspor", "baru"});
  REQUIRE(analyze("yang dan di ke dari", true, false).size() == 5);
  const auto& stop = stopwords();
  REQUIRE(std::is_sorted(stop.begin(), stop.end()));
  REQUIRE(std::binary_search(stop.begin(), stop.end(), "yang"));
  REQUIRE(!std::binary_search(stop.begin(), stop.end(), "paspor"));
}

TEST_CASE("Snowball's Indonesian stemmer reduces affixed forms to their roots", "[bm25]") {
  // What Snowball's indonesian algorithm gives (it removes particles, possessive
  // pronouns, then prefixes and suffixes; it does not restore a root's first
  // letter after "meN-", hence "menangkap" -> "angkap").
  const std::vector<std::pair<const char*, const char*>> cases = {
      {"pembangunan", "bangun"}, {"mempermainkan", "main"},  {"keberhasilannya", "hasil"},
      {"memperbaiki", "baik"},   {"perekonomian", "ekonomi"}, {"ditemukan", "temu"},
      {"kebudayaan", "budaya"},  {"pelajaran", "ajar"},       {"pembelajaran", "ajar"},
      {"bersepeda", "sepeda"},   {"PENDIDIKAN", "didik"},     {"kesehatan", "sehat"},
      {"dipergunakan", "guna"},  {"kemerdekaan", "merdeka"},  {"makanan", "makan"},
      {"bukunya", "buku"},       {"bacalah", "baca"},         {"menangkap", "angkap"},
  };
  for (const auto& [word, root] : cases) {
    INFO(word);
    REQUIRE(analyze(word, true, false) == std::vector<std::string>{root});
  }
}

TEST_CASE("BM25 scores equal hand-computed values", "[bm25]") {
  // N = 3, average length 11/3, k1 = 1.2, b = 0.75; "kucing" and "ikan" are in
  // 2 passages each: idf = ln(1 + (3 - 2 + 0.5) / (2 + 0.5)) = ln 1.6.
  //  d1: 2 * ln1.6 * 1 * 2.2 / (1 + 1.2 * (0.25 + 0.75 * 3 / (11/3))) = 1.01554355604882
  //  d2: ln1.6 * 2 * 2.2 / (2 + 1.2 * (0.25 + 0.75 * 3 / (11/3)))     = 0.68108310345789
  //  d3: ln1.6 * 2 * 2.2 / (2 + 1.2 * (0.25 + 0.75 * 5 / (11/3)))     = 0.58629318699726
  Bm25Index index = pets();
  auto hits = index.search("ikan KUCING", 10);
  REQUIRE(hits.size() == 3);
  REQUIRE(hits[0].id == "d1");
  REQUIRE(hits[0].score == Approx(1.0155435560488217).epsilon(1e-12));
  REQUIRE(hits[1].id == "d2");
  REQUIRE(hits[1].score == Approx(0.6810831034578925).epsilon(1e-12));
  REQUIRE(hits[2].id == "d3");
  REQUIRE(hits[2].score == Approx(0.5862931869972579).epsilon(1e-12));
  // Repeating a query term does not count it twice; top_k cuts; unknown terms match nothing.
  REQUIRE(index.search("ikan ikan kucing", 10)[0].score == hits[0].score);
  REQUIRE(index.search("ikan kucing", 1).size() == 1);
  REQUIRE(index.search("ikan kucing", 0).size() == 3);
  REQUIRE(index.search("gajah", 10).empty());
  REQUIRE(index.search("", 10).empty());
  // "tulang" is in one passage: idf = ln(1 + 2.5 / 1.5).
  auto tulang = index.search("tulang", 10);
  REQUIRE(tulang.size() == 1);
  REQUIRE(tulang[0].score == Approx(0.8538153929094884).epsilon(1e-12));
  // k1 = 2, b = 0 (no length normalisation): d3 "ikan" = ln1.6 * 2 * 3 / (2 + 2).
  Bm25Options o = plain();
  o.k1 = 2.0;
  o.b = 0.0;
  auto flat = pets(o).search("ikan", 10);
  REQUIRE(flat[0].id == "d3");
  REQUIRE(flat[0].score == Approx(0.7050054438686034).epsilon(1e-12));
}

TEST_CASE("BM25 ties keep the order passages were added in", "[bm25]") {
  Bm25Index index(plain());
  for (const char* id : {"z", "a", "m"}) REQUIRE(index.add(id, "sama persis").ok());
  auto hits = index.search("sama", 10);
  REQUIRE(hits.size() == 3);
  REQUIRE((hits[0].id == "z" && hits[1].id == "a" && hits[2].id == "m"));
}

TEST_CASE("BM25 add and remove keep the index equal to one built from scratch", "[bm25]") {
  Bm25Index index = pets();
  REQUIRE(index.size() == 3);
  Status dup = index.add("d2", "lagi");
  REQUIRE(dup.code() == StatusCode::kInvalidArgument);
  REQUIRE(dup.message().find("'d2'") != std::string::npos);
  REQUIRE(index.add("", "x").code() == StatusCode::kInvalidArgument);
  REQUIRE(index.size() == 3);
  REQUIRE(index.remove("d2"));
  REQUIRE(!index.remove("d2"));
  REQUIRE(!index.contains("d2"));
  Bm25Index fresh(plain());
  REQUIRE(fresh.add("d1", "kucing makan ikan").ok());
  REQUIRE(fresh.add("d3", "anjing makan tulang, ikan ikan").ok());
  auto a = index.search("kucing ikan tidur", 10), b = fresh.search("kucing ikan tidur", 10);
  REQUIRE(a.size() == b.size());
  for (size_t i = 0; i < a.size(); ++i) REQUIRE((a[i].id == b[i].id && a[i].score == b[i].score));
  REQUIRE(index.term_count() == fresh.term_count());
  // The id is free again; a passage with no terms counts in N but matches nothing.
  REQUIRE(index.add("d2", "kucing").ok());
  REQUIRE(index.add("kosong", "!!! ...").ok());
  REQUIRE(index.size() == 4);
}

TEST_CASE("BM25 survives many removals (slots compact) with the same results", "[bm25]") {
  Bm25Index index;
  Bm25Index kept_only;
  for (int i = 0; i < 3000; ++i) {
    std::string id = "p" + std::to_string(i);
    std::string text = "dokumen nomor " + std::to_string(i % 37) + " tentang pertanian dan perikanan " +
                       std::to_string(i % 11);
    REQUIRE(index.add(id, text).ok());
    if (i % 5 == 0) REQUIRE(kept_only.add(id, text).ok());
  }
  for (int i = 0; i < 3000; ++i)
    if (i % 5 != 0) REQUIRE(index.remove("p" + std::to_string(i)));
  REQUIRE(index.size() == 600);
  auto a = index.search("perikanan 7 12", 50), b = kept_only.search("perikanan 7 12", 50);
  REQUIRE(a.size() == 50);
  for (size_t i = 0; i < a.size(); ++i) REQUIRE((a[i].id == b[i].id && a[i].score == b[i].score));
}

TEST_CASE("BM25 options are checked", "[bm25]") {
  Bm25Options o;
  o.b = 1.5;
  REQUIRE(Bm25Index::create(o).status().code() == StatusCode::kInvalidArgument);
  o.b = 0.5;
  o.k1 = -1;
  REQUIRE(Bm25Index::create(o).status().code() == StatusCode::kInvalidArgument);
  o.k1 = 0.9;
  auto made = Bm25Index::create(o);
  REQUIRE(made.ok());
  REQUIRE(made.value().options().k1 == 0.9);
}

TEST_CASE("BM25 snapshots round-trip and reject every corruption cleanly", "[bm25]") {
  Bm25Options o;
  o.k1 = 1.5;
  Bm25Index index(o);
  REQUIRE(index.add("a", "Pembuatan paspor bisa diantre secara daring.").ok());
  REQUIRE(index.add("b", "Rendang berasal dari Sumatera Barat.").ok());
  REQUIRE(index.add("c", "Paspor elektronik memakai cip.").ok());
  REQUIRE(index.remove("b"));
  auto bytes = index.serialize();
  auto loaded = Bm25Index::deserialize(bytes.data(), bytes.size());
  REQUIRE(loaded.ok());
  REQUIRE(loaded.value().size() == 2);
  REQUIRE(loaded.value().options().k1 == 1.5);
  REQUIRE(loaded.value().term_count() == index.term_count());
  auto a = index.search("membuat paspor", 10), b = loaded.value().search("membuat paspor", 10);
  REQUIRE(a.size() == 2);
  for (size_t i = 0; i < a.size(); ++i) REQUIRE((a[i].id == b[i].id && a[i].score == b[i].score));
  REQUIRE(loaded.value().serialize() == bytes);

  for (size_t cut = 0; cut < bytes.size(); ++cut) {
    auto r = Bm25Index::deserialize(bytes.data(), cut);
    REQUIRE(r.status().code() == StatusCode::kDataLoss);
  }
  auto longer = bytes;
  longer.push_back(0);
  REQUIRE(Bm25Index::deserialize(longer.data(), longer.size()).status().message().find("after its end") !=
          std::string::npos);
  for (size_t i = 0; i < bytes.size(); ++i) {
    auto flipped = bytes;
    flipped[i] ^= 0x5A;
    auto r = Bm25Index::deserialize(flipped.data(), flipped.size());  // must not crash
    if (!r.ok()) REQUIRE(r.status().code() == StatusCode::kDataLoss);
  }
  std::vector<uint8_t> junk(64, 0xAB);
  REQUIRE(Bm25Index::deserialize(junk.data(), junk.size()).status().message().find("magic") != std::string::npos);
}
