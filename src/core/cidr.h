// IP allow-lists: "203.0.113.0/24", "2001:db8::/32", or a single address (a /32 or /128).
#pragma once

#include <string_view>

namespace cairn {

// True when `cidr` is a well-formed IPv4 or IPv6 address with an optional prefix length.
bool IsValidCidr(std::string_view cidr);
// True when `ip` lies inside `cidr`. An IPv4-mapped IPv6 address (::ffff:a.b.c.d) is compared as
// IPv4. False for malformed input.
bool IpInCidr(std::string_view ip, std::string_view cidr);

}  // namespace cairn
