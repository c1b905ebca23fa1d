#include "json.hpp"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>

#include "utf8.hpp"

namespace indorerank::json {

Value Value::boolean(bool b) { Value v; v.type_ = Type::kBool; v.bool_ = b; return v; }
Value Value::number(double d) { Value v; v.type_ = Type::kNumber; v.number_ = d; return v; }
Value Value::single(float f) { Value v = number(f); v.single_ = true; return v; }
Value Value::string(std::string s) { Value v; v.type_ = Type::kString; v.string_ = std::move(s); return v; }
Value Value::array() { Value v; v.type_ = Type::kArray; return v; }
Value Value::object() { Value v; v.type_ = Type::kObject; return v; }

bool Value::is_integer() const {
  return type_ == Type::kNumber && std::isfinite(number_) && std::floor(number_) == number_ &&
         std::fabs(number_) <= 9007199254740992.0;
}

const Value* Value::find(std::string_view key) const {
  if (!sorted_.empty()) {
    auto it = std::lower_bound(sorted_.begin(), sorted_.end(), key,
                               [&](uint32_t i, std::string_view k) { return members_[i].first < k; });
    return it != sorted_.end() && members_[*it].first == key ? &members_[*it].second : nullptr;
  }
  for (const auto& m : members_)
    if (m.first == key) return &m.second;
  return nullptr;
}

void Value::set(std::string key, Value v) {
  sorted_.clear();
  for (auto& m : members_)
    if (m.first == key) { m.second = std::move(v); return; }
  members_.emplace_back(std::move(key), std::move(v));
}

// --- numbers, the same in every locale ---------------------------------------
// A program may have called setlocale(LC_ALL, "id_ID.UTF-8"), whose decimal
// point is a comma; strtod and printf would follow it. from_chars/to_chars do
// not. Emscripten's libc++ lacks their floating-point forms, and its libc
// (musl) has only the C locale's decimal point, so there strtod/snprintf are
// the same thing.

namespace {

#if defined(__EMSCRIPTEN__)
double parse_double(std::string_view tok) { return std::strtod(std::string(tok).c_str(), nullptr); }
// printf's %.*g (shortest: precision 0 means "shortest that reads back")
void format_double(char* buf, size_t size, double d, int precision) {
  std::snprintf(buf, size, "%.*g", precision, d);
}
#else
// A syntactically valid JSON number (checked by the reader).
double parse_double(std::string_view tok) {
  double d = 0;
  const auto r = std::from_chars(tok.data(), tok.data() + tok.size(), d);
  if (r.ec == std::errc::result_out_of_range) {
    // As strtod: overflow to infinity, underflow to zero, with the sign.
    const bool negative = !tok.empty() && tok[0] == '-';
    const size_t e = tok.find_first_of("eE");
    const bool tiny = e != std::string_view::npos && e + 1 < tok.size() && tok[e + 1] == '-';
    d = tiny ? 0.0 : HUGE_VAL;
    return negative ? -d : d;
  }
  return d;
}
void format_double(char* buf, size_t size, double d, int precision) {
  const auto r = std::to_chars(buf, buf + size - 1, d, std::chars_format::general, precision);
  *r.ptr = '\0';
}
#endif

}  // namespace

// --- Reader -----------------------------------------------------------------

Status Reader::error(const std::string& what) const {
  return invalid_argument("JSON: " + what + " at offset " + std::to_string(p_));
}

void Reader::skip_ws() {
  while (p_ < t_.size() && (t_[p_] == ' ' || t_[p_] == '\t' || t_[p_] == '\n' || t_[p_] == '\r')) ++p_;
}

bool Reader::literal(std::string_view lit) {
  if (t_.substr(p_, lit.size()) != lit) return false;
  p_ += lit.size();
  return true;
}

StatusOr<Type> Reader::peek() {
  skip_ws();
  if (p_ >= t_.size()) return error("unexpected end of input");
  switch (t_[p_]) {
    case '{': return Type::kObject;
    case '[': return Type::kArray;
    case '"': return Type::kString;
    case 't': case 'f': return Type::kBool;
    case 'n': return Type::kNull;
    default:
      if (t_[p_] == '-' || (t_[p_] >= '0' && t_[p_] <= '9')) return Type::kNumber;
      return error("unexpected character");
  }
}

Status Reader::enter(char open) {
  skip_ws();
  if (p_ >= t_.size() || t_[p_] != open) return error(open == '{' ? "expected an object" : "expected an array");
  if (first_.size() >= static_cast<size_t>(kMaxDepth)) return error("nesting deeper than 64");
  ++p_;
  first_.push_back(true);
  return ok_status();
}

Status Reader::enter_object() { return enter('{'); }
Status Reader::enter_array() { return enter('['); }

// Before a member or item: consumes the container's end (more = false) or,
// after the first entry, the comma.
Status Reader::close_or_comma(char close, bool* more) {
  skip_ws();
  if (first_.empty()) return error("not inside a container");
  if (p_ < t_.size() && t_[p_] == close) {
    ++p_;
    first_.pop_back();
    *more = false;
    return ok_status();
  }
  if (first_.back()) {
    first_.back() = false;
  } else {
    if (p_ >= t_.size() || t_[p_] != ',') return error(close == '}' ? "expected ',' or '}'" : "expected ',' or ']'");
    ++p_;
    skip_ws();
    if (p_ < t_.size() && t_[p_] == close) return error("trailing comma");
  }
  *more = true;
  return ok_status();
}

StatusOr<bool> Reader::next_member(std::string* name) {
  bool more = false;
  INDORERANK_RETURN_IF_ERROR(close_or_comma('}', &more));
  if (!more) return false;
  skip_ws();
  if (p_ >= t_.size() || t_[p_] != '"') return error("expected a member name");
  name->clear();
  INDORERANK_RETURN_IF_ERROR(string_body(name));
  skip_ws();
  if (p_ >= t_.size() || t_[p_] != ':') return error("expected ':'");
  ++p_;
  return true;
}

StatusOr<bool> Reader::next_item() {
  bool more = false;
  INDORERANK_RETURN_IF_ERROR(close_or_comma(']', &more));
  return more;
}

bool Reader::hex4(uint32_t* v) {
  if (p_ + 4 > t_.size()) return false;
  uint32_t r = 0;
  for (int i = 0; i < 4; ++i) {
    const char c = t_[p_ + i];
    r <<= 4;
    if (c >= '0' && c <= '9') r |= c - '0';
    else if (c >= 'a' && c <= 'f') r |= c - 'a' + 10;
    else if (c >= 'A' && c <= 'F') r |= c - 'A' + 10;
    else return false;
  }
  p_ += 4;
  *v = r;
  return true;
}

Status Reader::read_string(std::string* out) {
  skip_ws();
  if (p_ >= t_.size() || t_[p_] != '"') return error("expected a string");
  out->clear();
  return string_body(out);
}

// At the opening quote. Appends the decoded text to *out (when given).
Status Reader::string_body(std::string* out) {
  ++p_;
  const size_t begin = out ? out->size() : 0;
  for (;;) {
    // Copy the run of plain characters in one step.
    size_t run = p_;
    while (run < t_.size() && t_[run] != '"' && t_[run] != '\\' && static_cast<unsigned char>(t_[run]) >= 0x20) ++run;
    if (out) out->append(t_.data() + p_, run - p_);
    p_ = run;
    if (p_ >= t_.size()) return error("unterminated string");
    const char c = t_[p_];
    if (c == '"') {
      ++p_;
      // JSON text is UTF-8; invalid bytes read as U+FFFD, as everywhere else.
      if (out && !is_valid_utf8(std::string_view(*out).substr(begin)))
        out->replace(begin, std::string::npos, repair_utf8(std::string_view(*out).substr(begin)));
      return ok_status();
    }
    if (c != '\\') return error("control character in string");
    ++p_;
    if (p_ >= t_.size()) return error("unterminated escape");
    const char e = t_[p_++];
    char plain = 0;
    switch (e) {
      case '"': plain = '"'; break;
      case '\\': plain = '\\'; break;
      case '/': plain = '/'; break;
      case 'b': plain = '\b'; break;
      case 'f': plain = '\f'; break;
      case 'n': plain = '\n'; break;
      case 'r': plain = '\r'; break;
      case 't': plain = '\t'; break;
      case 'u': {
        uint32_t cp;
        if (!hex4(&cp)) return error("bad \\u escape");
        if (cp >= 0xD800 && cp <= 0xDBFF && t_.substr(p_, 2) == "\\u") {
          const size_t save = p_;
          p_ += 2;
          uint32_t lo;
          if (hex4(&lo) && lo >= 0xDC00 && lo <= 0xDFFF) {
            cp = 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00);
          } else {
            p_ = save;
          }
        }
        if (cp >= 0xD800 && cp <= 0xDFFF) cp = 0xFFFD;  // lone surrogate
        if (out) append_utf8(*out, cp);
        continue;
      }
      default: return error("unknown escape");
    }
    if (out) *out += plain;
  }
}

Status Reader::read_number(double* out) {
  skip_ws();
  const size_t start = p_;
  if (p_ < t_.size() && t_[p_] == '-') ++p_;
  const size_t digits = p_;
  while (p_ < t_.size() && t_[p_] >= '0' && t_[p_] <= '9') ++p_;
  if (p_ == digits) return error("unexpected character");
  if (p_ < t_.size() && t_[p_] == '.') {
    ++p_;
    const size_t f = p_;
    while (p_ < t_.size() && t_[p_] >= '0' && t_[p_] <= '9') ++p_;
    if (p_ == f) return error("bad number");
  }
  if (p_ < t_.size() && (t_[p_] == 'e' || t_[p_] == 'E')) {
    ++p_;
    if (p_ < t_.size() && (t_[p_] == '+' || t_[p_] == '-')) ++p_;
    const size_t e = p_;
    while (p_ < t_.size() && t_[p_] >= '0' && t_[p_] <= '9') ++p_;
    if (p_ == e) return error("bad number");
  }
  *out = parse_double(t_.substr(start, p_ - start));
  return ok_status();
}

Status Reader::read_bool(bool* out) {
  skip_ws();
  if (literal("true")) { *out = true; return ok_status(); }
  if (literal("false")) { *out = false; return ok_status(); }
  return error("expected true or false");
}

Status Reader::read_null() {
  skip_ws();
  return literal("null") ? ok_status() : error("expected null");
}

Status Reader::skip(std::string_view* span) {
  INDORERANK_ASSIGN_OR_RETURN(const Type type, peek());
  const size_t start = p_;
  switch (type) {
    case Type::kObject: {
      INDORERANK_RETURN_IF_ERROR(enter_object());
      std::string name;
      for (;;) {
        INDORERANK_ASSIGN_OR_RETURN(const bool more, next_member(&name));
        if (!more) break;
        INDORERANK_RETURN_IF_ERROR(skip());
      }
      break;
    }
    case Type::kArray: {
      INDORERANK_RETURN_IF_ERROR(enter_array());
      for (;;) {
        INDORERANK_ASSIGN_OR_RETURN(const bool more, next_item());
        if (!more) break;
        INDORERANK_RETURN_IF_ERROR(skip());
      }
      break;
    }
    case Type::kString: INDORERANK_RETURN_IF_ERROR(string_body(nullptr)); break;
    case Type::kNumber: { double d; INDORERANK_RETURN_IF_ERROR(read_number(&d)); break; }
    case Type::kBool: { bool b; INDORERANK_RETURN_IF_ERROR(read_bool(&b)); break; }
    case Type::kNull: INDORERANK_RETURN_IF_ERROR(read_null()); break;
  }
  if (span) *span = t_.substr(start, p_ - start);
  return ok_status();
}

Status Reader::finish() {
  skip_ws();
  if (p_ != t_.size()) return error("unexpected text after the JSON value");
  return ok_status();
}

// --- the tree, built from the reader ----------------------------------------

class TreeBuilder {
 public:
  static Status build(Reader& r, Value* out) {
    INDORERANK_ASSIGN_OR_RETURN(const Type type, r.peek());
    switch (type) {
      case Type::kObject: {
        INDORERANK_RETURN_IF_ERROR(r.enter_object());
        *out = Value::object();
        std::string name;
        for (;;) {
          INDORERANK_ASSIGN_OR_RETURN(const bool more, r.next_member(&name));
          if (!more) break;
          Value v;
          INDORERANK_RETURN_IF_ERROR(build(r, &v));
          out->members_.emplace_back(std::move(name), std::move(v));
        }
        return index(r, out);
      }
      case Type::kArray: {
        INDORERANK_RETURN_IF_ERROR(r.enter_array());
        *out = Value::array();
        for (;;) {
          INDORERANK_ASSIGN_OR_RETURN(const bool more, r.next_item());
          if (!more) return ok_status();
          Value v;
          INDORERANK_RETURN_IF_ERROR(build(r, &v));
          out->items_.push_back(std::move(v));
        }
      }
      case Type::kString: {
        std::string s;
        INDORERANK_RETURN_IF_ERROR(r.read_string(&s));
        *out = Value::string(std::move(s));
        return ok_status();
      }
      case Type::kNumber: {
        double d;
        INDORERANK_RETURN_IF_ERROR(r.read_number(&d));
        *out = Value::number(d);
        return ok_status();
      }
      case Type::kBool: {
        bool b;
        INDORERANK_RETURN_IF_ERROR(r.read_bool(&b));
        *out = Value::boolean(b);
        return ok_status();
      }
      case Type::kNull: *out = Value(); return r.read_null();
    }
    return ok_status();
  }

 private:
  // Sorts member positions by name: rejects duplicates and makes find() O(log n).
  static Status index(const Reader& r, Value* o) {
    auto& m = o->members_;
    if (m.size() < 2) return ok_status();
    std::vector<uint32_t> order(m.size());
    for (uint32_t i = 0; i < order.size(); ++i) order[i] = i;
    std::sort(order.begin(), order.end(), [&](uint32_t a, uint32_t b) {
      return m[a].first < m[b].first || (m[a].first == m[b].first && a < b);
    });
    for (size_t i = 1; i < order.size(); ++i)
      if (m[order[i]].first == m[order[i - 1]].first)
        return invalid_argument("JSON: duplicate member \"" + m[order[i]].first + "\" in the object ending at offset " +
                                std::to_string(r.offset()));
    if (m.size() > 8) o->sorted_ = std::move(order);
    return ok_status();
  }
};

namespace {

void dump_to(std::string& out, const Value& v) {
  switch (v.type()) {
    case Type::kNull: out += "null"; break;
    case Type::kBool: out += v.as_bool() ? "true" : "false"; break;
    case Type::kNumber: {
      const double d = v.as_number();
      char buf[40];
      if (!std::isfinite(d)) {
        out += "null";
      } else if (v.is_integer()) {
        out += std::to_string(static_cast<long long>(d));
      } else if (v.is_single()) {
        format_double(buf, sizeof buf, d, 9);
        out += buf;
      } else {
        for (int digits = 15; digits <= 17; ++digits) {  // shortest that reads back exactly
          format_double(buf, sizeof buf, d, digits);
          if (parse_double(buf) == d) break;
        }
        out += buf;
      }
      break;
    }
    case Type::kString: append_quoted(out, v.as_string()); break;
    case Type::kArray: {
      out += '[';
      bool first = true;
      for (const auto& i : v.items()) {
        if (!first) out += ',';
        first = false;
        dump_to(out, i);
      }
      out += ']';
      break;
    }
    case Type::kObject: {
      out += '{';
      bool first = true;
      for (const auto& m : v.members()) {
        if (!first) out += ',';
        first = false;
        append_quoted(out, m.first);
        out += ':';
        dump_to(out, m.second);
      }
      out += '}';
      break;
    }
  }
}

}  // namespace

StatusOr<Value> parse(std::string_view text) {
  Value v;
  Reader r(text);
  INDORERANK_RETURN_IF_ERROR(TreeBuilder::build(r, &v));
  INDORERANK_RETURN_IF_ERROR(r.finish());
  return v;
}

std::string dump(const Value& v) {
  std::string out;
  dump_to(out, v);
  return out;
}

void append_quoted(std::string& out, std::string_view raw) {
  const std::string s = repair_utf8(raw);
  out += '"';
  for (const char c : s) {
    switch (c) {
      case '"': out += "\\\""; break;
      case '\\': out += "\\\\"; break;
      case '\n': out += "\\n"; break;
      case '\r': out += "\\r"; break;
      case '\t': out += "\\t"; break;
      default:
        if (static_cast<unsigned char>(c) < 0x20) {
          char buf[8];
          std::snprintf(buf, sizeof buf, "\\u%04x", static_cast<unsigned char>(c));
          out += buf;
        } else {
          out += c;
        }
    }
  }
  out += '"';
}

}  // namespace indorerank::json
