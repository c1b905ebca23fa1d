// The JSON reader/writer and UTF-8 repair.
#include <catch2/catch.hpp>

#include <clocale>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <string>

#include "json.hpp"
#include "test_support.hpp"
#include "utf8.hpp"

using namespace indorerank;

TEST_CASE("utf8 repair replaces each maximal invalid subpart like Python", "[utf8]") {
  const std::string fffd = "\xEF\xBF\xBD";
  REQUIRE(repair_utf8("abc") == "abc");
  REQUIRE(repair_utf8("caf\xC3\xA9") == "caf\xC3\xA9");
  REQUIRE(repair_utf8(std::string("a\0b", 3)) == std::string("a\0b", 3));
  REQUIRE(repair_utf8("\x80") == fffd);
  REQUIRE(repair_utf8("\xC0\xAF") == fffd + fffd);            // overlong lead is never valid
  REQUIRE(repair_utf8("\xE0\x80") == fffd + fffd);            // E0 needs A0..BF next
  REQUIRE(repair_utf8("\xED\xA0\x80") == fffd + fffd + fffd); // surrogate
  REQUIRE(repair_utf8("\xF0\x90\x80") == fffd);               // truncated 4-byte sequence
  REQUIRE(repair_utf8("\xF0\x90\x80x") == fffd + "x");
  REQUIRE(repair_utf8("\xF5\xFF") == fffd + fffd);
  REQUIRE(repair_utf8("\xE2\x82") == fffd);
  REQUIRE(is_valid_utf8("\xF0\x9F\x98\x80"));
  REQUIRE(!is_valid_utf8("\xF4\x90\x80\x80"));  // above U+10FFFF
}

TEST_CASE("json parses documents and rejects malformed ones", "[json]") {
  auto v = json::parse(R"( {"a": [1, -2.5e2, true, null, "x\u00e9\ud83d\ude00\n"], "b": {}} )");
  REQUIRE(v.ok());
  const json::Value* a = v->find("a");
  REQUIRE(a->items().size() == 5);
  REQUIRE(a->items()[0].is_integer());
  REQUIRE(a->items()[1].as_number() == -250.0);
  REQUIRE(a->items()[4].as_string() == "x\xC3\xA9\xF0\x9F\x98\x80\n");
  for (const char* bad : {"", "{", "[1,]", "{\"a\":1,\"a\":2}", "\"\\x\"", "01x", "[1] 2", "\"a\nb\"", "tru", "-",
                          "{\"a\" 1}", "\"\\ud800\"x"}) {
    INFO(bad);
    REQUIRE(!json::parse(bad).ok());
  }
  REQUIRE(!json::parse(std::string(200, '[') + std::string(200, ']')).ok());  // depth limit
  // Invalid UTF-8 in strings reads as U+FFFD, so keys that differ only there collide.
  auto bad = json::parse("{\"a\xff\": 1}");
  REQUIRE(bad.ok());
  REQUIRE(bad->find("a\xEF\xBF\xBD") != nullptr);
  REQUIRE(!json::parse("{\"a\xff\": 1, \"a\xfe\": 2}").ok());
}

TEST_CASE("json dump round-trips and escapes", "[json]") {
  json::Value o = json::Value::object();
  o.set("s", json::Value::string(std::string("q\"\\\x01\xff", 5)));
  o.set("n", json::Value::single(0.1f));
  o.set("i", json::Value::number(42));
  const std::string s = json::dump(o);
  REQUIRE(s == "{\"s\":\"q\\\"\\\\\\u0001\xEF\xBF\xBD\",\"n\":0.100000001,\"i\":42}");
  auto back = json::parse(s);
  REQUIRE(back.ok());
  REQUIRE(static_cast<float>(back->find("n")->as_number()) == 0.1f);
  // Doubles print with the fewest digits that read back exactly.
  for (const double d : {488888888888.88888, 1.0 / 3.0, -2.5e-7, 123456789.125}) {
    const std::string text = json::dump(json::Value::number(d));
    REQUIRE(json::parse(text)->as_number() == d);
    REQUIRE(json::dump(json::parse(text).value()) == text);
  }
  REQUIRE(json::dump(json::Value::number(0.1)) == "0.1");
  REQUIRE(json::dump(json::Value::number(1e300)) == "1e+300");
}

TEST_CASE("json objects with many members: every one found, duplicates caught anywhere", "[json]") {
  // The old reader scanned members linearly for every name: 200k members took minutes.
  std::string text = "{";
  const int n = 200000;
  for (int i = 0; i < n; ++i) text += (i ? ",\"k" : "\"k") + std::to_string(i) + "\":" + std::to_string(i);
  auto v = json::parse(text + "}");
  REQUIRE(v.ok());
  REQUIRE(v->members().size() == static_cast<size_t>(n));
  REQUIRE(v->members()[7].first == "k7");  // file order kept
  for (int i = 0; i < n; i += 997) REQUIRE(v->find("k" + std::to_string(i))->as_int() == i);
  REQUIRE(v->find("k") == nullptr);
  REQUIRE(v->find("k200000") == nullptr);
  auto dup = json::parse(text + ",\"k123456\":0}");
  REQUIRE(!dup.ok());
  REQUIRE(dup.status().message().find("duplicate member \"k123456\"") != std::string::npos);
  // set() on a parsed object replaces in place and keeps find() right.
  json::Value o = std::move(v).value();
  o.set("k5", json::Value::string("five"));
  o.set("new", json::Value::boolean(true));
  REQUIRE(o.find("k5")->as_string() == "five");
  REQUIRE(o.find("new")->as_bool());
  REQUIRE(o.find("k199999")->as_int() == 199999);
}

TEST_CASE("json reader walks a document without building it", "[json]") {
  const std::string text = R"( {"query": "q\u00e9", "skip": {"a": [1, {"b": null}], "c": "x"}, "docs": ["a", {"text": "b"}], "n": 3, "t": true} )";
  json::Reader r(text);
  REQUIRE(r.enter_object().ok());
  std::string name, s;
  std::vector<std::string> seen;
  std::string_view skipped;
  double n = 0;
  bool t = false;
  for (;;) {
    auto more = r.next_member(&name);
    REQUIRE(more.ok());
    if (!more.value()) break;
    seen.push_back(name);
    if (name == "query") {
      REQUIRE(r.read_string(&s).ok());
      REQUIRE(s == "q\xC3\xA9");
    } else if (name == "skip") {
      REQUIRE(r.skip(&skipped).ok());
    } else if (name == "docs") {
      REQUIRE(r.peek().value() == json::Type::kArray);
      REQUIRE(r.enter_array().ok());
      REQUIRE(r.next_item().value());
      REQUIRE(r.read_string(&s).ok());
      REQUIRE(s == "a");
      REQUIRE(r.next_item().value());
      REQUIRE(r.peek().value() == json::Type::kObject);
      REQUIRE(r.skip().ok());
      REQUIRE(!r.next_item().value());
    } else if (name == "n") {
      REQUIRE(r.read_number(&n).ok());
    } else {
      REQUIRE(r.read_bool(&t).ok());
    }
  }
  REQUIRE(r.finish().ok());
  REQUIRE(seen == std::vector<std::string>{"query", "skip", "docs", "n", "t"});
  REQUIRE(skipped == R"({"a": [1, {"b": null}], "c": "x"})");
  REQUIRE(n == 3);
  REQUIRE(t);

  // Whatever parse() rejects, a reader that skips the whole value rejects too.
  for (const char* bad : {"", "{", "[1,]", "{\"a\":1,}", "\"\\x\"", "01x", "[1] 2", "\"a\nb\"", "tru", "-",
                          "{\"a\" 1}", "[1 2]", "{,}", "[,1]", "{\"a\":}"}) {
    INFO(bad);
    json::Reader bad_reader(bad);
    const bool walked = bad_reader.skip().ok() && bad_reader.finish().ok();
    REQUIRE(!walked);
    REQUIRE(!json::parse(bad).ok());
  }
  const std::string nested = std::string(100, '[') + std::string(100, ']');
  json::Reader deep(nested);
  REQUIRE(!deep.skip().ok());
  // Reading the wrong type is an error, not a guess.
  json::Reader wrong(R"({"a": 1})");
  REQUIRE(wrong.enter_array().message().find("expected an array") != std::string::npos);
}

#if !defined(__EMSCRIPTEN__)  // musl (WebAssembly) has only the C locale's decimal point
TEST_CASE("json numbers and model configs ignore a comma-decimal locale", "[json]") {
  // An Indonesian desktop program (GTK, Qt) calls setlocale(LC_ALL, "id_ID.UTF-8"),
  // whose decimal point is a comma. ctest's fixture.locale compiles that locale
  // into the fixtures folder with localedef.
  setenv("LOCPATH", test::fixture("locale").c_str(), 1);
  REQUIRE(std::setlocale(LC_ALL, "id_ID.UTF-8") != nullptr);
  char probe[16];
  std::snprintf(probe, sizeof probe, "%.1f", 0.5);
  REQUIRE(std::string(probe) == "0,5");  // the locale is in force: strtod and printf would use commas
  auto v = json::parse(R"({"eps": 9.999999747378752e-06, "x": -2.5, "big": 1e400, "tiny": -1e-400})");
  REQUIRE(v.ok());
  REQUIRE(v->find("eps")->as_number() == 9.999999747378752e-06);
  REQUIRE(v->find("x")->as_number() == -2.5);
  REQUIRE(std::isinf(v->find("big")->as_number()));
  REQUIRE(v->find("tiny")->as_number() == 0.0);
  json::Value o = json::Value::object();
  o.set("eps", json::Value::single(9.99999975e-06f));
  o.set("d", json::Value::number(0.1));
  o.set("n", json::Value::number(-1234567.25));
  REQUIRE(json::dump(o) == R"({"eps":9.99999975e-06,"d":0.1,"n":-1234567.25})");
  // The model's config.json (layer_norm_eps 1e-5) reads right, and ranking works.
  auto r = test::load_tiny();
  const bool loaded = r != nullptr;
  std::setlocale(LC_ALL, "C");
  REQUIRE(loaded);
}
#endif
