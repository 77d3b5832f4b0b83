// Table schemas: a description of each record type's columns, shared by the store (which turns
// it into SQL) and the API (which turns it into JSON). Describing a record once keeps the column
// list, the SQL and the JSON field names from drifting apart.
//
// A schema is immutable after construction and safe to read from any thread.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

namespace cairn {

// A scalar as it crosses the store boundary. Booleans travel as 0/1, times as milliseconds since
// the Unix epoch (UTC), optional integers as monostate when absent.
using Value = std::variant<std::monostate, int64_t, std::string>;

inline bool IsNull(const Value& v) { return v.index() == 0; }

enum class ColType {
  kId,      // int64_t primary key, assigned by the store
  kInt,     // int64_t
  kOptInt,  // std::optional<int64_t>, NULL when absent
  kText,    // std::string, never NULL ("" when empty)
  kBool,    // bool, stored as 0/1
  kTime,    // int64_t milliseconds since the epoch (UTC); JSON shows ISO 8601
};

template <class T>
struct Column {
  using Member = std::variant<int64_t T::*, std::optional<int64_t> T::*, std::string T::*,
                              bool T::*>;
  std::string_view name;
  ColType type;
  Member member;
  // Set by the API from request bodies. False for ids, timestamps and columns only the server
  // decides (slugs, secrets stored encrypted, ...).
  bool writable = true;
};

template <class T>
struct TableSchema {
  std::string_view table;
  std::string_view model;  // "Company": used in messages such as "Company not found"
  std::vector<Column<T>> columns;  // columns[0] is the id

  const Column<T>* Find(std::string_view name) const {
    for (const auto& c : columns)
      if (c.name == name) return &c;
    return nullptr;
  }
};

template <class T>
Value GetValue(const T& row, const Column<T>& col) {
  return std::visit(
      [&](auto m) -> Value {
        const auto& v = row.*m;
        using V = std::decay_t<decltype(v)>;
        if constexpr (std::is_same_v<V, int64_t>) return v;
        else if constexpr (std::is_same_v<V, bool>) return int64_t{v ? 1 : 0};
        else if constexpr (std::is_same_v<V, std::string>) return v;
        else return v ? Value(*v) : Value();
      },
      col.member);
}

// Stores `v` into the row; a value of the wrong kind is coerced (text "12" to 12, NULL to 0 or
// ""), since database drivers differ in how they report types.
template <class T>
void SetValue(T& row, const Column<T>& col, const Value& v) {
  auto as_int = [&]() -> std::optional<int64_t> {
    if (auto* i = std::get_if<int64_t>(&v)) return *i;
    if (auto* s = std::get_if<std::string>(&v)) {
      if (*s == "t" || *s == "true") return 1;
      if (*s == "f" || *s == "false") return 0;
      try {
        return std::stoll(*s);
      } catch (...) {
        return std::nullopt;
      }
    }
    return std::nullopt;
  };
  std::visit(
      [&](auto m) {
        auto& dst = row.*m;
        using V = std::decay_t<decltype(dst)>;
        if constexpr (std::is_same_v<V, int64_t>) dst = as_int().value_or(0);
        else if constexpr (std::is_same_v<V, bool>) dst = as_int().value_or(0) != 0;
        else if constexpr (std::is_same_v<V, std::string>) {
          if (auto* s = std::get_if<std::string>(&v)) dst = *s;
          else if (auto* i = std::get_if<int64_t>(&v)) dst = std::to_string(*i);
          else dst.clear();
        } else {
          dst = IsNull(v) ? std::nullopt : as_int();
        }
      },
      col.member);
}

}  // namespace cairn
