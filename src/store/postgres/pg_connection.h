// Internals of the PostgreSQL driver that are worth testing on their own. The driver itself is
// reached through OpenPostgres() in store/driver.h; nothing outside src/store/postgres includes
// this header.
#pragma once

#include <string>
#include <string_view>

namespace cairn::store::pg {

struct NumberedSql {
  std::string text;  // the statement with each placeholder replaced by $1, $2, ...
  int params = 0;    // how many placeholders were replaced
};

// Rewrites the "?" placeholders of `sql` to PostgreSQL's "$1".."$n", left to right. A "?" is left
// alone inside a string literal ('...', with '' and, in E'...', backslash escapes), a quoted
// identifier ("..."), a dollar-quoted string ($$...$$, $tag$...$tag$) and a comment (-- to end of
// line, /* ... */ nested). PostgreSQL's jsonb operators "?", "?|" and "?&" therefore cannot be
// written in driver SQL; use the functions jsonb_exists, jsonb_exists_any and jsonb_exists_all.
// Never fails: unterminated quotes or comments simply run to the end of the text (the server
// then reports the syntax error). Pure; safe from any thread.
NumberedSql NumberPlaceholders(std::string_view sql);

}  // namespace cairn::store::pg
