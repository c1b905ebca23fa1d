#include "json.hpp"

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
  for (const auto& m : members_)
    if (m.first == key) return &m.second;
  return nullptr;
}

void Value::set(std::string key, Value v) {
  for (auto& m : members_)
    if (m.first == key) { m.second = std::move(v); return; }
  members_.emplace_back(std::move(key), std::move(v));
}

namespace {

class Parser {
 public:
  explicit Parser(std::string_view t) : t_(t) {}

  Status run(Value* out) {
    INDORERANK_RETURN_IF_ERROR(parse_value(out, 0));
    skip_ws();
    if (p_ != t_.size()) return error("unexpected text after the JSON value");
    return ok_status();
  }

 private:
  Status error(const std::string& what) const {
    return invalid_argument("JSON: " + what + " at offset " + std::to_string(p_));
  }
  void skip_ws() {
    while (p_ < t_.size() && (t_[p_] == ' ' || t_[p_] == '\t' || t_[p_] == '\n' || t_[p_] == '\r')) ++p_;
  }
  bool consume(const char* lit) {
    const size_t n = std::strlen(lit);
    if (t_.substr(p_, n) != lit) return false;
    p_ += n;
    return true;
  }

  Status parse_value(Value* out, int depth) {
    if (depth > kMaxDepth) return error("nesting deeper than 64");
    skip_ws();
    if (p_ >= t_.size()) return error("unexpected end of input");
    const char c = t_[p_];
    if (c == '{') return parse_object(out, depth);
    if (c == '[') return parse_array(out, depth);
    if (c == '"') {
      std::string s;
      INDORERANK_RETURN_IF_ERROR(parse_string(&s));
      *out = Value::string(std::move(s));
      return ok_status();
    }
    if (consume("true")) { *out = Value::boolean(true); return ok_status(); }
    if (consume("false")) { *out = Value::boolean(false); return ok_status(); }
    if (consume("null")) { *out = Value(); return ok_status(); }
    return parse_number(out);
  }

  Status parse_object(Value* out, int depth) {
    ++p_;  // '{'
    *out = Value::object();
    skip_ws();
    if (p_ < t_.size() && t_[p_] == '}') { ++p_; return ok_status(); }
    for (;;) {
      skip_ws();
      if (p_ >= t_.size() || t_[p_] != '"') return error("expected a member name");
      std::string key;
      INDORERANK_RETURN_IF_ERROR(parse_string(&key));
      if (out->find(key) != nullptr) return error("duplicate member \"" + key + "\"");
      skip_ws();
      if (p_ >= t_.size() || t_[p_] != ':') return error("expected ':'");
      ++p_;
      Value v;
      INDORERANK_RETURN_IF_ERROR(parse_value(&v, depth + 1));
      out->set(std::move(key), std::move(v));
      skip_ws();
      if (p_ < t_.size() && t_[p_] == ',') { ++p_; continue; }
      if (p_ < t_.size() && t_[p_] == '}') { ++p_; return ok_status(); }
      return error("expected ',' or '}'");
    }
  }

  Status parse_array(Value* out, int depth) {
    ++p_;  // '['
    *out = Value::array();
    skip_ws();
    if (p_ < t_.size() && t_[p_] == ']') { ++p_; return ok_status(); }
    for (;;) {
      Value v;
      INDORERANK_RETURN_IF_ERROR(parse_value(&v, depth + 1));
      out->push_back(std::move(v));
      skip_ws();
      if (p_ < t_.size() && t_[p_] == ',') { ++p_; continue; }
      if (p_ < t_.size() && t_[p_] == ']') { ++p_; return ok_status(); }
      return error("expected ',' or ']'");
    }
  }

  bool hex4(uint32_t* v) {
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

  Status parse_string(std::string* s) {
    ++p_;  // opening quote
    for (;;) {
      if (p_ >= t_.size()) return error("unterminated string");
      const char c = t_[p_];
      if (c == '"') {
        ++p_;
        // JSON text is UTF-8; invalid bytes read as U+FFFD, as everywhere else.
        if (!is_valid_utf8(*s)) *s = repair_utf8(*s);
        break;
      }
      if (static_cast<unsigned char>(c) < 0x20) return error("control character in string");
      if (c != '\\') { *s += c; ++p_; continue; }
      ++p_;
      if (p_ >= t_.size()) return error("unterminated escape");
      const char e = t_[p_++];
      switch (e) {
        case '"': *s += '"'; break;
        case '\\': *s += '\\'; break;
        case '/': *s += '/'; break;
        case 'b': *s += '\b'; break;
        case 'f': *s += '\f'; break;
        case 'n': *s += '\n'; break;
        case 'r': *s += '\r'; break;
        case 't': *s += '\t'; break;
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
          append_utf8(*s, cp);
          break;
        }
        default: return error("unknown escape");
      }
    }
    return ok_status();
  }

  Status parse_number(Value* out) {
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
    const std::string tok(t_.substr(start, p_ - start));
    *out = Value::number(std::strtod(tok.c_str(), nullptr));
    return ok_status();
  }

  std::string_view t_;
  size_t p_ = 0;
};

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
        std::snprintf(buf, sizeof buf, "%lld", static_cast<long long>(d));
        out += buf;
      } else if (v.is_single()) {
        std::snprintf(buf, sizeof buf, "%.9g", d);
        out += buf;
      } else {
        for (int digits = 15; digits <= 17; ++digits) {  // shortest that reads back exactly
          std::snprintf(buf, sizeof buf, "%.*g", digits, d);
          if (std::strtod(buf, nullptr) == d) break;
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
  Parser p(text);
  Status s = p.run(&v);
  if (!s.ok()) return s;
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
