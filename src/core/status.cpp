#include "core/status.h"

namespace cairn {

std::string_view CodeName(Code code) {
  switch (code) {
    case Code::kOk: return "OK";
    case Code::kNotFound: return "NotFound";
    case Code::kInvalidArgument: return "InvalidArgument";
    case Code::kConflict: return "Conflict";
    case Code::kUnauthorized: return "Unauthorized";
    case Code::kForbidden: return "Forbidden";
    case Code::kRateLimited: return "RateLimited";
    case Code::kUnavailable: return "Unavailable";
    case Code::kCorruption: return "Corruption";
    case Code::kInternal: return "Internal";
  }
  return "Unknown";
}

std::string Status::ToString() const {
  std::string s(CodeName(code_));
  if (!message_.empty()) s += ": " + message_;
  if (!detail_.empty()) s += " (" + detail_ + ")";
  for (const auto& d : details_) s += "; " + d;
  return s;
}

}  // namespace cairn
