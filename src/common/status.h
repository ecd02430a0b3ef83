// Status and Result<T>: the error values that cross every function boundary in pertoken.
//
// A Status is either OK or carries a code and a message that says what went wrong and where
// (`models/llama-2-7b.toml:12: layers: expected an integer`). Result<T> holds a T or a non-OK
// Status. Both are cheap value types with no shared state, safe to pass between threads.
#pragma once

#include <optional>
#include <string>
#include <utility>
#include <variant>

namespace pertoken {

enum class StatusCode {
  kOk,
  kInvalidArgument,  // the caller's input is wrong: a bad flag, an impossible layout
  kNotFound,         // an id or file that does not exist
  kParseError,       // a file that is not valid TOML/JSON/CSV or breaks its schema
  kIoError,          // a file that cannot be read or written
  kInternal,         // a bug
};

class Status {
 public:
  Status() = default;  // OK

  static Status InvalidArgument(std::string msg) {
    return Status(StatusCode::kInvalidArgument, std::move(msg));
  }
  static Status NotFound(std::string msg) { return Status(StatusCode::kNotFound, std::move(msg)); }
  static Status ParseError(std::string msg) {
    return Status(StatusCode::kParseError, std::move(msg));
  }
  static Status IoError(std::string msg) { return Status(StatusCode::kIoError, std::move(msg)); }
  static Status Internal(std::string msg) { return Status(StatusCode::kInternal, std::move(msg)); }

  bool ok() const { return code_ == StatusCode::kOk; }
  StatusCode code() const { return code_; }
  const std::string& message() const { return message_; }

 private:
  Status(StatusCode code, std::string msg) : code_(code), message_(std::move(msg)) {}

  StatusCode code_ = StatusCode::kOk;
  std::string message_;
};

// Result<T> holds either a value or a non-OK Status.
// REQUIRES: value() only when ok(); status() is OK when a value is held.
template <typename T>
class Result {
 public:
  Result(T value) : value_(std::move(value)) {}          // NOLINT(google-explicit-constructor)
  Result(Status status) : status_(std::move(status)) {}  // NOLINT(google-explicit-constructor)

  bool ok() const { return value_.has_value(); }
  const Status& status() const { return status_; }
  const T& value() const& { return *value_; }
  T& value() & { return *value_; }
  T&& value() && { return std::move(*value_); }
  const T* operator->() const { return &*value_; }
  const T& operator*() const { return *value_; }

 private:
  std::optional<T> value_;
  Status status_;
};

}  // namespace pertoken
