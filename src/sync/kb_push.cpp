#include "sync/kb_push.h"

#include <boost/json.hpp>

#include <cstdio>
#include <optional>
#include <set>
#include <unordered_map>

#include "connectors/halo/connector.h"
#include "core/text.h"
#include "http/message.h"

namespace cairn::sync {
namespace {

namespace json = boost::json;

constexpr const char* kKind = "kb_articles";
constexpr const char* kCentralList = "Cairn";
constexpr const char* kOutOfScope = "out of scope";  // the hash of an article pushed inactive for leaving

constexpr std::string_view kReadHint =
    "The HaloPSA application lacks the read:kb permission (Cairn's knowledge-base push needs read:kb and "
    "edit:kb): allow it under Configuration > Integrations > HaloPSA API";
constexpr std::string_view kEditHint =
    "The HaloPSA application lacks the edit:kb permission (Cairn's knowledge-base push needs read:kb and "
    "edit:kb): allow it under Configuration > Integrations > HaloPSA API";

class HaloWriter : public KbWriter {
 public:
  explicit HaloWriter(connectors::halo::Client& client) : c_(client) {}
  Result<json::value> Get(std::string_view path) override { return c_.Get(path, kReadHint); }
  Result<json::value> Post(std::string_view path, const json::value& body) override {
    return c_.Post(path, body, kEditHint);
  }

 private:
  connectors::halo::Client& c_;
};

std::optional<int64_t> IdOf(const json::value* v) {
  if (!v) return std::nullopt;
  if (v->is_int64()) return v->as_int64();
  if (v->is_uint64()) return static_cast<int64_t>(v->as_uint64());
  if (v->is_double()) return static_cast<int64_t>(v->as_double());
  if (v->is_string()) {
    try {
      return std::stoll(std::string(v->as_string()));
    } catch (...) {
      return std::nullopt;
    }
  }
  return std::nullopt;
}

// The saved record of an upsert's answer: a single object or the first of an array (B3, uncertain).
const json::object* Saved(const json::value& v) {
  if (v.is_object()) return &v.as_object();
  if (v.is_array() && !v.as_array().empty() && v.as_array()[0].is_object()) return &v.as_array()[0].as_object();
  return nullptr;
}

// One article to send (or report).
struct Push {
  int64_t article_id = 0;
  std::string name;
  std::string content;
  std::string list_name;  // "" for a deactivation of an article that left the scope
  bool inactive = false;
  std::string hash;
  std::optional<KbLink> link;
  std::string action;  // created, updated, archived, unarchived
};

}  // namespace

std::unique_ptr<KbWriter> HaloKbWriterFor(connectors::Connector& connector) {
  auto* halo = dynamic_cast<connectors::halo::Connector*>(&connector);
  if (!halo) return nullptr;
  return std::make_unique<HaloWriter>(halo->client());
}

KbPushResult PushKnowledgeBase(store::Store& store, const Integration& integration, int64_t run_id, bool dry_run,
                               KbWriter& halo, const std::function<bool()>& stop) {
  KbPushResult out;
  auto count = [&](const std::string& action, int64_t n = 1) { out.counts[action] += n; };
  count("created", 0);

  // The scope: central articles and those of the companies matched in this integration.
  std::unordered_map<int64_t, std::string> chosen;  // company -> its FAQ list's name
  std::vector<Article> articles;
  std::unordered_map<int64_t, KbLink> links;  // by article
  auto read = store.Read([&](store::Tx& tx) -> Status {
    store::Query mq;
    mq.Where("integration_id", store::Op::kEq, integration.id);
    auto ms = tx.Repo<Matcher>().List(mq);
    if (!ms.ok()) return ms.status();
    for (const auto& m : *ms) {
      if (!m.company_id || m.leave_unmatched || chosen.contains(*m.company_id)) continue;
      auto c = tx.Repo<Company>().Get(*m.company_id);
      if (c.ok()) chosen[c->id] = std::string(kCentralList) + " - " + c->name;
    }
    auto as = tx.Repo<Article>().List(store::Query());
    if (!as.ok()) return as.status();
    for (auto& a : *as)
      if (!a.company_id || chosen.contains(*a.company_id)) articles.push_back(std::move(a));
    auto ls = tx.Repo<KbLink>().List(store::Query(mq));
    if (!ls.ok()) return ls.status();
    for (auto& l : *ls) links.emplace(l.article_id, std::move(l));
    return Status::Ok();
  });
  if (!read.ok()) {
    out.errors.push_back("could not read the articles to push: " + read.message());
    out.failed = true;
    return out;
  }

  // The plan: what changed since the last push.
  std::vector<Push> plan;
  std::set<int64_t> in_scope;
  for (const auto& a : articles) {
    if (a.draft) continue;  // unpublished: not pushed (and deactivated below if it was)
    in_scope.insert(a.id);
    Push p;
    p.article_id = a.id;
    p.name = a.name;
    p.content = a.content;
    p.list_name = a.company_id ? chosen.at(*a.company_id) : kCentralList;
    p.inactive = a.archived;
    p.hash = Fnv1aHex(a.name + '\x1f' + a.content + '\x1f' + p.list_name + '\x1f' + (a.archived ? "1" : "0"));
    if (auto it = links.find(a.id); it != links.end()) p.link = it->second;
    if (!p.link && p.inactive) {
      count("skipped");  // archived before it was ever pushed
      continue;
    }
    if (p.link && p.link->hash == p.hash) {
      count("unchanged");
      continue;
    }
    p.action = !p.link                               ? "created"
               : p.inactive && !p.link->inactive     ? "archived"
               : !p.inactive && p.link->inactive     ? "unarchived"
                                                     : "updated";
    plan.push_back(std::move(p));
  }
  // Pushed before, out of the scope now: deactivated at Halo.
  for (const auto& [article_id, l] : links) {
    if (in_scope.contains(article_id) || l.inactive) continue;
    Push p;
    p.article_id = article_id;
    p.inactive = true;
    p.hash = kOutOfScope;
    p.link = l;
    p.action = "archived";
    for (const auto& a : articles)
      if (a.id == article_id) p.name = a.name;
    plan.push_back(std::move(p));
  }

  auto report = [&](const Push& p, const std::string& action, int64_t halo_id, const std::string& error) -> Status {
    SyncChange ch;
    ch.run_id = run_id;
    ch.kind = kKind;
    ch.sync_id = halo_id ? std::to_string(halo_id) : "";
    ch.record_type = "Article";
    ch.record_id = p.article_id;
    ch.name = p.name;
    ch.action = action;
    json::object changes;
    if (action == "archived" || action == "unarchived")
      changes["inactive"] = json::object{{"from", action != "archived"}, {"to", action == "archived"}};
    if (!p.list_name.empty() && (!p.link || action == "created"))
      changes["faqlist"] = json::object{{"from", ""}, {"to", p.list_name}};
    ch.changes = json::serialize(changes);
    ch.error = error;
    return store.Write([&](store::Tx& tx) -> Status { return tx.Repo<SyncChange>().Insert(ch).status(); });
  };

  if (dry_run) {
    for (const auto& p : plan) {
      count(p.action);
      if (auto st = report(p, p.action, p.link ? p.link->halo_id : 0, ""); !st.ok()) {
        out.errors.push_back("could not save the report: " + st.message());
        out.failed = true;
      }
    }
    return out;
  }
  if (plan.empty()) return out;

  // Halo's FAQ lists by name, created when missing.
  std::unordered_map<std::string, int64_t> lists;
  auto fail_all = [&](size_t from, const std::string& message) {
    out.errors.push_back(message);
    out.failed = true;
    for (size_t i = from; i < plan.size(); ++i) {
      count("failed");
      (void)report(plan[i], "failed", plan[i].link ? plan[i].link->halo_id : 0, message);
    }
  };
  bool need_lists = false;
  for (const auto& p : plan) need_lists = need_lists || !p.list_name.empty();
  if (need_lists) {
    auto got = halo.Get("/FAQLists");
    if (!got.ok()) {
      fail_all(0, got.status().message());
      return out;
    }
    const json::array* arr = got->is_array() ? &got->as_array() : nullptr;
    if (got->is_object())
      if (const auto* l = got->as_object().if_contains("faqlists"); l && l->is_array()) arr = &l->as_array();
    if (arr)
      for (const auto& l : *arr) {
        if (!l.is_object()) continue;
        const auto* name = l.as_object().if_contains("name");
        auto id = IdOf(l.as_object().if_contains("id"));
        if (name && name->is_string() && id) lists.emplace(std::string(name->as_string()), *id);  // first wins
      }
    for (const auto& p : plan) {
      if (p.list_name.empty() || lists.contains(p.list_name)) continue;
      auto made = halo.Post("/FAQLists", json::array{json::object{{"name", p.list_name}}});
      const json::object* saved = made.ok() ? Saved(*made) : nullptr;
      auto id = saved ? IdOf(saved->if_contains("id")) : std::nullopt;
      if (!id) {
        fail_all(0, made.ok() ? "HaloPSA: POST /api/FAQLists answered without the new list's id"
                              : made.status().message());
        return out;
      }
      lists[p.list_name] = *id;
    }
  }

  // The articles, one upsert each.
  for (size_t i = 0; i < plan.size(); ++i) {
    if (stop && stop()) {
      out.stopped = true;
      return out;
    }
    const Push& p = plan[i];
    json::object body;
    if (p.link) body["id"] = p.link->halo_id;
    int64_t list_id = p.link ? p.link->faqlist_id : 0;
    if (!p.list_name.empty()) {
      list_id = lists.at(p.list_name);
      body["name"] = p.name;
      body["description"] = p.content;  // HTML (reference B7: send HTML in description)
      body["faqlists"] = json::array{json::object{{"id", list_id}}};
      body["type"] = 0;
    }
    body["inactive"] = p.inactive;
    if (!p.link && !p.list_name.empty()) {
      // Before creating, adopt an article of that name already in the list: a create whose
      // answer was lost (a 5xx after it saved, a crash before Cairn recorded the id) must not
      // leave a duplicate at Halo.
      auto found = halo.Get("/KBArticle?faqlists=" + std::to_string(list_id) + "&includeinactive=true&search=" +
                            http::PercentEncode(p.name));
      if (found.ok()) {
        const json::value* items = found->is_array() ? &*found : nullptr;
        if (!items && found->is_object()) items = found->as_object().if_contains("articles");
        if (items && items->is_array())
          for (const auto& a : items->as_array()) {
            const auto* name = a.is_object() ? a.as_object().if_contains("name") : nullptr;
            auto id = a.is_object() ? IdOf(a.as_object().if_contains("id")) : std::nullopt;
            if (name && name->is_string() && name->as_string() == p.name && id) {
              body["id"] = *id;
              break;
            }
          }
      }
    }
    auto sent = halo.Post("/KBArticle", json::array{body});
    std::string action = p.action;
    if (!sent.ok() && p.link && !p.list_name.empty() &&
        (sent.status().code() == Code::kNotFound || sent.status().code() == Code::kInvalidArgument)) {
      // Deleted at Halo? Then Cairn's article is created again.
      auto there = halo.Get("/KBArticle/" + std::to_string(p.link->halo_id));
      if (!there.ok() && there.status().code() == Code::kNotFound) {
        body.erase("id");
        sent = halo.Post("/KBArticle", json::array{body});
        action = "created";
      }
    }
    if (!sent.ok()) {
      Code code = sent.status().code();
      if (code == Code::kForbidden || code == Code::kUnauthorized || code == Code::kRateLimited ||
          code == Code::kUnavailable) {
        fail_all(i, sent.status().message());  // the next ones would fail alike
        return out;
      }
      out.errors.push_back(p.name + ": " + sent.status().message());
      out.failed = true;
      count("failed");
      (void)report(p, "failed", p.link ? p.link->halo_id : 0, sent.status().message());
      continue;
    }
    const json::object* saved = Saved(*sent);
    auto halo_id = saved ? IdOf(saved->if_contains("id")) : std::nullopt;
    if (!halo_id && p.link && action != "created") halo_id = p.link->halo_id;
    if (!halo_id) {
      std::string message = "HaloPSA: POST /api/KBArticle answered without the article's id";
      out.errors.push_back(p.name + ": " + message);
      out.failed = true;
      count("failed");
      (void)report(p, "failed", 0, message);
      continue;
    }
    KbLink link = p.link ? *p.link : KbLink{};
    link.integration_id = integration.id;
    link.article_id = p.article_id;
    link.halo_id = *halo_id;
    link.faqlist_id = list_id;
    link.hash = p.hash;
    link.inactive = p.inactive;
    auto st = store.Write([&](store::Tx& tx) -> Status {
      auto saved_link = link.id ? tx.Repo<KbLink>().Update(link) : tx.Repo<KbLink>().Insert(link);
      return saved_link.status();
    });
    if (st.ok()) st = report(p, action, *halo_id, "");
    if (!st.ok()) {
      out.errors.push_back(p.name + ": pushed to HaloPSA but not remembered: " + st.message());
      out.failed = true;
      count("failed");
      continue;
    }
    count(action);
  }
  return out;
}

}  // namespace cairn::sync
