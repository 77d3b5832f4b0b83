#include "web/html.h"

#include <cstdio>

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

std::string Checkbox(const std::string& name, const std::string& label, bool checked, const std::string& hint) {
  std::string id = "f-" + name;
  std::string out = "<label for=\"" + Esc(id) + "\"><input type=\"checkbox\" role=\"switch\" id=\"" + Esc(id) +
                    "\" name=\"" + Esc(name) + "\" value=\"true\"" + (checked ? " checked" : "") + "> " + Esc(label) +
                    "</label>";
  if (!hint.empty()) out += "<small>" + Esc(hint) + "</small>";
  return out;
}

}  // namespace cairn::web
