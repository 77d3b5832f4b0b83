// Repository<T>: SQL built from the record's schema (core/schema.h), shared by both backends.
#include <boost/json.hpp>

#include "core/crypto.h"
#include "core/text.h"
#include "store/store.h"

namespace cairn::store {
namespace {

template <class T>
struct Sql {
  std::string select;  // "SELECT c1, c2, ... FROM table"
  std::string insert;  // "INSERT INTO table (c2, ...) VALUES (?, ...) RETURNING id"
  std::string update;  // "UPDATE table SET c2 = ?, ... WHERE id = ?"
  std::string get;
  std::string del;

  static const Sql& Of() {
    static const Sql s = [] {
      const auto& sch = T::Schema();
      Sql q;
      std::string cols, insert_cols, marks, sets;
      for (size_t i = 0; i < sch.columns.size(); ++i) {
        std::string_view n = sch.columns[i].name;
        cols += (i ? ", " : "") + std::string(n);
        if (i == 0) continue;  // the id
        insert_cols += (i > 1 ? ", " : "") + std::string(n);
        marks += i > 1 ? ", ?" : "?";
        sets += (i > 1 ? ", " : "") + std::string(n) + " = ?";
      }
      std::string table(sch.table);
      q.select = "SELECT " + cols + " FROM " + table;
      q.insert = "INSERT INTO " + table + " (" + insert_cols + ") VALUES (" + marks + ") RETURNING id";
      q.update = "UPDATE " + table + " SET " + sets + " WHERE id = ?";
      q.get = q.select + " WHERE id = ?";
      q.del = "DELETE FROM " + table + " WHERE id = ?";
      return q;
    }();
    return s;
  }
};

template <class T>
T FromRow(Row& row) {
  T out{};
  const auto& cols = T::Schema().columns;
  for (size_t i = 0; i < cols.size() && i < row.size(); ++i) {
    // Text moves into the record instead of being copied.
    if (auto* s = std::get_if<std::string>(&row[i]); s && cols[i].type == ColType::kText)
      out.*std::get<std::string T::*>(cols[i].member) = std::move(*s);
    else
      SetValue(out, cols[i], row[i]);
  }
  return out;
}

template <class T>
std::string NotFoundMessage() {
  std::string_view m = T::Schema().model;
  return std::string(m == "AssetPassword" ? "Password" : m) + " not found";
}

std::string EscapeLike(std::string_view s) {
  std::string out;
  for (char c : s) {
    if (c == '%' || c == '_' || c == '\\') out += '\\';
    out += c;
  }
  return out;
}

// Appends " WHERE ..." for the query's conditions; params receive the bound values.
template <class T>
Status AppendWhere(Dialect d, const Query& q, std::string& sql, std::vector<Value>& params) {
  const auto& sch = T::Schema();
  bool first = true;
  auto col_ok = [&](const std::string& c) { return sch.Find(c) != nullptr; };
  for (const auto& cond : q.where) {
    if (!col_ok(cond.column) && cond.any_of.empty())
      return Status::Invalid("unknown column " + cond.column + " for " + std::string(sch.table));
    sql += first ? " WHERE " : " AND ";
    first = false;
    const std::string& c = cond.column;
    auto one = [&]() -> Value { return cond.values.empty() ? Value() : cond.values[0]; };
    switch (cond.op) {
      case Op::kEq:
        sql += c + " = ?";
        params.push_back(one());
        break;
      case Op::kEqNoCase:
        sql += "lower(" + c + ") = lower(?)";
        params.push_back(one());
        break;
      case Op::kContains: {
        std::vector<std::string> cols = cond.any_of.empty() ? std::vector<std::string>{c} : cond.any_of;
        std::string pattern = "%";
        if (auto* s = std::get_if<std::string>(&cond.values.at(0))) pattern += EscapeLike(*s);
        pattern += "%";
        sql += "(";
        for (size_t i = 0; i < cols.size(); ++i) {
          if (!col_ok(cols[i])) return Status::Invalid("unknown column " + cols[i]);
          sql += (i ? " OR " : "") + cols[i] +
                 (d == Dialect::kPostgres ? " ILIKE ? ESCAPE '\\'" : " LIKE ? ESCAPE '\\'");
          params.push_back(pattern);
        }
        sql += ")";
        break;
      }
      case Op::kGe:
        sql += c + " >= ?";
        params.push_back(one());
        break;
      case Op::kLe:
        sql += c + " <= ?";
        params.push_back(one());
        break;
      case Op::kIn:
        if (cond.values.empty()) {
          sql += "1 = 0";
          break;
        }
        sql += c + " IN (";
        for (size_t i = 0; i < cond.values.size(); ++i) {
          sql += i ? ", ?" : "?";
          params.push_back(cond.values[i]);
        }
        sql += ")";
        break;
      case Op::kNe:
        sql += c + " <> ?";
        params.push_back(one());
        break;
      case Op::kIsNull:
        sql += c + " IS NULL";
        break;
    }
  }
  return Status::Ok();
}

// The document a record contributes to the search index, when it has one.
struct Doc {
  std::string kind;
  std::optional<int64_t> company_id;
  bool archived = false;
  std::string title;
  std::string body;
};

template <class T>
std::optional<Doc> DocFor(const T& r) {
  if constexpr (std::is_same_v<T, Company>) {
    return Doc{"Company", r.id, r.archived, r.name,
               r.nickname + " " + r.id_number + " " + r.city + " " + r.website};
  } else if constexpr (std::is_same_v<T, Asset>) {
    std::string body = r.primary_serial + " " + r.primary_model + " " + r.primary_manufacturer +
                       " " + r.primary_mail;
    boost::system::error_code ec;
    auto v = boost::json::parse(r.field_values, ec);
    if (!ec && v.is_object())
      for (const auto& kv : v.as_object())
        if (kv.value().is_string()) body += " " + std::string(kv.value().as_string());
    return Doc{"Asset", r.company_id, r.archived, r.name, std::move(body)};
  } else if constexpr (std::is_same_v<T, Article>) {
    return Doc{"Article", r.company_id, r.archived, r.name, StripHtml(r.content)};
  } else if constexpr (std::is_same_v<T, AssetPassword>) {
    return Doc{"AssetPassword", r.company_id, r.archived, r.name, r.username + " " + r.url};
  } else {
    return std::nullopt;
  }
}

template <class T>
constexpr bool kIndexed = std::is_same_v<T, Company> || std::is_same_v<T, Asset> ||
                          std::is_same_v<T, Article> || std::is_same_v<T, AssetPassword>;

}  // namespace

template <class T>
Status Repository<T>::IndexForSearch(const T& row) {
  if constexpr (kIndexed<T>) {
    auto doc = DocFor(row);
    return SearchIndex(conn_, *search_).Put(doc->kind, row.id, doc->company_id, doc->archived, doc->title,
                                  doc->body);
  } else {
    (void)row;
    return Status::Ok();
  }
}

template <class T>
Result<T> Repository<T>::Get(int64_t id) {
  Value p[] = {id};
  auto rows = conn_.Query(Sql<T>::Of().get, p);
  if (!rows.ok()) return rows.status();
  if (rows->empty()) return Status::NotFound(NotFoundMessage<T>());
  return FromRow<T>((*rows)[0]);
}

template <class T>
Result<T> Repository<T>::Lock(int64_t id) {
  if (conn_.dialect() == Dialect::kSqlite) return Get(id);
  Value p[] = {id};
  auto rows = conn_.Query(Sql<T>::Of().get + " FOR UPDATE", p);
  if (!rows.ok()) return rows.status();
  if (rows->empty()) return Status::NotFound(NotFoundMessage<T>());
  return FromRow<T>((*rows)[0]);
}

template <class T>
Status Repository<T>::SetColumn(int64_t id, std::string_view column, const Value& value) {
  const auto* col = T::Schema().Find(column);
  if (!col || col->type == ColType::kId)
    return Status::Invalid("unknown column " + std::string(column));
  Value p[] = {value, id};
  MarkWritten();
  auto n = conn_.Execute(
      "UPDATE " + std::string(T::Schema().table) + " SET " + std::string(col->name) + " = ? WHERE id = ?",
      p);
  if (!n.ok()) return n.status();
  if (*n == 0) return Status::NotFound(NotFoundMessage<T>());
  return Status::Ok();
}

template <class T>
Result<T> Repository<T>::Insert(T row) {
  const auto& sch = T::Schema();
  int64_t now = clock_.NowMs();
  if constexpr (requires { row.updated_at; }) {
    if (row.updated_at == 0) row.updated_at = now;
  }
  if (row.created_at == 0) row.created_at = now;
  if constexpr (requires { row.slug; }) {
    if (row.slug.empty()) row.slug = Slugify(row.name, RandomHex(6));
  }
  std::vector<Value> params;
  params.reserve(sch.columns.size());
  for (size_t i = 1; i < sch.columns.size(); ++i) params.push_back(GetValue(row, sch.columns[i]));
  MarkWritten();
  auto rows = conn_.Query(Sql<T>::Of().insert, params);
  if (!rows.ok()) return rows.status();
  if (rows->empty() || !std::holds_alternative<int64_t>((*rows)[0][0]))
    return Status::Internal("insert returned no id", std::string(sch.table));
  row.id = std::get<int64_t>((*rows)[0][0]);
  CAIRN_RETURN_IF_ERROR(IndexForSearch(row));
  if constexpr (std::is_same_v<T, ActivityLog>) CAIRN_RETURN_IF_ERROR(RecordWebhookEvent(row));
  return row;
}

template <class T>
Status Repository<T>::RecordWebhookEvent(const T& entry) {
  if constexpr (std::is_same_v<T, ActivityLog>) {
    if (!outbox_ || !outbox_->load(std::memory_order_relaxed)) return Status::Ok();
    std::string event = WebhookEventOf(entry);
    if (event.empty()) return Status::Ok();
    WebhookEvent e;
    e.event = std::move(event);
    e.activity_log_id = entry.id;
    e.record_type = entry.record_type;
    e.record_id = entry.record_id;
    e.record_name = entry.record_name;
    e.company_id = entry.company_id;
    e.company_name = entry.company_name;
    e.changes = entry.details.empty() ? "{}" : entry.details;
    e.created_at = entry.created_at;
    auto saved = Repository<WebhookEvent>(conn_, clock_, writes_, search_).Insert(std::move(e));
    return saved.ok() ? Status::Ok() : saved.status();
  } else {
    (void)entry;
    return Status::Ok();
  }
}

template <class T>
Result<T> Repository<T>::Update(T row) {
  const auto& sch = T::Schema();
  if constexpr (requires { row.updated_at; }) row.updated_at = clock_.NowMs();
  std::vector<Value> params;
  params.reserve(sch.columns.size());
  for (size_t i = 1; i < sch.columns.size(); ++i) params.push_back(GetValue(row, sch.columns[i]));
  params.push_back(row.id);
  MarkWritten();
  auto n = conn_.Execute(Sql<T>::Of().update, params);
  if (!n.ok()) return n.status();
  if (*n == 0) return Status::NotFound(NotFoundMessage<T>());
  CAIRN_RETURN_IF_ERROR(IndexForSearch(row));
  return row;
}

template <class T>
Status Repository<T>::Delete(int64_t id) {
  Value p[] = {id};
  MarkWritten();
  auto n = conn_.Execute(Sql<T>::Of().del, p);
  if (!n.ok()) return n.status();
  if (*n == 0) return Status::NotFound(NotFoundMessage<T>());
  if constexpr (kIndexed<T>) {
    CAIRN_RETURN_IF_ERROR(SearchIndex(conn_, *search_).Remove(T::Schema().model, id));
  }
  return Status::Ok();
}

template <class T>
Result<int64_t> Repository<T>::DeleteWhere(const Query& q) {
  std::string sql = "DELETE FROM " + std::string(T::Schema().table);
  std::vector<Value> params;
  CAIRN_RETURN_IF_ERROR(AppendWhere<T>(conn_.dialect(), q, sql, params));
  if constexpr (kIndexed<T>) {
    // Keep the index in step: collect the ids first.
    auto ids = List(Query{q.where});
    if (!ids.ok()) return ids.status();
    for (const auto& r : *ids) CAIRN_RETURN_IF_ERROR(SearchIndex(conn_, *search_).Remove(T::Schema().model, r.id));
  }
  MarkWritten();
  return conn_.Execute(sql, params);
}

template <class T>
Result<std::vector<T>> Repository<T>::List(const Query& q) {
  const auto& sch = T::Schema();
  if (!sch.Find(q.order_by)) return Status::Invalid("cannot order by " + q.order_by);
  std::string order = " ORDER BY " + q.order_by + (q.descending ? " DESC" : "");
  if (q.order_by != "id") order += q.descending ? ", id DESC" : ", id";
  std::string where;
  std::vector<Value> params;
  CAIRN_RETURN_IF_ERROR(AppendWhere<T>(conn_.dialect(), q, where, params));
  std::string sql;
  if (q.limit >= 0 && q.offset > 0) {
    // Skip the offset over ids only: an index answers that without reading the rows it skips,
    // where a plain OFFSET reads every skipped row (page 400 of 25 would read 10,000 rows).
    sql = Sql<T>::Of().select + " WHERE id IN (SELECT id FROM " + std::string(sch.table) + where +
          order + " LIMIT ? OFFSET ?)" + order;
    params.push_back(q.limit);
    params.push_back(q.offset);
  } else {
    sql = Sql<T>::Of().select + where + order;
    if (q.limit >= 0) {
      sql += " LIMIT ?";
      params.push_back(q.limit);
    }
  }
  auto rows = conn_.Query(sql, params);
  if (!rows.ok()) return rows.status();
  std::vector<T> out;
  out.reserve(rows->size());
  for (auto& r : *rows) out.push_back(FromRow<T>(r));
  return out;
}

template <class T>
Status Repository<T>::EachColumns(const Query& q, const std::vector<std::string>& columns,
                                  const std::function<Status(T&&)>& each) {
  const auto& sch = T::Schema();
  if (!sch.Find(q.order_by)) return Status::Invalid("cannot order by " + q.order_by);
  std::vector<const Column<T>*> cols;
  std::string sql = "SELECT ";
  for (const auto& name : columns) {
    const Column<T>* c = sch.Find(name);
    if (!c) return Status::Invalid("unknown column " + name + " for " + std::string(sch.table));
    sql += (cols.empty() ? "" : ", ") + std::string(c->name);
    cols.push_back(c);
  }
  if (cols.empty()) return Status::Invalid("no columns to list");
  sql += " FROM " + std::string(sch.table);
  std::vector<Value> params;
  CAIRN_RETURN_IF_ERROR(AppendWhere<T>(conn_.dialect(), q, sql, params));
  sql += " ORDER BY " + q.order_by + (q.descending ? " DESC" : "");
  if (q.order_by != "id") sql += q.descending ? ", id DESC" : ", id";
  if (q.limit >= 0) {
    sql += " LIMIT ? OFFSET ?";
    params.push_back(q.limit);
    params.push_back(q.offset);
  }
  return conn_.QueryEach(sql, params, [&](Row& r) -> Status {
    T t{};
    for (size_t i = 0; i < cols.size() && i < r.size(); ++i) SetValue(t, *cols[i], r[i]);
    return each(std::move(t));
  });
}

template <class T>
Result<std::vector<T>> Repository<T>::ListColumns(const Query& q, const std::vector<std::string>& columns) {
  std::vector<T> out;
  CAIRN_RETURN_IF_ERROR(EachColumns(q, columns, [&](T&& t) {
    out.push_back(std::move(t));
    return Status::Ok();
  }));
  return out;
}

template <class T>
Result<int64_t> Repository<T>::Count(const Query& q) {
  std::string sql = "SELECT COUNT(*) FROM " + std::string(T::Schema().table);
  std::vector<Value> params;
  CAIRN_RETURN_IF_ERROR(AppendWhere<T>(conn_.dialect(), q, sql, params));
  return QueryInt(conn_, sql, params);
}

template <class T>
Result<std::optional<T>> Repository<T>::FindFirst(Query q) {
  q.limit = 1;
  q.offset = 0;
  auto rows = List(q);
  if (!rows.ok()) return rows.status();
  if (rows->empty()) return std::optional<T>();
  return std::optional<T>(std::move((*rows)[0]));
}

template class Repository<User>;
template class Repository<ApiKey>;
template class Repository<Company>;
template class Repository<AssetLayout>;
template class Repository<LayoutField>;
template class Repository<Asset>;
template class Repository<AssetPassword>;
template class Repository<Article>;
template class Repository<Folder>;
template class Repository<Website>;
template class Repository<Relation>;
template class Repository<Integration>;
template class Repository<SyncRun>;
template class Repository<Matcher>;
template class Repository<SyncLink>;
template class Repository<SyncChange>;
template class Repository<SortRule>;
template class Repository<KbLink>;
template class Repository<ConnectedField>;
template class Repository<ActivityLog>;
template class Repository<Webhook>;
template class Repository<WebhookEvent>;
template class Repository<WebhookDelivery>;
template class Repository<WebhookAttempt>;
template class Repository<WebSession>;
template class Repository<LoginFailure>;

}  // namespace cairn::store
