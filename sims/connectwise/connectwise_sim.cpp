#include "sims/connectwise/connectwise_sim.h"

#include <boost/json.hpp>

#include <algorithm>
#include <cctype>
#include <exception>
#include <optional>
#include <string_view>
#include <utility>
#include <vector>

#include "sims/common/util.h"
#include "sims/connectwise/connectwise_conditions.h"
#include "sims/connectwise/connectwise_records.h"

namespace cairn::sims::connectwise {
namespace {

namespace json = boost::json;

// The code of a 400 for bad conditions, orderBy or paging parameters (uncertain: the reference has
// the message text, not the code).
constexpr char kBadQueryCode[] = "InvalidCondition";

std::string Lower(std::string_view s) {
  std::string out(s);
  for (char& ch : out) ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
  return out;
}

bool IEquals(std::string_view a, std::string_view b) { return a.size() == b.size() && Lower(a) == Lower(b); }

http::Response JsonResponse(int status, const json::value& v) {
  return http::Response::Json(status, json::serialize(v));
}

http::Response Error(int status, const char* code, const std::string& message) {
  return JsonResponse(status, json::object{{"code", code}, {"message", message}, {"errors", nullptr}});
}

std::optional<std::string> Base64Decode(std::string_view in) {
  auto val = [](char c) -> int {
    if (c >= 'A' && c <= 'Z') return c - 'A';
    if (c >= 'a' && c <= 'z') return c - 'a' + 26;
    if (c >= '0' && c <= '9') return c - '0' + 52;
    if (c == '+') return 62;
    if (c == '/') return 63;
    return -1;
  };
  std::string out;
  uint32_t buf = 0;
  int bits = 0;
  size_t i = 0;
  for (; i < in.size() && in[i] != '='; ++i) {
    int v = val(in[i]);
    if (v < 0) return std::nullopt;
    buf = (buf << 6) | static_cast<uint32_t>(v);
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out += static_cast<char>((buf >> bits) & 0xFF);
    }
  }
  for (; i < in.size(); ++i)
    if (in[i] != '=') return std::nullopt;
  return out;
}

struct Params {
  std::vector<std::pair<std::string, std::string>> items;
  std::optional<std::string> Get(std::string_view name) const {
    // Query parameter names are case-insensitive at the vendor (ASP.NET binding).
    for (const auto& [k, v] : items)
      if (IEquals(k, name)) return v;
    return std::nullopt;
  }
};

struct OrderKey {
  std::string path;
  bool desc = false;
};

// One list's records, in id order.
class Source {
 public:
  virtual ~Source() = default;
  virtual int64_t Total() = 0;
  virtual std::vector<json::object> Page(int64_t first, int64_t n) = 0;
  // Calls fn on candidate records with id > after_id (all when nullopt), in id order, until fn
  // returns false. Candidates are a superset of the matches that `hints` allows.
  virtual void Scan(const Conditions* hints, std::optional<int64_t> after_id,
                    const std::function<bool(json::object&)>& fn) = 0;
};

class TenantSource : public Source {
 public:
  TenantSource(const TenantView& view, RecordMaker& maker, RecordKind kind, std::optional<int64_t> company)
      : view_(view), maker_(maker), kind_(kind), company_(company) {}

  int64_t Total() override { return view_.Total(kind_, company_); }

  std::vector<json::object> Page(int64_t first, int64_t n) override {
    std::vector<json::object> out;
    for (RecordKey k : view_.Page(kind_, company_, first, n))
      if (auto o = maker_.Make(kind_, k)) out.push_back(std::move(*o));
    return out;
  }

  void Scan(const Conditions* hints, std::optional<int64_t> after_id,
            const std::function<bool(json::object&)>& fn) override {
    std::optional<RecordKey> after;
    if (after_id) {
      after = KeyOf(kind_, *after_id);
      if (!after) after = RecordKey{-1, -1};  // an id below every record's: start at the beginning
    }
    std::optional<int64_t> company = company_;
    if (hints && hints->CompanyId()) {
      auto k = KeyOf(RecordKind::kCompany, *hints->CompanyId());
      if (!k || (company && *company != k->company)) return;
      company = k->company;
    }
    auto visit = [&](RecordKey k) {
      if (after && !(*after < k)) return true;
      if (company && k.company != *company) return true;
      auto o = maker_.Make(kind_, k);
      return !o || fn(*o);
    };
    // Fast path: only records changed through mutate can be newer than every seeded stamp.
    if (hints && hints->UpdatedAtLeastMs() && *hints->UpdatedAtLeastMs() >= kSeedStampsBeforeMs) {
      for (RecordKey k : view_.ChangedSince(kind_, *hints->UpdatedAtLeastMs() - 1))
        if (!visit(k)) return;
      return;
    }
    if (kind_ == RecordKind::kCompany) {
      view_.ForEach(kind_, std::nullopt, visit);
      return;
    }
    int64_t first = company ? *company : 0;
    int64_t last = company ? *company + 1 : view_.CompanySlots();
    if (after) first = std::max(first, after->company);
    bool go = true;
    for (int64_t c = std::max<int64_t>(first, 0); go && c < last; ++c)
      view_.ForEach(kind_, c, [&](RecordKey k) { return go = visit(k); });
  }

 private:
  const TenantView& view_;
  RecordMaker& maker_;
  RecordKind kind_;
  std::optional<int64_t> company_;
};

// A small fixed table (configuration types).
class TableSource : public Source {
 public:
  explicit TableSource(std::vector<json::object> rows) : rows_(std::move(rows)) {}
  int64_t Total() override { return static_cast<int64_t>(rows_.size()); }
  std::vector<json::object> Page(int64_t first, int64_t n) override {
    std::vector<json::object> out;
    for (int64_t i = first; i < first + n && i < Total(); ++i) out.push_back(rows_[static_cast<size_t>(i)]);
    return out;
  }
  void Scan(const Conditions*, std::optional<int64_t> after_id,
            const std::function<bool(json::object&)>& fn) override {
    for (json::object row : rows_) {
      if (after_id && row.at("id").as_int64() <= *after_id) continue;
      if (!fn(row)) return;
    }
  }

 private:
  std::vector<json::object> rows_;
};

int CompareValues(const json::value* a, const json::value* b) {
  bool an = !a || a->is_null(), bn = !b || b->is_null();
  if (an || bn) return an == bn ? 0 : an ? -1 : 1;  // nulls first, as SQL Server sorts them
  if (a->is_number() && b->is_number()) {
    double x = a->to_number<double>(), y = b->to_number<double>();
    return x < y ? -1 : x > y ? 1 : 0;
  }
  if (a->is_bool() && b->is_bool()) return static_cast<int>(a->get_bool()) - static_cast<int>(b->get_bool());
  if (a->is_string() && b->is_string()) {
    std::string x = Lower(std::string_view(a->get_string())), y = Lower(std::string_view(b->get_string()));
    return x < y ? -1 : x > y ? 1 : 0;
  }
  return 0;
}

// `fields=id,name,company/id`: the record with only those paths.
json::object Project(const json::object& record, const std::vector<std::string>& fields) {
  json::object out;
  for (const std::string& f : fields) {
    const json::value* v = FindPath(record, f);
    if (!v) continue;
    json::object* at = &out;
    std::string_view rest = f;
    for (size_t slash; (slash = rest.find('/')) != std::string_view::npos; rest.remove_prefix(slash + 1)) {
      json::value& child = (*at)[rest.substr(0, slash)];
      if (!child.is_object()) child = json::object{};
      at = &child.get_object();
    }
    (*at)[rest] = *v;
  }
  return out;
}

// The request-scoped half: the view, the parsed parameters and the answer.
class Responder {
 public:
  Responder(const ConnectWiseSimOptions& o, const http::Request& req, std::shared_ptr<const TenantView> view,
            std::string api_base)
      : o_(o),
        req_(req),
        view_(std::move(view)),
        api_base_(std::move(api_base)),
        maker_(*view_, api_base_),
        params_{http::ParseQuery(req.query)} {}

  http::Response Route(std::string_view rest) {
    // rest: what follows apis/3.0, e.g. "/company/companies/250"; case-insensitive.
    std::vector<std::string> seg;
    for (size_t i = 0; i < rest.size();) {
      size_t j = rest.find('/', i);
      if (j == std::string_view::npos) j = rest.size();
      if (j > i) seg.push_back(Lower(rest.substr(i, j - i)));
      i = j + 1;
    }
    auto id = [&](size_t i) { return i < seg.size() ? ParseInt(seg[i]) : std::nullopt; };
    auto is = [&](std::initializer_list<const char*> want) {
      if (seg.size() < want.size()) return false;
      size_t i = 0;
      for (const char* w : want)
        if (seg[i++] != w) return false;
      return true;
    };
    if (seg.size() == 2 && is({"system", "info"})) return SystemInfo();
    if (is({"company", "companies"})) {
      if (seg.size() == 2) return List(RecordKind::kCompany, std::nullopt);
      if (seg.size() == 3 && seg[2] == "count") return Count(RecordKind::kCompany, std::nullopt);
      auto cid = id(2);
      if (!cid) return NoRoute();
      if (seg.size() == 3) return Detail(RecordKind::kCompany, *cid, std::nullopt);
      if (seg[3] != "sites") return NoRoute();
      auto company = KeyOf(RecordKind::kCompany, *cid);
      if (!company || !view_->Live(RecordKind::kCompany, *company))
        return Error(404, "NotFound", "Company with id " + std::to_string(*cid) + " not found");
      if (seg.size() == 4) return List(RecordKind::kSite, company->company);
      if (seg.size() == 5 && seg[4] == "count") return Count(RecordKind::kSite, company->company);
      if (seg.size() == 5 && id(4)) return Detail(RecordKind::kSite, *id(4), company->company);
      return NoRoute();
    }
    if (is({"company", "contacts"})) return Resource(seg, RecordKind::kContact);
    if (is({"company", "configurations", "types"})) {
      if (seg.size() == 3) return TableList(ConfigurationTypes(api_base_), ConfigurationTypeSchema());
      if (seg.size() == 4 && id(3)) {
        for (auto& t : ConfigurationTypes(api_base_))
          if (t.at("id").as_int64() == *id(3)) return Finish(t);
        return Error(404, "NotFound", "ConfigurationType with id " + seg[3] + " not found");
      }
      return NoRoute();
    }
    if (is({"company", "configurations"})) return Resource(seg, RecordKind::kDevice);
    if (is({"finance", "agreements"})) return Resource(seg, RecordKind::kAgreement);
    return NoRoute();
  }

  static http::Response NoRoute() { return Error(404, "NotFound", "The requested resource was not found."); }

 private:
  static const char* Noun(RecordKind kind) {
    switch (kind) {
      case RecordKind::kCompany:
        return "Company";
      case RecordKind::kContact:
        return "Contact";
      case RecordKind::kSite:
        return "CompanySite";
      case RecordKind::kDevice:
        return "Configuration";
      case RecordKind::kAgreement:
        return "Agreement";
    }
    return "Object";
  }

  http::Response Resource(const std::vector<std::string>& seg, RecordKind kind) {
    if (seg.size() == 2) return List(kind, std::nullopt);
    if (seg.size() == 3 && seg[2] == "count") return Count(kind, std::nullopt);
    if (seg.size() == 3) {
      if (auto id = ParseInt(seg[2])) return Detail(kind, *id, std::nullopt);
    }
    return NoRoute();
  }

  http::Response SystemInfo() {
    json::object o{
        {"version", "v" + o_.api_version + "." + o_.version_number.substr(o_.version_number.rfind('.') + 1)},
        {"isCloud", o_.is_cloud},
        {"serverTimeZone", "GMT Standard Time"},
        {"licenseBits", json::array{json::object{{"name", "ConnectWise Manage"}, {"activeFlag", true}},
                                    json::object{{"name", "Configurations"}, {"activeFlag", true}},
                                    json::object{{"name", "Agreements"}, {"activeFlag", true}}}}};
    if (o_.is_cloud) o["cloudRegion"] = "EU";
    return Finish(o);
  }

  http::Response Detail(RecordKind kind, int64_t id, std::optional<int64_t> company) {
    auto key = KeyOf(kind, id);
    std::optional<json::object> rec;
    if (key && (!company || key->company == *company)) rec = maker_.Make(kind, *key);
    if (!rec)
      return Error(404, "NotFound",
                   std::string(Noun(kind)) + " with id " + std::to_string(id) + " not found");
    return Finish(*rec);
  }

  // Applies `fields` and answers 200.
  http::Response Finish(const json::object& rec) {
    std::vector<std::string> fields = Fields();
    return JsonResponse(200, fields.empty() ? json::value(rec) : json::value(Project(rec, fields)));
  }

  std::vector<std::string> Fields() const {
    std::vector<std::string> out;
    auto f = params_.Get("fields");
    if (!f) return out;
    for (size_t i = 0; i <= f->size();) {
      size_t j = f->find(',', i);
      if (j == std::string::npos) j = f->size();
      std::string name = f->substr(i, j - i);
      name.erase(0, name.find_first_not_of(' '));
      name.erase(name.find_last_not_of(' ') + 1);
      if (!name.empty()) out.push_back(name);
      i = j + 1;
    }
    return out;
  }

  // The filters of a list or count request; an error response when one does not parse.
  struct Filters {
    std::optional<Conditions> conditions;
    std::optional<ArrayConditions> child;
    std::optional<ArrayConditions> custom;
    bool any() const { return conditions || child || custom; }
    bool Matches(const json::object& r) const {
      return (!conditions || conditions->Matches(r)) && (!child || child->Matches(r)) &&
             (!custom || custom->Matches(r));
    }
  };
  std::optional<http::Response> ParseFilters(const Schema& schema, Filters* f) {
    auto nonblank = [](const std::optional<std::string>& s) {
      return s && s->find_first_not_of(" \t") != std::string::npos;
    };
    if (auto c = params_.Get("conditions"); nonblank(c)) {
      auto r = Conditions::Parse(*c, schema);
      if (!r.ok()) return Error(400, kBadQueryCode, r.status().message());
      f->conditions = std::move(*r);
    }
    if (auto c = params_.Get("childConditions"); nonblank(c)) {
      auto r = ArrayConditions::ParseChild(*c, schema);
      if (!r.ok()) return Error(400, kBadQueryCode, r.status().message());
      f->child = std::move(*r);
    }
    if (auto c = params_.Get("customFieldConditions"); nonblank(c)) {
      auto r = ArrayConditions::ParseCustomField(*c);
      if (!r.ok()) return Error(400, kBadQueryCode, r.status().message());
      f->custom = std::move(*r);
    }
    return std::nullopt;
  }

  std::optional<http::Response> ParseOrder(const Schema& schema, std::vector<OrderKey>* keys) {
    auto ob = params_.Get("orderBy");
    if (!ob) return std::nullopt;
    for (size_t i = 0; i <= ob->size();) {
      size_t j = ob->find(',', i);
      if (j == std::string::npos) j = ob->size();
      std::string part = ob->substr(i, j - i);
      i = j + 1;
      std::vector<std::string> words;
      for (size_t a = 0; a < part.size();) {
        size_t b = part.find(' ', a);
        if (b == std::string::npos) b = part.size();
        if (b > a) words.push_back(part.substr(a, b - a));
        a = b + 1;
      }
      if (words.empty()) continue;
      if (words.size() > 2 || (words.size() == 2 && !IEquals(words[1], "asc") && !IEquals(words[1], "desc")))
        return Error(400, kBadQueryCode, "Invalid orderBy clause '" + part + "'.");
      auto field = ResolveField(schema, words[0]);
      if (!field) return Error(400, kBadQueryCode, "Unknown field '" + words[0] + "' in orderBy.");
      keys->push_back({*field, words.size() == 2 && IEquals(words[1], "desc")});
    }
    // Ordering by id ascending is the natural order.
    if (keys->size() == 1 && (*keys)[0].path == "id" && !(*keys)[0].desc) keys->clear();
    return std::nullopt;
  }

  // pageSize: default, capped or rejected above the maximum.
  std::optional<http::Response> ParsePageSize(int64_t* size) {
    *size = o_.default_page_size;
    auto ps = params_.Get("pageSize");
    if (!ps || ps->empty()) return std::nullopt;
    auto n = ParseInt(*ps);
    if (!n) return Error(400, kBadQueryCode, "The value '" + *ps + "' is not valid for pageSize.");
    if (*n < 1) return std::nullopt;  // treated as the default (uncertain)
    if (*n > o_.max_page_size) {
      if (o_.reject_oversized_page)
        return Error(400, kBadQueryCode,
                     "pageSize cannot be greater than " + std::to_string(o_.max_page_size) + ".");
      *n = o_.max_page_size;
    }
    *size = *n;
    return std::nullopt;
  }

  http::Response Count(RecordKind kind, std::optional<int64_t> company) {
    Filters f;
    if (auto bad = ParseFilters(SchemaOf(kind), &f)) return std::move(*bad);
    TenantSource src(*view_, maker_, kind, company);
    int64_t n = 0;
    if (!f.any()) {
      n = src.Total();
    } else {
      src.Scan(f.conditions ? &*f.conditions : nullptr, std::nullopt, [&](json::object& r) {
        n += f.Matches(r);
        return true;
      });
    }
    return Finish(json::object{{"count", n}});
  }

  http::Response List(RecordKind kind, std::optional<int64_t> company) {
    TenantSource src(*view_, maker_, kind, company);
    return ListFrom(src, SchemaOf(kind));
  }

  http::Response TableList(std::vector<json::object> rows, const Schema& schema) {
    TableSource src(std::move(rows));
    return ListFrom(src, schema);
  }

  http::Response ListFrom(Source& src, const Schema& schema) {
    Filters f;
    if (auto bad = ParseFilters(schema, &f)) return std::move(*bad);
    std::vector<OrderKey> order;
    if (auto bad = ParseOrder(schema, &order)) return std::move(*bad);
    int64_t size = 0;
    if (auto bad = ParsePageSize(&size)) return std::move(*bad);
    auto pt = req_.Header("pagination-type");
    if (pt && IEquals(*pt, "forward-only")) return ForwardOnly(src, f, order, size);

    int64_t page = 1;
    if (auto p = params_.Get("page"); p && !p->empty()) {
      auto n = ParseInt(*p);
      if (!n) return Error(400, kBadQueryCode, "The value '" + *p + "' is not valid for page.");
      page = std::max<int64_t>(*n, 1);
    }
    const int64_t first = (page - 1) * size;
    int64_t total = 0;
    std::vector<json::object> items;
    if (!f.any() && order.empty()) {
      total = src.Total();
      if (first < total) items = src.Page(first, size);
    } else if (order.empty()) {
      src.Scan(f.conditions ? &*f.conditions : nullptr, std::nullopt, [&](json::object& r) {
        if (!f.Matches(r)) return true;
        if (total >= first && total < first + size) items.push_back(std::move(r));
        ++total;
        return true;
      });
    } else {
      // Sort keys of every match, then the page's records (at most pageSize held whole).
      struct Entry {
        std::vector<json::value> keys;
        json::object record;
      };
      std::vector<Entry> all;
      src.Scan(f.conditions ? &*f.conditions : nullptr, std::nullopt, [&](json::object& r) {
        if (!f.Matches(r)) return true;
        Entry e;
        for (const OrderKey& k : order) {
          const json::value* v = FindPath(r, k.path);
          e.keys.push_back(v ? *v : json::value(nullptr));
        }
        e.keys.push_back(r.at("id"));
        all.push_back(std::move(e));
        return true;
      });
      std::stable_sort(all.begin(), all.end(), [&](const Entry& a, const Entry& b) {
        for (size_t i = 0; i < order.size(); ++i) {
          int c = CompareValues(&a.keys[i], &b.keys[i]);
          if (c != 0) return order[i].desc ? c > 0 : c < 0;
        }
        return CompareValues(&a.keys.back(), &b.keys.back()) < 0;
      });
      total = static_cast<int64_t>(all.size());
      for (int64_t i = first; i < first + size && i < total; ++i) {
        const Entry& e = all[static_cast<size_t>(i)];
        int64_t id = e.keys.back().to_number<int64_t>();
        // Fetched again in full: only the sort keys were kept.
        src.Scan(nullptr, id - 1, [&](json::object& r) {
          if (r.at("id").to_number<int64_t>() == id) items.push_back(std::move(r));
          return false;
        });
      }
    }
    int64_t last = std::max<int64_t>(1, (total + size - 1) / size);
    std::string link;
    auto add = [&](int64_t p, const char* rel) {
      if (!link.empty()) link += ", ";
      link += "<" + LinkBase() + "pageSize=" + std::to_string(size) + "&page=" + std::to_string(p) +
              ">; rel=\"" + rel + "\"";
    };
    add(1, "first");
    if (page > 1) add(std::min(page - 1, last), "prev");
    if (page < last) add(page + 1, "next");
    add(last, "last");
    http::Response r = ListResponse(items);
    r.headers.emplace_back("Link", link);
    return r;
  }

  http::Response ForwardOnly(Source& src, const Filters& f, const std::vector<OrderKey>& order,
                             int64_t size) {
    if (!order.empty())
      return Error(400, kBadQueryCode, "orderBy is not supported with forward-only pagination.");
    std::optional<int64_t> after;
    if (auto p = params_.Get("pageId"); p && !p->empty()) {
      auto n = ParseInt(*p);
      if (!n) return Error(400, kBadQueryCode, "The value '" + *p + "' is not valid for pageId.");
      after = *n;
    }
    std::vector<json::object> items;
    bool more = false;
    src.Scan(f.conditions ? &*f.conditions : nullptr, after, [&](json::object& r) {
      if (!f.Matches(r)) return true;
      if (static_cast<int64_t>(items.size()) == size) {
        more = true;
        return false;
      }
      items.push_back(std::move(r));
      return true;
    });
    http::Response r = ListResponse(items);
    std::string link;
    if (more) {
      int64_t last_id = items.back().at("id").to_number<int64_t>();
      link = "<" + LinkBase() + "pageSize=" + std::to_string(size) + "&pageId=" + std::to_string(last_id) +
             ">; rel=\"next\"";
    }
    // An empty Link header marks the last page [reference A4].
    r.headers.emplace_back("Link", link);
    return r;
  }

  http::Response ListResponse(const std::vector<json::object>& items) {
    std::vector<std::string> fields = Fields();
    json::array out;
    out.reserve(items.size());
    for (const json::object& rec : items)
      out.push_back(fields.empty() ? json::value(rec) : json::value(Project(rec, fields)));
    return JsonResponse(200, out);
  }

  // "https://host/.../companies?conditions=...&" : the request without its paging parameters.
  std::string LinkBase() const {
    std::string out = "https://" + std::string(req_.Header("Host").value_or("localhost")) + req_.path + "?";
    std::string_view q = req_.query;
    for (size_t i = 0; i <= q.size();) {
      size_t j = q.find('&', i);
      if (j == std::string_view::npos) j = q.size();
      std::string_view item = q.substr(i, j - i);
      i = j + 1;
      if (item.empty()) continue;
      std::string name = Lower(http::PercentDecode(item.substr(0, item.find('=')), true));
      if (name == "page" || name == "pagesize" || name == "pageid") continue;
      out += std::string(item) + "&";
    }
    return out;
  }

  const ConnectWiseSimOptions& o_;
  const http::Request& req_;
  std::shared_ptr<const TenantView> view_;
  std::string api_base_;
  RecordMaker maker_;
  Params params_;
};

}  // namespace

int64_t ConnectWiseSim::CompanyId(int64_t company) { return IdOf(RecordKind::kCompany, {company, 0}); }
int64_t ConnectWiseSim::ChildId(int64_t company, int64_t index) {
  return IdOf(RecordKind::kContact, {company, index});
}

namespace {

Vocabulary MakeVocabulary() {
  Vocabulary v;
  v.kind = [](const std::string& name) -> std::optional<RecordKind> {
    if (name == "companies") return RecordKind::kCompany;
    if (name == "contacts") return RecordKind::kContact;
    if (name == "sites") return RecordKind::kSite;
    if (name == "configurations") return RecordKind::kDevice;
    if (name == "agreements") return RecordKind::kAgreement;
    return std::nullopt;
  };
  v.key = [](RecordKind kind, const json::value& id) -> std::optional<RecordKey> {
    std::optional<int64_t> n;
    if (id.is_int64())
      n = id.get_int64();
    else if (id.is_uint64() && id.get_uint64() <= static_cast<uint64_t>(INT64_MAX))
      n = static_cast<int64_t>(id.get_uint64());
    else if (id.is_string())
      n = ParseInt(std::string_view(id.get_string()));
    if (!n) return std::nullopt;
    return KeyOf(kind, *n);
  };
  v.id = [](RecordKind kind, RecordKey key) -> json::value { return IdOf(kind, key); };
  v.too_many_requests = [](int retry_after_s) {
    http::Response r =
        JsonResponse(429, json::object{{"error", "ConnectWiseAPI"},
                                       {"message", "Too many requests. Please try again in " +
                                                       std::to_string(retry_after_s) + " seconds."}});
    r.headers.emplace_back("Retry-After", std::to_string(retry_after_s));
    return r;
  };
  // The guide documents adaptive throttling (around 1,000 requests/min), not a fixed limit.
  v.rate_limit_per_min = 0;
  return v;
}

}  // namespace

ConnectWiseSim::ConnectWiseSim(ConnectWiseSimOptions options)
    : o_(std::move(options)),
      tenant_(o_.fleet, o_.clock_ms),
      control_(o_.control_token, &tenant_, MakeVocabulary(), o_.fault_seed) {}

ConnectWiseSim::~ConnectWiseSim() = default;

http::Response ConnectWiseSim::Handle(const http::Request& request) {
  try {
    return control_.Handle(request, [this](const http::Request& r) { return HandleVendor(r); });
  } catch (const std::exception& e) {
    return Error(500, "ServerError", std::string("An error occurred: ") + e.what());
  }
}

http::Response ConnectWiseSim::HandleVendor(const http::Request& req) {
  try {
    std::string lpath = Lower(req.path);
    constexpr std::string_view kCompanyInfo = "/login/companyinfo/";
    if (lpath.rfind(kCompanyInfo, 0) == 0) {
      if (req.method != "GET")
        return Error(405, "MethodNotAllowed",
                     "The requested resource does not support http method '" + req.method + "'.");
      std::string company = req.path.substr(kCompanyInfo.size());
      if (!company.empty() && company.back() == '/') company.pop_back();
      // An unknown company is JSON null with 200 [reference A1].
      if (!IEquals(company, o_.company)) return http::Response::Json(200, "null");
      return JsonResponse(200, json::object{{"CompanyName", "Cairn Simulated MSP"},
                                            {"Codebase", o_.codebase},
                                            {"VersionCode", o_.version_code},
                                            {"VersionNumber", o_.version_number},
                                            {"CompanyID", o_.company},
                                            {"IsCloud", o_.is_cloud ? "True" : "False"}});
    }
    std::string codebase;
    for (std::string cb : {std::string("v4_6_release/"), o_.codebase}) {
      std::string prefix = "/" + Lower(cb) + "apis/3.0";
      if (lpath.rfind(prefix, 0) == 0 && (lpath.size() == prefix.size() || lpath[prefix.size()] == '/')) {
        codebase = req.path.substr(1, cb.size());
        break;
      }
    }
    if (codebase.empty()) return http::Response::Text(404, "Not Found");

    http::Response r = [&] {
      // Credentials first, then the clientId, then the route.
      auto auth = req.Header("Authorization");
      bool authed = false;
      if (auth && auth->size() > 6 && IEquals(auth->substr(0, 6), "basic ")) {
        std::string_view b64 = auth->substr(6);
        while (!b64.empty() && b64.front() == ' ') b64.remove_prefix(1);
        if (auto plain = Base64Decode(b64)) {
          size_t colon = plain->find(':');
          size_t plus = plain->find('+');
          if (colon != std::string::npos && plus != std::string::npos && plus < colon) {
            authed = IEquals(std::string_view(*plain).substr(0, plus), o_.company) &&
                     plain->substr(plus + 1, colon - plus - 1) == o_.public_key &&
                     plain->substr(colon + 1) == o_.private_key;
          }
        }
      }
      if (!authed) return Error(401, "ConnectWiseApi", "UserNotAuthenticated");
      auto client = req.Header("clientId");
      if (!client || client->empty() || (o_.check_client_id_value && *client != o_.client_id))
        return Error(o_.missing_client_id_status,
                     o_.missing_client_id_status == 401 ? "Unauthorized" : "InvalidObject",
                     client && !client->empty()
                         ? "The clientId provided is not valid."
                         : "A clientId header is required; register one at developer.connectwise.com.");
      if (req.method != "GET")
        return Error(405, "MethodNotAllowed",
                     "The requested resource does not support http method '" + req.method + "'.");
      std::string host(req.Header("Host").value_or("localhost"));
      Responder responder(o_, req, tenant_.View(), "https://" + host + "/" + codebase + "apis/3.0");
      return responder.Route(std::string_view(req.path).substr(1 + codebase.size() + 8));
    }();
    r.headers.emplace_back("api-current-version", o_.api_version);
    return r;
  } catch (const std::exception& e) {
    return Error(500, "ServerError", std::string("An error occurred: ") + e.what());
  }
}

}  // namespace cairn::sims::connectwise
