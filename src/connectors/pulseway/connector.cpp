#include "connectors/pulseway/connector.h"

#include <deque>
#include <optional>
#include <unordered_map>

#include <boost/json.hpp>

#include "connectors/mapping.h"
#include "core/text.h"
#include "http/message.h"

namespace cairn::connectors::pulseway {
namespace {

namespace json = boost::json;
using namespace mapping;

constexpr std::string_view kOrganizationsHint = "The API token cannot read organizations: widen its scope";
constexpr std::string_view kDevicesHint = "The API token cannot read devices: widen its scope";
constexpr std::string_view kAssetsHint = "The API token cannot read assets: widen its scope";

int64_t Int(const json::value* v) {
  if (!v) return -1;
  if (v->is_int64()) return v->get_int64();
  if (v->is_uint64()) return static_cast<int64_t>(v->get_uint64());
  if (v->is_double()) return static_cast<int64_t>(v->get_double());
  return -1;
}

// Reads one list record by record, a page (`$top`/`$skip`) at a time: stops when `$skip`
// reaches Meta.TotalCount or a page comes back short (reference section 2).
class Pager {
 public:
  Pager(Client& client, std::string path, std::string_view hint, int top)
      : client_(client), path_(std::move(path)), hint_(hint), top_(top) {}

  // The next record; nullopt at the end.
  Result<std::optional<json::object>> Next() {
    while (buffer_.empty()) {
      if (done_) return std::optional<json::object>();
      std::string sep = path_.find('?') == std::string::npos ? "?" : "&";
      CAIRN_ASSIGN_OR_RETURN(auto answer, client_.Get(path_ + sep + "$top=" + std::to_string(top_) +
                                                          "&$skip=" + std::to_string(skip_),
                                                      hint_));
      const json::value* d = At(answer, {"Data"});
      const json::array* data = d ? d->if_array() : nullptr;
      if (!data) {
        std::string what(path_.substr(0, path_.find('?')));
        return Status::Unavailable("Pulseway RMM: GET /v3" + what + " answered without a Data list");
      }
      int64_t n = static_cast<int64_t>(data->size());
      skip_ += n;
      int64_t total = Int(At(answer, {"Meta", "TotalCount"}));
      if (n == 0 || n < top_ || (total >= 0 && skip_ >= total)) done_ = true;
      for (const auto& r : *data)
        if (r.is_object()) buffer_.push_back(r.get_object());
    }
    json::object r = std::move(buffer_.front());
    buffer_.pop_front();
    return std::optional<json::object>(std::move(r));
  }

 private:
  Client& client_;
  std::string path_;
  std::string_view hint_;
  int top_;
  int64_t skip_ = 0;
  bool done_ = false;
  std::deque<json::object> buffer_;
};

// An AssetInfo category's value ("BIOS", "Serial Number"); "" when absent.
std::string AssetInfo(const json::object* asset, std::string_view category, std::string_view key) {
  if (!asset) return {};
  const auto* info = At(*asset, {"AssetInfo"});
  if (!info || !info->is_array()) return {};
  for (const auto& c : info->get_array()) {
    if (!EqualsIgnoreCase(Text(At(c, {"CategoryName"})), category)) continue;
    if (std::string v = Text(At(c, {"CategoryData", key})); !v.empty()) return v;
  }
  return {};
}

std::string Of(const json::object* o, std::initializer_list<std::string_view> path) {
  return o ? Text(*o, path) : std::string();
}

// The first IPv4 address and its adapter's MAC from an asset's IpAddresses.
std::pair<std::string, std::string> FirstAddress(const json::object* asset) {
  if (!asset) return {};
  const auto* adapters = At(*asset, {"IpAddresses"});
  if (!adapters || !adapters->is_array()) return {};
  for (const auto& a : adapters->get_array()) {
    const auto* ips = At(a, {"IPs"});
    if (!ips || !ips->is_array()) continue;
    for (const auto& ip : ips->get_array()) {
      if (!ip.is_object() || Bool(ip.get_object(), {"V6"}, false)) continue;
      if (std::string v = Text(At(ip, {"IP"})); !v.empty()) return {v, Text(At(a, {"MAC"}))};
    }
  }
  return {};
}

}  // namespace

VendorItem MapOrganization(const json::object& o) {
  VendorItem item;
  item.kind = "companies";
  item.vendor_id = Text(o, {"Id"});
  item.name = Text(o, {"Name"});
  auto& c = item.card;
  c["Vendor ID"] = item.vendor_id;
  c["Name"] = item.name;
  Card(c, "PSA Mapping Type", o, {"PsaMappingType"});
  Card(c, "PSA Mapping ID", o, {"PsaMappingId"});
  Card(c, "Has Custom Fields", o, {"HasCustomFields"});
  return item;
}

VendorItem MapSystem(const json::object& device, const json::object* asset) {
  VendorItem item;
  item.kind = "systems";
  item.vendor_id = Text(device, {"Identifier"});
  item.company_vendor_id = Text(device, {"OrganizationId"});
  item.name = Text(device, {"Name"});
  if (item.name.empty()) item.name = Of(asset, {"Name"});
  item.type = Of(asset, {"Type"});  // the platform: "windows", "mac", ...
  if (item.type.empty()) item.type = Text(device, {"ComputerType"});
  // The hardware serial is BIOS "Serial Number" (the "Operating System" one is a product key).
  item.serial = AssetInfo(asset, "BIOS", "Serial Number");
  item.updated_ms = Stamp(asset ? At(*asset, {"LastUpdated"}) : nullptr);
  if (item.updated_ms == 0) item.updated_ms = Stamp(asset ? At(*asset, {"LastSeenOnline"}) : nullptr);
  item.link = Of(asset, {"ExternalUrl"});
  std::string maker = AssetInfo(asset, "System", "Manufacturer");
  if (maker.empty()) maker = AssetInfo(asset, "BIOS", "Manufacturer");
  std::string os = AssetInfo(asset, "Operating System", "Name");
  if (os.empty()) os = Of(asset, {"Description"});
  if (os.empty()) os = Text(device, {"Description"});
  auto [ip, mac] = FirstAddress(asset);
  std::string kind = AssetInfo(asset, "System", "Type");  // "Laptop", "Server", ...
  if (kind.empty()) kind = item.type;
  item.details = {{"Serial Number", item.serial},
                  {"Manufacturer", maker},
                  {"Model", AssetInfo(asset, "System", "Model")},
                  {"Operating System", os},
                  {"IP Address", ip},
                  {"MAC Address", mac},
                  {"Type", kind}};
  auto& c = item.card;
  c["Vendor ID"] = item.vendor_id;
  c["Name"] = item.name;
  Card(c, "Organization", device, {"OrganizationName"});
  Card(c, "Site", device, {"SiteName"});
  Card(c, "Group", device, {"GroupName"});
  Card(c, "Agent Installed", device, {"IsAgentInstalled"});
  Card(c, "MDM Enrolled", device, {"IsMdmEnrolled"});
  Card(c, "Online", device, {"IsOnline"});
  if (!item.type.empty()) c["Platform"] = item.type;
  if (!kind.empty()) c["Type"] = kind;
  if (!os.empty()) c["Operating System"] = os;
  if (!maker.empty()) c["Manufacturer"] = maker;
  if (auto model = AssetInfo(asset, "System", "Model"); !model.empty()) c["Model"] = model;
  if (!item.serial.empty()) c["Serial Number"] = item.serial;
  if (auto dns = AssetInfo(asset, "System", "DNS Host Name"); !dns.empty()) c["DNS Host Name"] = dns;
  if (auto domain = AssetInfo(asset, "System", "Domain"); !domain.empty()) c["Domain"] = domain;
  if (!ip.empty()) c["IP Address"] = ip;
  if (!mac.empty()) c["MAC Address"] = mac;
  if (asset) {
    Card(c, "Public IP", *asset, {"PublicIpAddress"});
    Card(c, "Client Version", *asset, {"ClientVersion"});
    Card(c, "Last Seen Online", *asset, {"LastSeenOnline"});
    Card(c, "Last Updated", *asset, {"LastUpdated"});
    Card(c, "Last Reboot", *asset, {"LastReboot"});
    Card(c, "Firewall Enabled", *asset, {"FirewallEnabled"});
    Card(c, "Antivirus Enabled", *asset, {"AntivirusEnabled"});
    Card(c, "Antivirus Up To Date", *asset, {"AntivirusUpToDate"});
    Card(c, "Tags", *asset, {"Tags"});
  }
  return item;
}

Connector::Connector(Credentials credentials, VendorClientOptions options, bool skip_systems, int page_size)
    : client_(std::move(credentials), std::move(options)),
      skip_systems_(skip_systems),
      page_size_(page_size < 1 || page_size > 100 ? 100 : page_size) {}

std::vector<std::string> Connector::Kinds() const {
  if (skip_systems_) return {};
  return {"systems"};
}

Status Connector::List(std::string_view kind, int64_t /*since_ms*/, const std::function<Status(VendorItem&&)>& sink) {
  if (kind == "companies") {
    Pager orgs(client_, "/organizations", kOrganizationsHint, page_size_);
    for (;;) {
      CAIRN_ASSIGN_OR_RETURN(auto o, orgs.Next());
      if (!o) return Status::Ok();
      CAIRN_RETURN_IF_ERROR(sink(MapOrganization(*o)));
    }
  }
  if (kind != "systems") return Status::Invalid("Pulseway RMM has no kind \"" + std::string(kind) + "\"");
  // Devices (the hierarchy: organization, site, group) joined with /assets (serial, hardware, OS)
  // by Identifier. Both lists are asked in Identifier order, so the asset of each device is at
  // most a page ahead; assets read ahead wait in `pending` until their device comes.
  std::string order = "?$orderby=" + http::PercentEncode("Identifier asc");
  Pager devices(client_, "/devices" + order, kDevicesHint, page_size_);
  Pager assets(client_, "/assets" + order, kAssetsHint, page_size_);
  std::unordered_map<std::string, json::object> pending;
  bool assets_done = false;
  for (;;) {
    CAIRN_ASSIGN_OR_RETURN(auto device, devices.Next());
    if (!device) return Status::Ok();
    std::string id = ToLower(Text(*device, {"Identifier"}));
    auto it = pending.find(id);
    while (it == pending.end() && !assets_done) {
      CAIRN_ASSIGN_OR_RETURN(auto asset, assets.Next());
      if (!asset) {
        assets_done = true;
        break;
      }
      std::string aid = ToLower(Text(*asset, {"Identifier"}));
      auto [ins, _] = pending.insert_or_assign(std::move(aid), std::move(*asset));
      if (ins->first == id) it = ins;
    }
    if (it != pending.end()) {
      CAIRN_RETURN_IF_ERROR(sink(MapSystem(*device, &it->second)));
      pending.erase(it);
    } else {
      CAIRN_RETURN_IF_ERROR(sink(MapSystem(*device, nullptr)));
    }
  }
}

Result<VendorItem> Connector::Get(std::string_view kind, std::string_view vendor_id) {
  std::string id = http::PercentEncode(vendor_id);
  if (kind == "companies") {
    CAIRN_ASSIGN_OR_RETURN(auto v, client_.Get("/organizations/" + id, kOrganizationsHint));
    const auto* data = At(v, {"Data"});
    if (!data || !data->is_object())
      return Status::NotFound("Pulseway RMM has no organization " + std::string(vendor_id));
    return MapOrganization(data->get_object());
  }
  if (kind != "systems") return Status::Invalid("Pulseway RMM has no kind \"" + std::string(kind) + "\"");
  CAIRN_ASSIGN_OR_RETURN(auto d, client_.Get("/devices/" + id, kDevicesHint));
  const auto* device = At(d, {"Data"});
  if (!device || !device->is_object()) return Status::NotFound("Pulseway RMM has no device " + std::string(vendor_id));
  auto a = client_.Get("/assets/" + id, kAssetsHint);
  if (!a.ok() && a.status().code() != Code::kNotFound) return a.status();
  const json::value* asset = a.ok() ? At(*a, {"Data"}) : nullptr;
  return MapSystem(device->get_object(), asset && asset->is_object() ? &asset->get_object() : nullptr);
}

}  // namespace cairn::connectors::pulseway
