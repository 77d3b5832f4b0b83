// The full-text index. SQLite: an FTS5 table keyed by rowid = id * 4 + kind code, ranked by bm25
// with the title weighted 10:1 over the body. PostgreSQL: a table with a generated tsvector and a
// GIN index, ranked by ts_rank (title weight A, body B). Both match every word of the query as a
// prefix, case- and accent-insensitively (SQLite) or case-insensitively (PostgreSQL).
#include <algorithm>

#include "core/text.h"
#include "store/store.h"

namespace cairn::store {
namespace {

int64_t KindCode(std::string_view kind) {
  if (kind == "Company") return 0;
  if (kind == "Asset") return 1;
  if (kind == "Article") return 2;
  return 3;  // AssetPassword
}

bool IsWordByte(unsigned char c) {
  return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c >= 0x80;
}

// Splits text into words: runs of ASCII letters and digits and non-ASCII characters,
// lower-cased. Both the index (PostgreSQL) and queries use this, so they agree on what a word is.
std::vector<std::string> Words(std::string_view text) {
  std::vector<std::string> words;
  std::string cur;
  for (unsigned char c : text) {
    if (IsWordByte(c)) {
      cur += static_cast<char>(c);
    } else if (!cur.empty()) {
      words.push_back(ToLower(cur));
      cur.clear();
    }
  }
  if (!cur.empty()) words.push_back(ToLower(cur));
  return words;
}

std::string JoinWords(std::string_view text) {
  std::string out;
  for (const auto& w : Words(text)) {
    if (!out.empty()) out += ' ';
    out += w;
  }
  return out;
}

// The query as phrases: each whitespace-separated term becomes the phrase of its words, so
// "10.0.0.2" must match those four words in order and "sn-77" the word sn followed by a word
// starting 77. At most 16 terms.
std::vector<std::vector<std::string>> Phrases(std::string_view text) {
  std::vector<std::vector<std::string>> out;
  for (const auto& term : Split(text, ' ')) {
    auto words = Words(term);
    if (!words.empty()) out.push_back(std::move(words));
    if (out.size() == 16) break;
  }
  return out;
}

void AppendScope(const SearchQuery& q, std::string& sql, std::vector<Value>& params) {
  if (!q.include_passwords) sql += " AND kind <> 'AssetPassword'";
  if (q.company_ids) {
    sql += " AND (company_id IN (";
    for (size_t i = 0; i < q.company_ids->size(); ++i) {
      sql += i ? ", ?" : "?";
      params.push_back((*q.company_ids)[i]);
    }
    if (q.company_ids->empty()) sql += "NULL";
    sql += q.include_global ? ") OR company_id IS NULL)" : "))";
  }
}

}  // namespace

Status SearchIndex::Put(std::string_view kind, int64_t id, std::optional<int64_t> company_id,
                        bool archived, const std::string& title, const std::string& body) {
  Value company = company_id ? Value(*company_id) : Value();
  if (conn_.dialect() == Dialect::kSqlite) {
    int64_t rowid = id * 4 + KindCode(kind);
    Value del[] = {rowid};
    auto n = conn_.Execute("DELETE FROM search_fts WHERE rowid = ?", del);
    if (!n.ok()) return n.status();
    Value ins[] = {rowid, title, body, std::string(kind), company, int64_t{archived}};
    auto m = conn_.Execute(
        "INSERT INTO search_fts (rowid, title, body, kind, company_id, archived) "
        "VALUES (?, ?, ?, ?, ?, ?)",
        ins);
    return m.ok() ? Status::Ok() : m.status();
  }
  Value ins[] = {std::string(kind), id,   company, int64_t{archived}, title, JoinWords(title),
                 JoinWords(body)};
  auto m = conn_.Execute(
      "INSERT INTO search_docs (kind, record_id, company_id, archived, title, title_terms, "
      "body_terms) VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT (kind, record_id) DO UPDATE SET "
      "company_id = excluded.company_id, archived = excluded.archived, title = excluded.title, "
      "title_terms = excluded.title_terms, body_terms = excluded.body_terms",
      ins);
  return m.ok() ? Status::Ok() : m.status();
}

Status SearchIndex::Remove(std::string_view kind, int64_t id) {
  if (conn_.dialect() == Dialect::kSqlite) {
    Value p[] = {id * 4 + KindCode(kind)};
    auto n = conn_.Execute("DELETE FROM search_fts WHERE rowid = ?", p);
    return n.ok() ? Status::Ok() : n.status();
  }
  Value p[] = {std::string(kind), id};
  auto n = conn_.Execute("DELETE FROM search_docs WHERE kind = ? AND record_id = ?", p);
  return n.ok() ? Status::Ok() : n.status();
}

Result<std::vector<SearchHit>> SearchIndex::Search(const SearchQuery& q) {
  std::vector<SearchHit> hits;
  auto phrases = Phrases(q.text);
  if (phrases.empty() || q.limit <= 0) return hits;
  std::string sql;
  std::vector<Value> params;
  if (conn_.dialect() == Dialect::kSqlite) {
    std::string match;
    for (const auto& words : phrases) {
      match += match.empty() ? "\"" : " \"";
      for (size_t i = 0; i < words.size(); ++i) match += (i ? " " : "") + words[i];
      match += "\"*";
    }
    sql = "SELECT kind, rowid / 4, company_id, title FROM search_fts WHERE search_fts MATCH ? "
          "AND archived = 0";
    params.push_back(match);
    AppendScope(q, sql, params);
    sql += " ORDER BY bm25(search_fts, 10.0, 1.0) LIMIT ? OFFSET ?";
  } else {
    std::string tsq;
    for (const auto& words : phrases) {
      tsq += tsq.empty() ? "(" : " & (";
      for (size_t i = 0; i < words.size(); ++i)
        tsq += (i ? " <-> " : "") + words[i] + (i + 1 == words.size() ? ":*" : "");
      tsq += ")";
    }
    sql = "SELECT kind, record_id, company_id, title FROM search_docs "
          "WHERE tsv @@ to_tsquery('simple', ?) AND archived = 0";
    params.push_back(tsq);
    AppendScope(q, sql, params);
    sql += " ORDER BY ts_rank(tsv, to_tsquery('simple', ?)) DESC, record_id LIMIT ? OFFSET ?";
    params.push_back(tsq);
  }
  params.push_back(q.limit);
  params.push_back(q.offset);
  auto rows = conn_.Query(sql, params);
  if (!rows.ok()) return rows.status();
  for (auto& r : *rows) {
    SearchHit h;
    if (auto* s = std::get_if<std::string>(&r[0])) h.kind = *s;
    if (auto* n = std::get_if<int64_t>(&r[1])) h.id = *n;
    if (auto* n = std::get_if<int64_t>(&r[2])) h.company_id = *n;
    if (auto* s = std::get_if<std::string>(&r[3])) h.title = std::move(*s);
    hits.push_back(std::move(h));
  }
  return hits;
}

}  // namespace cairn::store
