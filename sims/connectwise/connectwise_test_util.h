// Test-only helpers shared by the ConnectWise simulator's tests: the vendor's Basic credentials,
// Link header parsing and query encoding.
#pragma once

#include <cctype>
#include <map>
#include <string>
#include <string_view>

#include "http/message.h"

namespace cairn::sims::connectwise {

inline std::string Base64(std::string_view in) {
  static const char kAlphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string out;
  size_t i = 0;
  for (; i + 2 < in.size(); i += 3) {
    unsigned n = (static_cast<unsigned char>(in[i]) << 16) | (static_cast<unsigned char>(in[i + 1]) << 8) |
                 static_cast<unsigned char>(in[i + 2]);
    out += kAlphabet[(n >> 18) & 63];
    out += kAlphabet[(n >> 12) & 63];
    out += kAlphabet[(n >> 6) & 63];
    out += kAlphabet[n & 63];
  }
  if (i + 1 == in.size()) {
    unsigned n = static_cast<unsigned char>(in[i]) << 16;
    out += kAlphabet[(n >> 18) & 63];
    out += kAlphabet[(n >> 12) & 63];
    out += "==";
  } else if (i + 2 == in.size()) {
    unsigned n = (static_cast<unsigned char>(in[i]) << 16) | (static_cast<unsigned char>(in[i + 1]) << 8);
    out += kAlphabet[(n >> 18) & 63];
    out += kAlphabet[(n >> 12) & 63];
    out += kAlphabet[(n >> 6) & 63];
    out += '=';
  }
  return out;
}

inline std::string BasicAuth(const std::string& company, const std::string& pub, const std::string& priv) {
  return "Basic " + Base64(company + "+" + pub + ":" + priv);
}

// The default simulator's credentials and clientId.
inline http::Headers AuthHeaders() {
  return {{"Authorization", BasicAuth("cairnsim", "sim-cw-public", "sim-cw-private")},
          {"clientId", "sim-cw-client-id"}};
}

// `<url>; rel="next", <url>; rel="last"` -> {"next": url, "last": url}.
inline std::map<std::string, std::string> ParseLinks(const std::string& header) {
  std::map<std::string, std::string> out;
  size_t i = 0;
  while ((i = header.find('<', i)) != std::string::npos) {
    size_t close = header.find('>', i);
    if (close == std::string::npos) break;
    std::string url = header.substr(i + 1, close - i - 1);
    size_t rel = header.find("rel=\"", close);
    if (rel == std::string::npos) break;
    size_t end = header.find('"', rel + 5);
    if (end == std::string::npos) break;
    out[header.substr(rel + 5, end - rel - 5)] = url;
    i = end;
  }
  return out;
}

inline std::string Enc(std::string_view s) { return http::PercentEncode(s); }

inline std::string Lower(std::string s) {
  for (char& ch : s) ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
  return s;
}

}  // namespace cairn::sims::connectwise
