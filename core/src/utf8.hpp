// UTF-8 repair. Every text entering the tokenizer passes through here, so
// invalid bytes have one defined meaning everywhere: each maximal invalid
// subpart becomes U+FFFD (the Unicode-recommended policy, the same as
// Python's bytes.decode("utf-8", "replace") and the WHATWG decoder).
#pragma once

#include <string>
#include <string_view>

namespace indorerank {

/// True when `s` is well-formed UTF-8 (no surrogates, no overlongs, <= U+10FFFF).
bool is_valid_utf8(std::string_view s);

/// `s` with every maximal invalid subpart replaced by U+FFFD (EF BF BD).
std::string repair_utf8(std::string_view s);

/// Appends the UTF-8 encoding of code point `cp` (<= U+10FFFF).
void append_utf8(std::string& out, char32_t cp);

/// Decodes the code point at s[i] of well-formed UTF-8 and advances i past it.
char32_t next_code_point(std::string_view s, size_t& i);

}  // namespace indorerank
