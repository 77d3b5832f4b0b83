#include "core/clock.h"

#include <chrono>
#include <cstdio>

namespace cairn {
namespace {

class WallClock : public Clock {
 public:
  int64_t NowMs() const override {
    return std::chrono::duration_cast<std::chrono::milliseconds>(
               std::chrono::system_clock::now().time_since_epoch())
        .count();
  }
};

// Days since 1970-01-01 of a civil date (proleptic Gregorian), after H. Hinnant's algorithm.
int64_t DaysFromCivil(int64_t y, unsigned m, unsigned d) {
  y -= m <= 2;
  const int64_t era = (y >= 0 ? y : y - 399) / 400;
  const unsigned yoe = static_cast<unsigned>(y - era * 400);
  const unsigned doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
  const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + static_cast<int64_t>(doe) - 719468;
}

void CivilFromDays(int64_t z, int64_t& y, unsigned& m, unsigned& d) {
  z += 719468;
  const int64_t era = (z >= 0 ? z : z - 146096) / 146097;
  const unsigned doe = static_cast<unsigned>(z - era * 146097);
  const unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  y = static_cast<int64_t>(yoe) + era * 400;
  const unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  const unsigned mp = (5 * doy + 2) / 153;
  d = doy - (153 * mp + 2) / 5 + 1;
  m = mp < 10 ? mp + 3 : mp - 9;
  y += m <= 2;
}

bool Digits(std::string_view s, size_t pos, size_t n, int& out) {
  if (pos + n > s.size()) return false;
  int v = 0;
  for (size_t i = pos; i < pos + n; ++i) {
    if (s[i] < '0' || s[i] > '9') return false;
    v = v * 10 + (s[i] - '0');
  }
  out = v;
  return true;
}

}  // namespace

const Clock& SystemClock() {
  static const WallClock clock;
  return clock;
}

std::string FormatIso8601(int64_t ms) {
  int64_t days = ms >= 0 ? ms / 86400000 : (ms - 86399999) / 86400000;
  int64_t rem = ms - days * 86400000;
  int64_t y;
  unsigned m, d;
  CivilFromDays(days, y, m, d);
  // Written by hand: this runs for every timestamp of every record the API returns.
  char buf[25] = "0000-00-00T00:00:00.000Z";
  auto put = [&](int pos, int64_t v, int width) {
    for (int i = width - 1; i >= 0; --i, v /= 10) buf[pos + i] = static_cast<char>('0' + v % 10);
  };
  if (y < 0 || y > 9999) y = y < 0 ? 0 : 9999;
  put(0, y, 4);
  put(5, m, 2);
  put(8, d, 2);
  put(11, rem / 3600000, 2);
  put(14, rem / 60000 % 60, 2);
  put(17, rem / 1000 % 60, 2);
  put(20, rem % 1000, 3);
  return std::string(buf, 24);
}

std::string FormatDate(int64_t ms) { return FormatIso8601(ms).substr(0, 10); }

std::optional<int64_t> ParseIso8601(std::string_view s) {
  int y, mo, d, h = 0, mi = 0, sec = 0, frac_ms = 0;
  if (!Digits(s, 0, 4, y) || s.size() < 10 || s[4] != '-' || !Digits(s, 5, 2, mo) || s[7] != '-' ||
      !Digits(s, 8, 2, d))
    return std::nullopt;
  if (mo < 1 || mo > 12 || d < 1 || d > 31) return std::nullopt;
  size_t p = 10;
  int64_t offset_ms = 0;
  if (p < s.size()) {
    if (s[p] != 'T' && s[p] != 't' && s[p] != ' ') return std::nullopt;
    if (!Digits(s, p + 1, 2, h) || p + 3 >= s.size() || s[p + 3] != ':' ||
        !Digits(s, p + 4, 2, mi))
      return std::nullopt;
    p += 6;
    if (p < s.size() && s[p] == ':') {
      if (!Digits(s, p + 1, 2, sec)) return std::nullopt;
      p += 3;
      if (p < s.size() && (s[p] == '.' || s[p] == ',')) {
        ++p;
        int scale = 100;
        while (p < s.size() && s[p] >= '0' && s[p] <= '9') {
          frac_ms += (s[p] - '0') * scale;
          scale /= 10;
          ++p;
        }
      }
    }
    if (p < s.size()) {
      if (s[p] == 'Z' || s[p] == 'z') {
        ++p;
      } else if (s[p] == '+' || s[p] == '-') {
        int oh, om = 0;
        if (!Digits(s, p + 1, 2, oh)) return std::nullopt;
        size_t q = p + 3;
        if (q < s.size() && s[q] == ':') ++q;
        if (q < s.size()) {
          if (!Digits(s, q, 2, om)) return std::nullopt;
          q += 2;
        }
        offset_ms = (oh * 60 + om) * 60000LL * (s[p] == '+' ? 1 : -1);
        p = q;
      }
    }
    if (p != s.size() || h > 23 || mi > 59 || sec > 60) return std::nullopt;
  }
  int64_t days = DaysFromCivil(y, static_cast<unsigned>(mo), static_cast<unsigned>(d));
  return days * 86400000 + h * 3600000LL + mi * 60000LL + sec * 1000LL + frac_ms - offset_ms;
}

}  // namespace cairn
