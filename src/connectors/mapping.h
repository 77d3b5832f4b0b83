// Small helpers the four connectors share to read vendor JSON into VendorItems: safe lookups of
// nested fields, scalars as text, ISO stamps as Unix ms, and the flat label -> scalar card.
// Internal to src/connectors.
#pragma once

#include <boost/json.hpp>

#include <cstdint>
#include <initializer_list>
#include <string>
#include <string_view>

namespace cairn::connectors::mapping {

namespace json = boost::json;

// The value at a path of object keys ({"company", "id"}); nullptr when any step is missing or
// not an object.
const json::value* At(const json::object& o, std::initializer_list<std::string_view> path);
const json::value* At(const json::value& v, std::initializer_list<std::string_view> path);

// A scalar as text: strings as they are, integers in decimal, whole doubles without ".0"
// (Halo's decimal ids: 112.0 -> "112"), other doubles shortest, booleans "true"/"false"; null,
// missing, arrays and objects "".
std::string Text(const json::value* v);
inline std::string Text(const json::object& o, std::initializer_list<std::string_view> path) {
  return Text(At(o, path));
}
// A boolean field; `fallback` when missing or not a boolean.
bool Bool(const json::object& o, std::initializer_list<std::string_view> path, bool fallback);
// An ISO 8601 stamp as Unix ms; 0 when missing, empty or unparseable.
int64_t Stamp(const json::value* v);
inline int64_t Stamp(const json::object& o, std::initializer_list<std::string_view> path) {
  return Stamp(At(o, path));
}
// "First Last" without stray spaces.
std::string FullName(std::string_view first, std::string_view last);
// Parts joined by `sep`, skipping empty ones.
std::string Join(std::initializer_list<std::string_view> parts, std::string_view sep = ", ");

// The card: label -> scalar. Adds `v` under `label` when it is a non-null scalar (strings only
// when not empty); objects are flattened as "label / key" (one level of keys per " / "); arrays
// of scalars are joined with ", "; arrays of objects are skipped.
void Card(json::object& card, std::string_view label, const json::value* v);
inline void Card(json::object& card, std::string_view label, const json::object& o,
                 std::initializer_list<std::string_view> path) {
  Card(card, label, At(o, path));
}

// The array under `key` of a list answer, or the answer itself when it is a bare array; nullptr
// when neither.
const json::array* ListOf(const json::value& answer, std::string_view key);

}  // namespace cairn::connectors::mapping
