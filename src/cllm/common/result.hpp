// Result<T>: a value or a typed Error. Functions that can fail on outside input return it;
// exceptions never cross module boundaries.
#pragma once

#include <cassert>
#include <string>
#include <string_view>
#include <utility>
#include <variant>

namespace cllm {

enum class ErrorCode {
  kInvalidArgument,  // the caller passed something malformed
  kParse,            // outside bytes or text did not parse
  kCrypto,           // a cryptographic primitive failed or rejected its input
  kVerification,     // a signature, chain or measurement check failed
  kIo,               // file, socket or process error
  kNotFound,
  kUnsupported,
  kLimit,  // a size, count or length bound was exceeded
  kInternal,
};

std::string_view to_string(ErrorCode code);

// An error names what failed; context() prepends where ("parsing quote: ...").
class Error {
 public:
  Error(ErrorCode code, std::string message) : code_(code), message_(std::move(message)) {}

  ErrorCode code() const { return code_; }
  const std::string& message() const { return message_; }

  // Returns a copy whose message is "<what>: <message>".
  Error context(std::string_view what) const&;
  Error context(std::string_view what) &&;

 private:
  ErrorCode code_;
  std::string message_;
};

inline Error make_error(ErrorCode code, std::string message) {
  return Error(code, std::move(message));
}

template <class T>
class [[nodiscard]] Result {
 public:
  Result(T value) : data_(std::in_place_index<0>, std::move(value)) {}      // NOLINT: implicit
  Result(Error error) : data_(std::in_place_index<1>, std::move(error)) {}  // NOLINT: implicit

  bool ok() const { return data_.index() == 0; }
  explicit operator bool() const { return ok(); }

  T& value() & {
    assert(ok());
    return std::get<0>(data_);
  }
  const T& value() const& {
    assert(ok());
    return std::get<0>(data_);
  }
  T&& value() && {
    assert(ok());
    return std::get<0>(std::move(data_));
  }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }
  T& operator*() & { return value(); }
  const T& operator*() const& { return value(); }

  const Error& error() const& {
    assert(!ok());
    return std::get<1>(data_);
  }
  Error&& error() && {
    assert(!ok());
    return std::get<1>(std::move(data_));
  }

  T value_or(T fallback) const& { return ok() ? value() : std::move(fallback); }

 private:
  std::variant<T, Error> data_;
};

template <>
class [[nodiscard]] Result<void> {
 public:
  Result() = default;
  Result(Error error) : error_(std::move(error)), failed_(true) {}  // NOLINT: implicit

  bool ok() const { return !failed_; }
  explicit operator bool() const { return ok(); }
  const Error& error() const& {
    assert(failed_);
    return error_;
  }
  Error&& error() && {
    assert(failed_);
    return std::move(error_);
  }

 private:
  Error error_{ErrorCode::kInternal, ""};
  bool failed_ = false;
};

using Status = Result<void>;

inline Status ok_status() {
  return Status();
}

}  // namespace cllm

#define CLLM_CONCAT_INNER(a, b) a##b
#define CLLM_CONCAT(a, b) CLLM_CONCAT_INNER(a, b)

// CLLM_TRY(expr): evaluates a Result and returns its error from the enclosing function.
#define CLLM_TRY(expr)                                                      \
  do {                                                                      \
    auto&& cllm_try_result_ = (expr);                                       \
    if (!cllm_try_result_.ok()) return std::move(cllm_try_result_).error(); \
  } while (false)

// CLLM_ASSIGN_OR_RETURN(lhs, expr): lhs = value of expr, or return its error.
#define CLLM_ASSIGN_OR_RETURN(lhs, expr) \
  CLLM_ASSIGN_OR_RETURN_IMPL(CLLM_CONCAT(cllm_result_, __LINE__), lhs, expr)
#define CLLM_ASSIGN_OR_RETURN_IMPL(tmp, lhs, expr) \
  auto tmp = (expr);                               \
  if (!tmp.ok()) return std::move(tmp).error();    \
  lhs = std::move(tmp).value()
