#include "sync/names.h"

#include <algorithm>
#include <array>

namespace cairn::sync {
namespace {

// Two-byte UTF-8 Latin letters folded to ASCII (enough for the names MSPs hold); others kept.
char FoldLatin1(unsigned char lead, unsigned char cont) {
  static const char* const kC3 =  // U+00C0..U+00FF, as cont - 0x80
      "aaaaaaaceeeeiiii"  // C0-CF
      "dnooooo ouuuuyts"  // D0-DF (D7 x, DF ss -> s)
      "aaaaaaaceeeeiiii"  // E0-EF
      "dnooooo ouuuuyty";  // F0-FF
  if (lead == 0xC3 && cont >= 0x80 && cont <= 0xBF) return kC3[cont - 0x80];
  if (lead == 0xC5 && (cont == 0x81 || cont == 0x82)) return 'l';  // Ł ł
  if (lead == 0xC5 && (cont == 0x9A || cont == 0x9B)) return 's';  // Ś ś
  if (lead == 0xC5 && (cont >= 0xB9 && cont <= 0xBE)) return 'z';  // Ź ź Ż ż Ž ž
  if (lead == 0xC4 && (cont == 0x84 || cont == 0x85)) return 'a';  // Ą ą
  if (lead == 0xC4 && (cont == 0x98 || cont == 0x99)) return 'e';  // Ę ę
  if (lead == 0xC4 && (cont >= 0x86 && cont <= 0x8D)) return 'c';  // Ć ć Ĉ ĉ Ċ ċ Č č
  if (lead == 0xC5 && (cont == 0x83 || cont == 0x84)) return 'n';  // Ń ń
  return 0;
}

constexpr std::array<std::string_view, 19> kLegal = {
    "ltd", "limited", "inc", "incorporated", "llc", "llp", "plc", "gmbh", "ag", "sa", "sarl",
    "bv", "nv", "pty", "co", "corp", "corporation", "company", "lp"};

}  // namespace

std::string NormalizeCompanyName(std::string_view name) {
  // Lower-case ASCII words, accents folded, "&" a word of its own.
  std::vector<std::string> words;
  std::string word;
  auto flush = [&] {
    if (!word.empty()) words.push_back(std::move(word));
    word.clear();
  };
  for (size_t i = 0; i < name.size(); ++i) {
    auto c = static_cast<unsigned char>(name[i]);
    if (c >= 'A' && c <= 'Z') word += static_cast<char>(c - 'A' + 'a');
    else if ((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9')) word += static_cast<char>(c);
    else if (c == '&' || c == '+') {
      flush();
      words.push_back("and");
    } else if (c == '\'') {
      // "O'Neill" stays one word
    } else if (c >= 0xC0 && i + 1 < name.size()) {
      char f = FoldLatin1(c, static_cast<unsigned char>(name[i + 1]));
      if (f && f != ' ') word += f;
      else if (f == ' ') flush();
      else word += name.substr(i, 2);  // kept as it is
      ++i;
    } else if (c >= 0x80) {
      word += static_cast<char>(c);
    } else {
      flush();
    }
  }
  flush();
  // Legal suffixes go from the end ("Acme Holdings Ltd" -> "acme holdings"), never the first word.
  while (words.size() > 1 && std::find(kLegal.begin(), kLegal.end(), words.back()) != kLegal.end())
    words.pop_back();
  if (words.size() > 1 && words.back() == "and") words.pop_back();  // "Acme & Co" -> "acme"
  std::string out;
  for (const auto& w : words) {
    if (!out.empty()) out += ' ';
    out += w;
  }
  return out;
}

std::optional<Suggestion> SuggestCompany(std::string_view name, const std::vector<NamedCompany>& companies) {
  std::string n = NormalizeCompanyName(name);
  if (n.empty()) return std::nullopt;
  auto squash = [](std::string s) {
    s.erase(std::remove(s.begin(), s.end(), ' '), s.end());
    return s;
  };
  std::string ns = squash(n);
  auto starts_words = [](const std::string& longer, const std::string& shorter) {
    return longer.size() > shorter.size() && longer.compare(0, shorter.size(), shorter) == 0 &&
           longer[shorter.size()] == ' ';
  };
  std::optional<Suggestion> best;
  for (const auto& c : companies) {
    if (c.normalized.empty()) continue;
    int confidence = 0;
    if (c.normalized == n) confidence = 100;
    else if (squash(c.normalized) == ns) confidence = 95;
    else if (starts_words(c.normalized, n) || starts_words(n, c.normalized)) confidence = 70;
    if (confidence >= 70 && (!best || confidence > best->confidence ||
                             (confidence == best->confidence && c.id < best->company_id)))
      best = Suggestion{c.id, confidence};
  }
  return best;
}

}  // namespace cairn::sync

namespace cairn::sync {

bool IsUsableSerial(std::string_view serial) {
  std::string s;
  for (char c : serial) {
    if (c == ' ' || c == '-' || c == '.' || c == '_' || c == '\t') continue;
    s += (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c;
  }
  if (s.size() < 4) return false;
  if (s.find_first_not_of(s[0]) == std::string::npos) return false;  // "0000", "xxxxxxxx"
  static const char* const kPlaceholders[] = {
      "tobefilledbyoem", "defaultstring", "systemserialnumber", "chassisserialnumber", "none",
      "notspecified", "notapplicable", "n/a", "na", "unknown", "oem", "123456789", "1234567890",
      "0123456789", "serialnumber", "invalid", "empty", "notavailable", "baseboardserialnumber"};
  for (const char* p : kPlaceholders)
    if (s == p) return false;
  return true;
}

}  // namespace cairn::sync
