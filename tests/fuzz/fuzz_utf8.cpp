// libFuzzer target: UTF-8 repair always yields valid UTF-8 and leaves valid
// input untouched.
#include <cstdint>
#include <cstdlib>
#include <string>

#include "utf8.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view s(reinterpret_cast<const char*>(data), size);
  const std::string r = indorerank::repair_utf8(s);
  if (!indorerank::is_valid_utf8(r)) std::abort();
  if (indorerank::is_valid_utf8(s) && r != s) std::abort();
  return 0;
}
