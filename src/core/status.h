// Status and Result<T>: the error currency of every Cairn module.
//
// A Status carries a code from a small closed set, a message fit to show a user, an optional
// detail for the log, and optional per-field details (validation failures name each bad field).
// Result<T> is either a value or a non-OK Status. Neither throws; both are cheap to move.
// Codes are mapped once at each boundary (HTTP status in api, a page in web, retryable or
// permanent in sync).
#pragma once

#include <cassert>
#include <string>
#include <string_view>
#include <utility>
#include <variant>
#include <vector>

namespace cairn {

enum class Code {
  kOk = 0,
  kNotFound,
  kInvalidArgument,
  kConflict,
  kUnauthorized,
  kForbidden,
  kRateLimited,
  kUnavailable,
  kCorruption,
  kInternal,
};

std::string_view CodeName(Code code);

class [[nodiscard]] Status {
 public:
  Status() = default;
  Status(Code code, std::string message, std::string detail = {})
      : code_(code), message_(std::move(message)), detail_(std::move(detail)) {}

  static Status Ok() { return {}; }
  static Status NotFound(std::string m) { return {Code::kNotFound, std::move(m)}; }
  static Status Invalid(std::string m) { return {Code::kInvalidArgument, std::move(m)}; }
  static Status Conflict(std::string m) { return {Code::kConflict, std::move(m)}; }
  static Status Unauthorized(std::string m) { return {Code::kUnauthorized, std::move(m)}; }
  static Status Forbidden(std::string m) { return {Code::kForbidden, std::move(m)}; }
  static Status Unavailable(std::string m, std::string d = {}) {
    return {Code::kUnavailable, std::move(m), std::move(d)};
  }
  static Status Internal(std::string m, std::string d = {}) {
    return {Code::kInternal, std::move(m), std::move(d)};
  }
  static Status Corruption(std::string m, std::string d = {}) {
    return {Code::kCorruption, std::move(m), std::move(d)};
  }

  bool ok() const { return code_ == Code::kOk; }
  Code code() const { return code_; }
  const std::string& message() const { return message_; }
  const std::string& detail() const { return detail_; }
  // Per-field problems, each a sentence that names the field ("name can't be blank").
  const std::vector<std::string>& details() const { return details_; }
  Status& AddDetail(std::string d) {
    details_.push_back(std::move(d));
    return *this;
  }
  // "NotFound: Company not found (detail)" for logs.
  std::string ToString() const;

 private:
  Code code_ = Code::kOk;
  std::string message_;
  std::string detail_;
  std::vector<std::string> details_;
};

template <class T>
class [[nodiscard]] Result {
 public:
  Result(T value) : v_(std::move(value)) {}                  // NOLINT: implicit by design
  Result(Status status) : v_(std::move(status)) { assert(!std::get<1>(v_).ok()); }  // NOLINT

  bool ok() const { return v_.index() == 0; }
  const Status& status() const {
    static const Status kOk;
    return ok() ? kOk : std::get<1>(v_);
  }
  T& value() & { return std::get<0>(v_); }
  const T& value() const& { return std::get<0>(v_); }
  T&& value() && { return std::get<0>(std::move(v_)); }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }
  T& operator*() & { return value(); }
  const T& operator*() const& { return value(); }

 private:
  std::variant<T, Status> v_;
};

}  // namespace cairn

// Returns early from a function returning Status or Result<U> when `expr` is not OK.
#define CAIRN_RETURN_IF_ERROR(expr)            \
  do {                                         \
    auto _st = (expr);                         \
    if (!_st.ok()) return ::cairn::Status(_st); \
  } while (0)

#define CAIRN_CONCAT_INNER(a, b) a##b
#define CAIRN_CONCAT(a, b) CAIRN_CONCAT_INNER(a, b)
// `CAIRN_ASSIGN_OR_RETURN(auto x, Foo());` binds the value or returns the error.
#define CAIRN_ASSIGN_OR_RETURN(lhs, expr) \
  CAIRN_ASSIGN_OR_RETURN_IMPL(CAIRN_CONCAT(_res_, __LINE__), lhs, expr)
#define CAIRN_ASSIGN_OR_RETURN_IMPL(tmp, lhs, expr) \
  auto tmp = (expr);                                \
  if (!tmp.ok()) return tmp.status();               \
  lhs = std::move(tmp).value()
