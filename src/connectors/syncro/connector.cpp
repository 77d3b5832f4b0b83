#include "connectors/syncro/connector.h"

#include <boost/json.hpp>

#include "connectors/mapping.h"
#include "http/message.h"

namespace cairn::connectors::syncro {
namespace {

namespace json = boost::json;
using namespace mapping;

constexpr std::string_view kCustomersHint = "The API token cannot list customers: allow Customers - List/Search";
constexpr std::string_view kContactsHint = "The API token cannot read contacts: allow Customers - View Detail";
constexpr std::string_view kAssetsHint = "The API token cannot list assets: allow Assets - List/Search";

// A kind's path, list key, detail key ("" = the detail is unwrapped), extra list parameters.
struct KindInfo {
  std::string_view kind;
  std::string_view path;
  std::string_view key;
  std::string_view detail_key;
  std::string_view extra;
  std::string_view hint;
  VendorItem (*map)(const json::object&);
};
constexpr KindInfo kKinds[] = {
    {"companies", "/customers", "customers", "customer", "include_disabled=true&", kCustomersHint, &MapCustomer},
    {"contacts", "/contacts", "contacts", "", "", kContactsHint, &MapContact},
    {"assets", "/customer_assets", "assets", "asset", "", kAssetsHint, &MapAsset},
};
const KindInfo* FindKind(std::string_view kind) {
  for (const auto& k : kKinds)
    if (k.kind == kind) return &k;
  return nullptr;
}

void Common(VendorItem& item, std::string_view kind, const json::object& o) {
  item.kind = std::string(kind);
  item.vendor_id = Text(o, {"id"});
  item.updated_ms = Stamp(o, {"updated_at"});
  item.card["Vendor ID"] = item.vendor_id;
}

int64_t Int(const json::value* v) {
  if (!v) return 0;
  if (v->is_int64()) return v->get_int64();
  if (v->is_uint64()) return static_cast<int64_t>(v->get_uint64());
  if (v->is_double()) return static_cast<int64_t>(v->get_double());
  return 0;
}

// The first network adapter with an address, from the RMM data.
const json::object* FirstAdapter(const json::object& o) {
  const auto* adapters = At(o, {"properties", "kabuto_information", "network_adapters"});
  if (!adapters || !adapters->is_array()) return nullptr;
  for (const auto& a : adapters->get_array())
    if (a.is_object() && !Text(At(a, {"ipv4"})).empty()) return &a.get_object();
  return nullptr;
}

std::string FirstOf(std::initializer_list<std::string> values) {
  for (const auto& v : values)
    if (!v.empty()) return v;
  return {};
}

}  // namespace

VendorItem MapCustomer(const json::object& o) {
  VendorItem item;
  Common(item, "companies", o);
  // Business name, else the person's name (reference: business_then_name).
  item.name = FirstOf({Text(o, {"business_then_name"}), Text(o, {"business_name"}), Text(o, {"fullname"}),
                       FullName(Text(o, {"firstname"}), Text(o, {"lastname"}))});
  item.active = !Bool(o, {"disabled"}, false);
  item.details = {{"phone_number", Text(o, {"phone"})}, {"address_line_1", Text(o, {"address"})},
                  {"address_line_2", Text(o, {"address_2"})}, {"city", Text(o, {"city"})},
                  {"state", Text(o, {"state"})},          {"zip", Text(o, {"zip"})}};
  auto& c = item.card;
  c["Name"] = item.name;
  Card(c, "Business Name", o, {"business_name"});
  Card(c, "Contact Name", o, {"fullname"});
  Card(c, "Email", o, {"email"});
  Card(c, "Phone", o, {"phone"});
  Card(c, "Mobile", o, {"mobile"});
  Card(c, "Address", o, {"address"});
  Card(c, "Address 2", o, {"address_2"});
  Card(c, "City", o, {"city"});
  Card(c, "State", o, {"state"});
  Card(c, "Zip", o, {"zip"});
  Card(c, "Location", o, {"location_name"});
  Card(c, "Referred By", o, {"referred_by"});
  Card(c, "Disabled", o, {"disabled"});
  Card(c, "Created", o, {"created_at"});
  Card(c, "Updated", o, {"updated_at"});
  return item;
}

VendorItem MapContact(const json::object& o) {
  VendorItem item;
  Common(item, "contacts", o);
  item.company_vendor_id = Text(o, {"customer_id"});
  item.name = Text(o, {"name"});  // one string at Syncro: no first/last split
  std::string title = Text(o, {"properties", "title"});
  if (title.empty()) title = Text(o, {"title"});
  item.details = {{"Email", Text(o, {"email"})}, {"Phone", Text(o, {"phone"})}, {"Mobile", Text(o, {"mobile"})},
                  {"Title", title}};
  auto& c = item.card;
  c["Name"] = item.name;
  Card(c, "Email", o, {"email"});
  Card(c, "Phone", o, {"phone"});
  Card(c, "Extension", o, {"extension"});
  Card(c, "Mobile", o, {"mobile"});
  if (!title.empty()) c["Title"] = title;
  Card(c, "Address 1", o, {"address1"});
  Card(c, "Address 2", o, {"address2"});
  Card(c, "City", o, {"city"});
  Card(c, "State", o, {"state"});
  Card(c, "Zip", o, {"zip"});
  Card(c, "Created", o, {"created_at"});
  Card(c, "Updated", o, {"updated_at"});
  return item;
}

VendorItem MapAsset(const json::object& o) {
  VendorItem item;
  Common(item, "assets", o);
  item.company_vendor_id = Text(o, {"customer_id"});
  item.name = Text(o, {"name"});
  item.type = Text(o, {"asset_type"});
  // Reference: serial = asset_serial, falling back to the RMM's general.serial_number.
  item.serial = Text(o, {"asset_serial"});
  if (item.serial.empty()) item.serial = Text(o, {"properties", "kabuto_information", "general", "serial_number"});
  const json::object* nic = FirstAdapter(o);
  // Agent assets: kabuto_information; others: user-defined properties by label (Make, Model, LAN IP(s)).
  item.details = {
      {"Serial Number", item.serial},
      {"Manufacturer", FirstOf({Text(o, {"properties", "kabuto_information", "general", "manufacturer"}),
                                Text(o, {"properties", "Make"}), Text(o, {"properties", "Manufacturer"})})},
      {"Model", FirstOf({Text(o, {"properties", "kabuto_information", "general", "model"}),
                         Text(o, {"properties", "Model"})})},
      {"Operating System", Text(o, {"properties", "kabuto_information", "os", "name"})},
      {"IP Address", FirstOf({nic ? Text(*nic, {"ipv4"}) : "", Text(o, {"properties", "LAN IP(s)"})})},
      {"MAC Address", nic ? Text(*nic, {"physical_address"}) : ""},
      {"Type", item.type}};
  auto& c = item.card;
  c["Name"] = item.name;
  Card(c, "Asset Type", o, {"asset_type"});
  Card(c, "Serial", o, {"asset_serial"});
  Card(c, "Customer", o, {"customer", "business_then_name"});
  Card(c, "Location", o, {"address", "name"});
  Card(c, "RMM Link", o, {"external_rmm_link"});
  const auto* k = At(o, {"properties", "kabuto_information"});
  if (k && k->is_object()) {
    const auto& ko = k->get_object();
    Card(c, "Last Synced", ko, {"last_synced_at"});
    Card(c, "Last User", ko, {"last_user"});
    Card(c, "Manufacturer", ko, {"general", "manufacturer"});
    Card(c, "Model", ko, {"general", "model"});
    Card(c, "BIOS Serial", ko, {"general", "serial_number"});
    Card(c, "Form Factor", ko, {"general", "form_factor"});
    Card(c, "Domain", ko, {"general", "domain"});
    Card(c, "WAN IP", ko, {"general", "ip"});
    Card(c, "OS", ko, {"os", "name"});
    Card(c, "OS Build", ko, {"os", "build"});
    Card(c, "OS Architecture", ko, {"os", "os_architecture"});
    Card(c, "Last Boot", ko, {"os", "last_boot_time"});
    Card(c, "Pending Reboot", ko, {"os", "pending_reboot"});
    if (nic) {
      Card(c, "IP Address", *nic, {"ipv4"});
      Card(c, "MAC Address", *nic, {"physical_address"});
    }
  } else if (const auto* props = At(o, {"properties"}); props && props->is_object()) {
    for (const auto& [label, v] : props->get_object()) {
      if (c.size() >= 25) break;
      if (!c.contains(label)) Card(c, label, &v);
    }
  }
  Card(c, "Created", o, {"created_at"});
  Card(c, "Updated", o, {"updated_at"});
  return item;
}

Connector::Connector(Credentials credentials, VendorClientOptions options)
    : client_(std::move(credentials), std::move(options)) {}

Status Connector::List(std::string_view kind, int64_t /*since_ms*/, const std::function<Status(VendorItem&&)>& sink) {
  const KindInfo* k = FindKind(kind);
  if (!k) return Status::Invalid("Syncro has no kind \"" + std::string(kind) + "\"");
  // Syncro chooses the page size (no parameter); `meta.total_pages` drives the loop, an empty
  // page ends it when meta is missing (reference section 1, Pagination).
  for (int64_t page = 1;; ++page) {
    CAIRN_ASSIGN_OR_RETURN(auto answer, client_.Get(std::string(k->path) + "?" + std::string(k->extra) +
                                                        "page=" + std::to_string(page),
                                                    k->hint));
    const json::array* records = ListOf(answer, k->key);
    if (!records)
      return Status::Unavailable("Syncro: GET /api/v1" + std::string(k->path) + " answered without \"" +
                                 std::string(k->key) + "\"");
    for (const auto& r : *records)
      if (r.is_object()) CAIRN_RETURN_IF_ERROR(sink(k->map(r.get_object())));
    if (records->empty()) return Status::Ok();
    if (const auto* total = At(answer, {"meta", "total_pages"}); total && page >= Int(total)) return Status::Ok();
  }
}

Result<VendorItem> Connector::Get(std::string_view kind, std::string_view vendor_id) {
  const KindInfo* k = FindKind(kind);
  if (!k) return Status::Invalid("Syncro has no kind \"" + std::string(kind) + "\"");
  CAIRN_ASSIGN_OR_RETURN(auto v, client_.Get(std::string(k->path) + "/" + http::PercentEncode(vendor_id), k->hint));
  // Customers and assets are wrapped ({"customer": ...}); a contact is not (reference section 1).
  const json::value* record = &v;
  if (!k->detail_key.empty())
    if (const auto* inner = At(v, {k->detail_key}); inner && inner->is_object()) record = inner;
  if (!record->is_object())
    return Status::Unavailable("Syncro: GET /api/v1" + std::string(k->path) + "/{id} did not answer an object");
  return k->map(record->get_object());
}

}  // namespace cairn::connectors::syncro
