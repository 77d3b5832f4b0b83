#include "core/text.h"

namespace cairn {
namespace {
bool IsAlnum(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
}
char Lower(char c) { return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c; }
}  // namespace

std::string ToLower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = Lower(c);
  return out;
}

std::string_view Trim(std::string_view s) {
  const char* ws = " \t\r\n\f\v";
  auto b = s.find_first_not_of(ws);
  if (b == std::string_view::npos) return {};
  auto e = s.find_last_not_of(ws);
  return s.substr(b, e - b + 1);
}

bool EqualsIgnoreCase(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i)
    if (Lower(a[i]) != Lower(b[i])) return false;
  return true;
}

std::vector<std::string> Split(std::string_view s, char sep) {
  std::vector<std::string> out;
  size_t start = 0;
  while (true) {
    size_t p = s.find(sep, start);
    out.emplace_back(s.substr(start, p == std::string_view::npos ? s.npos : p - start));
    if (p == std::string_view::npos) break;
    start = p + 1;
  }
  return out;
}

std::string SnakeCase(std::string_view label) {
  std::string out;
  bool pending_sep = false;
  for (char c : label) {
    // Bytes of non-ASCII characters count as letters, so "Größe" and "Grüße" stay apart.
    if (IsAlnum(c) || static_cast<unsigned char>(c) >= 0x80) {
      if (pending_sep && !out.empty()) out += '_';
      pending_sep = false;
      out += Lower(c);
    } else {
      pending_sep = true;
    }
  }
  return out;
}

std::string Slugify(std::string_view name, std::string_view suffix) {
  std::string out;
  bool dash = false;
  for (char c : name) {
    if (IsAlnum(c)) {
      if (dash && !out.empty()) out += '-';
      dash = false;
      out += Lower(c);
      if (out.size() >= 60) break;
    } else {
      dash = true;
    }
  }
  if (!out.empty()) out += '-';
  out += suffix;
  return out;
}

std::string StripHtml(std::string_view html) {
  std::string out;
  out.reserve(html.size());
  bool in_tag = false;
  for (size_t i = 0; i < html.size(); ++i) {
    char c = html[i];
    if (in_tag) {
      if (c == '>') {
        in_tag = false;
        out += ' ';
      }
    } else if (c == '<') {
      in_tag = true;
    } else if (c == '&') {
      size_t semi = html.find(';', i);
      if (semi != std::string_view::npos && semi - i <= 8) {
        auto ent = html.substr(i, semi - i + 1);
        out += ent == "&amp;" ? "&" : ent == "&lt;" ? "<" : ent == "&gt;" ? ">" : " ";
        i = semi;
      } else {
        out += c;
      }
    } else {
      out += c;
    }
  }
  return out;
}

std::string_view TruncateUtf8(std::string_view s, size_t max_bytes) {
  if (s.size() <= max_bytes) return s;
  size_t n = max_bytes;
  // Step back over continuation bytes (10xxxxxx) to the start of the character that was cut.
  while (n > 0 && (static_cast<unsigned char>(s[n]) & 0xC0) == 0x80) --n;
  return s.substr(0, n);
}

std::string HexEncode(std::string_view bytes) {
  static const char* kHex = "0123456789abcdef";
  std::string out;
  out.reserve(bytes.size() * 2);
  for (unsigned char c : bytes) {
    out += kHex[c >> 4];
    out += kHex[c & 15];
  }
  return out;
}

}  // namespace cairn
