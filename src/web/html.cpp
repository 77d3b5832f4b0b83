#include "web/html.h"

#include <algorithm>
#include <cctype>
#include <cstdio>
#include <cstdlib>
#include <set>
#include <vector>

#include "core/text.h"
#include "http/message.h"

namespace cairn::web {

std::string Esc(std::string_view s) {
  std::string out;
  out.reserve(s.size() + 8);
  for (char c : s) {
    switch (c) {
      case '&': out += "&amp;"; break;
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      case '"': out += "&quot;"; break;
      case '\'': out += "&#39;"; break;
      default: out += c;
    }
  }
  return out;
}

std::string Text(const json::value* v) {
  if (!v || v->is_null()) return "";
  if (v->is_string()) return std::string(v->get_string());
  if (v->is_bool()) return v->get_bool() ? "true" : "false";
  if (v->is_int64()) return std::to_string(v->get_int64());
  if (v->is_uint64()) return std::to_string(v->get_uint64());
  return json::serialize(*v);
}

std::string Text(const json::object& o, std::string_view key) { return Text(o.if_contains(key)); }

int64_t Int(const json::object& o, std::string_view key, int64_t fallback) {
  const auto* v = o.if_contains(key);
  if (!v) return fallback;
  if (v->is_int64()) return v->get_int64();
  if (v->is_uint64()) return static_cast<int64_t>(v->get_uint64());
  if (v->is_double()) return static_cast<int64_t>(v->get_double());
  return fallback;
}

bool Bool(const json::object& o, std::string_view key) {
  const auto* v = o.if_contains(key);
  return v && v->is_bool() && v->get_bool();
}

std::string Url(std::string_view s) { return http::PercentEncode(s); }

namespace {
std::vector<std::string> Split(std::string_view text, std::string_view separators) {
  std::vector<std::string> out;
  size_t start = 0;
  while (start <= text.size()) {
    size_t end = text.find_first_of(separators, start);
    if (end == std::string_view::npos) end = text.size();
    if (auto item = Trim(text.substr(start, end - start)); !item.empty()) out.emplace_back(item);
    start = end + 1;
  }
  return out;
}
}  // namespace

std::vector<std::string> ListItems(std::string_view text) { return Split(text, ",\n"); }

std::vector<std::string> Lines(std::string_view text) { return Split(text, "\n"); }

std::string When(std::string_view iso) {
  static constexpr const char* kMonths[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                            "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
  int y = 0, mo = 0, d = 0, h = 0, mi = 0;
  std::string s(iso);
  if (s.size() < 16 || std::sscanf(s.c_str(), "%4d-%2d-%2dT%2d:%2d", &y, &mo, &d, &h, &mi) != 5 || mo < 1 || mo > 12)
    return s;
  char buf[40];
  std::snprintf(buf, sizeof(buf), "%d %s %d %02d:%02d", d, kMonths[mo - 1], y, h, mi);
  return buf;
}

std::string TimeCell(std::string_view iso) {
  return "<td data-sort=\"" + Esc(iso) + "\">" + Esc(When(iso)) + "</td>";
}

std::string Pager(const std::string& base, int64_t page, bool has_next) {
  if (page <= 1 && !has_next) return "";
  std::string out = "<nav class=\"pager\" aria-label=\"Pages\"><ul>";
  if (page > 1)
    out += "<li><a href=\"" + Esc(base) + "page=" + std::to_string(page - 1) + "\" rel=\"prev\">&larr; Previous</a></li>";
  out += "<li><span aria-current=\"page\">Page " + std::to_string(page) + "</span></li>";
  if (has_next)
    out += "<li><a href=\"" + Esc(base) + "page=" + std::to_string(page + 1) + "\" rel=\"next\">Next &rarr;</a></li>";
  out += "</ul></nav>";
  return out;
}

namespace {

std::string LowerAscii(std::string_view s) {
  std::string out(s);
  for (auto& c : out)
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  return out;
}

bool SafeUrl(std::string_view url, bool image) {
  std::string u = LowerAscii(url);
  // Browsers ignore control characters and spaces inside a scheme ("java\tscript:").
  std::string compact;
  for (char c : u)
    if (static_cast<unsigned char>(c) > 0x20) compact += c;
  if (compact.rfind("http://", 0) == 0 || compact.rfind("https://", 0) == 0) return true;
  if (!image && compact.rfind("mailto:", 0) == 0) return true;
  if (image && compact.rfind("data:image/", 0) == 0 && compact.rfind("data:image/svg", 0) != 0) return true;
  if (image) return false;  // an image only from an absolute address: a relative one would load a page
  auto colon = compact.find(':');
  auto slash = compact.find_first_of("/?#");
  return colon == std::string::npos || (slash != std::string::npos && slash < colon);  // relative
}

// Decodes the entities an attribute value may use to hide a scheme ("&#106;avascript:").
std::string DecodeEntities(std::string_view s) {
  std::string out;
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] != '&') {
      out += s[i];
      continue;
    }
    size_t semi = s.substr(i, 12).find(';');  // entities are short: never a search to the end
    if (semi != std::string_view::npos) semi += i;
    if (semi == std::string_view::npos || semi - i > 10) {
      out += s[i];
      continue;
    }
    std::string ent(s.substr(i + 1, semi - i - 1));
    long code = -1;
    if (!ent.empty() && ent[0] == '#')
      code = (ent.size() > 1 && (ent[1] == 'x' || ent[1] == 'X')) ? std::strtol(ent.c_str() + 2, nullptr, 16)
                                                                  : std::strtol(ent.c_str() + 1, nullptr, 10);
    else if (ent == "amp") code = '&';
    else if (ent == "lt") code = '<';
    else if (ent == "gt") code = '>';
    else if (ent == "quot") code = '"';
    else if (ent == "apos") code = '\'';
    else if (ent == "colon") code = ':';
    else if (ent == "tab") code = '\t';
    else if (ent == "newline") code = '\n';
    if (code < 0 || code > 0x7f) {
      out += s.substr(i, semi - i + 1);
    } else {
      out += static_cast<char>(code);
    }
    i = semi;
  }
  return out;
}

std::string Described(const Field& f, std::string& after) {
  std::string id = "f-" + f.name;
  std::string attrs;
  if (!f.error.empty()) {
    attrs += " aria-invalid=\"true\" aria-describedby=\"" + Esc(id) + "-error\"";
    after += "<small class=\"field-error\" id=\"" + Esc(id) + "-error\">" + Esc(f.error) + "</small>";
  } else if (!f.hint.empty()) {
    attrs += " aria-describedby=\"" + Esc(id) + "-hint\"";
  }
  if (!f.hint.empty()) after += "<small id=\"" + Esc(id) + "-hint\">" + Esc(f.hint) + "</small>";
  return attrs;
}
}  // namespace

std::string Input(const Field& f) {
  std::string after;
  std::string attrs = Described(f, after);
  std::string id = "f-" + f.name;
  std::string out = "<label for=\"" + Esc(id) + "\">" + Esc(f.label) + (f.required ? " <span aria-hidden=\"true\">*</span>" : "") + "</label>";
  out += "<input id=\"" + Esc(id) + "\" name=\"" + Esc(f.name) + "\" type=\"" + Esc(f.type) + "\" value=\"" +
         Esc(f.value) + "\"" + attrs;
  if (!f.placeholder.empty()) out += " placeholder=\"" + Esc(f.placeholder) + "\"";
  if (!f.autocomplete.empty()) out += " autocomplete=\"" + Esc(f.autocomplete) + "\"";
  if (f.required) out += " required";
  out += ">" + after;
  return out;
}

std::string Select(const Field& f, const std::vector<std::pair<std::string, std::string>>& options) {
  std::string after;
  std::string attrs = Described(f, after);
  std::string id = "f-" + f.name;
  std::string out = "<label for=\"" + Esc(id) + "\">" + Esc(f.label) + (f.required ? " <span aria-hidden=\"true\">*</span>" : "") + "</label>";
  out += "<select id=\"" + Esc(id) + "\" name=\"" + Esc(f.name) + "\"" + attrs + (f.required ? " required" : "") + ">";
  for (const auto& [value, label] : options)
    out += "<option value=\"" + Esc(value) + "\"" + (value == f.value ? " selected" : "") + ">" + Esc(label) + "</option>";
  out += "</select>" + after;
  return out;
}

std::string MultiSelect(const Field& f, const std::vector<std::pair<std::string, std::string>>& options,
                        const std::vector<std::string>& selected) {
  std::string after;
  std::string attrs = Described(f, after);
  std::string id = "f-" + f.name;
  std::string out = "<label for=\"" + Esc(id) + "\">" + Esc(f.label) + (f.required ? " <span aria-hidden=\"true\">*</span>" : "") + "</label>";
  out += "<select multiple id=\"" + Esc(id) + "\" name=\"" + Esc(f.name) + "\"" + attrs + (f.required ? " required" : "") + ">";
  for (const auto& [value, label] : options) {
    bool on = std::find(selected.begin(), selected.end(), value) != selected.end();
    out += "<option value=\"" + Esc(value) + "\"" + (on ? " selected" : "") + ">" + Esc(label) + "</option>";
  }
  out += "</select>" + after;
  return out;
}

std::string TextArea(const Field& f, int rows) {
  std::string after;
  std::string attrs = Described(f, after);
  std::string id = "f-" + f.name;
  std::string out = "<label for=\"" + Esc(id) + "\">" + Esc(f.label) + (f.required ? " <span aria-hidden=\"true\">*</span>" : "") + "</label>";
  out += "<textarea id=\"" + Esc(id) + "\" name=\"" + Esc(f.name) + "\" rows=\"" + std::to_string(rows) + "\"" + attrs +
         (f.required ? " required" : "") + ">" + Esc(f.value) + "</textarea>" + after;
  return out;
}

std::string Checkbox(const std::string& name, const std::string& label, bool checked, const std::string& hint) {
  std::string id = "f-" + name;
  std::string out = "<label for=\"" + Esc(id) + "\"><input type=\"checkbox\" role=\"switch\" id=\"" + Esc(id) +
                    "\" name=\"" + Esc(name) + "\" value=\"true\"" + (checked ? " checked" : "") + "> " + Esc(label) +
                    "</label>";
  if (!hint.empty()) out += "<small>" + Esc(hint) + "</small>";
  return out;
}

std::string SanitizeHtml(std::string_view in) {
  static const std::set<std::string> kKeep = {"p", "br", "hr", "h1", "h2", "h3", "h4", "h5", "h6", "b", "strong", "i", "em",
                                              "u", "s", "strike", "del", "ins", "sub", "sup", "small", "mark", "span", "div",
                                              "ul", "ol", "li", "dl", "dt", "dd", "a", "code", "pre", "kbd", "blockquote",
                                              "table", "thead", "tbody", "tfoot", "tr", "th", "td", "caption", "img", "figure",
                                              "figcaption"};
  static const std::set<std::string> kVoid = {"br", "hr", "img"};
  // Elements dropped with everything inside them.
  static const std::set<std::string> kDropWithContent = {"script", "style", "iframe", "object", "embed", "template",
                                                         "noscript", "textarea", "select", "svg", "math", "frameset",
                                                         "noembed", "xmp", "plaintext", "title", "head"};
  std::string out;
  out.reserve(in.size());
  size_t i = 0;
  std::string skipping;  // the element whose content is being dropped
  // The elements open in the output: a closing tag is kept only when it closes one of them (so
  // an article can't close the page's own elements), and what is left open is closed at the end.
  std::vector<std::string> open;
  while (i < in.size()) {
    char c = in[i];
    if (c != '<') {
      if (skipping.empty()) {
        if (c == '>') out += "&gt;";
        else if (c == '"') out += "&quot;";
        else out += c;  // text and entities pass as they are: a browser shows an entity as text
      }
      ++i;
      continue;
    }
    // A comment, doctype or processing instruction: dropped.
    if (in.compare(i, 4, "<!--") == 0) {
      size_t end = in.find("-->", i + 4);
      i = end == std::string_view::npos ? in.size() : end + 3;
      continue;
    }
    if (i + 1 < in.size() && (in[i + 1] == '!' || in[i + 1] == '?')) {
      size_t end = in.find('>', i);
      i = end == std::string_view::npos ? in.size() : end + 1;
      continue;
    }
    bool closing = i + 1 < in.size() && in[i + 1] == '/';
    size_t j = i + (closing ? 2 : 1);
    size_t name_start = j;
    while (j < in.size() && (std::isalnum(static_cast<unsigned char>(in[j])) || in[j] == '-')) ++j;
    std::string name = LowerAscii(in.substr(name_start, j - name_start));
    if (name.empty()) {  // "<" not starting a tag: shown as text
      if (skipping.empty()) out += "&lt;";
      ++i;
      continue;
    }
    // Attributes up to the tag's end, honouring quotes.
    std::vector<std::pair<std::string, std::string>> attrs;
    while (j < in.size() && in[j] != '>') {
      while (j < in.size() && (std::isspace(static_cast<unsigned char>(in[j])) || in[j] == '/')) ++j;
      size_t a = j;
      while (j < in.size() && !std::isspace(static_cast<unsigned char>(in[j])) && in[j] != '=' && in[j] != '>' && in[j] != '/') ++j;
      std::string attr = LowerAscii(in.substr(a, j - a));
      std::string value;
      while (j < in.size() && std::isspace(static_cast<unsigned char>(in[j]))) ++j;
      if (j < in.size() && in[j] == '=') {
        ++j;
        while (j < in.size() && std::isspace(static_cast<unsigned char>(in[j]))) ++j;
        if (j < in.size() && (in[j] == '"' || in[j] == '\'')) {
          char q = in[j++];
          size_t end = in.find(q, j);
          if (end == std::string_view::npos) end = in.size();
          value = std::string(in.substr(j, end - j));
          j = end + 1;
        } else {
          size_t v = j;
          while (j < in.size() && !std::isspace(static_cast<unsigned char>(in[j])) && in[j] != '>') ++j;
          value = std::string(in.substr(v, j - v));
        }
      }
      if (!attr.empty()) attrs.emplace_back(attr, value);
      if (a == j && j < in.size() && in[j] != '>') ++j;  // a stray character: step over it
    }
    i = j < in.size() ? j + 1 : in.size();
    if (!skipping.empty()) {
      if (closing && name == skipping) skipping.clear();
      continue;
    }
    if (kDropWithContent.count(name)) {
      if (!closing) skipping = name;
      continue;
    }
    if (!kKeep.count(name)) continue;  // the tag goes, its text stays
    if (closing) {
      if (kVoid.count(name)) continue;
      auto it = std::find(open.rbegin(), open.rend(), name);
      if (it == open.rend()) continue;
      size_t keep = static_cast<size_t>(open.rend() - it) - 1;
      while (open.size() > keep) {
        out += "</" + open.back() + ">";
        open.pop_back();
      }
      continue;
    }
    std::string tag = "<" + name;
    for (const auto& [attr, raw] : attrs) {
      std::string value = DecodeEntities(raw);
      bool keep = (name == "a" && attr == "href" && SafeUrl(value, false)) ||
                  (name == "img" && attr == "src" && SafeUrl(value, true)) || (name == "img" && attr == "alt") ||
                  ((name == "td" || name == "th") && (attr == "colspan" || attr == "rowspan") &&
                   !value.empty() && value.size() < 4 && value.find_first_not_of("0123456789") == std::string::npos);
      if (keep) tag += " " + attr + "=\"" + Esc(value) + "\"";
    }
    if (name == "a") tag += " rel=\"noopener noreferrer nofollow\"";
    out += tag + ">";
    if (!kVoid.count(name)) open.push_back(name);
  }
  while (!open.empty()) {
    out += "</" + open.back() + ">";
    open.pop_back();
  }
  return out;
}

}  // namespace cairn::web
