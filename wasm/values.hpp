// Shared by the Embind binding files: error objects, option readers, and
// the byte buffer JavaScript fills in wasm memory.
#pragma once

#include <emscripten/val.h>

#include <cstdint>
#include <cstdlib>
#include <new>
#include <stdexcept>
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

// The modules are built with WebAssembly exceptions so that running out of
// memory anywhere in a call (the module has at most 2 GiB) unwinds to the
// binding, which answers resource_exhausted; the instance stays usable.
inline val out_of_memory() {
  return error_value(indorerank::Status(indorerank::StatusCode::kResourceExhausted,
                                        "out of WebAssembly memory (2 GiB at most): this call needed more than "
                                        "was left; the reranker is unchanged, send smaller calls"));
}

// Runs f() (which returns a val), answering out_of_memory() if it runs out.
template <typename F>
val guard(F&& f) {
  try {
    return f();
  } catch (const std::bad_alloc&) {
    return out_of_memory();
  } catch (const std::length_error&) {
    return out_of_memory();
  }
}

// A bound method under guard(): .function("name", &Guarded<&Class::method>::call).
template <auto Method>
struct Guarded;
template <typename C, typename... A, val (C::*Method)(A...)>
struct Guarded<Method> {
  static val call(C& self, A... args) {
    return guard([&] { return (self.*Method)(std::forward<A>(args)...); });
  }
};
template <typename C, typename... A, val (C::*Method)(A...) const>
struct Guarded<Method> {
  static val call(const C& self, A... args) {
    return guard([&] { return (self.*Method)(std::forward<A>(args)...); });
  }
};

// Bytes in wasm memory that JavaScript fills (through HEAPU8 at ptr()) and a
// load then takes over, so the model is copied into the heap exactly once.
class ModelBuffer {
 public:
  explicit ModelBuffer(double size) {
    if (size < 0 || size > 4294967295.0) return;
    try {
      bytes_.resize(static_cast<size_t>(size));
      ok_ = true;
    } catch (const std::bad_alloc&) {
      // ok() stays false: the caller reports the model as too large.
    }
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
