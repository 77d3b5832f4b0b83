// Outgoing webhooks (webhooks.h): the routes, target checks, bodies and the dispatcher.
//   GET/POST /api/v1/webhooks, GET/PUT/DELETE /api/v1/webhooks/{id}
//     {"webhook": {"name", "url", "events": [...], "secret", "active", "template"}}
//   GET  /api/v1/webhooks/{id}/deliveries[?state=pending|delivered|failed]  (each with its attempts)
//   POST /api/v1/webhooks/{id}/deliveries/{delivery}/redeliver
//   POST /api/v1/webhooks/{id}/test  (a signed ping, sent now; answers what the receiver said)
// Administrators with keys that see every company only.
#include "api/webhooks.h"

#include <arpa/inet.h>
#include <netdb.h>
#include <sys/socket.h>

#include <boost/url.hpp>

#include <algorithm>
#include <cmath>
#include <condition_variable>
#include <future>
#include <map>
#include <mutex>
#include <random>
#include <set>
#include <thread>

#include "api/context.h"
#include "core/cidr.h"
#include "core/text.h"
#include "http/client.h"

namespace cairn::api {
namespace {

// Addresses a webhook may not reach unless --webhook-allow names them: this host and its
// neighbours (SSRF), as IANA lists them for special use.
constexpr std::string_view kSpecialRanges[] = {
    "0.0.0.0/8",     "10.0.0.0/8",  "100.64.0.0/10", "127.0.0.0/8", "169.254.0.0/16", "172.16.0.0/12",
    "192.0.0.0/24",  "192.168.0.0/16", "198.18.0.0/15", "224.0.0.0/3", "::/128", "::1/128",
    "fc00::/7",      "fe80::/10",   "ff00::/8",      "64:ff9b::/96"};

bool Allowed(const std::string& ip, const std::vector<std::string>& allow) {
  for (const auto& cidr : allow)
    if (IpInCidr(ip, cidr)) return true;
  return false;
}

bool Special(const std::string& ip) {
  for (auto r : kSpecialRanges)
    if (IpInCidr(ip, r)) return true;
  return false;
}

}  // namespace

namespace {

// Where a webhook target connects: its host, port and the addresses checked.
struct Target {
  std::string host;
  std::string port;
  std::vector<std::string> addresses;
};
Result<Target> ResolveTarget(std::string_view url, const std::vector<std::string>& allow);

}  // namespace

Status CheckWebhookTarget(std::string_view url, const std::vector<std::string>& allow) {
  auto t = ResolveTarget(url, allow);
  return t.ok() ? Status::Ok() : t.status();
}

namespace {

Result<Target> ResolveTarget(std::string_view url, const std::vector<std::string>& allow) {
  auto parsed = boost::urls::parse_absolute_uri(url);
  if (!parsed) return Status::Invalid("url: \"" + std::string(url) + "\" is not an absolute URL (https://host/path)");
  std::string scheme = ToLower(std::string(parsed->scheme()));
  if (scheme != "https" && scheme != "http") return Status::Invalid("url: the scheme must be https");
  std::string host(parsed->host_address());
  if (host.empty()) return Status::Invalid("url: the URL has no host");
  if (host.size() > 2 && host.front() == '[' && host.back() == ']') host = host.substr(1, host.size() - 2);
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  addrinfo* found = nullptr;
  if (int rc = getaddrinfo(host.c_str(), nullptr, &hints, &found); rc != 0 || !found)
    return Status::Invalid("url: the host \"" + host + "\" does not resolve (" + gai_strerror(rc) + ")");
  std::vector<std::string> ips;
  for (addrinfo* a = found; a; a = a->ai_next) {
    char buf[INET6_ADDRSTRLEN] = {};
    const void* src = a->ai_family == AF_INET ? static_cast<const void*>(&reinterpret_cast<sockaddr_in*>(a->ai_addr)->sin_addr)
                                              : static_cast<const void*>(&reinterpret_cast<sockaddr_in6*>(a->ai_addr)->sin6_addr);
    if (inet_ntop(a->ai_family, src, buf, sizeof buf)) ips.emplace_back(buf);
  }
  freeaddrinfo(found);
  if (ips.empty()) return Status::Invalid("url: the host \"" + host + "\" has no address");
  bool all_allowed = true;
  for (const auto& ip : ips) {
    bool allowed = Allowed(ip, allow);
    all_allowed = all_allowed && allowed;
    if (Special(ip) && !allowed)
      return Status::Invalid("url: " + host + " is " + ip +
                             ", a private, loopback or link-local address; Cairn sends webhooks there only when "
                             "started with --webhook-allow naming it");
  }
  if (scheme == "http" && !all_allowed)
    return Status::Invalid("url: the scheme must be https (plain http only to addresses named with --webhook-allow)");
  std::string port = parsed->has_port() ? std::string(parsed->port()) : scheme == "https" ? "443" : "80";
  return Target{host, port, ips};
}

}  // namespace

const std::vector<std::pair<std::string_view, std::string_view>>& WebhookTemplateVariables() {
  static const std::vector<std::pair<std::string_view, std::string_view>> vars = {
      {"$HUDU_URL", "Cairn's base URL"},
      {"$CAIRN_URL", "Cairn's base URL"},
      {"$EVENT", "the event (company.updated, ...)"},
      {"$TIME", "when the change was made (ISO 8601)"},
      {"$RECORD_ID", "the record's id"},
      {"$RECORD_NAME", "the record's name"},
      {"$RECORD_TYPE", "Company, Asset, Article, AssetPassword or SyncRun"},
      {"$RECORD_URL", "the record's address in Cairn"},
      {"$COMPANY_ID", "the company's id (empty when none)"},
      {"$COMPANY_NAME", "the company's name"},
      {"$DELIVERY_ID", "this delivery's id"},
  };
  return vars;
}

namespace {

namespace json = boost::json;

// JSON string content (no quotes) for `s`.
std::string Escaped(std::string_view s) {
  std::string q = json::serialize(json::value(json::string(s)));
  return q.substr(1, q.size() - 2);
}

// A template with its $VARIABLES replaced (longest names first, so $RECORD_ID is not read as
// $RECORD followed by _ID). Values are JSON-escaped: a template puts them inside strings, or
// bare where they are numbers.
std::string Substitute(std::string_view tpl, const std::map<std::string, std::string>& values) {
  std::vector<std::pair<std::string, std::string>> ordered(values.begin(), values.end());
  std::sort(ordered.begin(), ordered.end(), [](const auto& a, const auto& b) { return a.first.size() > b.first.size(); });
  std::string out;
  for (size_t i = 0; i < tpl.size();) {
    bool replaced = false;
    if (tpl[i] == '$')
      for (const auto& [name, value] : ordered)
        if (tpl.substr(i, name.size()) == name) {
          out += Escaped(value);
          i += name.size();
          replaced = true;
          break;
        }
    if (!replaced) out += tpl[i++];
  }
  return out;
}

std::map<std::string, std::string> SampleValues() {
  return {{"$HUDU_URL", "https://cairn.example"}, {"$CAIRN_URL", "https://cairn.example"}, {"$EVENT", "company.updated"},
          {"$TIME", "2026-01-01T00:00:00.000Z"},  {"$RECORD_ID", "1"},  {"$RECORD_NAME", "Acme \"Ltd\""},
          {"$RECORD_TYPE", "Company"},             {"$RECORD_URL", "https://cairn.example/c/acme"},
          {"$COMPANY_ID", "1"},                    {"$COMPANY_NAME", "Acme"}, {"$DELIVERY_ID", "1"}};
}

std::set<std::string> EventsOf(const Webhook& w) {
  std::set<std::string> out;
  json::error_code ec;
  auto v = json::parse(w.events, ec);
  if (!ec && v.is_array())
    for (const auto& e : v.as_array())
      if (e.is_string()) out.insert(std::string(e.as_string()));
  return out;
}

json::object RenderWebhook(const Webhook& w) {
  json::array events;
  for (const auto& e : EventsOf(w)) events.push_back(json::string(e));
  return json::object{{"id", w.id},
                      {"name", w.name},
                      {"url", w.url},
                      {"events", std::move(events)},
                      {"active", w.active},
                      {"template", w.payload_template.empty() ? json::value(nullptr) : json::value(w.payload_template)},
                      {"secret_set", !w.secret_enc.empty()},
                      {"created_at", FormatIso8601(w.created_at)},
                      {"updated_at", FormatIso8601(w.updated_at)}};
}

Status Gate(const Ctx& ctx) {
  CAIRN_RETURN_IF_ERROR(Require(ctx, Action::kAdmin, "webhooks"));
  if (!ctx.caller.SeesGlobal()) return Status::Forbidden("This API key is limited to some companies; webhooks span them all");
  return Status::Ok();
}

// Applies a webhook body to `w` (every field on create, those given on update). `secret_shown`:
// the secret Cairn made up, to show once.
void ApplyWebhook(const Ctx& ctx, const json::object& body, Webhook& w, bool creating, std::vector<std::string>& errors,
                  std::string& secret_shown) {
  for (const auto& [k, v] : body)
    if (k != "name" && k != "url" && k != "events" && k != "secret" && k != "active" && k != "payload_template" &&
        k != "template")
      errors.push_back(std::string(k) + " is not a field of a webhook (name, url, events, secret, active, template)");
  auto text = [&](const char* name) -> std::optional<std::string> {
    const auto* v = body.if_contains(name);
    if (!v) return std::nullopt;
    if (v->is_null()) return std::string();
    if (!v->is_string()) {
      errors.push_back(std::string(name) + " must be a string");
      return std::nullopt;
    }
    return std::string(Trim(std::string(v->as_string())));
  };
  if (auto url = text("url")) w.url = *url;
  if (creating || body.contains("url")) {
    if (w.url.empty()) errors.push_back("url can't be blank");
    else if (w.url.size() > 2000) errors.push_back("url is longer than 2000 characters");
    else if (auto st = CheckWebhookTarget(w.url, ctx.options.webhook_allow); !st.ok()) errors.push_back(st.message());
  }
  if (auto name = text("name")) w.name = *name;
  if (w.name.empty()) {
    auto u = boost::urls::parse_absolute_uri(w.url);
    w.name = u ? std::string(u->host()) : "webhook";
  }
  if (w.name.size() > 255) errors.push_back("name is longer than 255 characters");
  if (const auto* v = body.if_contains("events")) {
    if (!v->is_array() || v->as_array().empty()) {
      errors.push_back("events must be a non-empty array of event names (for example [\"company.updated\"]), or [\"*\"]");
    } else {
      json::array events;
      for (const auto& e : v->as_array()) {
        std::string name = e.is_string() ? std::string(e.as_string()) : json::serialize(e);
        bool known = name == "*" || std::find(kWebhookEvents.begin(), kWebhookEvents.end(), name) != kWebhookEvents.end();
        if (!known) {
          std::string all;
          for (auto k : kWebhookEvents) all += (all.empty() ? "" : ", ") + std::string(k);
          errors.push_back("events: \"" + name + "\" is not an event (" + all + ", or * for all)");
        }
        events.push_back(json::string(name));
      }
      w.events = json::serialize(events);
    }
  } else if (creating) {
    errors.push_back("events can't be blank: name the events to send (for example [\"company.updated\"]), or [\"*\"]");
  }
  if (const auto* v = body.if_contains("active")) {
    auto b = AsBool(*v);
    if (!b) errors.push_back("active must be true or false");
    else w.active = *b;
  }
  auto tpl = text("template");  // (also accepted as payload_template)
  if (!tpl) tpl = text("payload_template");
  if (tpl) {
    w.payload_template = *tpl;
    if (!tpl->empty()) {
      json::error_code ec;
      auto sample = json::parse(Substitute(*tpl, SampleValues()), ec);
      if (ec || !sample.is_object())
        errors.push_back("template must be a JSON object once its $VARIABLES are filled in (" +
                         std::string(ec ? ec.message() : "not an object") + ")");
    }
  }
  if (auto secret = text("secret")) {
    if (!secret->empty() && secret->size() < 16) errors.push_back("secret must be at least 16 characters");
    else if (!secret->empty()) w.secret_enc = ctx.cipher.Seal(*secret);
  }
  if (w.secret_enc.empty()) {  // made up, shown once
    secret_shown = "whsec_" + RandomHex(24);
    w.secret_enc = ctx.cipher.Seal(secret_shown);
  }
}

Result<Webhook> LoadWebhook(store::Tx& tx, const Ctx& ctx, bool lock = false) {
  auto id = ctx.PathId();
  if (!id.ok()) return id.status();
  auto w = lock ? tx.Repo<Webhook>().Lock(*id) : tx.Repo<Webhook>().Get(*id);
  if (!w.ok()) return Status::NotFound("Webhook not found");
  return w;
}

// ---- sending ----

struct Outcome {
  int status = 0;
  int64_t latency_ms = 0;
  std::string excerpt;
  std::string error;
};

std::string Excerpt(std::string_view body) {
  std::string out(body.substr(0, 500));
  for (char& c : out)
    if (static_cast<unsigned char>(c) < 0x20 && c != '\n') c = ' ';
  return out;
}

// POSTs `body` to the webhook, signed; never throws.
Outcome Post(http::Client& client, const Webhook& w, const Cipher& cipher, const Clock& clock, const ApiOptions& api,
             std::string_view event, int64_t delivery_id, const std::string& body, std::chrono::milliseconds timeout) {
  Outcome o;
  // Checked again now, and the connection pinned to the address checked (a name that resolves
  // elsewhere between the check and the connection cannot lead the request inside).
  auto target = ResolveTarget(w.url, api.webhook_allow);
  if (!target.ok()) {
    o.error = target.status().message();
    return o;
  }
  std::string pin = target->host + ":" + target->port + ":";
  for (size_t i = 0; i < target->addresses.size(); ++i) {
    const std::string& ip = target->addresses[i];
    pin += (i ? "," : "") + (ip.find(':') != std::string::npos ? "[" + ip + "]" : ip);
  }
  auto secret = cipher.Open(w.secret_enc);
  if (!secret.ok()) {
    o.error = "the webhook's secret cannot be read with this master key";
    return o;
  }
  std::string ts = std::to_string(clock.NowMs() / 1000);
  http::ClientRequest req;
  req.method = "POST";
  req.url = w.url;
  req.timeout = timeout;
  req.body = body;
  if (target->host != target->addresses.front()) req.resolve = {pin};  // (an address in the URL is itself the pin)
  req.headers = {{"Content-Type", "application/json"},
                 {"X-Cairn-Event", std::string(event)},
                 {"X-Cairn-Delivery", std::to_string(delivery_id)},
                 {"X-Cairn-Timestamp", ts},
                 {"X-Cairn-Signature", "sha256=" + HmacSha256Hex(*secret, ts + "." + body)}};
  auto start = std::chrono::steady_clock::now();
  auto r = client.Send(req);
  o.latency_ms = std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - start).count();
  if (!r.ok()) {
    o.error = r.status().message();
    return o;
  }
  o.status = r->status;
  o.excerpt = Excerpt(r->body);
  return o;
}

// The client a webhook's deliveries go through (one per series, so the connection is kept).
std::unique_ptr<http::Client> WebhookClient(const ApiOptions& api) {
  return std::make_unique<http::Client>(http::ClientOptions{.ca_file = api.webhook_ca_file, .user_agent = "Cairn-Webhooks"});
}

// A Ctx for rendering records outside a request (webhook bodies), as a super-admin would see them.
struct RenderCtx {
  http::Request req;
  Ctx ctx;
  RenderCtx(store::Store& store, const Cipher& cipher, const Clock& clock, const ApiOptions& options)
      : ctx{req, {}, {}, Caller{}, store, cipher, clock, options} {
    ctx.caller.role = Role::kSuperAdmin;
  }
};

// The default body, or the webhook's template filled in.
Result<std::string> Body(store::Tx& tx, const Ctx& ctx, const Webhook& w, const WebhookEvent& e, int64_t delivery_id) {
  json::value record = nullptr;
  std::string url;
  if (e.record_id) {
    int64_t id = *e.record_id;
    if (e.record_type == "Company") {
      if (auto c = tx.Repo<Company>().Get(id); c.ok())
        if (auto j = RenderCompanyRecord(tx, ctx, *c); j.ok()) record = std::move(*j);
    } else if (e.record_type == "Asset") {
      if (auto a = tx.Repo<Asset>().Get(id); a.ok())
        if (auto j = RenderAssetRecord(tx, ctx, *a); j.ok()) record = std::move(*j);
    } else if (e.record_type == "Article") {
      if (auto a = tx.Repo<Article>().Get(id); a.ok()) record = RenderArticleRecord(tx, ctx, *a);
    } else if (e.record_type == "AssetPassword") {
      if (auto p = tx.Repo<AssetPassword>().Get(id); p.ok()) record = RenderPasswordRecord(tx, ctx, *p);
    } else if (e.record_type == "SyncRun") {
      if (auto r = tx.Repo<SyncRun>().Get(id); r.ok())
        record = json::object{{"id", r->id}, {"integration_id", r->integration_id}, {"state", r->state},
                              {"counts", json::parse(r->counts.empty() ? "{}" : r->counts)},
                              {"finished_at", r->finished_at ? json::value(FormatIso8601(r->finished_at)) : json::value(nullptr)}};
    }
  }
  if (record.is_object())
    if (const auto* u = record.as_object().if_contains("full_url"); u && u->is_string()) url = std::string(u->as_string());
  if (url.empty() && record.is_object())
    if (const auto* u = record.as_object().if_contains("url"); u && u->is_string())
      url = BaseUrl(ctx) + std::string(u->as_string());
  json::error_code ec;
  json::value changes = json::parse(e.changes.empty() ? "{}" : e.changes, ec);
  if (ec) changes = json::object{};
  if (w.payload_template.empty()) {
    json::object body{{"event", e.event},
                      {"occurred_at", FormatIso8601(e.created_at)},
                      {"webhook_id", w.id},
                      {"delivery_id", delivery_id},
                      {"record_type", e.record_type},
                      {"record_id", e.record_id ? json::value(*e.record_id) : json::value(nullptr)},
                      {"record_name", e.record_name},
                      {"record_url", url.empty() ? json::value(nullptr) : json::value(url)},
                      {"company_id", e.company_id ? json::value(*e.company_id) : json::value(nullptr)},
                      {"company_name", e.company_name},
                      {"changes", std::move(changes)},
                      {"record", std::move(record)}};
    return json::serialize(body);
  }
  std::map<std::string, std::string> values{
      {"$HUDU_URL", BaseUrl(ctx)},
      {"$CAIRN_URL", BaseUrl(ctx)},
      {"$EVENT", e.event},
      {"$TIME", FormatIso8601(e.created_at)},
      {"$RECORD_ID", e.record_id ? std::to_string(*e.record_id) : ""},
      {"$RECORD_NAME", e.record_name},
      {"$RECORD_TYPE", e.record_type},
      {"$RECORD_URL", url},
      {"$COMPANY_ID", e.company_id ? std::to_string(*e.company_id) : ""},
      {"$COMPANY_NAME", e.company_name},
      {"$DELIVERY_ID", std::to_string(delivery_id)}};
  return Substitute(w.payload_template, values);
}

json::object RenderDelivery(const WebhookDelivery& d, const std::vector<WebhookAttempt>& attempts) {
  json::array list;
  for (const auto& a : attempts)
    list.push_back(json::object{{"attempt", a.attempt},
                                {"status", a.status ? json::value(a.status) : json::value(nullptr)},
                                {"latency_ms", a.latency_ms},
                                {"response_excerpt", a.response_excerpt},
                                {"error", a.error.empty() ? json::value(nullptr) : json::value(a.error)},
                                {"at", FormatIso8601(a.created_at)}});
  return json::object{{"id", d.id},
                      {"webhook_id", d.webhook_id},
                      {"event_id", d.event_id},
                      {"event", d.event},
                      {"state", d.state},
                      {"attempts", std::move(list)},
                      {"next_attempt_at", d.state == "pending" ? json::value(FormatIso8601(d.next_attempt_at)) : json::value(nullptr)},
                      {"last_status", d.last_status ? json::value(d.last_status) : json::value(nullptr)},
                      {"last_error", d.last_error.empty() ? json::value(nullptr) : json::value(d.last_error)},
                      {"created_at", FormatIso8601(d.created_at)}};
}

}  // namespace

// ---- the dispatcher ----

struct WebhookDispatcher::Impl {
  store::Store& store;
  const Cipher& cipher;
  const Clock& clock;
  WebhookOptions o;
  std::thread thread;
  std::mutex mu;
  std::condition_variable cv;
  bool stop = false;
  bool woken = false;
  std::map<int64_t, std::future<void>> sending;  // webhook id -> its delivery under way
  std::mt19937_64 rng{std::random_device{}()};
  std::mutex rng_mu;

  Impl(store::Store& s, const Cipher& c, const Clock& k, WebhookOptions opts)
      : store(s), cipher(c), clock(k), o(std::move(opts)) {}

  void Loop() {
    for (;;) {
      Tick();
      std::unique_lock lock(mu);
      cv.wait_for(lock, o.poll, [&] { return stop || woken; });
      woken = false;
      if (stop) break;
    }
    for (auto& [id, f] : sending) f.wait();
  }

  void Tick() {
    auto hooks = store.Read([&](store::Tx& tx) { return tx.Repo<Webhook>().List(store::Query()); });
    if (!hooks.ok()) return;
    std::vector<Webhook> active;
    for (const auto& w : *hooks)
      if (w.active) active.push_back(w);
    store.SetWebhookOutbox(!active.empty());
    FanOut(active);
    Prune();
    for (const auto& w : active) {
      auto it = sending.find(w.id);
      if (it != sending.end()) {
        if (it->second.wait_for(std::chrono::seconds(0)) != std::future_status::ready) continue;
        sending.erase(it);
      }
      int64_t delivery = DueHead(w.id);
      if (!delivery) continue;
      sending[w.id] = std::async(std::launch::async, [this, w, delivery] { SendSeries(w, delivery); });
    }
  }

  // Forgets, once an hour, what was settled longer ago than o.keep: dispatched events, finished
  // deliveries and their attempts (a pending delivery is never older than a day's retries).
  void Prune() {
    int64_t now = clock.NowMs();
    if (now - last_prune < 3600 * 1000) return;
    last_prune = now;
    int64_t before = now - std::chrono::duration_cast<std::chrono::milliseconds>(o.keep).count();
    (void)store.Write([&](store::Tx& tx) -> Status {
      store::Query attempts;
      attempts.Where("created_at", store::Op::kLe, before);
      if (auto n = tx.Repo<WebhookAttempt>().DeleteWhere(attempts); !n.ok()) return n.status();
      store::Query deliveries;
      deliveries.Where("state", store::Op::kNe, std::string("pending")).Where("updated_at", store::Op::kLe, before);
      if (auto n = tx.Repo<WebhookDelivery>().DeleteWhere(deliveries); !n.ok()) return n.status();
      store::Query events;
      events.Where("dispatched", store::Op::kEq, int64_t{1}).Where("created_at", store::Op::kLe, before);
      auto n = tx.Repo<WebhookEvent>().DeleteWhere(events);
      return n.ok() ? Status::Ok() : n.status();
    });
  }
  int64_t last_prune = 0;

  // The webhook's oldest pending delivery when it is due now; 0 otherwise (deliveries go in order).
  int64_t DueHead(int64_t webhook_id) {
    auto head = store.Read([&](store::Tx& tx) {
      store::Query q;
      q.Where("webhook_id", store::Op::kEq, webhook_id).Where("state", store::Op::kEq, std::string("pending"));
      return tx.Repo<WebhookDelivery>().FindFirst(q);
    });
    return head.ok() && *head && (*head)->next_attempt_at <= clock.NowMs() ? (*head)->id : 0;
  }

  // Events into deliveries, for every active webhook that wants each.
  void FanOut(const std::vector<Webhook>& active) {
    std::vector<std::set<std::string>> wanted;  // each webhook's events, read once
    for (const auto& w : active) wanted.push_back(EventsOf(w));
    (void)store.Write([&](store::Tx& tx) -> Status {
      store::Query q;
      q.Where("dispatched", store::Op::kEq, int64_t{0});
      q.limit = 500;
      auto events = tx.Repo<WebhookEvent>().List(q);
      if (!events.ok()) return events.status();
      for (const auto& e : *events) {
        for (size_t i = 0; i < active.size(); ++i) {
          const Webhook& w = active[i];
          if ((!wanted[i].count(e.event) && !wanted[i].count("*")) || e.created_at < w.created_at) continue;
          store::Query dq;
          dq.Where("webhook_id", store::Op::kEq, w.id).Where("event_id", store::Op::kEq, e.id);
          auto existing = tx.Repo<WebhookDelivery>().FindFirst(dq);
          if (!existing.ok()) return existing.status();
          if (*existing) continue;
          WebhookDelivery d;
          d.webhook_id = w.id;
          d.event_id = e.id;
          d.event = e.event;
          d.next_attempt_at = clock.NowMs();
          if (auto saved = tx.Repo<WebhookDelivery>().Insert(d); !saved.ok()) return saved.status();
        }
        CAIRN_RETURN_IF_ERROR(tx.Repo<WebhookEvent>().SetColumn(e.id, "dispatched", int64_t{1}));
      }
      return Status::Ok();
    });
  }

  // Sends a webhook's due deliveries in order, starting at `first`, until one must wait.
  void SendSeries(const Webhook& w, int64_t first) {
    auto client = WebhookClient(o.api);
    for (int64_t id = first; id;) {
      {
        std::lock_guard lock(mu);
        if (stop) return;
      }
      if (!SendOne(*client, w, id)) return;
      id = DueHead(w.id);
    }
  }

  int64_t Backoff(int64_t attempts) {
    double ms = static_cast<double>(o.first_retry.count()) * std::pow(2.0, static_cast<double>(std::max<int64_t>(attempts - 1, 0)));
    ms = std::min(ms, static_cast<double>(o.max_retry.count()));
    std::lock_guard lock(rng_mu);
    return static_cast<int64_t>(ms * std::uniform_real_distribution<double>(0.8, 1.2)(rng));
  }

  // One attempt. False when the delivery is still pending (the series waits for its retry).
  bool SendOne(http::Client& client, const Webhook& w, int64_t delivery_id) {
    // Claimed for the length of one attempt, so that another node (PostgreSQL) does not send it
    // too; the body is made in the same transaction.
    std::optional<WebhookDelivery> claimed;
    std::optional<WebhookEvent> event;
    RenderCtx rc(store, cipher, clock, o.api);
    Result<std::string> body = Status::Unavailable("not made");
    auto claim = store.Write([&](store::Tx& tx) -> Status {
      auto d = tx.Repo<WebhookDelivery>().Lock(delivery_id);
      if (!d.ok()) return d.status();
      if (d->state != "pending" || d->next_attempt_at > clock.NowMs()) return Status::Ok();
      auto e = tx.Repo<WebhookEvent>().Get(d->event_id);
      if (!e.ok()) return e.status();
      d->next_attempt_at = clock.NowMs() + o.timeout.count() + 30000;
      auto saved = tx.Repo<WebhookDelivery>().Update(*d);
      if (!saved.ok()) return saved.status();
      claimed = *saved;
      event = *e;
      body = Body(tx, rc.ctx, w, *event, delivery_id);
      return Status::Ok();
    });
    if (!claim.ok() || !claimed) return false;
    Outcome out = body.ok() ? Post(client, w, cipher, clock, o.api, event->event, delivery_id, *body, o.timeout)
                            : Outcome{0, 0, "", "the body could not be made: " + body.status().message()};
    bool delivered = out.status >= 200 && out.status < 300;
    bool retry = !delivered && (out.status == 0 || out.status == 408 || out.status == 429 || out.status >= 500);
    if (out.status == 0 && out.error.starts_with("url:")) retry = false;  // the target itself is refused
    auto recorded = store.Write([&](store::Tx& tx) -> Status {
      auto d = tx.Repo<WebhookDelivery>().Lock(delivery_id);
      if (!d.ok()) return d.status();
      d->attempts += 1;
      WebhookAttempt a;
      a.delivery_id = d->id;
      a.webhook_id = d->webhook_id;
      a.attempt = d->attempts;
      a.status = out.status;
      a.latency_ms = out.latency_ms;
      a.response_excerpt = out.excerpt;
      a.error = out.error;
      if (auto saved = tx.Repo<WebhookAttempt>().Insert(a); !saved.ok()) return saved.status();
      d->last_status = out.status;
      d->last_error = out.error.empty() && !delivered ? "the receiver answered " + std::to_string(out.status) : out.error;
      int64_t now = clock.NowMs();
      if (delivered) {
        d->state = "delivered";
        d->last_error.clear();
      } else if (!retry) {
        d->state = "failed";
        if (out.status) d->last_error = "the receiver refused the delivery with " + std::to_string(out.status) + "; not retried";
      } else if (now - d->created_at > std::chrono::duration_cast<std::chrono::milliseconds>(o.give_up_after).count()) {
        d->state = "failed";
        d->last_error = "given up after " + std::to_string(d->attempts) + " attempts over " +
                        std::to_string(o.give_up_after.count()) + " hours: " + d->last_error;
      } else {
        d->next_attempt_at = now + Backoff(d->attempts);
      }
      auto saved = tx.Repo<WebhookDelivery>().Update(*d);
      return saved.ok() ? Status::Ok() : saved.status();
    });
    if (!recorded.ok()) return false;
    return delivered || !retry;
  }
};

WebhookDispatcher::WebhookDispatcher(store::Store& store, const Cipher& cipher, const Clock& clock,
                                     WebhookOptions options)
    : impl_(std::make_unique<Impl>(store, cipher, clock, std::move(options))) {}

WebhookDispatcher::~WebhookDispatcher() { Stop(); }

Status WebhookDispatcher::Start() {
  auto hooks = impl_->store.Read([&](store::Tx& tx) {
    return tx.Repo<Webhook>().Count(store::Query().Where("active", store::Op::kEq, int64_t{1}));
  });
  if (!hooks.ok()) return hooks.status();
  impl_->store.SetWebhookOutbox(*hooks > 0);
  impl_->thread = std::thread([this] { impl_->Loop(); });
  return Status::Ok();
}

void WebhookDispatcher::Stop() {
  {
    std::lock_guard lock(impl_->mu);
    impl_->stop = true;
  }
  impl_->cv.notify_all();
  if (impl_->thread.joinable()) impl_->thread.join();
}

void WebhookDispatcher::Wake() {
  {
    std::lock_guard lock(impl_->mu);
    impl_->woken = true;
  }
  impl_->cv.notify_all();
}

// ---- routes ----

void AddWebhookRoutes(Routes& r) {
  r.push_back({"GET", "/api/v1/webhooks", [](Ctx& ctx) {
                 if (auto st = Gate(ctx); !st.ok()) return ErrorResponse(st);
                 auto rows = ctx.store.Read([&](store::Tx& tx) { return tx.Repo<Webhook>().List(store::Query()); });
                 if (!rows.ok()) return ErrorResponse(rows.status());
                 json::array out;
                 for (const auto& w : *rows) out.push_back(RenderWebhook(w));
                 return JsonResponse(200, Wrap("webhooks", std::move(out)));
               }});
  r.push_back({"GET", "/api/v1/webhooks/{id}", [](Ctx& ctx) {
                 if (auto st = Gate(ctx); !st.ok()) return ErrorResponse(st);
                 auto w = ctx.store.Read([&](store::Tx& tx) { return LoadWebhook(tx, ctx); });
                 if (!w.ok()) return ErrorResponse(w.status());
                 return JsonResponse(200, Wrap("webhook", RenderWebhook(*w)));
               }});
  auto write = [](Ctx& ctx, bool creating) {
    if (auto st = Gate(ctx); !st.ok()) return ErrorResponse(st);
    auto body = ParseBody(ctx, "webhook");
    if (!body.ok()) return ErrorResponse(body.status());
    std::string secret_shown;
    auto out = ctx.store.Write([&](store::Tx& tx) -> Result<json::object> {
      Webhook w;
      json::object before;
      if (!creating) {
        auto found = LoadWebhook(tx, ctx, /*lock=*/true);
        if (!found.ok()) return found.status();
        w = *found;
        before = RenderWebhook(w);
      }
      std::vector<std::string> errors;
      ApplyWebhook(ctx, *body, w, creating, errors, secret_shown);
      if (!errors.empty()) return Validation(std::move(errors));
      auto saved = creating ? tx.Repo<Webhook>().Insert(w) : tx.Repo<Webhook>().Update(w);
      if (!saved.ok()) return saved.status();
      json::object after = RenderWebhook(*saved);
      CAIRN_RETURN_IF_ERROR(LogActivity(tx, ctx,
                                        {creating ? "created" : "updated", "Webhook", saved->id, saved->name, std::nullopt, "",
                                         creating ? json::object{} : Diff(before, after)}));
      if (saved->active) ctx.store.SetWebhookOutbox(true);  // the next change is already an event
      return after;
    });
    if (!out.ok()) return ErrorResponse(out.status());
    if (!secret_shown.empty()) (*out)["secret"] = secret_shown;  // made up by Cairn: shown this once
    return JsonResponse(200, Wrap("webhook", std::move(*out)));
  };
  r.push_back({"POST", "/api/v1/webhooks", [write](Ctx& ctx) { return write(ctx, true); }});
  r.push_back({"PUT", "/api/v1/webhooks/{id}", [write](Ctx& ctx) { return write(ctx, false); }});
  r.push_back({"DELETE", "/api/v1/webhooks/{id}", [](Ctx& ctx) {
                 if (auto st = Gate(ctx); !st.ok()) return ErrorResponse(st);
                 auto st = ctx.store.Write([&](store::Tx& tx) -> Status {
                   auto w = LoadWebhook(tx, ctx, true);
                   if (!w.ok()) return w.status();
                   store::Query q;
                   q.Where("webhook_id", store::Op::kEq, w->id);
                   if (auto n = tx.Repo<WebhookAttempt>().DeleteWhere(q); !n.ok()) return n.status();
                   if (auto n = tx.Repo<WebhookDelivery>().DeleteWhere(q); !n.ok()) return n.status();
                   CAIRN_RETURN_IF_ERROR(tx.Repo<Webhook>().Delete(w->id));
                   return LogActivity(tx, ctx, {"deleted", "Webhook", w->id, w->name, std::nullopt, "", {}});
                 });
                 if (!st.ok()) return ErrorResponse(st);
                 return NoContent();
               }});
  r.push_back({"GET", "/api/v1/webhooks/{id}/deliveries", [](Ctx& ctx) {
                 if (auto st = Gate(ctx); !st.ok()) return ErrorResponse(st);
                 auto paging = ParsePaging(ctx);
                 if (!paging.ok()) return ErrorResponse(paging.status());
                 auto state = ctx.Q("state");
                 if (state && *state != "pending" && *state != "delivered" && *state != "failed")
                   return ErrorResponse(Status::Invalid("state must be pending, delivered or failed"));
                 auto out = ctx.store.Read([&](store::Tx& tx) -> Result<json::array> {
                   auto w = LoadWebhook(tx, ctx);
                   if (!w.ok()) return w.status();
                   store::Query q;
                   q.Where("webhook_id", store::Op::kEq, w->id);
                   if (state) q.Where("state", store::Op::kEq, *state);
                   q.descending = true;
                   q.limit = paging->page_size;
                   q.offset = (paging->page - 1) * paging->page_size;
                   auto rows = tx.Repo<WebhookDelivery>().List(q);
                   if (!rows.ok()) return rows.status();
                   json::array arr;
                   for (const auto& d : *rows) {
                     auto attempts = tx.Repo<WebhookAttempt>().List(store::Query().Where("delivery_id", store::Op::kEq, d.id));
                     if (!attempts.ok()) return attempts.status();
                     arr.push_back(RenderDelivery(d, *attempts));
                   }
                   return arr;
                 });
                 if (!out.ok()) return ErrorResponse(out.status());
                 return JsonResponse(200, json::object{{"deliveries", std::move(*out)}, {"page", paging->page},
                                                       {"page_size", paging->page_size}});
               }});
  r.push_back({"POST", "/api/v1/webhooks/{id}/deliveries/{delivery}/redeliver", [](Ctx& ctx) {
                 if (auto st = Gate(ctx); !st.ok()) return ErrorResponse(st);
                 auto out = ctx.store.Write([&](store::Tx& tx) -> Result<json::object> {
                   auto w = LoadWebhook(tx, ctx);
                   if (!w.ok()) return w.status();
                   auto did = ctx.PathId("delivery");
                   if (!did.ok()) return did.status();
                   auto d = tx.Repo<WebhookDelivery>().Lock(*did);
                   if (!d.ok() || d->webhook_id != w->id) return Status::NotFound("Delivery not found");
                   d->state = "pending";
                   d->next_attempt_at = ctx.clock.NowMs();
                   d->created_at = ctx.clock.NowMs();  // a fresh day of retries
                   auto saved = tx.Repo<WebhookDelivery>().Update(*d);
                   if (!saved.ok()) return saved.status();
                   auto attempts = tx.Repo<WebhookAttempt>().List(store::Query().Where("delivery_id", store::Op::kEq, d->id));
                   if (!attempts.ok()) return attempts.status();
                   return RenderDelivery(*saved, *attempts);
                 });
                 if (!out.ok()) return ErrorResponse(out.status());
                 if (ctx.options.webhook_dispatcher) ctx.options.webhook_dispatcher->Wake();
                 return JsonResponse(200, Wrap("delivery", std::move(*out)));
               }});
  r.push_back({"POST", "/api/v1/webhooks/{id}/test", [](Ctx& ctx) {
                 if (auto st = Gate(ctx); !st.ok()) return ErrorResponse(st);
                 auto w = ctx.store.Read([&](store::Tx& tx) { return LoadWebhook(tx, ctx); });
                 if (!w.ok()) return ErrorResponse(w.status());
                 json::object ping{{"event", "ping"},
                                   {"occurred_at", FormatIso8601(ctx.clock.NowMs())},
                                   {"webhook_id", w->id},
                                   {"message", "A test delivery from Cairn"}};
                 auto client = WebhookClient(ctx.options);
                 Outcome o = Post(*client, *w, ctx.cipher, ctx.clock, ctx.options, "ping", 0, json::serialize(ping),
                                  std::chrono::milliseconds(10000));
                 bool ok = o.status >= 200 && o.status < 300;
                 std::string message = ok ? "The receiver answered " + std::to_string(o.status)
                                          : !o.error.empty() ? o.error
                                                             : "The receiver answered " + std::to_string(o.status);
                 return JsonResponse(200, json::object{{"ok", ok},
                                                       {"message", message},
                                                       {"status", o.status ? json::value(o.status) : json::value(nullptr)},
                                                       {"latency_ms", o.latency_ms},
                                                       {"response_excerpt", o.excerpt}});
               }});
}

}  // namespace cairn::api
