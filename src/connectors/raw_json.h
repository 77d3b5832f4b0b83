// Raw JSON: a vendor's answer read as text, without building a tree. A connector for a vendor
// with no change cursor (HaloPSA) lists every record on every run; most of them are the bytes it
// sent last time. Finding each record's text and hashing it tells those apart for a fraction of
// what parsing and mapping them costs, and only the others are parsed.
//
// The scanner is lenient: it finds where values begin and end (strings with their escapes,
// nesting) and does not check numbers or literals. What it answers is only ever a shortcut: any
// doubt (false, nullopt) sends the caller back to the real parser. Internal to src/connectors.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace cairn::connectors::raw {

// The end of the value that starts at `pos` (whitespace before it skipped): the position just
// after it; npos when the text is not well nested there.
size_t SkipValue(std::string_view text, size_t pos);

// Calls `member(key, value)` for each member of the object `text` (surrounding whitespace
// allowed), the key as written between its quotes (escapes not decoded), the value's text
// trimmed; stops when it answers false. False when `text` is not an object.
template <typename F>
bool Members(std::string_view text, F&& member);

// Calls `element(value)` for each element of the array `text`; false when it is not an array.
template <typename F>
bool Elements(std::string_view text, F&& element);

// A list answer read in one pass: either a bare array of records, or an object whose member `key`
// is that array. Calls `element(record)` for each record (in order) and `other(name, value)` for
// every other member. False when the scanner cannot read it as such (the caller parses it).
template <typename E, typename O>
bool ListAnswer(std::string_view text, std::string_view key, E&& element, O&& other);

// A scalar's text as mapping::Text gives it from the parsed value: strings without escapes as
// they are, integers as written, whole decimals without their fraction ("112.0" -> "112"),
// true/false, null -> "". nullopt when only the parser can say (escapes, exponents, other
// decimals, objects, arrays).
std::optional<std::string> Scalar(std::string_view value);

// A 64-bit digest of bytes (core/text.h WordHash: not cryptographic, it tells unchanged text).
uint64_t Hash(std::string_view bytes);

// ---- implementation of the templates ----

namespace detail {
inline size_t SkipSpace(std::string_view t, size_t i) {
  while (i < t.size() && (t[i] == ' ' || t[i] == '\n' || t[i] == '\r' || t[i] == '\t')) ++i;
  return i;
}
// The position after the string whose opening quote is at `i`; npos when unterminated.
size_t SkipString(std::string_view t, size_t i);
}  // namespace detail

template <typename F>
bool Members(std::string_view t, F&& member) {
  size_t i = detail::SkipSpace(t, 0);
  if (i >= t.size() || t[i] != '{') return false;
  i = detail::SkipSpace(t, i + 1);
  if (i < t.size() && t[i] == '}') return detail::SkipSpace(t, i + 1) == t.size();
  while (i < t.size()) {
    if (t[i] != '"') return false;
    size_t key_end = detail::SkipString(t, i);
    if (key_end == std::string_view::npos) return false;
    std::string_view key = t.substr(i + 1, key_end - i - 2);
    i = detail::SkipSpace(t, key_end);
    if (i >= t.size() || t[i] != ':') return false;
    size_t start = detail::SkipSpace(t, i + 1);
    size_t end = SkipValue(t, start);
    if (end == std::string_view::npos) return false;
    if (!member(key, t.substr(start, end - start))) return true;
    i = detail::SkipSpace(t, end);
    if (i >= t.size()) return false;
    if (t[i] == '}') return detail::SkipSpace(t, i + 1) == t.size();
    if (t[i] != ',') return false;
    i = detail::SkipSpace(t, i + 1);
  }
  return false;
}

namespace detail {
// The array whose '[' is at `i`: element(value) for each element until it answers false; the
// position after the ']' (or after the last element read, when stopped), npos when not well formed.
template <typename F>
size_t ElementsAt(std::string_view t, size_t i, F&& element, bool& stopped) {
  stopped = false;
  i = SkipSpace(t, i + 1);
  if (i < t.size() && t[i] == ']') return i + 1;
  while (i < t.size()) {
    size_t end = SkipValue(t, i);
    if (end == std::string_view::npos) return end;
    if (!element(t.substr(i, end - i))) {
      stopped = true;
      return end;
    }
    i = SkipSpace(t, end);
    if (i >= t.size()) return std::string_view::npos;
    if (t[i] == ']') return i + 1;
    if (t[i] != ',') return std::string_view::npos;
    i = SkipSpace(t, i + 1);
  }
  return std::string_view::npos;
}
}  // namespace detail

template <typename F>
bool Elements(std::string_view t, F&& element) {
  size_t i = detail::SkipSpace(t, 0);
  if (i >= t.size() || t[i] != '[') return false;
  bool stopped = false;
  size_t end = detail::ElementsAt(t, i, element, stopped);
  if (end == std::string_view::npos) return false;
  return stopped || detail::SkipSpace(t, end) == t.size();
}

template <typename E, typename O>
bool ListAnswer(std::string_view t, std::string_view key, E&& element, O&& other) {
  size_t i = detail::SkipSpace(t, 0);
  if (i < t.size() && t[i] == '[') return Elements(t, [&](std::string_view e) {
      element(e);
      return true;
    });
  if (i >= t.size() || t[i] != '{') return false;
  bool found = false;
  i = detail::SkipSpace(t, i + 1);
  if (i < t.size() && t[i] == '}') return false;
  while (i < t.size()) {
    if (t[i] != '"') return false;
    size_t key_end = detail::SkipString(t, i);
    if (key_end == std::string_view::npos) return false;
    std::string_view name = t.substr(i + 1, key_end - i - 2);
    i = detail::SkipSpace(t, key_end);
    if (i >= t.size() || t[i] != ':') return false;
    size_t start = detail::SkipSpace(t, i + 1);
    size_t end;
    if (name == key) {
      // The records, read as they are skipped; the key written twice is the parser's to decide.
      if (found || start >= t.size() || t[start] != '[') return false;
      found = true;
      bool stopped = false;
      end = detail::ElementsAt(t, start, [&](std::string_view e) { element(e); return true; }, stopped);
    } else {
      end = SkipValue(t, start);
      if (end != std::string_view::npos) other(name, t.substr(start, end - start));
    }
    if (end == std::string_view::npos) return false;
    i = detail::SkipSpace(t, end);
    if (i >= t.size()) return false;
    if (t[i] == '}') return found && detail::SkipSpace(t, i + 1) == t.size();
    if (t[i] != ',') return false;
    i = detail::SkipSpace(t, i + 1);
  }
  return false;
}

}  // namespace cairn::connectors::raw
