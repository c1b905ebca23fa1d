// Shared by the Embind binding files: error objects, option readers, and
// the byte buffer JavaScript fills in wasm memory.
#pragma once

#include <emscripten/val.h>

#include <cstdint>
#include <cstdlib>
#include <string>
#include <utility>
#include <vector>

#include "indorerank/status.hpp"

namespace indorerank::wasm {

using emscripten::val;

inline val error_value(const indorerank::Status& s) {
  val e = val::object();
  e.set("error", s.message());
  e.set("code", std::string(indorerank::status_code_name(s.code())));
  return e;
}

// Bytes in wasm memory that JavaScript fills (through HEAPU8 at ptr()) and a
// load then takes over, so the model is copied into the heap exactly once.
class ModelBuffer {
 public:
  explicit ModelBuffer(double size) {
    // Without C++ exceptions a failed operator new aborts the module, so ask
    // malloc first: too large a model must be an error the caller can catch.
    if (size < 0 || size > 4294967295.0) return;
    void* probe = std::malloc(static_cast<size_t>(size) + 64);
    if (probe == nullptr) return;
    std::free(probe);
    bytes_.resize(static_cast<size_t>(size));
    ok_ = true;
  }
  bool ok() const { return ok_; }
  uintptr_t ptr() { return reinterpret_cast<uintptr_t>(bytes_.data()); }
  double size() const { return static_cast<double>(bytes_.size()); }
  std::vector<uint8_t> take() { return std::move(bytes_); }
  void assign(std::vector<uint8_t> bytes) {
    bytes_ = std::move(bytes);
    ok_ = true;
  }

 private:
  std::vector<uint8_t> bytes_;
  bool ok_ = false;
};

inline double num(const val& o, const char* key, double fallback) {
  const val v = o[key];
  return v.isNumber() ? v.as<double>() : fallback;
}

inline bool flag(const val& o, const char* key) {
  const val v = o[key];
  return v.isTrue();
}

}  // namespace indorerank::wasm
