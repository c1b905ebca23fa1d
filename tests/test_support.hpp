// Shared helpers for the Catch2 suites.
#pragma once

#include <cstdlib>
#include <memory>
#include <string>

#include "indorerank/indorerank.hpp"

namespace indorerank::test {

/// Path of a generated fixture (ctest generates them before the suites run).
inline std::string fixture(const std::string& name) {
  const char* env = std::getenv("INDORERANK_FIXTURES");
  return std::string(env ? env : INDORERANK_FIXTURES_DIR) + "/" + name;
}

inline std::unique_ptr<Reranker> load_tiny(LoadOptions o = {}) {
  auto r = Reranker::load(fixture("tiny.int8.safetensors"), o);
  if (!r.ok()) return nullptr;
  return std::move(r).value();
}

}  // namespace indorerank::test
