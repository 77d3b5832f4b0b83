#include "connectors/connectwise/connector.h"

#include <boost/json.hpp>

#include <algorithm>
#include <atomic>
#include <condition_variable>
#include <future>
#include <mutex>
#include <thread>

#include "connectors/mapping.h"
#include "core/clock.h"
#include "core/text.h"
#include "http/message.h"

namespace cairn::connectors::connectwise {
namespace {

namespace json = boost::json;
using namespace mapping;

constexpr std::string_view kCompaniesHint =
    "The API member's security role cannot read companies: allow Companies > Company Maintenance (Inquire Level: All)";
constexpr std::string_view kContactsHint =
    "The API member's security role cannot read contacts: allow Companies > Contacts (Inquire Level: All)";
constexpr std::string_view kConfigurationsHint =
    "The API member's security role cannot read configurations: allow Companies > Configurations (Inquire Level: All)";
constexpr std::string_view kAgreementsHint =
    "The API member's security role cannot read agreements: allow Finance > Agreements (Inquire Level: All)";

// The list endpoint of a kind (locations excepted: they live under each company).
struct KindInfo {
  std::string_view kind;
  std::string_view path;
  std::string_view hint;
  VendorItem (*map)(const json::object&);
};
constexpr KindInfo kKinds[] = {
    {"companies", "/company/companies", kCompaniesHint, &MapCompany},
    {"contacts", "/company/contacts", kContactsHint, &MapContact},
    {"configurations", "/company/configurations", kConfigurationsHint, &MapConfiguration},
    {"agreements", "/finance/agreements", kAgreementsHint, &MapAgreement},
};
const KindInfo* FindKind(std::string_view kind) {
  for (const auto& k : kKinds)
    if (k.kind == kind) return &k;
  return nullptr;
}

bool HasNext(std::string_view link) { return link.find("rel=\"next\"") != std::string_view::npos; }

std::string Id(const json::object& o) { return Text(o, {"id"}); }

// The change cursor (reference A5: `lastUpdated > [T]`). ConnectWise shows stamps to the second,
// so a record changed in the same second as since_ms would fail a strict `>` on the floored
// time: ask `>=` the floored second, a superset of "changed after since_ms" (the engine compares
// stamps anyway).
std::string SinceCondition(int64_t since_ms) {
  if (since_ms <= 0) return {};
  std::string iso = FormatIso8601(since_ms - since_ms % 1000);  // "...T00:00:00.000Z"
  if (auto dot = iso.find('.'); dot != std::string::npos) iso = iso.substr(0, dot) + "Z";
  return "lastUpdated >= [" + iso + "]";
}

// The query parameter that asks for records changed since `since_ms` ("" for all).
std::string Conditions(int64_t since_ms) {
  std::string cond = SinceCondition(since_ms);
  return cond.empty() ? "" : "conditions=" + http::PercentEncode(cond);
}

std::string Q(std::string_view a, std::string_view b) {
  if (a.empty()) return std::string(b);
  if (b.empty()) return std::string(a);
  return std::string(a) + "&" + std::string(b);
}

void Common(VendorItem& item, const json::object& o) {
  item.vendor_id = Id(o);
  item.updated_ms = Stamp(o, {"_info", "lastUpdated"});
  item.card["Vendor ID"] = item.vendor_id;
}

// The first name of a `types` array ([{id, name}]).
std::string FirstTypeName(const json::object& o) {
  const auto* t = At(o, {"types"});
  if (!t || !t->is_array()) return {};
  for (const auto& e : t->get_array())
    if (auto n = Text(At(e, {"name"})); !n.empty()) return n;
  return {};
}

std::string TypeNames(const json::object& o) {
  const auto* t = At(o, {"types"});
  std::string out;
  if (!t || !t->is_array()) return out;
  for (const auto& e : t->get_array()) {
    auto n = Text(At(e, {"name"}));
    if (n.empty()) continue;
    if (!out.empty()) out += ", ";
    out += n;
  }
  return out;
}

}  // namespace

VendorItem MapCompany(const json::object& o) {
  VendorItem item;
  item.kind = "companies";
  Common(item, o);
  item.name = Text(o, {"name"});
  item.identifier = Text(o, {"identifier"});
  item.type = FirstTypeName(o);
  std::string status = Text(o, {"status", "name"});
  // Inactive: the stock "Inactive" status, or deleted (reference A5: deletedFlag).
  item.active = !Bool(o, {"deletedFlag"}, false) && !EqualsIgnoreCase(status, "Inactive");
  item.details = {{"phone_number", Text(o, {"phoneNumber"})},   {"website", Text(o, {"website"})},
                  {"address_line_1", Text(o, {"addressLine1"})}, {"address_line_2", Text(o, {"addressLine2"})},
                  {"city", Text(o, {"city"})},                   {"state", Text(o, {"state"})},
                  {"zip", Text(o, {"zip"})},                     {"country_name", Text(o, {"country", "name"})},
                  {"company_type", item.type}};
  auto& c = item.card;
  c["Name"] = item.name;
  Card(c, "Identifier", o, {"identifier"});
  Card(c, "Status", o, {"status", "name"});
  if (auto types = TypeNames(o); !types.empty()) c["Types"] = types;
  Card(c, "Phone", o, {"phoneNumber"});
  Card(c, "Fax", o, {"faxNumber"});
  Card(c, "Website", o, {"website"});
  Card(c, "Address Line 1", o, {"addressLine1"});
  Card(c, "Address Line 2", o, {"addressLine2"});
  Card(c, "City", o, {"city"});
  Card(c, "State", o, {"state"});
  Card(c, "Zip", o, {"zip"});
  Card(c, "Country", o, {"country", "name"});
  Card(c, "Territory", o, {"territory", "name"});
  Card(c, "Market", o, {"market", "name"});
  Card(c, "Default Site", o, {"site", "name"});
  Card(c, "Default Contact", o, {"defaultContact", "name"});
  Card(c, "Parent Company", o, {"parentCompany", "name"});
  Card(c, "Lead", o, {"leadFlag"});
  Card(c, "Vendor", o, {"isVendorFlag"});
  Card(c, "Deleted", o, {"deletedFlag"});
  Card(c, "Date Acquired", o, {"dateAcquired"});
  Card(c, "Last Updated", o, {"_info", "lastUpdated"});
  return item;
}

VendorItem MapContact(const json::object& o) {
  VendorItem item;
  item.kind = "contacts";
  Common(item, o);
  item.company_vendor_id = Text(o, {"company", "id"});
  item.name = FullName(Text(o, {"firstName"}), Text(o, {"lastName"}));
  item.type = FirstTypeName(o);
  item.active = !Bool(o, {"inactiveFlag"}, false);
  // Communication items (reference A6): communicationType Email/Phone/Fax; the item type's name
  // ("Direct", "Cell", ...) tells a mobile from a desk phone. Default items win.
  std::string email, phone, mobile;
  bool email_default = false, phone_default = false, mobile_default = false;
  if (const auto* items = At(o, {"communicationItems"}); items && items->is_array()) {
    for (const auto& e : items->get_array()) {
      if (!e.is_object()) continue;
      const auto& ci = e.get_object();
      std::string value = Text(ci, {"value"});
      if (value.empty()) continue;
      std::string ctype = Text(ci, {"communicationType"});
      std::string tname = ToLower(Text(ci, {"type", "name"}));
      bool dflt = Bool(ci, {"defaultFlag"}, false);
      auto take = [&](std::string& slot, bool& slot_default) {
        if (slot.empty() || (dflt && !slot_default)) {
          slot = value;
          slot_default = dflt;
        }
      };
      if (EqualsIgnoreCase(ctype, "Email")) {
        take(email, email_default);
      } else if (EqualsIgnoreCase(ctype, "Phone")) {
        if (tname.find("cell") != std::string::npos || tname.find("mobile") != std::string::npos)
          take(mobile, mobile_default);
        else
          take(phone, phone_default);
      }
    }
  }
  item.details = {{"Email", email}, {"Phone", phone}, {"Mobile", mobile}, {"Title", Text(o, {"title"})}};
  auto& c = item.card;
  c["Name"] = item.name;
  Card(c, "First Name", o, {"firstName"});
  Card(c, "Last Name", o, {"lastName"});
  Card(c, "Company", o, {"company", "name"});
  Card(c, "Site", o, {"site", "name"});
  Card(c, "Title", o, {"title"});
  Card(c, "Department", o, {"department", "name"});
  if (!email.empty()) c["Email"] = email;
  if (!phone.empty()) c["Phone"] = phone;
  if (!mobile.empty()) c["Mobile"] = mobile;
  if (auto types = TypeNames(o); !types.empty()) c["Types"] = types;
  Card(c, "Inactive", o, {"inactiveFlag"});
  Card(c, "Default Contact", o, {"defaultFlag"});
  Card(c, "Address Line 1", o, {"addressLine1"});
  Card(c, "City", o, {"city"});
  Card(c, "State", o, {"state"});
  Card(c, "Zip", o, {"zip"});
  Card(c, "Last Updated", o, {"_info", "lastUpdated"});
  return item;
}

VendorItem MapSite(const json::object& o, const std::string& company_id) {
  VendorItem item;
  item.kind = "locations";
  Common(item, o);
  item.company_vendor_id = company_id.empty() ? Text(o, {"company", "id"}) : company_id;
  item.name = Text(o, {"name"});
  item.active = !Bool(o, {"inactiveFlag"}, false);
  std::string state = Text(o, {"stateReference", "identifier"});
  if (state.empty()) state = Text(o, {"stateReference", "name"});
  item.details = {{"Address", Join({Text(o, {"addressLine1"}), Text(o, {"addressLine2"})})},
                  {"City", Text(o, {"city"})},
                  {"Zip", Text(o, {"zip"})},
                  {"Phone", Text(o, {"phoneNumber"})}};
  auto& c = item.card;
  c["Name"] = item.name;
  Card(c, "Company", o, {"company", "name"});
  Card(c, "Address Line 1", o, {"addressLine1"});
  Card(c, "Address Line 2", o, {"addressLine2"});
  Card(c, "City", o, {"city"});
  if (!state.empty()) c["State"] = state;
  Card(c, "Zip", o, {"zip"});
  Card(c, "Country", o, {"country", "name"});
  Card(c, "Phone", o, {"phoneNumber"});
  Card(c, "Fax", o, {"faxNumber"});
  Card(c, "Time Zone", o, {"timeZone", "name"});
  Card(c, "Primary Address", o, {"primaryAddressFlag"});
  Card(c, "Inactive", o, {"inactiveFlag"});
  Card(c, "Last Updated", o, {"_info", "lastUpdated"});
  return item;
}

VendorItem MapConfiguration(const json::object& o) {
  VendorItem item;
  item.kind = "configurations";
  Common(item, o);
  item.company_vendor_id = Text(o, {"company", "id"});
  item.name = Text(o, {"name"});
  item.type = Text(o, {"type", "name"});
  item.serial = Text(o, {"serialNumber"});
  item.active = Bool(o, {"activeFlag"}, true);
  std::string os = Text(o, {"osType"});
  if (os.empty()) os = Text(o, {"osInfo"});
  item.details = {{"Serial Number", item.serial},
                  {"Manufacturer", Text(o, {"manufacturer", "name"})},
                  {"Model", Text(o, {"modelNumber"})},
                  {"Operating System", os},
                  {"IP Address", Text(o, {"ipAddress"})},
                  {"MAC Address", Text(o, {"macAddress"})},
                  {"Type", item.type}};
  auto& c = item.card;
  c["Name"] = item.name;
  Card(c, "Type", o, {"type", "name"});
  Card(c, "Status", o, {"status", "name"});
  Card(c, "Company", o, {"company", "name"});
  Card(c, "Site", o, {"site", "name"});
  Card(c, "Contact", o, {"contact", "name"});
  Card(c, "Serial Number", o, {"serialNumber"});
  Card(c, "Model Number", o, {"modelNumber"});
  Card(c, "Tag Number", o, {"tagNumber"});
  Card(c, "Manufacturer", o, {"manufacturer", "name"});
  Card(c, "OS Type", o, {"osType"});
  Card(c, "OS Info", o, {"osInfo"});
  Card(c, "IP Address", o, {"ipAddress"});
  Card(c, "MAC Address", o, {"macAddress"});
  Card(c, "Default Gateway", o, {"defaultGateway"});
  Card(c, "CPU Speed", o, {"cpuSpeed"});
  Card(c, "RAM", o, {"ram"});
  Card(c, "Last Login", o, {"lastLoginName"});
  Card(c, "Purchase Date", o, {"purchaseDate"});
  Card(c, "Warranty Expiration", o, {"warrantyExpirationDate"});
  Card(c, "Active", o, {"activeFlag"});
  Card(c, "Management Link", o, {"managementLink"});
  Card(c, "Last Updated", o, {"_info", "lastUpdated"});
  return item;
}

VendorItem MapAgreement(const json::object& o) {
  VendorItem item;
  item.kind = "agreements";
  Common(item, o);
  item.company_vendor_id = Text(o, {"company", "id"});
  item.name = Text(o, {"name"});
  item.type = Text(o, {"type", "name"});
  // agreementStatus Active|Cancelled|Expired|Inactive (reference A6); without it, cancelledFlag.
  std::string status = Text(o, {"agreementStatus"});
  item.active = status.empty() ? !Bool(o, {"cancelledFlag"}, false) : EqualsIgnoreCase(status, "Active");
  // billAmount is not in the reference's field list (A6) but is ConnectWise's agreement amount.
  item.details = {{"Type", item.type},
                  {"Start", Text(o, {"startDate"})},
                  {"End", Text(o, {"endDate"})},
                  {"Amount", Text(o, {"billAmount"})}};
  auto& c = item.card;
  c["Name"] = item.name;
  Card(c, "Type", o, {"type", "name"});
  Card(c, "Status", o, {"agreementStatus"});
  Card(c, "Company", o, {"company", "name"});
  Card(c, "Contact", o, {"contact", "name"});
  Card(c, "Site", o, {"site", "name"});
  Card(c, "Start Date", o, {"startDate"});
  Card(c, "End Date", o, {"endDate"});
  Card(c, "No Ending Date", o, {"noEndingDateFlag"});
  Card(c, "Cancelled", o, {"cancelledFlag"});
  Card(c, "Date Cancelled", o, {"dateCancelled"});
  Card(c, "Parent Agreement", o, {"parentAgreement", "name"});
  Card(c, "Billing Cycle", o, {"billingCycle", "name"});
  Card(c, "Bill Amount", o, {"billAmount"});
  Card(c, "Last Updated", o, {"_info", "lastUpdated"});
  return item;
}

Connector::Connector(Credentials credentials, VendorClientOptions options, int page_size, int site_fetchers)
    : credentials_(credentials),
      options_(options),
      client_(std::move(credentials), std::move(options)),
      page_size_(page_size < 1 ? 1000 : page_size),
      site_fetchers_(site_fetchers < 1 ? 1 : site_fetchers) {}

// Locations last: their per-company calls are made in the background from the start of the
// run (WillList), while the other kinds are read.
std::vector<std::string> Connector::Kinds() const { return {"contacts", "configurations", "agreements", "locations"}; }

int64_t Connector::requests() const {
  int64_t n = client_.http().requests();
  for (const auto& c : site_clients_) n += c->http().requests();
  return n;
}

Status Connector::Walk(Client& client, const std::string& path, const std::string& query, std::string_view hint,
                       const std::function<Status(const json::object&)>& each, bool read_ahead) {
  // Forward-only (reference A4): ordered by id, `pageId` = the last id of the previous page,
  // the Link header names the next page and is empty on the last. No Link header at all, or a
  // navigable one, means the endpoint does not page forward-only: start over navigably (nothing
  // was passed on yet).
  // The next page is asked for (on a thread of its own, the client's only call in flight) as soon
  // as this one's last id is known, while its records are passed on.
  auto fetch = [&](const std::string& after) {
    std::string q = Q(query, "pageSize=" + std::to_string(page_size_));
    if (!after.empty()) q += "&pageId=" + after;
    return client.GetPage(path + "?" + q, true, hint);
  };
  std::string page_id;
  Result<Client::Page> answer = fetch(page_id);
  for (bool first = true;; first = false) {
    if (!answer.ok()) return answer.status();
    Client::Page page = std::move(*answer);
    // Navigable answers always carry rel="last" (reference A4); forward-only ones only "next".
    if (first && (!page.has_link || page.link.find("rel=\"last\"") != std::string::npos))
      return WalkNavigable(client, path, query, hint, each);
    const json::array* records = page.body.if_array();
    if (!records) return Status::Unavailable("ConnectWise PSA: GET " + path + " did not answer a list");
    std::string last;
    for (auto it = records->rbegin(); it != records->rend() && last.empty(); ++it)
      if (it->is_object()) last = Id(it->get_object());
    bool more = !records->empty() && HasNext(page.link);
    if (more && (last.empty() || last == page_id))
      return Status::Unavailable("ConnectWise PSA: GET " + path + " did not move forward past id " + page_id);
    std::future<Result<Client::Page>> next;
    if (more && read_ahead) next = std::async(std::launch::async, fetch, last);
    for (const auto& r : *records)
      if (r.is_object()) CAIRN_RETURN_IF_ERROR(each(r.get_object()));  // (next is waited for)
    if (!more) return Status::Ok();
    page_id = last;
    answer = read_ahead ? next.get() : fetch(last);
  }
}

Status Connector::WalkNavigable(Client& client, const std::string& path, const std::string& query,
                                std::string_view hint, const std::function<Status(const json::object&)>& each) {
  for (int64_t page_no = 1;; ++page_no) {
    std::string q = Q(query, "orderBy=" + http::PercentEncode("id asc") + "&page=" + std::to_string(page_no) +
                                 "&pageSize=" + std::to_string(page_size_));
    CAIRN_ASSIGN_OR_RETURN(auto page, client.GetPage(path + "?" + q, false, hint));
    const json::array* records = page.body.if_array();
    if (!records) return Status::Unavailable("ConnectWise PSA: GET " + path + " did not answer a list");
    for (const auto& r : *records)
      if (r.is_object()) CAIRN_RETURN_IF_ERROR(each(r.get_object()));
    // The Link header decides when there is one (the server may cap pageSize); else a short page.
    bool more = page.has_link ? HasNext(page.link) : static_cast<int64_t>(records->size()) >= page_size_;
    if (records->empty() || !more) return Status::Ok();
  }
}

// Reads every company's sites (reference A6, A10 step 5: sites exist only under their company,
// so that is a call per company) on connections of its own, several companies at once: each
// fetcher thread takes the next company as soon as it is done. Started by WillList before the
// kinds listed ahead of locations, so that the many small calls' latency is spent while those
// kinds are read and written. What is read waits in `slots` for Drain, which passes it on in
// company order; the fetchers stay at most kMaxWaiting sites (and always `window` companies)
// ahead of it. Destroying the reader stops the fetchers after their current company.
class Connector::SiteReader {
 public:
  SiteReader(Connector& owner, std::vector<Client*> clients, std::string conditions)
      : owner_(owner), clients_(std::move(clients)), conditions_(std::move(conditions)) {
    thread_ = std::thread([this] { Run(); });
  }
  ~SiteReader() {
    stopping_ = true;  // (walks in progress end at their next record)
    {
      std::lock_guard lock(mu_);
      stop_ = true;
    }
    cv_.notify_all();
    thread_.join();
  }
  SiteReader(const SiteReader&) = delete;
  SiteReader& operator=(const SiteReader&) = delete;

  const std::string& conditions() const { return conditions_; }

  // Passes every company's sites on to `sink`, in company order, waiting for those not read yet.
  // The first failure (of the company walk, a site list or the sink) ends it.
  Status Drain(const std::function<Status(VendorItem&&)>& sink) {
    {
      std::unique_lock lock(mu_);
      cv_.wait(lock, [&] { return ids_read_; });
      if (!ids_status_.ok()) return ids_status_;
    }
    for (size_t i = 0; i < slots_.size(); ++i) {
      std::vector<VendorItem> sites;
      {
        std::unique_lock lock(mu_);
        // (a company no fetcher took before a failure is never done)
        cv_.wait(lock, [&] { return slots_[i].done || (failed_ && i >= next_); });
        if (!slots_[i].done) {
          for (const auto& slot : slots_)
            if (slot.done && !slot.status.ok()) return slot.status;
          return Status::Unavailable("ConnectWise PSA: the company site lists stopped");  // (never: a failure is kept)
        }
        if (!slots_[i].status.ok()) return slots_[i].status;
        sites = std::move(slots_[i].sites);
        waiting_ -= sites.size();
        passed_ = i + 1;
      }
      cv_.notify_all();
      for (auto& item : sites) {
        owner_.site_company_[item.vendor_id] = item.company_vendor_id;
        CAIRN_RETURN_IF_ERROR(sink(std::move(item)));
      }
    }
    return Status::Ok();
  }

 private:
  // Sites that may wait for Drain (a few MB); past it, fetchers wait unless they are within
  // `window` companies of the one passed on last.
  static constexpr size_t kMaxWaiting = 10000;

  struct Slot {
    bool done = false;
    Status status = Status::Ok();
    std::vector<VendorItem> sites;
  };

  static Status Stopped() { return Status::Unavailable("ConnectWise PSA: the company site lists were stopped"); }
  // `walk`'s answer, an exception (on a thread of the reader's own) as an error.
  template <class F>
  static Status Guarded(F&& walk) {
    try {
      return walk();
    } catch (const std::exception& e) {
      return Status::Internal(std::string("ConnectWise PSA: reading company sites failed: ") + e.what());
    }
  }

  void Run() {
    std::vector<std::string> ids;
    Status st = Guarded([&] {
      return owner_.Walk(*clients_.front(), "/company/companies", "fields=id", kCompaniesHint,
                         [&](const json::object& company) {
                           if (stopping_) return Stopped();
                           if (std::string cid = Id(company); !cid.empty()) ids.push_back(std::move(cid));
                           return Status::Ok();
                         });
    });
    {
      std::lock_guard lock(mu_);
      ids_ = std::move(ids);
      slots_.resize(ids_.size());
      ids_status_ = st;
      ids_read_ = true;
    }
    cv_.notify_all();
    if (!st.ok()) return;
    std::vector<std::thread> fetchers;
    for (Client* c : clients_) fetchers.emplace_back([this, c] { Fetch(*c); });
    for (auto& t : fetchers) t.join();
  }

  void Fetch(Client& client) {
    const size_t window = clients_.size() * 2;
    for (;;) {
      size_t i;
      {
        std::unique_lock lock(mu_);
        cv_.wait(lock, [&] {
          return stop_ || failed_ || next_ >= ids_.size() || waiting_ < kMaxWaiting || next_ < passed_ + window;
        });
        if (stop_ || failed_ || next_ >= ids_.size()) return;
        i = next_++;
      }
      Slot slot;
      const std::string& cid = ids_[i];  // (ids_ is not changed once the fetchers run)
      slot.status = Guarded([&] {
        return owner_.Walk(client, "/company/companies/" + cid + "/sites", conditions_, kCompaniesHint,
                           [&](const json::object& site) {
                             if (stopping_) return Stopped();
                             slot.sites.push_back(MapSite(site, cid));
                             return Status::Ok();
                           });
      });
      slot.done = true;
      {
        std::lock_guard lock(mu_);
        if (!slot.status.ok()) failed_ = true;  // the others stop after their current company
        waiting_ += slot.sites.size();
        slots_[i] = std::move(slot);
      }
      cv_.notify_all();
    }
  }

  Connector& owner_;
  std::vector<Client*> clients_;
  std::string conditions_;
  std::atomic<bool> stopping_{false};
  std::mutex mu_;
  std::condition_variable cv_;
  bool ids_read_ = false;
  Status ids_status_ = Status::Ok();
  std::vector<std::string> ids_;
  std::vector<Slot> slots_;
  size_t next_ = 0;     // the next company a fetcher takes
  size_t passed_ = 0;   // companies passed on by Drain
  size_t waiting_ = 0;  // sites read and not passed on yet
  bool failed_ = false;
  bool stop_ = false;
  std::thread thread_;  // walks the company ids, then runs the fetchers
};

Connector::~Connector() = default;

void Connector::StartSites(const std::string& conditions) {
  sites_.reset();  // (a reader for other conditions stops first: it uses the same connections)
  while (static_cast<int>(site_clients_.size()) < site_fetchers_)
    site_clients_.push_back(std::make_unique<Client>(credentials_, options_));
  std::vector<Client*> clients;
  for (auto& c : site_clients_) clients.push_back(c.get());
  sites_ = std::make_unique<SiteReader>(*this, std::move(clients), conditions);
}

void Connector::WillList(const std::vector<std::string>& kinds, int64_t since_ms) {
  // Only worth it when something is listed before the locations.
  auto at = std::find(kinds.begin(), kinds.end(), "locations");
  if (at == kinds.end() || at == kinds.begin()) return;
  StartSites(Conditions(since_ms));
}

Status Connector::ListLocations(const std::string& conditions, const std::function<Status(VendorItem&&)>& sink) {
  if (!sites_ || sites_->conditions() != conditions) StartSites(conditions);
  auto reader = std::move(sites_);  // (read once: a second listing reads afresh)
  return reader->Drain(sink);
}

Status Connector::List(std::string_view kind, int64_t since_ms, const std::function<Status(VendorItem&&)>& sink) {
  std::string conditions = Conditions(since_ms);
  if (kind == "locations") return ListLocations(conditions, sink);
  const KindInfo* k = FindKind(kind);
  if (!k) return Status::Invalid("ConnectWise PSA has no kind \"" + std::string(kind) + "\"");
  return Walk(std::string(k->path), conditions, k->hint,
              [&](const json::object& o) { return sink(k->map(o)); });
}

Result<VendorItem> Connector::Get(std::string_view kind, std::string_view vendor_id) {
  std::string id = http::PercentEncode(vendor_id);
  if (kind == "locations") {
    std::string sid(vendor_id);
    if (auto it = site_company_.find(sid); it != site_company_.end()) {
      CAIRN_ASSIGN_OR_RETURN(auto v, client_.Get("/company/companies/" + it->second + "/sites/" + id, kCompaniesHint));
      if (!v.is_object()) return Status::Unavailable("ConnectWise PSA: a site answered something other than an object");
      return MapSite(v.get_object(), it->second);
    }
    // Not seen yet: look under each company until one has it.
    std::optional<VendorItem> found;
    Status st = Walk("/company/companies", "fields=id", kCompaniesHint, [&](const json::object& company) -> Status {
      std::string cid = Id(company);
      auto v = client_.Get("/company/companies/" + cid + "/sites/" + id, kCompaniesHint);
      if (!v.ok()) return v.status().code() == Code::kNotFound ? Status::Ok() : v.status();
      if (!v->is_object()) return Status::Ok();
      found = MapSite(v->get_object(), cid);
      site_company_[sid] = cid;
      return Status::Conflict("found");  // stops the walk
    }, /*read_ahead=*/false);
    if (found) return std::move(*found);
    if (!st.ok()) return st;
    return Status::NotFound("ConnectWise PSA has no company site " + sid);
  }
  const KindInfo* k = FindKind(kind);
  if (!k) return Status::Invalid("ConnectWise PSA has no kind \"" + std::string(kind) + "\"");
  CAIRN_ASSIGN_OR_RETURN(auto v, client_.Get(std::string(k->path) + "/" + id, k->hint));
  if (!v.is_object())
    return Status::Unavailable("ConnectWise PSA: GET " + std::string(k->path) + "/{id} did not answer an object");
  return k->map(v.get_object());
}

}  // namespace cairn::connectors::connectwise
