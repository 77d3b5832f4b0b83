#include "connectors/halo/connector.h"

#include <boost/json.hpp>

#include <cstdio>
#include <algorithm>
#include <functional>
#include <future>
#include <map>
#include <optional>

#include "connectors/mapping.h"
#include "connectors/raw_json.h"
#include "core/text.h"
#include "http/message.h"

namespace cairn::connectors::halo {
namespace {

namespace json = boost::json;
using namespace mapping;

constexpr std::string_view kClientsHint =
    "The agent the application logs in as cannot see clients: give that agent access to all clients, or choose "
    "another agent for the application";
constexpr std::string_view kUsersHint = "The application cannot read users: allow read:customers";
constexpr std::string_view kSitesHint = "The application cannot read sites: allow read:customers";
constexpr std::string_view kAssetsHint = "The agent the application logs in as cannot see assets: give it access to assets";
constexpr std::string_view kContractsHint = "The application cannot read contracts: allow read:contracts";

// A kind's resource, list key (reference B4), extra list parameters and mapping.
struct KindInfo {
  std::string_view kind;
  std::string_view resource;
  std::string_view key;
  std::string_view extra;  // list-only parameters
  std::string_view hint;
  VendorItem (*map)(const json::object&);
  // The fields the mapping takes the owning company and the type from ("" when it sets none).
  std::string_view company_key;
  std::string_view type_key;
};
constexpr KindInfo kKinds[] = {
    {"companies", "/Client", "clients", "", kClientsHint, &MapClient, "", "toplevel_name"},
    {"users", "/Users", "users", "", kUsersHint, &MapUser, "client_id", ""},
    {"sites", "/Site", "sites", "&includeaddress=true", kSitesHint, &MapSite, "client_id", ""},
    {"assets", "/Asset", "assets", "&includeassetfields=true", kAssetsHint, &MapAsset, "client_id", "assettype_name"},
    {"contracts", "/ClientContract", "contracts", "", kContractsHint, &MapContract, "client_id", "contracttype_name"},
};
// The source digest's prefix. It names the mappings above: change it whenever a Map function
// changes what it reads or makes, so that the next run maps every record again.
constexpr std::string_view kSourceVersion = "s1:";
const KindInfo* FindKind(std::string_view kind) {
  for (const auto& k : kKinds)
    if (k.kind == kind) return &k;
  return nullptr;
}

void Common(VendorItem& item, std::string_view kind, const json::object& o, std::string_view stamp) {
  item.kind = std::string(kind);
  item.vendor_id = Text(o, {"id"});
  item.active = !Bool(o, {"inactive"}, false);
  item.updated_ms = Stamp(At(o, {stamp}));
  item.card["Vendor ID"] = item.vendor_id;
}

// An asset-type field's value (`fields[]` of an Asset, reference B6) by any of `names`
// (case-insensitive); "" when the asset has none of them.
std::string AssetField(const json::object& o, std::initializer_list<std::string_view> names) {
  const auto* fields = At(o, {"fields"});
  if (!fields || !fields->is_array()) return {};
  for (auto want : names)
    for (const auto& f : fields->get_array()) {
      if (!EqualsIgnoreCase(Text(At(f, {"name"})), want)) continue;
      std::string v = Text(At(f, {"value"}));
      if (v.empty()) v = Text(At(f, {"display"}));
      return v;
    }
  return {};
}

}  // namespace

VendorItem MapClient(const json::object& o) {
  VendorItem item;
  Common(item, "companies", o, "alastupdate");
  item.name = Text(o, {"name"});
  item.type = Text(o, {"toplevel_name"});  // Clients / Prospects / Partners: Halo's company grouping
  // Halo keeps addresses on sites, not on the client (reference B6).
  item.details = {{"phone_number", Text(o, {"main_phonenumber"})},
                  {"website", Text(o, {"website"})},
                  {"company_type", item.type}};
  auto& c = item.card;
  c["Name"] = item.name;
  Card(c, "Top Level", o, {"toplevel_name"});
  Card(c, "Reference", o, {"ref"});
  Card(c, "Accounts ID", o, {"accountsid"});
  Card(c, "Website", o, {"website"});
  Card(c, "Main Phone", o, {"main_phonenumber"});
  Card(c, "Domain", o, {"domain"});
  Card(c, "Main Site", o, {"main_site_name"});
  Card(c, "VIP", o, {"is_vip"});
  Card(c, "Inactive", o, {"inactive"});
  Card(c, "Created", o, {"datecreated"});
  Card(c, "Last Updated", o, {"alastupdate"});
  return item;
}

VendorItem MapUser(const json::object& o) {
  VendorItem item;
  Common(item, "users", o, "ulastupdate");
  item.company_vendor_id = Text(o, {"client_id"});
  item.name = FullName(Text(o, {"firstname"}), Text(o, {"surname"}));
  if (item.name.empty()) item.name = Text(o, {"name"});
  item.details = {{"Email", Text(o, {"emailaddress"})},
                  {"Phone", Text(o, {"phonenumber"})},
                  {"Mobile", Text(o, {"mobilenumber"})},
                  {"Title", Text(o, {"title"})}};
  auto& c = item.card;
  c["Name"] = item.name;
  Card(c, "Client", o, {"client_name"});
  Card(c, "Site", o, {"site_name"});
  Card(c, "Title", o, {"title"});
  Card(c, "Department", o, {"department"});
  Card(c, "Email", o, {"emailaddress"});
  Card(c, "Phone", o, {"phonenumber"});
  Card(c, "Preferred Phone", o, {"phonenumber_preferred"});
  Card(c, "Mobile", o, {"mobilenumber"});
  Card(c, "Home Phone", o, {"homenumber"});
  Card(c, "Login", o, {"login"});
  Card(c, "Important Contact", o, {"isimportantcontact"});
  Card(c, "Inactive", o, {"inactive"});
  Card(c, "Created", o, {"datecreated"});
  Card(c, "Last Updated", o, {"ulastupdate"});
  return item;
}

VendorItem MapSite(const json::object& o) {
  VendorItem item;
  Common(item, "sites", o, "slastupdate");
  item.company_vendor_id = Text(o, {"client_id"});  // a decimal on Site lists (reference B4): "12"
  item.name = Text(o, {"name"});
  // Address: the delivery AddressStore (line1..line4, postcode), or its flattened fields.
  auto line = [&](int n) {
    std::string k = "line" + std::to_string(n);
    std::string v = Text(At(o, {"delivery_address", k}));
    if (v.empty()) v = Text(At(o, {"delivery_address_" + k}));
    return v;
  };
  std::string zip = Text(o, {"delivery_address", "postcode"});
  item.details = {{"Address", Join({line(1), line(2)})}, {"City", line(3)}, {"Zip", zip},
                  {"Phone", Text(o, {"phonenumber"})}};
  auto& c = item.card;
  c["Name"] = item.name;
  Card(c, "Client", o, {"client_name"});
  Card(c, "Phone", o, {"phonenumber"});
  for (int n = 1; n <= 4; ++n)
    if (auto v = line(n); !v.empty()) c["Address Line " + std::to_string(n)] = v;
  if (!zip.empty()) c["Postcode"] = zip;
  Card(c, "Country Code", o, {"country_code"});
  Card(c, "Time Zone", o, {"timezone"});
  Card(c, "Main Contact", o, {"maincontact_name"});
  Card(c, "Email Domain", o, {"emaildomain"});
  Card(c, "Inactive", o, {"inactive"});
  Card(c, "Last Updated", o, {"slastupdate"});
  return item;
}

VendorItem MapAsset(const json::object& o) {
  VendorItem item;
  Common(item, "assets", o, "dlastupdate");
  if (item.updated_ms == 0) item.updated_ms = Stamp(o, {"last_modified"});
  item.company_vendor_id = Text(o, {"client_id"});
  // Halo assets have no name: the type's key field (host name for computers), else the tag.
  item.name = Text(o, {"key_field"});
  if (item.name.empty()) item.name = Text(o, {"inventory_number"});
  if (item.name.empty()) item.name = "Asset " + item.vendor_id;
  item.type = Text(o, {"assettype_name"});
  item.serial = AssetField(o, {"Serial Number", "Serial", "SerialNumber", "Serial No"});
  item.details = {{"Serial Number", item.serial},
                  {"Manufacturer", AssetField(o, {"Manufacturer", "Make"})},
                  {"Model", AssetField(o, {"Model"})},
                  {"Operating System", AssetField(o, {"Operating System", "OS"})},
                  {"IP Address", AssetField(o, {"IP Address", "IP"})},
                  {"MAC Address", AssetField(o, {"MAC Address", "MAC"})},
                  {"Type", item.type}};
  auto& c = item.card;
  c["Name"] = item.name;
  Card(c, "Asset Tag", o, {"inventory_number"});
  Card(c, "Asset Type", o, {"assettype_name"});
  Card(c, "Client", o, {"client_name"});
  Card(c, "Site", o, {"site_name"});
  Card(c, "Status", o, {"status_name"});
  Card(c, "User", o, {"username"});
  Card(c, "User Email", o, {"user_email"});
  Card(c, "Warranty End", o, {"warranty_end"});
  if (const auto* fields = At(o, {"fields"}); fields && fields->is_array()) {
    for (const auto& f : fields->get_array()) {
      std::string label = Text(At(f, {"name"}));
      if (label.empty() || c.size() >= 30) continue;
      std::string v = Text(At(f, {"value"}));
      if (v.empty()) v = Text(At(f, {"display"}));
      if (!v.empty() && !c.contains(label)) c[label] = v;
    }
  }
  Card(c, "Inactive", o, {"inactive"});
  Card(c, "Last Updated", o, {"dlastupdate"});
  return item;
}

VendorItem MapContract(const json::object& o) {
  VendorItem item;
  Common(item, "contracts", o, "last_modified");
  item.active = Bool(o, {"active"}, true) && !Bool(o, {"expired"}, false);
  item.company_vendor_id = Text(o, {"client_id"});
  item.name = Text(o, {"ref"});
  if (item.name.empty()) item.name = "Contract " + item.vendor_id;
  item.type = Text(o, {"contracttype_name"});
  // ContractHeader has no plain amount field in the reference (B6).
  item.details = {{"Type", item.type},
                  {"Start", Text(o, {"start_date"})},
                  {"End", Text(o, {"end_date"})},
                  {"Amount", ""}};
  auto& c = item.card;
  c["Reference"] = item.name;
  Card(c, "Type", o, {"contracttype_name"});
  Card(c, "Status", o, {"contract_status"});
  Card(c, "Client", o, {"client_name"});
  Card(c, "Site", o, {"site_name"});
  Card(c, "Start Date", o, {"start_date"});
  Card(c, "End Date", o, {"end_date"});
  Card(c, "Active", o, {"active"});
  Card(c, "Started", o, {"started"});
  Card(c, "Expired", o, {"expired"});
  Card(c, "Billing", o, {"billing_description_string"});
  Card(c, "Billing Period", o, {"billing_period_string"});
  Card(c, "Last Modified", o, {"last_modified"});
  return item;
}

Connector::Connector(Credentials credentials, VendorClientOptions options, int page_size)
    : credentials_(credentials),
      options_(options),
      client_(std::move(credentials), std::move(options)),
      page_size_(page_size < 1 ? 1000 : page_size) {}

Client& Connector::Second() {
  if (!second_) {
    second_ = std::make_unique<Client>(credentials_, options_);
    second_->ShareToken(client_);
  }
  return *second_;
}

Status Connector::List(std::string_view kind, int64_t since_ms, const std::function<Status(VendorItem&&)>& sink) {
  return ListKnown(kind, since_ms, {}, sink);
}

namespace {

// A list answer read raw, in one pass: the text of each record and the record_count. False when
// the scanner cannot say (the caller parses the answer to say what is wrong).
bool ReadEnvelope(std::string_view body, std::string_view key, std::vector<std::string_view>& records,
                  std::optional<int64_t>& count) {
  records.clear();
  return raw::ListAnswer(
      body, key, [&](std::string_view e) { records.push_back(e); },
      [&](std::string_view k, std::string_view v) {
        if (k != "record_count") return;
        json::error_code ec;
        json::value n = json::parse(v, ec);  // a few bytes, once a page
        if (!ec && n.is_number()) count = n.is_double() ? static_cast<int64_t>(n.get_double()) : n.to_number<int64_t>(ec);
      });
}

std::string SourceDigest(std::string_view record) {
  char hex[24];
  std::snprintf(hex, sizeof hex, "%016llx", static_cast<unsigned long long>(raw::Hash(record)));
  return std::string(kSourceVersion) + hex;
}

// The record passed on unmapped when its source digest is the one Cairn holds; nullopt when it is
// not, or when a field it needs wants the parser.
std::optional<VendorItem> Unchanged(const KindInfo& k, std::string_view record, const std::string& source,
                                    const KnownDigest& known) {
  std::optional<std::string> id, company, type;
  bool odd = false;
  // (the scan stops once it has the fields it needs: a record's bulk, fields[], comes last)
  int wanted = 1 + !k.company_key.empty() + !k.type_key.empty();
  raw::Members(record, [&](std::string_view key, std::string_view v) {
    std::optional<std::string>* slot = key == "id"                                 ? &id
                                       : !k.company_key.empty() && key == k.company_key ? &company
                                       : !k.type_key.empty() && key == k.type_key       ? &type
                                                                                         : nullptr;
    if (!slot) return true;
    if (*slot) {  // a key written twice: the parser keeps the last, so the parser decides
      odd = true;
      return false;
    }
    *slot = raw::Scalar(v);
    if (!*slot) odd = true;
    return !odd && --wanted > 0;
  });
  if (odd || !id || id->empty()) return std::nullopt;
  const std::string* held = known(*id);
  if (!held || !held->starts_with(source)) return std::nullopt;
  VendorItem item;
  item.kind = std::string(k.kind);
  item.vendor_id = std::move(*id);
  item.company_vendor_id = company.value_or("");
  item.type = type.value_or("");
  item.source_digest = source;
  item.mapped = false;
  return item;
}

}  // namespace

Status Connector::ListKnown(std::string_view kind, int64_t /*since_ms*/, const KnownDigest& known,
                            const std::function<Status(VendorItem&&)>& sink) {
  const KindInfo* k = FindKind(kind);
  if (!k) return Status::Invalid("HaloPSA has no kind \"" + std::string(kind) + "\"");
  const std::string what = "HaloPSA: GET /api" + std::string(k->resource);
  // Reference B4/B11: page until page_no * page_size >= record_count, or a short/empty page.
  // The next two pages are asked for (each on a thread of its own, odd pages by the first client
  // and even ones by the second, so that each has one call in flight) while this one's records
  // are read and passed on: the vendor's latency, its time to write a page and Cairn's work
  // overlap. Without a record_count only the next page is asked for.
  auto fetch = [this, k](Client& client, int64_t page_no) {
    return client.GetBody(std::string(k->resource) + "?pageinate=true&page_size=" + std::to_string(page_size_) +
                               "&page_no=" + std::to_string(page_no) + "&includeactive=true&includeinactive=true" +
                               std::string(k->extra),
                           k->hint);
  };
  // Each record is read from the page's text: its bytes are its source digest, and only a record
  // Cairn does not hold as it is now is parsed and mapped.
  json::parser parser;
  auto record = [&](std::string_view text) -> Status {
    std::string source = SourceDigest(text);
    if (known)
      if (auto same = Unchanged(*k, text, source, known)) return sink(std::move(*same));
    json::error_code ec;
    parser.reset();
    parser.write(text.data(), text.size(), ec);
    if (ec) return Status::Unavailable(what + " answered a record that is not JSON (" + Excerpt(text) + ")");
    json::value v = parser.release();
    if (!v.is_object()) return Status::Ok();
    VendorItem item = k->map(v.get_object());
    item.source_digest = std::move(source);
    return sink(std::move(item));
  };
  std::map<int64_t, std::future<Result<std::string>>> ahead;  // (waited for however this ends)
  Result<std::string> page = fetch(client_, 1);
  for (int64_t page_no = 1;; ++page_no) {
    if (!page.ok()) return page.status();
    std::string body = std::move(*page);
    std::vector<std::string_view> texts;
    std::optional<int64_t> count;
    if (!ReadEnvelope(body, k->key, texts, count)) {
      // Not what the scanner reads: the parser says what it is.
      json::error_code ec;
      json::value answer = json::parse(body, ec);
      if (ec) return Status::Unavailable(what + " did not answer JSON (" + Excerpt(body) + ")");
      const json::array* list = ListOf(answer, k->key);
      if (!list) return Status::Unavailable(what + " answered without \"" + std::string(k->key) + "\"");
      // Valid JSON the scanner does not read (a key written with escapes): read as written again.
      if (const auto* c = At(answer, {"record_count"}); c && c->is_number()) {
        json::error_code nec;
        count = c->is_double() ? static_cast<int64_t>(c->get_double()) : c->to_number<int64_t>(nec);
      }
      body = json::serialize(*list);
      texts.clear();
      if (!raw::Elements(body, [&](std::string_view e) {
            texts.push_back(e);
            return true;
          }))
        return Status::Unavailable(what + " did not answer JSON (" + Excerpt(body) + ")");
    }
    int64_t n = static_cast<int64_t>(texts.size());
    bool more = n > 0 && (count ? page_no * page_size_ < *count : n >= page_size_);
    if (more) {
      int64_t until = count ? std::min(page_no + 2, (*count + page_size_ - 1) / page_size_) : page_no + 1;
      for (int64_t p = page_no + 1; p <= until; ++p)  // (more: until > page_no)
        if (!ahead.count(p)) {
          Client& client = p % 2 == 1 ? client_ : Second();
          ahead.emplace(p, std::async(std::launch::async, fetch, std::ref(client), p));
        }
    }
    for (auto text : texts) CAIRN_RETURN_IF_ERROR(record(text));
    if (!more) return Status::Ok();
    auto next = ahead.find(page_no + 1);
    page = next->second.get();
    ahead.erase(next);
  }
}

Result<VendorItem> Connector::Get(std::string_view kind, std::string_view vendor_id) {
  const KindInfo* k = FindKind(kind);
  if (!k) return Status::Invalid("HaloPSA has no kind \"" + std::string(kind) + "\"");
  CAIRN_ASSIGN_OR_RETURN(auto v, client_.Get(std::string(k->resource) + "/" + http::PercentEncode(vendor_id) +
                                                 "?includedetails=true",
                                             k->hint));
  if (!v.is_object())
    return Status::Unavailable("HaloPSA: GET /api" + std::string(k->resource) + "/{id} did not answer an object");
  return k->map(v.get_object());
}

}  // namespace cairn::connectors::halo
