#include "connectors/raw_json.h"

#include <cstring>

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

#include "core/text.h"

namespace cairn::connectors::raw {

namespace {

// The first position at or after `i` of a byte `hit` accepts (npos when none), sixteen bytes at a
// time where the machine has SSE2 (x86-64 always does): records are mostly plain text between a
// few structural characters.
#if defined(__SSE2__)
template <typename Mask, typename Hit>
size_t Find(std::string_view t, size_t i, Mask mask, Hit hit) {
  for (; i + 16 <= t.size(); i += 16) {
    __m128i v = _mm_loadu_si128(reinterpret_cast<const __m128i*>(t.data() + i));
    if (int m = _mm_movemask_epi8(mask(v))) return i + static_cast<size_t>(__builtin_ctz(static_cast<unsigned>(m)));
  }
  for (; i < t.size(); ++i)
    if (hit(t[i])) return i;
  return std::string_view::npos;
}
#else
template <typename Mask, typename Hit>
size_t Find(std::string_view t, size_t i, Mask, Hit hit) {
  for (; i < t.size(); ++i)
    if (hit(t[i])) return i;
  return std::string_view::npos;
}
#endif

// A quote or a backslash (inside a string).
size_t NextInString(std::string_view t, size_t i) {
  return Find(
      t, i,
#if defined(__SSE2__)
      [](__m128i v) { return _mm_or_si128(_mm_cmpeq_epi8(v, _mm_set1_epi8('"')), _mm_cmpeq_epi8(v, _mm_set1_epi8('\\'))); },
#else
      nullptr,
#endif
      [](char c) { return c == '"' || c == '\\'; });
}

// A quote, a bracket or a brace ('[' and '{' differ only in bit 0x20, as do ']' and '}').
size_t NextStructural(std::string_view t, size_t i) {
  return Find(
      t, i,
#if defined(__SSE2__)
      [](__m128i v) {
        __m128i folded = _mm_or_si128(v, _mm_set1_epi8(0x20));
        return _mm_or_si128(_mm_cmpeq_epi8(v, _mm_set1_epi8('"')),
                            _mm_or_si128(_mm_cmpeq_epi8(folded, _mm_set1_epi8('{')),
                                         _mm_cmpeq_epi8(folded, _mm_set1_epi8('}'))));
      },
#else
      nullptr,
#endif
      [](char c) { return c == '"' || c == '{' || c == '}' || c == '[' || c == ']'; });
}

}  // namespace

namespace detail {

size_t SkipString(std::string_view t, size_t i) {
  for (++i;;) {
    i = NextInString(t, i);
    if (i == std::string_view::npos) return i;
    if (t[i] == '"') return i + 1;
    i += 2;  // an escape: the character after the backslash is never the end
    if (i > t.size()) return std::string_view::npos;
  }
}

}  // namespace detail

#if defined(__SSE2__)
namespace {

// The bits of the 64 bytes at `p` equal to `c`.
inline uint64_t Bits(const char* p, char c) {
  __m128i k = _mm_set1_epi8(c);
  uint64_t m = 0;
  for (int j = 0; j < 4; ++j) {
    __m128i v = _mm_loadu_si128(reinterpret_cast<const __m128i*>(p + 16 * j));
    m |= static_cast<uint64_t>(static_cast<uint32_t>(_mm_movemask_epi8(_mm_cmpeq_epi8(v, k)))) << (16 * j);
  }
  return m;
}

// Bit k: the parity of the bits 0..k of `x` (set where a string is open after a quote).
inline uint64_t PrefixXor(uint64_t x) {
  x ^= x << 1;
  x ^= x << 2;
  x ^= x << 4;
  x ^= x << 8;
  x ^= x << 16;
  x ^= x << 32;
  return x;
}

}  // namespace
#endif

size_t SkipValue(std::string_view t, size_t i) {
  i = detail::SkipSpace(t, i);
  if (i >= t.size()) return std::string_view::npos;
  char c = t[i];
  if (c == '"') return detail::SkipString(t, i);
  if (c == '{' || c == '[') {
    // Nesting, counted over both kinds of bracket (the lenient part: "[}" is not caught here,
    // and is never the bytes of a record the parser accepted before).
    int depth = 0;
#if defined(__SSE2__)
    // Sixty-four bytes at a time while they hold no backslash: the quotes' running parity says
    // which bytes are inside strings, and only the brackets outside them are counted. A block
    // with a backslash (an escape) is left to the byte-careful loop below, which takes over with
    // the depth and whether a string is open.
    bool in_string = false;
    while (i + 64 <= t.size()) {
      const char* p = t.data() + i;
      if (Bits(p, '\\')) break;
      uint64_t quotes = Bits(p, '"');
      uint64_t inside = PrefixXor(quotes) ^ (in_string ? ~uint64_t{0} : 0);
      uint64_t open = (Bits(p, '{') | Bits(p, '[')) & ~inside;
      uint64_t close = (Bits(p, '}') | Bits(p, ']')) & ~inside;
      for (uint64_t all = open | close; all; all &= all - 1) {
        uint64_t bit = all & (~all + 1);
        if (open & bit) {
          ++depth;
        } else if (--depth == 0) {
          return i + static_cast<size_t>(__builtin_ctzll(bit)) + 1;
        }
      }
      in_string = (inside >> 63) & 1;
      i += 64;
    }
    if (in_string) {  // finish the open string first
      while (true) {
        i = NextInString(t, i);
        if (i == std::string_view::npos) return i;
        if (t[i] == '"') {
          ++i;
          break;
        }
        i += 2;
        if (i > t.size()) return std::string_view::npos;
      }
    }
#endif
    while (true) {
      i = NextStructural(t, i);
      if (i == std::string_view::npos) return i;
      char d = t[i];
      if (d == '"') {
        i = detail::SkipString(t, i);
        if (i == std::string_view::npos) return i;
        continue;
      }
      if (d == '{' || d == '[') {
        ++depth;
      } else if (--depth == 0) {
        return i + 1;
      }
      ++i;
    }
  }
  // A number or a literal: up to the next delimiter.
  size_t start = i;
  while (i < t.size() && t[i] != ',' && t[i] != '}' && t[i] != ']' && t[i] != ' ' && t[i] != '\n' && t[i] != '\r' &&
         t[i] != '\t')
    ++i;
  return i == start ? std::string_view::npos : i;
}

std::optional<std::string> Scalar(std::string_view v) {
  if (v.empty()) return std::nullopt;
  if (v.front() == '"') {
    if (v.size() < 2 || v.back() != '"') return std::nullopt;
    std::string_view s = v.substr(1, v.size() - 2);
    if (s.find('\\') != std::string_view::npos) return std::nullopt;
    return std::string(s);
  }
  if (v == "true" || v == "false") return std::string(v);
  if (v == "null") return std::string();
  // Integers as written; "12.0" and "12.00" as "12" (a whole decimal). Anything longer than the
  // parser keeps exactly, "-0", exponents and real fractions go to the parser.
  size_t i = v.front() == '-' ? 1 : 0;
  size_t digits = i;
  while (digits < v.size() && v[digits] >= '0' && v[digits] <= '9') ++digits;
  size_t n = digits - i;
  if (n == 0 || n > 15 || (n > 1 && v[i] == '0') || v == "-0") return std::nullopt;
  if (digits == v.size()) return std::string(v);
  if (v[digits] != '.' || digits + 1 == v.size()) return std::nullopt;
  for (size_t j = digits + 1; j < v.size(); ++j)
    if (v[j] != '0') return std::nullopt;
  if (v.substr(0, digits) == "-0") return std::nullopt;
  return std::string(v.substr(0, digits));
}

uint64_t Hash(std::string_view s) {
  WordHash h;
  h.Bytes(s);
  return h.Final();
}

}  // namespace cairn::connectors::raw
