// Company-name matching for suggestions (DESIGN.md section 1.6): forgiving of case, punctuation,
// legal suffixes ("Ltd", "Limited", "Inc.", "LLC", ...) and "&"/"and". Suggestions only: a person
// confirms every match.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace cairn::sync {

// "ACME Limited" -> "acme"; "Müller & Söhne GmbH" -> "muller and sohne"; "" when nothing is left.
std::string NormalizeCompanyName(std::string_view name);

struct Suggestion {
  int64_t company_id = 0;
  int confidence = 0;  // 100 same normalized name, 95 same but for spaces, 70 one's words start the other's
};

struct NamedCompany {
  int64_t id = 0;
  std::string normalized;  // NormalizeCompanyName of its name
};

// The best suggestion for `name` among `companies` (ties: the lowest id); nullopt when none
// reaches 70.
std::optional<Suggestion> SuggestCompany(std::string_view name, const std::vector<NamedCompany>& companies);

}  // namespace cairn::sync

namespace cairn::sync {

// False for serials that identify nothing: empty, too short, all one character, or a firmware
// placeholder ("To be filled by O.E.M.", "Default string", "System Serial Number", "0", ...).
// Serial matching never uses them.
bool IsUsableSerial(std::string_view serial);

}  // namespace cairn::sync
