// Small generic helpers the simulators share (nothing vendor-specific).
#pragma once

#include <charconv>
#include <cstdint>
#include <optional>
#include <string_view>

namespace cairn::sims {

// SplitMix64: a fast, well-mixed 64-bit hash, for ids and data derived from a seed.
inline uint64_t Mix(uint64_t x) {
  x += 0x9E3779B97F4A7C15ULL;
  x = (x ^ (x >> 30)) * 0xBF58476D1CE4E5B9ULL;
  x = (x ^ (x >> 27)) * 0x94D049BB133111EBULL;
  return x ^ (x >> 31);
}

// The whole of `s` as a decimal integer, or nullopt ("", "12x", overflow).
inline std::optional<int64_t> ParseInt(std::string_view s) {
  int64_t v = 0;
  auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc() || end != s.data() + s.size()) return std::nullopt;
  return v;
}

}  // namespace cairn::sims
