#include "core/cidr.h"

#include <arpa/inet.h>

#include <array>
#include <charconv>
#include <cstring>
#include <optional>
#include <string>

namespace cairn {
namespace {

struct Addr {
  std::array<unsigned char, 16> bytes{};
  int bits = 0;  // 32 or 128
};

std::optional<Addr> ParseAddr(std::string_view s) {
  std::string str(s);
  Addr a;
  if (inet_pton(AF_INET, str.c_str(), a.bytes.data()) == 1) {
    a.bits = 32;
    return a;
  }
  if (inet_pton(AF_INET6, str.c_str(), a.bytes.data()) == 1) {
    static const unsigned char kMapped[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};
    if (std::memcmp(a.bytes.data(), kMapped, 12) == 0) {
      std::memmove(a.bytes.data(), a.bytes.data() + 12, 4);
      a.bits = 32;
      return a;
    }
    a.bits = 128;
    return a;
  }
  return std::nullopt;
}

std::optional<std::pair<Addr, int>> ParseCidr(std::string_view cidr) {
  auto slash = cidr.find('/');
  auto addr = ParseAddr(cidr.substr(0, slash));
  if (!addr) return std::nullopt;
  int prefix = addr->bits;
  if (slash != std::string_view::npos) {
    auto p = cidr.substr(slash + 1);
    auto [end, ec] = std::from_chars(p.data(), p.data() + p.size(), prefix);
    if (ec != std::errc() || end != p.data() + p.size() || prefix < 0 || prefix > addr->bits)
      return std::nullopt;
  }
  return std::make_pair(*addr, prefix);
}

}  // namespace

bool IsValidCidr(std::string_view cidr) { return ParseCidr(cidr).has_value(); }

bool IpInCidr(std::string_view ip, std::string_view cidr) {
  auto net = ParseCidr(cidr);
  auto addr = ParseAddr(ip);
  if (!net || !addr || net->first.bits != addr->bits) return false;
  int prefix = net->second;
  for (int i = 0; i < prefix / 8; ++i)
    if (net->first.bytes[i] != addr->bytes[i]) return false;
  if (prefix % 8) {
    unsigned char mask = static_cast<unsigned char>(0xff << (8 - prefix % 8));
    if ((net->first.bytes[prefix / 8] & mask) != (addr->bytes[prefix / 8] & mask)) return false;
  }
  return true;
}

}  // namespace cairn
