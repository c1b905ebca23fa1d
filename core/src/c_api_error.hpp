// Internal: the C API's per-thread last error, shared by its source files.
#pragma once

#include <string>

#include "indorerank/indorerank.h"
#include "indorerank/status.hpp"

namespace indorerank::c_api {

/// The calling thread's last error message (ir_last_error()).
inline std::string& last_error() {
  thread_local std::string message;
  return message;
}

inline ir_status fail(const Status& s) {
  last_error() = s.message();
  return static_cast<ir_status>(s.code());
}

inline ir_status fail(ir_status code, const std::string& message) {
  last_error() = message;
  return code;
}

inline ir_status succeed() {
  last_error().clear();
  return IR_OK;
}

}  // namespace indorerank::c_api
