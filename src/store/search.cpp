// The full-text index.
//
// Cairn splits text into terms itself, the same way for documents and queries, so both backends
// agree and identifiers stay searchable: every whitespace-separated chunk contributes its words
// (runs of letters, digits and non-ASCII characters, lower-cased) and, when it has several, the
// words run together from each word to the end. "ACME-LT-042" is indexed as
// `acme lt 042 acmelt042 lt042` and "10.4.96.156" as `10 4 96 156 10496156 496156 96156`. A query
// term is the chunk's words run together, matched as a prefix:
// "042", "lt-04", "acme-lt" and "10.4.96" each find their document through one term, and every query
// term must match.
//
// Ranking: when a query matches at most kRankLimit documents they are ranked (SQLite bm25 with
// the title weighted 10:1 over the body; PostgreSQL ts_rank with title weight A, body B).
// Broader queries ("dell", "windows") are answered newest first, which stays fast at any size:
// ranking a hundred thousand equally vague matches costs hundreds of milliseconds and tells the
// user nothing. The breadth is first measured on whole terms, which costs next to nothing; only
// a narrow query pays for expanding its terms as prefixes (FTS5 merges every term that shares a
// prefix longer than its prefix index).
//
// Archived records are not in the index at all, and the kind of a SQLite document is in its
// rowid, so the common filters never read the documents' stored columns.
//
// SQLite: an FTS5 table keyed by rowid = id * 4 + kind code. PostgreSQL: a table keyed by
// (kind, record_id) with a generated tsvector and a GIN index.
#include <algorithm>

#include <boost/json.hpp>

#include "core/text.h"
#include "store/store.h"

namespace cairn::store {
namespace {

constexpr int64_t kRankLimit = 2000;
constexpr size_t kMaxQueryTerms = 16;

int64_t KindCode(std::string_view kind) {
  if (kind == "Company") return 0;
  if (kind == "Asset") return 1;
  if (kind == "Article") return 2;
  return 3;  // AssetPassword
}

bool IsWordByte(unsigned char c) {
  return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c >= 0x80;
}

bool IsSpace(unsigned char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v'; }

// Calls fn(words) for each whitespace-separated chunk of text that has at least one word.
template <class Fn>
void ForEachChunk(std::string_view text, Fn&& fn) {
  std::vector<std::string> words;
  std::string cur;
  auto end_word = [&] {
    if (!cur.empty()) words.push_back(ToLower(cur));
    cur.clear();
  };
  for (unsigned char c : text) {
    if (IsWordByte(c)) {
      cur += static_cast<char>(c);
    } else {
      end_word();
      if (IsSpace(c) && !words.empty()) {
        fn(words);
        words.clear();
      }
    }
  }
  end_word();
  if (!words.empty()) fn(words);
}

std::string Joined(const std::vector<std::string>& words) {
  std::string out;
  for (const auto& w : words) out += w;
  return out;
}
// The terms a document is indexed under, space-separated.
std::string IndexTerms(std::string_view text) {
  std::string out;
  out.reserve(text.size() + 16);
  ForEachChunk(text, [&](const std::vector<std::string>& words) {
    for (const auto& w : words) (out += w) += ' ';
    // Every tail of the chunk run together, so that a query may start at any word of it.
    size_t first = words.size() > 8 ? words.size() - 8 : 0;
    for (size_t i = first; i + 1 < words.size(); ++i) {
      for (size_t j = i; j < words.size(); ++j) out += words[j];
      out += ' ';
    }
  });
  if (!out.empty()) out.pop_back();
  return out;
}

std::vector<std::string> QueryTerms(std::string_view text) {
  std::vector<std::string> terms;
  ForEachChunk(text, [&](const std::vector<std::string>& words) {
    if (terms.size() < kMaxQueryTerms) terms.push_back(Joined(words));
  });
  return terms;
}

void AppendScope(Dialect d, const SearchQuery& q, std::string& sql, std::vector<Value>& params) {
  if (!q.include_passwords)
    sql += d == Dialect::kSqlite ? " AND (rowid % 4) <> 3" : " AND kind <> 'AssetPassword'";
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

int64_t AsInt64(const Value& v) {
  if (auto* n = std::get_if<int64_t>(&v)) return *n;
  if (auto* s = std::get_if<std::string>(&v)) return std::stoll(*s);
  return 0;
}

}  // namespace

Status SearchIndex::Put(std::string_view kind, int64_t id, std::optional<int64_t> company_id,
                        bool archived, const std::string& title, const std::string& body) {
  if (archived) return Remove(kind, id);
  if (pending_) {  // SQLite
    pending_->Put(id * 4 + KindCode(kind),
                  SearchPending::Doc{std::string(kind), company_id, title, IndexTerms(title), IndexTerms(body)});
    return Status::Ok();
  }
  Value company = company_id ? Value(*company_id) : Value();
  Value ins[] = {std::string(kind), id, company, title, IndexTerms(title), IndexTerms(body)};
  auto m = conn_.Execute(
      "INSERT INTO search_docs (kind, record_id, company_id, title, title_terms, body_terms) "
      "VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (kind, record_id) DO UPDATE SET "
      "company_id = excluded.company_id, title = excluded.title, "
      "title_terms = excluded.title_terms, body_terms = excluded.body_terms",
      ins);
  return m.ok() ? Status::Ok() : m.status();
}

Status SearchIndex::Remove(std::string_view kind, int64_t id) {
  if (pending_) {  // SQLite
    pending_->Put(id * 4 + KindCode(kind), std::nullopt);
    return Status::Ok();
  }
  Value p[] = {std::string(kind), id};
  auto n = conn_.Execute("DELETE FROM search_docs WHERE kind = ? AND record_id = ?", p);
  return n.ok() ? Status::Ok() : n.status();
}

Status SearchIndex::Flush() {
  if (!pending_ || pending_->empty()) return Status::Ok();
  auto docs = pending_->Take();
  // Every touched document is deleted, then those that remain inserted: one statement each, the
  // rows passed as JSON arrays (json_each), so FTS5 opens one savepoint for the lot.
  boost::json::array rowids, rows;
  for (auto& [rowid, doc] : docs) {
    rowids.push_back(rowid);
    if (!doc) continue;
    boost::json::value company = doc->company_id ? boost::json::value(*doc->company_id) : boost::json::value(nullptr);
    rows.push_back(boost::json::array{rowid, doc->title_terms, doc->body_terms, doc->kind, company, doc->title});
  }
  Value del[] = {boost::json::serialize(rowids)};
  auto n = conn_.Execute("DELETE FROM search_fts WHERE rowid IN (SELECT value FROM json_each(?))", del);
  if (!n.ok()) return n.status();
  if (rows.empty()) return Status::Ok();
  Value ins[] = {boost::json::serialize(rows)};
  auto m = conn_.Execute(
      "INSERT INTO search_fts (rowid, title, body, kind, company_id, name) "
      "SELECT json_extract(value, '$[0]'), json_extract(value, '$[1]'), json_extract(value, '$[2]'), "
      "json_extract(value, '$[3]'), json_extract(value, '$[4]'), json_extract(value, '$[5]') FROM json_each(?)",
      ins);
  return m.ok() ? Status::Ok() : m.status();
}

Result<std::vector<SearchHit>> SearchIndex::Search(const SearchQuery& q) {
  // What this call wrote is found too.
  CAIRN_RETURN_IF_ERROR(Flush());
  std::vector<SearchHit> hits;
  auto terms = QueryTerms(q.text);
  if (terms.empty() || q.limit <= 0) return hits;
  const bool sqlite = conn_.dialect() == Dialect::kSqlite;
  // One-character terms always match whole: a one-letter prefix would merge most of the index.
  auto match_of = [&](bool prefix) {
    std::string m;
    for (const auto& t : terms) {
      bool p = prefix && t.size() > 1;
      if (sqlite) m += (m.empty() ? "\"" : " \"") + t + (p ? "\"*" : "\"");
      else m += (m.empty() ? "" : " & ") + t + (p ? ":*" : "");
    }
    return m;
  };
  const std::string where =
      sqlite ? "search_fts MATCH ?" : "tsv @@ to_tsquery('simple', ?)";
  const std::string table = sqlite ? "search_fts" : "search_docs";
  std::vector<Value> scope;
  std::string scope_sql;
  AppendScope(conn_.dialect(), q, scope_sql, scope);
  // How many documents match, up to kRankLimit + 1.
  auto count = [&](const std::string& match) -> Result<int64_t> {
    std::vector<Value> params{match};
    params.insert(params.end(), scope.begin(), scope.end());
    return QueryInt(conn_,
                    "SELECT COUNT(*) FROM (SELECT 1 FROM " + table + " WHERE " + where +
                        scope_sql + " LIMIT " + std::to_string(kRankLimit + 1) + ") c",
                    params);
  };
  std::string match = match_of(false);
  auto whole = count(match);
  if (!whole.ok()) return whole.status();
  bool ranked = false;
  if (*whole <= kRankLimit) {
    match = match_of(true);
    auto expanded = count(match);
    if (!expanded.ok()) return expanded.status();
    ranked = *expanded <= kRankLimit;
  }

  std::vector<Value> params{match};
  params.insert(params.end(), scope.begin(), scope.end());
  std::string sql;
  if (sqlite) {
    sql = "SELECT kind, rowid / 4, company_id, name FROM search_fts WHERE " + where + scope_sql +
          (ranked ? " ORDER BY bm25(search_fts, 10.0, 1.0)" : " ORDER BY rowid DESC");
  } else {
    sql = "SELECT kind, record_id, company_id, title FROM search_docs WHERE " + where + scope_sql +
          (ranked ? " ORDER BY ts_rank(tsv, to_tsquery('simple', ?)) DESC, record_id DESC"
                  : " ORDER BY record_id DESC");
    if (ranked) params.push_back(match);
  }
  sql += " LIMIT ? OFFSET ?";
  params.push_back(q.limit);
  params.push_back(q.offset);
  auto rows = conn_.Query(sql, params);
  if (!rows.ok()) return rows.status();
  for (auto& r : *rows) {
    SearchHit h;
    if (auto* s = std::get_if<std::string>(&r[0])) h.kind = *s;
    h.id = AsInt64(r[1]);
    if (!IsNull(r[2])) h.company_id = AsInt64(r[2]);
    if (auto* s = std::get_if<std::string>(&r[3])) h.title = std::move(*s);
    hits.push_back(std::move(h));
  }
  return hits;
}

}  // namespace cairn::store
