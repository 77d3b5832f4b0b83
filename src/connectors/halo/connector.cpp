#include "connectors/halo/connector.h"

#include <boost/json.hpp>

#include <future>

#include "connectors/mapping.h"
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
};
constexpr KindInfo kKinds[] = {
    {"companies", "/Client", "clients", "", kClientsHint, &MapClient},
    {"users", "/Users", "users", "", kUsersHint, &MapUser},
    {"sites", "/Site", "sites", "&includeaddress=true", kSitesHint, &MapSite},
    {"assets", "/Asset", "assets", "&includeassetfields=true", kAssetsHint, &MapAsset},
    {"contracts", "/ClientContract", "contracts", "", kContractsHint, &MapContract},
};
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
    : client_(std::move(credentials), std::move(options)), page_size_(page_size < 1 ? 1000 : page_size) {}

Status Connector::List(std::string_view kind, int64_t /*since_ms*/, const std::function<Status(VendorItem&&)>& sink) {
  const KindInfo* k = FindKind(kind);
  if (!k) return Status::Invalid("HaloPSA has no kind \"" + std::string(kind) + "\"");
  // Reference B4/B11: page until page_no * page_size >= record_count, or a short/empty page.
  // The next page is asked for (on a thread of its own, the client's only call in flight) while
  // this one's records are mapped and passed on, so the vendor's latency and Cairn's work overlap.
  auto fetch = [this, k](int64_t page_no) {
    return client_.Get(std::string(k->resource) + "?pageinate=true&page_size=" + std::to_string(page_size_) +
                           "&page_no=" + std::to_string(page_no) + "&includeactive=true&includeinactive=true" +
                           std::string(k->extra),
                       k->hint);
  };
  Result<json::value> page = fetch(1);
  for (int64_t page_no = 1;; ++page_no) {
    if (!page.ok()) return page.status();
    const json::value& answer = *page;
    const json::array* records = ListOf(answer, k->key);
    if (!records)
      return Status::Unavailable("HaloPSA: GET /api" + std::string(k->resource) + " answered without \"" +
                                 std::string(k->key) + "\"");
    int64_t n = static_cast<int64_t>(records->size());
    bool more = n > 0;
    const auto* total = At(answer, {"record_count"});
    if (!more) {
    } else if (total && (total->is_int64() || total->is_uint64() || total->is_double())) {
      int64_t count = total->is_double() ? static_cast<int64_t>(total->get_double())
                      : total->is_int64() ? total->get_int64()
                                          : static_cast<int64_t>(total->get_uint64());
      more = page_no * page_size_ < count;
    } else {
      more = n >= page_size_;
    }
    std::future<Result<json::value>> next;
    if (more) next = std::async(std::launch::async, fetch, page_no + 1);
    for (const auto& r : *records)
      if (r.is_object()) CAIRN_RETURN_IF_ERROR(sink(k->map(r.get_object())));  // (next is waited for)
    if (!more) return Status::Ok();
    page = next.get();
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
