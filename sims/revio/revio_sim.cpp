#include "sims/revio/revio_sim.h"

#include <boost/json.hpp>

#include <chrono>
#include <condition_variable>
#include <deque>
#include <mutex>
#include <optional>
#include <thread>
#include <vector>

#include "core/crypto.h"
#include "http/client.h"

namespace cairn::sims::revio {
namespace {

namespace json = boost::json;

struct Customer {
  std::string id;  // "RV-100000"
  std::string name, phone, website, address, city, state, zip, country;
  std::optional<int64_t> company_id;  // in Cairn, once pushed
};

struct Received {
  std::string event;
  std::optional<int64_t> company_id;
  std::string name;  // as the webhook named it
  bool signature_ok = false;
  std::string reread_name;  // re-read through the API ("" until then)
  std::string reread_error;
  int64_t received_ms = 0;
};

http::Response Json(int status, const json::value& v) { return http::Response::Json(status, json::serialize(v)); }
http::Response Error(int status, const std::string& message) { return Json(status, json::object{{"error", message}}); }

std::string Text(const json::object& o, std::string_view key) {
  const auto* v = o.if_contains(key);
  if (!v || v->is_null()) return "";
  return v->is_string() ? std::string(v->as_string()) : json::serialize(*v);
}

int64_t NowMs() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch()).count();
}

}  // namespace

struct RevioSim::Impl {
  RevioSimOptions o;
  std::mutex mu;
  std::vector<Customer> customers;                    // guarded by mu
  std::string base_url, api_key, secret;              // guarded by mu
  std::vector<Received> received;                     // guarded by mu
  std::deque<int> answers;                            // guarded by mu
  std::deque<size_t> rereads;                         // indices into received; guarded by mu
  std::condition_variable wake;
  bool stopping = false;
  std::thread reader;

  explicit Impl(RevioSimOptions options) : o(std::move(options)) {
    Fleet fleet(o.fleet);
    for (int64_t i = 0; i < fleet.companies(); ++i) {
      FakeCompany c = fleet.Company(i);
      customers.push_back({"RV-" + std::to_string(100000 + i), c.name, c.phone, c.website, c.address_line_1, c.city,
                           c.state, c.zip, c.country, std::nullopt});
    }
    reader = std::thread([this] { ReadBack(); });
  }
  ~Impl() {
    {
      std::lock_guard lock(mu);
      stopping = true;
    }
    wake.notify_all();
    reader.join();
  }

  // One call to Cairn's API; the JSON answer or an error naming the call.
  Result<json::value> Call(const std::string& method, const std::string& path, const json::value& body = nullptr) {
    std::string url, key;
    {
      std::lock_guard lock(mu);
      url = base_url;
      key = api_key;
    }
    if (url.empty()) return Status::Invalid("not connected: POST /_sim/connect first");
    http::Client client(http::ClientOptions{.ca_file = o.ca_file, .user_agent = "Rev.io (cairn-sim)"});
    http::ClientRequest req;
    req.method = method;
    req.url = url + path;
    req.headers = {{"x-api-key", key}, {"Accept", "application/json"}};
    if (!body.is_null()) {
      req.headers.push_back({"Content-Type", "application/json"});
      req.body = json::serialize(body);
    }
    auto r = client.Send(req);
    if (!r.ok()) return r.status();
    json::error_code ec;
    json::value v = json::parse(r->body, ec);
    if (r->status < 200 || r->status >= 300)
      return Status::Unavailable(method + " " + path + " answered " + std::to_string(r->status) + ": " + r->body.substr(0, 300));
    if (ec) return Status::Unavailable(method + " " + path + " did not answer JSON");
    return v;
  }

  static std::optional<int64_t> FirstCompany(const json::value& answer) {
    const auto* list = answer.is_object() ? answer.as_object().if_contains("companies") : nullptr;
    if (!list || !list->is_array() || list->as_array().empty()) return std::nullopt;
    const auto& first = list->as_array()[0];
    if (!first.is_object() || !first.as_object().contains("id")) return std::nullopt;
    return first.at("id").to_number<int64_t>();
  }

  // Pushes one customer: "created", "matched" or "updated", and the company's id.
  Result<std::pair<std::string, int64_t>> Push(const Customer& c) {
    json::object fields{{"phone_number", c.phone}, {"website", c.website}, {"address_line_1", c.address},
                        {"city", c.city},          {"state", c.state},     {"zip", c.zip},
                        {"country_name", c.country}};
    auto linked = Call("GET", "/api/v1/companies?integration_slug=revio&id_in_integration=" + http::PercentEncode(c.id));
    if (!linked.ok()) return linked.status();
    if (auto id = FirstCompany(*linked)) {
      fields["name"] = c.name;
      auto put = Call("PUT", "/api/v1/companies/" + std::to_string(*id), json::object{{"company", fields}});
      if (!put.ok()) return put.status();
      return std::make_pair(std::string("updated"), *id);
    }
    fields["integration_slug"] = "revio";
    fields["id_in_integration"] = c.id;
    auto same = Call("GET", "/api/v1/companies?name=" + http::PercentEncode(c.name));
    if (!same.ok()) return same.status();
    if (auto id = FirstCompany(*same)) {
      auto put = Call("PUT", "/api/v1/companies/" + std::to_string(*id), json::object{{"company", fields}});
      if (!put.ok()) return put.status();
      return std::make_pair(std::string("matched"), *id);
    }
    fields["name"] = c.name;
    auto made = Call("POST", "/api/v1/companies", json::object{{"company", fields}});
    if (!made.ok()) return made.status();
    return std::make_pair(std::string("created"), made->at("company").at("id").to_number<int64_t>());
  }

  // Re-reads, through the API, each company a webhook named.
  void ReadBack() {
    for (;;) {
      size_t at;
      std::optional<int64_t> id;
      {
        std::unique_lock lock(mu);
        wake.wait(lock, [&] { return stopping || !rereads.empty(); });
        if (stopping) return;
        at = rereads.front();
        rereads.pop_front();
        id = received[at].company_id;
      }
      std::string name, error;
      if (!id) {
        error = "the webhook named no company";
      } else {
        auto c = Call("GET", "/api/v1/companies/" + std::to_string(*id));
        if (c.ok() && c->is_object() && c->as_object().contains("company"))
          name = Text(c->at("company").as_object(), "name");
        else
          error = c.ok() ? "no company in the answer" : c.status().message();
      }
      std::lock_guard lock(mu);
      received[at].reread_name = name;
      received[at].reread_error = error;
    }
  }

  http::Response Webhook(const http::Request& req) {
    json::error_code ec;
    json::value v = json::parse(req.body, ec);
    if (ec || !v.is_object()) return Error(400, "expected a JSON object");
    const auto& o = v.as_object();
    Received r;
    r.received_ms = NowMs();
    r.event = Text(o, "event");
    // The default body names the record; a template may name the company its own way.
    if (Text(o, "record_type") == "Company" && o.contains("record_id") && o.at("record_id").is_number())
      r.company_id = o.at("record_id").to_number<int64_t>();
    else
      for (const char* key : {"company_id", "id"})
        if (const auto* id = o.if_contains(key)) {
          if (id->is_number()) r.company_id = id->to_number<int64_t>();
          else if (id->is_string() && !id->as_string().empty()) r.company_id = std::stoll(std::string(id->as_string()));
          if (r.company_id) break;
        }
    r.name = Text(o, "record_type") == "Company" ? Text(o, "record_name") : Text(o, "company_name");
    std::string ts(http::FindHeader(req.headers, "X-Cairn-Timestamp").value_or(""));
    std::string sig(http::FindHeader(req.headers, "X-Cairn-Signature").value_or(""));
    std::lock_guard lock(mu);
    r.signature_ok = !secret.empty() && !ts.empty() && sig == "sha256=" + HmacSha256Hex(secret, ts + "." + req.body);
    int status = 200;
    if (!answers.empty()) {
      status = answers.front();
      answers.pop_front();
    }
    if (status >= 200 && status < 300) {
      received.push_back(std::move(r));
      rereads.push_back(received.size() - 1);
      wake.notify_all();
    }
    return Json(status, json::object{{"received", status < 300}});
  }

  json::object CustomerJson(const Customer& c) {
    return json::object{{"id", c.id},
                        {"name", c.name},
                        {"company_id", c.company_id ? json::value(*c.company_id) : json::value(nullptr)}};
  }

  http::Response Control(const http::Request& req) {
    if (o.control_token.empty() || http::FindHeader(req.headers, "X-Sim-Token").value_or("") != o.control_token)
      return Error(404, "Not found");
    json::error_code ec;
    json::value body = req.body.empty() ? json::value(json::object{}) : json::parse(req.body, ec);
    if (ec || !body.is_object()) return Error(400, "expected a JSON object");
    const auto& b = body.as_object();
    if (req.method == "POST" && req.path == "/_sim/connect") {
      std::string url = Text(b, "base_url"), key = Text(b, "api_key");
      if (url.empty() || key.empty()) return Error(422, "base_url and api_key are required");
      while (!url.empty() && url.back() == '/') url.pop_back();
      std::lock_guard lock(mu);
      base_url = url;
      api_key = key;
      secret = Text(b, "webhook_secret");
      return Json(200, json::object{{"connected", base_url}});
    }
    if (req.method == "POST" && req.path == "/_sim/sync") {
      std::vector<Customer> all;
      {
        std::lock_guard lock(mu);
        all = customers;
      }
      json::object counts{{"created", 0}, {"matched", 0}, {"updated", 0}, {"failed", 0}};
      json::array errors;
      for (size_t i = 0; i < all.size(); ++i) {
        auto pushed = Push(all[i]);
        if (!pushed.ok()) {
          counts["failed"] = counts["failed"].as_int64() + 1;
          errors.push_back(json::string(all[i].id + ": " + pushed.status().message()));
          continue;
        }
        counts[pushed->first] = counts[pushed->first].as_int64() + 1;
        std::lock_guard lock(mu);
        customers[i].company_id = pushed->second;
      }
      counts["errors"] = std::move(errors);
      return Json(200, counts);
    }
    if (req.path == "/_sim/customers" && req.method == "POST") {
      Customer c;
      c.name = Text(b, "name");
      if (c.name.empty()) return Error(422, "name is required");
      c.phone = Text(b, "phone");
      c.city = Text(b, "city");
      size_t index;
      {
        std::lock_guard lock(mu);
        index = customers.size();
        c.id = "RV-" + std::to_string(100000 + index);
        customers.push_back(c);
      }
      auto pushed = Push(c);
      if (!pushed.ok()) return Error(502, pushed.status().message());
      std::lock_guard lock(mu);
      customers[index].company_id = pushed->second;
      json::object out = CustomerJson(customers[index]);
      out["action"] = pushed->first;
      return Json(200, out);
    }
    if (req.path == "/_sim/customers" && req.method == "GET") {
      std::lock_guard lock(mu);
      json::array out;
      for (const auto& c : customers) out.push_back(CustomerJson(c));
      return Json(200, json::object{{"customers", std::move(out)}});
    }
    if (req.path == "/_sim/received" && req.method == "GET") {
      std::lock_guard lock(mu);
      json::array out;
      for (const auto& r : received)
        out.push_back(json::object{{"event", r.event},
                                   {"company_id", r.company_id ? json::value(*r.company_id) : json::value(nullptr)},
                                   {"name", r.name},
                                   {"signature_ok", r.signature_ok},
                                   {"reread_name", r.reread_name},
                                   {"reread_error", r.reread_error},
                                   {"received_ms", r.received_ms}});
      return Json(200, json::object{{"received", std::move(out)}});
    }
    if (req.path == "/_sim/answer" && req.method == "POST") {
      const auto* s = b.if_contains("statuses");
      if (!s || !s->is_array()) return Error(422, "statuses must be an array of HTTP statuses");
      std::lock_guard lock(mu);
      for (const auto& x : s->as_array())
        if (x.is_int64()) answers.push_back(static_cast<int>(x.as_int64()));
      return Json(200, json::object{{"queued", static_cast<int64_t>(answers.size())}});
    }
    return Error(404, "no control route " + req.method + " " + req.path);
  }
};

RevioSim::RevioSim(RevioSimOptions options) : impl_(std::make_unique<Impl>(std::move(options))) {}
RevioSim::~RevioSim() = default;

http::Response RevioSim::Handle(const http::Request& request) {
  if (request.path.starts_with("/_sim/")) return impl_->Control(request);
  if (request.method == "POST") return impl_->Webhook(request);
  return Error(404, "Rev.io (simulated) serves only its webhook receiver and /_sim/");
}

}  // namespace cairn::sims::revio
