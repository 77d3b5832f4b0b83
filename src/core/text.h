// Small text helpers shared by the API and the store.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace cairn {

std::string ToLower(std::string_view s);  // ASCII only; other bytes unchanged
std::string_view Trim(std::string_view s);
bool EqualsIgnoreCase(std::string_view a, std::string_view b);
std::vector<std::string> Split(std::string_view s, char sep);  // keeps empty parts

// A field label as a custom_fields key: lower-cased (ASCII, Latin-1, Latin Extended-A, Greek,
// Cyrillic), each run of characters other than letters and digits turned into one "_", no "_" at
// either end ("IP Address" -> "ip_address", "Größe" -> "größe", "Пароль" -> "пароль"). Every
// non-ASCII character counts as a letter.
std::string SnakeCase(std::string_view label);

// A URL-safe slug from a name plus a suffix that keeps it unique ("Acme Ltd", "3f9a1c" ->
// "acme-ltd-3f9a1c"); non-ASCII bytes are dropped, the name part is cut at 60 characters.
std::string Slugify(std::string_view name, std::string_view suffix);

// Text without HTML tags or entities, for indexing article content.
std::string StripHtml(std::string_view html);

// At most max_bytes of s, cut before a UTF-8 character rather than inside one.
std::string_view TruncateUtf8(std::string_view s, size_t max_bytes);

// Lower-case hex of bytes.
std::string HexEncode(std::string_view bytes);

// FNV-1a 64 of bytes as 16 lower-case hex digits: a stable fingerprint (not a secure hash).
std::string Fnv1aHex(std::string_view bytes);

// A 64-bit hash fed eight bytes at a time: tells changed data apart quickly (not a secure hash).
// Its values are stored (sync digests), so the mixing must never change.
class WordHash {
 public:
  void Word(uint64_t w) {
    h_ = (h_ ^ w) * 0x9E3779B97F4A7C15ULL;
    h_ ^= h_ >> 29;
  }
  // The length, then the bytes a word at a time, the last one zero-padded.
  void Bytes(std::string_view s);
  uint64_t Final() const { return h_ * 0xBF58476D1CE4E5B9ULL; }

 private:
  uint64_t h_ = 0x243F6A8885A308D3ULL;
};

}  // namespace cairn
