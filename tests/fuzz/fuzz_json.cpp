// libFuzzer target: the JSON reader never crashes, and what it accepts
// serializes to JSON it accepts again, unchanged.
#include <cstdint>
#include <cstdlib>
#include <string>

#include "json.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  auto v = indorerank::json::parse(text);
  if (!v.ok()) return 0;
  const std::string once = indorerank::json::dump(v.value());
  auto again = indorerank::json::parse(once);
  if (!again.ok() || indorerank::json::dump(again.value()) != once) std::abort();
  return 0;
}
