// indorerank: Status and StatusOr<T>, the error type of the whole C++ API.
//
// The core never throws. Every fallible call returns a Status (or a StatusOr<T>
// holding either a value or a Status); the message says what went wrong in
// words a user can act on ("model file truncated: tensor 'layer.3.q.weight'
// ends at byte 9123456 but the file has 9000000 bytes").
#pragma once

#include <string>
#include <utility>

#include "indorerank/export.h"

INDORERANK_API_BEGIN
namespace indorerank {

enum class StatusCode : int {
  kOk = 0,
  kInvalidArgument = 1,     // bad input from the caller (arguments, text, options)
  kNotFound = 2,            // a file or tensor that should exist does not
  kDataLoss = 3,            // a file is truncated, corrupted or not what it claims
  kResourceExhausted = 4,   // a memory cap is too small for the work asked for
  kFailedPrecondition = 5,  // the object is not in a state to do this
  kUnimplemented = 6,       // e.g. a kernel this CPU or build does not have
  kInternal = 7,            // a bug in indorerank
  kIoError = 8,             // the operating system refused a read or write
};

/// Short lower-case name of a code, e.g. "invalid_argument".
const char* status_code_name(StatusCode code);

class Status {
 public:
  Status() = default;
  Status(StatusCode code, std::string message) : code_(code), message_(std::move(message)) {}

  bool ok() const { return code_ == StatusCode::kOk; }
  StatusCode code() const { return code_; }
  const std::string& message() const { return message_; }
  /// "invalid_argument: <message>", or "ok".
  std::string to_string() const;

 private:
  StatusCode code_ = StatusCode::kOk;
  std::string message_;
};

inline Status ok_status() { return Status(); }
inline Status invalid_argument(std::string m) { return {StatusCode::kInvalidArgument, std::move(m)}; }
inline Status not_found(std::string m) { return {StatusCode::kNotFound, std::move(m)}; }
inline Status data_loss(std::string m) { return {StatusCode::kDataLoss, std::move(m)}; }
inline Status resource_exhausted(std::string m) { return {StatusCode::kResourceExhausted, std::move(m)}; }
inline Status failed_precondition(std::string m) { return {StatusCode::kFailedPrecondition, std::move(m)}; }
inline Status unimplemented(std::string m) { return {StatusCode::kUnimplemented, std::move(m)}; }
inline Status internal_error(std::string m) { return {StatusCode::kInternal, std::move(m)}; }
inline Status io_error(std::string m) { return {StatusCode::kIoError, std::move(m)}; }

/// Either a T or a non-ok Status. Check ok() before value().
template <typename T>
class StatusOr {
 public:
  StatusOr(Status s) : status_(std::move(s)) {  // NOLINT: implicit by design
    if (status_.ok()) status_ = internal_error("StatusOr built from an ok Status without a value");
  }
  StatusOr(T v) : value_(std::move(v)), has_value_(true) {}  // NOLINT: implicit by design

  bool ok() const { return has_value_; }
  const Status& status() const { return status_; }
  T& value() & { return value_; }
  const T& value() const& { return value_; }
  T&& value() && { return std::move(value_); }
  T* operator->() { return &value_; }
  const T* operator->() const { return &value_; }
  T& operator*() & { return value_; }

 private:
  Status status_;
  T value_{};
  bool has_value_ = false;
};

}  // namespace indorerank
INDORERANK_API_END

#define INDORERANK_RETURN_IF_ERROR(expr)            \
  do {                                              \
    ::indorerank::Status _ir_status = (expr);       \
    if (!_ir_status.ok()) return _ir_status;        \
  } while (0)

#define INDORERANK_CONCAT_INNER(a, b) a##b
#define INDORERANK_CONCAT(a, b) INDORERANK_CONCAT_INNER(a, b)
#define INDORERANK_ASSIGN_OR_RETURN(lhs, expr) \
  INDORERANK_ASSIGN_OR_RETURN_IMPL(INDORERANK_CONCAT(_ir_or_, __LINE__), lhs, expr)
#define INDORERANK_ASSIGN_OR_RETURN_IMPL(tmp, lhs, expr) \
  auto tmp = (expr);                                      \
  if (!tmp.ok()) return tmp.status();                     \
  lhs = std::move(tmp).value()
