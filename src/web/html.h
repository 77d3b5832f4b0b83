// Building HTML safely: every text that is not Cairn's own markup goes through Esc (or the
// helpers that call it), so a company named "<script>" is shown, never run.
#pragma once

#include <boost/json.hpp>
#include <string>
#include <string_view>
#include <vector>

namespace cairn::web {

namespace json = boost::json;

// Escapes & < > " ' for text and attribute values.
std::string Esc(std::string_view s);
// Article HTML made safe to show: only formatting tags are kept (paragraphs, headings, lists,
// emphasis, links, code, quotes, tables, images from http(s) or data:image), every attribute but
// a link's href, an image's src/alt and a cell's colspan/rowspan is dropped, URLs other than
// http(s), mailto and relative ones are dropped, and script, style and similar elements go with
// their content. Links get rel="noopener noreferrer nofollow".
std::string SanitizeHtml(std::string_view html);

// A JSON value as the text a person reads: strings as they are, null as "", numbers, true/false.
std::string Text(const json::value* v);
std::string Text(const json::object& o, std::string_view key);
int64_t Int(const json::object& o, std::string_view key, int64_t fallback = 0);
bool Bool(const json::object& o, std::string_view key);
// The items of a list typed into one field, one per line or separated by commas: trimmed, empty
// ones dropped ("a, b\n c" -> {"a", "b", "c"}).
std::vector<std::string> ListItems(std::string_view text);
// The same, one per line only: an item may hold a comma (a dropdown's choices, list values).
std::vector<std::string> Lines(std::string_view text);
// Percent-encodes for a query-string value.
std::string Url(std::string_view s);
// "2026-11-23T18:41:22Z" -> "23 Nov 2026 18:41"; anything else as it is.
std::string When(std::string_view iso);

// A table cell showing a time as When does, sorted by its ISO form (tables with data-sortable).
std::string TimeCell(std::string_view iso);

// Paging links under a table: "Previous", "Page 2", "Next", keeping the other query parameters.
// `base` is the path with its other parameters already ("/companies?sort=name&").
std::string Pager(const std::string& base, int64_t page, bool has_next);

// A form field: label, input and, when there is one, the error for it right under the input
// (aria-invalid and aria-describedby set so screen readers tie them together).
struct Field {
  std::string name;        // form field name (and the id, with "f-" in front)
  std::string label;
  std::string value;
  std::string type = "text";  // text | password | number | email | url
  std::string hint;           // shown under the field
  std::string error;          // shown under the field, in red
  std::string placeholder;
  bool required = false;
  std::string autocomplete;
};
std::string Input(const Field& f);
// A select with `options` as (value, label); `value` is selected.
std::string Select(const Field& f, const std::vector<std::pair<std::string, std::string>>& options);
std::string Checkbox(const std::string& name, const std::string& label, bool checked, const std::string& hint = "");
// A select of several values: those in `selected` are selected.
std::string MultiSelect(const Field& f, const std::vector<std::pair<std::string, std::string>>& options,
                        const std::vector<std::string>& selected);
// A multi-line text field (`f.type` unused).
std::string TextArea(const Field& f, int rows = 4);

}  // namespace cairn::web
