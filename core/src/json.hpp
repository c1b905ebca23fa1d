// A small JSON reader and writer: enough for safetensors headers, config.json,
// JSONL passages, HTTP bodies and CLI output. Parsing never throws, never
// recurses past kMaxDepth and takes time O(n log n) in the text, so hostile
// input gives an error, not a crash or a stall.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "indorerank/status.hpp"

namespace indorerank::json {

enum class Type { kNull, kBool, kNumber, kString, kArray, kObject };

class Value {
 public:
  Value() = default;
  static Value boolean(bool b);
  static Value number(double d);
  /// A number that came from a float: printed with the 9 digits that
  /// round-trip a float (0.1f prints as 0.100000001, not 17 digits).
  static Value single(float f);
  static Value string(std::string s);
  static Value array();
  static Value object();

  Type type() const { return type_; }
  bool is_null() const { return type_ == Type::kNull; }
  bool is_bool() const { return type_ == Type::kBool; }
  bool is_number() const { return type_ == Type::kNumber; }
  bool is_string() const { return type_ == Type::kString; }
  bool is_array() const { return type_ == Type::kArray; }
  bool is_object() const { return type_ == Type::kObject; }

  bool as_bool() const { return bool_; }
  bool is_single() const { return single_; }
  double as_number() const { return number_; }
  /// True when the number is integral and fits int64 exactly.
  bool is_integer() const;
  int64_t as_int() const { return static_cast<int64_t>(number_); }
  const std::string& as_string() const { return string_; }
  const std::vector<Value>& items() const { return items_; }
  std::vector<Value>& items() { return items_; }
  /// Object members in file order (duplicates are rejected by the parser).
  const std::vector<std::pair<std::string, Value>>& members() const { return members_; }

  /// Member lookup; nullptr when absent or when this is not an object.
  /// O(log n) on parsed objects, linear on objects built with set().
  const Value* find(std::string_view key) const;
  void push_back(Value v) { items_.push_back(std::move(v)); }
  void set(std::string key, Value v);

 private:
  friend class TreeBuilder;
  Type type_ = Type::kNull;
  bool bool_ = false;
  double number_ = 0;
  bool single_ = false;
  std::string string_;
  std::vector<Value> items_;
  std::vector<std::pair<std::string, Value>> members_;
  std::vector<uint32_t> sorted_;  ///< members_ positions by name (parsed objects); empty after set()
};

constexpr int kMaxDepth = 64;

/// A pull reader: walks one JSON text value by value without building a tree,
/// so code that needs a few fields of a large, untrusted document (an HTTP
/// body) spends time linear in the text and memory only on what it keeps.
/// Everything consumed is validated exactly as parse() does, so a text the
/// reader walks to finish() is one parse() accepts (duplicate member names
/// aside: the reader does not track names).
///
///   Reader r(text);
///   r.enter_object();
///   for (std::string name; r.next_member(&name).value();) { ... read or skip() ... }
///   r.finish();
class Reader {
 public:
  explicit Reader(std::string_view text) : t_(text) {}
  /// Type of the next value (after whitespace); an error at the end of input.
  StatusOr<Type> peek();
  /// Consumes '{'; then call next_member() until it returns false.
  Status enter_object();
  /// Reads the next member's name and ':'; false (and the '}' consumed) at the end.
  StatusOr<bool> next_member(std::string* name);
  /// Consumes '['; then call next_item() until it returns false.
  Status enter_array();
  /// True when another item follows (read it next); false (and ']' consumed) at the end.
  StatusOr<bool> next_item();
  Status read_string(std::string* out);
  Status read_number(double* out);
  Status read_bool(bool* out);
  Status read_null();
  /// Consumes one value of any type, checking it; `span` gets its text.
  Status skip(std::string_view* span = nullptr);
  /// Only whitespace may follow the top-level value.
  Status finish();
  /// Byte offset of the next unread character.
  size_t offset() const { return p_; }

 private:
  Status error(const std::string& what) const;
  void skip_ws();
  bool literal(std::string_view lit);
  bool hex4(uint32_t* v);
  Status string_body(std::string* out);  // out == nullptr: check only
  Status close_or_comma(char close, bool* more);
  Status enter(char open);

  std::string_view t_;
  size_t p_ = 0;
  // One entry per open container: true until its first member/item is read.
  std::vector<bool> first_;
};

/// Parses one JSON document (surrounding whitespace allowed). Invalid UTF-8
/// inside strings is replaced by U+FFFD per maximal invalid subpart.
StatusOr<Value> parse(std::string_view text);

/// Compact serialization. Integral numbers print without a decimal point;
/// others with the fewest digits that read back as the same double (or
/// float, for Value::single), so dump(parse(dump(v))) == dump(v).
std::string dump(const Value& v);
/// Appends `s` as a quoted JSON string (invalid UTF-8 becomes U+FFFD).
void append_quoted(std::string& out, std::string_view s);

}  // namespace indorerank::json
