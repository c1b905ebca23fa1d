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

}  // namespace indorerank
