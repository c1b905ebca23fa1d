// A small JSON reader and writer: enough for safetensors headers, config.json,
// JSONL passages and CLI output. Parsing never throws and never recurses past
// kMaxDepth, so hostile input gives an error, not a crash.
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
  const Value* find(std::string_view key) const;
  void push_back(Value v) { items_.push_back(std::move(v)); }
  void set(std::string key, Value v);

 private:
  Type type_ = Type::kNull;
  bool bool_ = false;
  double number_ = 0;
  bool single_ = false;
  std::string string_;
  std::vector<Value> items_;
  std::vector<std::pair<std::string, Value>> members_;
};

constexpr int kMaxDepth = 64;

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
