// A JSON writer that appends straight to a string, for answers served often enough that building
// a json::value tree first costs more than the rest of the work (the API's company and asset
// pages, the simulators' list pages). Output is compact and byte-for-byte what json::serialize
// would produce for the same values in the same order.
#pragma once

#include <cstdint>
#include <cstring>
#include <string>
#include <string_view>

namespace cairn {

class JsonWriter {
 public:
  explicit JsonWriter(std::string& out) : out_(out) {}

  void BeginObject() { Open('{'); }
  void EndObject() { Close('}'); }
  void BeginArray() { Open('['); }
  void EndArray() { Close(']'); }
  void Key(std::string_view k) {
    // The separator, the quoted key and the colon in one append when the key is short and plain
    // (the keys of a record nearly always are).
    if (k.size() <= kShort && Plain(k)) {
      char buf[kShort + 4];
      size_t n = 0;
      if (!first_ && !after_key_) buf[n++] = ',';
      first_ = false;
      after_key_ = false;
      buf[n++] = '"';
      std::memcpy(buf + n, k.data(), k.size());
      n += k.size();
      buf[n++] = '"';
      buf[n++] = ':';
      out_.append(buf, n);
      after_key_ = true;
      return;
    }
    Separate();
    AppendString(k);
    out_ += ':';
    after_key_ = true;
  }
  void String(std::string_view s) {
    if (s.size() <= kShort && Plain(s)) {  // likewise for a short plain value
      char buf[kShort + 3];
      size_t n = 0;
      if (after_key_) after_key_ = false;
      else if (!first_) buf[n++] = ',';
      first_ = false;
      buf[n++] = '"';
      std::memcpy(buf + n, s.data(), s.size());
      n += s.size();
      buf[n++] = '"';
      out_.append(buf, n);
      return;
    }
    Separate();
    AppendString(s);
  }
  void Int(int64_t v) {
    Separate();
    out_ += std::to_string(v);
  }
  void Bool(bool b) {
    Separate();
    out_ += b ? "true" : "false";
  }
  void Null() {
    Separate();
    out_ += "null";
  }
  // Inserts text that is already valid JSON (a value).
  void Raw(std::string_view json) {
    Separate();
    out_ += json;
  }
  // "key": value shorthands.
  void Field(std::string_view k, std::string_view v) { Key(k), String(v); }
  void Field(std::string_view k, const char* v) { Key(k), String(v); }
  void Field(std::string_view k, int64_t v) { Key(k), Int(v); }
  void FieldBool(std::string_view k, bool v) { Key(k), Bool(v); }
  void FieldNull(std::string_view k) { Key(k), Null(); }

 private:
  void Open(char c) {
    Separate();
    out_ += c;
    first_ = true;
  }
  void Close(char c) {
    out_ += c;
    first_ = false;
  }
  void Separate() {
    if (after_key_) {
      after_key_ = false;
      return;
    }
    if (!first_) out_ += ',';
    first_ = false;
  }
  static constexpr size_t kShort = 120;
  // No byte of `s` needs an escape.
  static bool Plain(std::string_view s) {
    size_t i = 0;
    for (; i + 8 <= s.size(); i += 8) {
      uint64_t v;
      std::memcpy(&v, s.data() + i, 8);
      if (NeedsEscape8(v)) return false;
    }
    for (; i < s.size(); ++i) {
      unsigned char c = static_cast<unsigned char>(s[i]);
      if (c < 0x20 || c == '"' || c == '\\') return false;
    }
    return true;
  }

  // True when any of the 8 bytes is a control character, '"' or '\\' (bit tricks from
  // "Bit Twiddling Hacks": a zero byte of v ^ pattern marks a match).
  static bool NeedsEscape8(uint64_t v) {
    constexpr uint64_t kOnes = 0x0101010101010101ULL, kHigh = 0x8080808080808080ULL;
    auto has_zero = [](uint64_t x) { return (x - kOnes) & ~x & kHigh; };
    uint64_t below_space = (v - 0x20 * kOnes) & ~v & kHigh;
    return below_space | has_zero(v ^ ('"' * kOnes)) | has_zero(v ^ ('\\' * kOnes));
  }

  void AppendString(std::string_view s) {
    static const char* kHex = "0123456789abcdef";
    out_ += '"';
    size_t run = 0;
    size_t i = 0;
    for (; i < s.size(); ++i) {
      // Skip eight plain bytes at a time; most text has nothing to escape.
      while (i + 8 <= s.size()) {
        uint64_t v;
        std::memcpy(&v, s.data() + i, 8);
        if (NeedsEscape8(v)) break;
        i += 8;
      }
      if (i >= s.size()) break;
      unsigned char c = static_cast<unsigned char>(s[i]);
      if (c >= 0x20 && c != '"' && c != '\\') continue;
      out_.append(s.data() + run, i - run);
      run = i + 1;
      switch (c) {
        case '"': out_ += "\\\""; break;
        case '\\': out_ += "\\\\"; break;
        case '\n': out_ += "\\n"; break;
        case '\r': out_ += "\\r"; break;
        case '\t': out_ += "\\t"; break;
        case '\b': out_ += "\\b"; break;
        case '\f': out_ += "\\f"; break;
        default:
          out_ += "\\u00";
          out_ += kHex[c >> 4];
          out_ += kHex[c & 15];
      }
    }
    out_.append(s.data() + run, s.size() - run);
    out_ += '"';
  }

  std::string& out_;
  bool first_ = true;
  bool after_key_ = false;
};

}  // namespace cairn
