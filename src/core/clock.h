// Time: an injectable clock and ISO 8601 formatting/parsing in UTC with milliseconds.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace cairn {

// Milliseconds since the Unix epoch, UTC. Implementations must be thread-safe.
class Clock {
 public:
  virtual ~Clock() = default;
  virtual int64_t NowMs() const = 0;
};

// The wall clock.
const Clock& SystemClock();

// A clock tests set by hand.
class ManualClock : public Clock {
 public:
  explicit ManualClock(int64_t now_ms) : now_(now_ms) {}
  int64_t NowMs() const override { return now_; }
  void Advance(int64_t ms) { now_ += ms; }

 private:
  int64_t now_;
};

// "2022-12-09T22:23:29.894Z".
std::string FormatIso8601(int64_t ms);
// "YYYY-MM-DD".
std::string FormatDate(int64_t ms);
// Accepts "YYYY-MM-DD", "YYYY-MM-DDTHH:MM[:SS[.fff]]" with "Z", "+HH:MM", "-HH:MM" or no zone
// (taken as UTC), and a space instead of "T". Returns nullopt for anything else.
std::optional<int64_t> ParseIso8601(std::string_view s);

}  // namespace cairn
