#include "sims/connectwise/connectwise_records.h"

#include <boost/json.hpp>

#include <cstdio>
#include <ctime>
#include <string_view>

#include "sims/common/util.h"

namespace cairn::sims::connectwise {

namespace json = boost::json;

namespace {

constexpr size_t kMaxSiteRefs = 64;  // sites a company's records are spread over

// Who stamped a record: seeded records were entered by a person, mutations by the API member.
std::string StampedBy(int64_t ms) { return ms >= kSeedStampsBeforeMs ? "CairnSimApi" : "Admin1"; }

// A small stable id for a looked-up name (manufacturers, unknown agreement types): FNV-1a.
int64_t NameId(std::string_view name, int64_t base) {
  uint64_t h = 1469598103934665603ULL;
  for (unsigned char ch : name) h = (h ^ ch) * 1099511628211ULL;
  return base + static_cast<int64_t>(h % 900);
}

json::object Ref(int64_t id, const std::string& name, const std::string& href_key, const std::string& href) {
  return {{"id", id}, {"name", name}, {"_info", json::object{{href_key, href}}}};
}

void PutIfNotEmpty(json::object& o, const char* key, const std::string& value) {
  if (!value.empty()) o[key] = value;
}

struct TypeName {
  int64_t id;
  const char* name;
};

TypeName ConfigurationType(DeviceType t) {
  switch (t) {
    case DeviceType::kWorkstation:
      return {1, "Managed Workstation"};
    case DeviceType::kLaptop:
      return {2, "Laptop"};
    case DeviceType::kServer:
      return {3, "Managed Server"};
    case DeviceType::kFirewall:
      return {4, "Firewall"};
    case DeviceType::kSwitch:
      return {5, "Network Switch"};
    case DeviceType::kPrinter:
      return {6, "Printer"};
    case DeviceType::kPhone:
      return {7, "VoIP Phone"};
  }
  return {1, "Managed Workstation"};
}

int64_t AgreementTypeId(const std::string& type) {
  static const char* const kKnown[] = {"Managed Services", "Block Hours", "Backup", "Security"};
  for (int i = 0; i < 4; ++i)
    if (type == kKnown[i]) return i + 1;
  return NameId(type, 100);
}

int64_t CompanyTypeId(const std::string& type) {
  if (type == "Client") return 1;
  if (type == "Prospect") return 2;
  if (type == "Partner") return 3;
  return NameId(type, 100);
}

int64_t CountryId(const std::string& country) {
  if (country == "United States") return 1;
  if (country == "Canada") return 2;
  if (country == "United Kingdom") return 3;
  if (country == "Australia") return 4;
  return NameId(country, 100);
}

Schema WithInfo(Schema s) {
  s["_info/lastUpdated"] = FieldType::kDateTime;
  s["_info/dateEntered"] = FieldType::kDateTime;
  s["_info/updatedBy"] = FieldType::kString;
  s["_info/enteredBy"] = FieldType::kString;
  return s;
}

void AddRef(Schema& s, const std::string& name, bool identifier = false) {
  s[name + "/id"] = FieldType::kNumber;
  s[name + "/name"] = FieldType::kString;
  if (identifier) s[name + "/identifier"] = FieldType::kString;
}

}  // namespace

int64_t IdOf(RecordKind kind, RecordKey key) {
  if (kind == RecordKind::kCompany) return kCompanyIdBase + key.company;
  return (key.company + 1) * kChildStride + key.index;
}

std::optional<RecordKey> KeyOf(RecordKind kind, int64_t id) {
  if (kind == RecordKind::kCompany) {
    if (id < kCompanyIdBase) return std::nullopt;
    return RecordKey{id - kCompanyIdBase, 0};
  }
  if (id < kChildStride) return std::nullopt;
  return RecordKey{id / kChildStride - 1, id % kChildStride};
}

std::string IsoSeconds(int64_t ms) {
  std::time_t secs = static_cast<std::time_t>(ms / 1000);
  std::tm tm{};
  gmtime_r(&secs, &tm);
  char buf[40];
  std::snprintf(buf, sizeof buf, "%04d-%02d-%02dT%02d:%02d:%02dZ", tm.tm_year + 1900, tm.tm_mon + 1,
                tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec);
  return buf;
}

const Schema& SchemaOf(RecordKind kind) {
  static const Schema* const kCompany = [] {
    Schema s{{"id", FieldType::kNumber},
             {"identifier", FieldType::kString},
             {"name", FieldType::kString},
             {"addressLine1", FieldType::kString},
             {"addressLine2", FieldType::kString},
             {"city", FieldType::kString},
             {"state", FieldType::kString},
             {"zip", FieldType::kString},
             {"phoneNumber", FieldType::kString},
             {"faxNumber", FieldType::kString},
             {"website", FieldType::kString},
             {"deletedFlag", FieldType::kBool},
             {"leadFlag", FieldType::kBool},
             {"isVendorFlag", FieldType::kBool},
             {"dateAcquired", FieldType::kDateTime},
             {"dateDeleted", FieldType::kDateTime}};
    AddRef(s, "status");
    AddRef(s, "country");
    AddRef(s, "site");
    AddRef(s, "defaultContact");
    return new Schema(WithInfo(std::move(s)));
  }();
  static const Schema* const kContact = [] {
    Schema s{{"id", FieldType::kNumber},
             {"firstName", FieldType::kString},
             {"lastName", FieldType::kString},
             {"title", FieldType::kString},
             {"inactiveFlag", FieldType::kBool},
             {"defaultFlag", FieldType::kBool},
             {"addressLine1", FieldType::kString},
             {"city", FieldType::kString},
             {"zip", FieldType::kString},
             {"communicationItems/value", FieldType::kString},
             {"communicationItems/communicationType", FieldType::kString},
             {"communicationItems/defaultFlag", FieldType::kBool},
             {"communicationItems/type/id", FieldType::kNumber},
             {"communicationItems/type/name", FieldType::kString}};
    AddRef(s, "company", true);
    AddRef(s, "site");
    AddRef(s, "country");
    return new Schema(WithInfo(std::move(s)));
  }();
  static const Schema* const kSite = [] {
    Schema s{{"id", FieldType::kNumber},
             {"name", FieldType::kString},
             {"addressLine1", FieldType::kString},
             {"city", FieldType::kString},
             {"zip", FieldType::kString},
             {"phoneNumber", FieldType::kString},
             {"inactiveFlag", FieldType::kBool},
             {"primaryAddressFlag", FieldType::kBool},
             {"defaultBillingFlag", FieldType::kBool},
             {"defaultShippingFlag", FieldType::kBool},
             {"defaultMailingFlag", FieldType::kBool}};
    AddRef(s, "company", true);
    AddRef(s, "country");
    return new Schema(WithInfo(std::move(s)));
  }();
  static const Schema* const kConfiguration = [] {
    Schema s{{"id", FieldType::kNumber},
             {"name", FieldType::kString},
             {"serialNumber", FieldType::kString},
             {"modelNumber", FieldType::kString},
             {"ipAddress", FieldType::kString},
             {"macAddress", FieldType::kString},
             {"osType", FieldType::kString},
             {"activeFlag", FieldType::kBool},
             {"installationDate", FieldType::kDateTime}};
    AddRef(s, "type");
    AddRef(s, "status");
    AddRef(s, "company", true);
    AddRef(s, "site");
    AddRef(s, "manufacturer");
    return new Schema(WithInfo(std::move(s)));
  }();
  static const Schema* const kAgreement = [] {
    Schema s{{"id", FieldType::kNumber},
             {"name", FieldType::kString},
             {"startDate", FieldType::kDateTime},
             {"endDate", FieldType::kDateTime},
             {"noEndingDateFlag", FieldType::kBool},
             {"agreementStatus", FieldType::kString},
             {"cancelledFlag", FieldType::kBool},
             {"dateCancelled", FieldType::kDateTime},
             {"billAmount", FieldType::kNumber}};
    AddRef(s, "type");
    AddRef(s, "company", true);
    AddRef(s, "billingCycle");
    return new Schema(WithInfo(std::move(s)));
  }();
  switch (kind) {
    case RecordKind::kCompany:
      return *kCompany;
    case RecordKind::kContact:
      return *kContact;
    case RecordKind::kSite:
      return *kSite;
    case RecordKind::kDevice:
      return *kConfiguration;
    case RecordKind::kAgreement:
      return *kAgreement;
  }
  return *kCompany;
}

const Schema& ConfigurationTypeSchema() {
  static const Schema* const kSchema = new Schema{{"id", FieldType::kNumber},
                                                  {"name", FieldType::kString},
                                                  {"inactiveFlag", FieldType::kBool},
                                                  {"systemFlag", FieldType::kBool}};
  return *kSchema;
}

std::vector<json::object> ConfigurationTypes(const std::string& api_base) {
  std::vector<json::object> out;
  for (int t = 0; t <= static_cast<int>(DeviceType::kPhone); ++t) {
    TypeName tn = ConfigurationType(static_cast<DeviceType>(t));
    out.push_back({{"id", tn.id},
                   {"name", tn.name},
                   {"inactiveFlag", false},
                   {"systemFlag", false},
                   {"_info", json::object{{"lastUpdated", "2019-01-01T00:00:00Z"},
                                          {"updatedBy", "Admin1"},
                                          {"questions_href", api_base + "/company/configurations/types/" +
                                                                 std::to_string(tn.id) + "/questions"}}}});
  }
  return out;
}

json::object RecordMaker::Info(RecordKind kind, RecordKey key) const {
  RecordStamps st = view_.Stamps(kind, key);
  return {{"lastUpdated", IsoSeconds(st.updated_ms)},
          {"updatedBy", StampedBy(st.updated_ms)},
          {"dateEntered", IsoSeconds(st.created_ms)},
          {"enteredBy", StampedBy(st.created_ms)}};
}

const RecordMaker::CompanyRefs& RecordMaker::Refs(int64_t company) {
  if (refs_.company == company) return refs_;
  refs_ = CompanyRefs{};
  refs_.company = company;
  auto c = view_.Company(company);
  if (!c) return refs_;
  refs_.live = true;
  refs_.country = c->country;
  int64_t id = IdOf(RecordKind::kCompany, {company, 0});
  refs_.ref = {{"id", id},
               {"identifier", c->identifier},
               {"name", c->name},
               {"_info", json::object{{"company_href", base_ + "/company/companies/" + std::to_string(id)}}}};
  std::vector<json::object> others;
  view_.ForEach(RecordKind::kSite, company, [&](RecordKey k) {
    auto s = view_.Site(k.company, k.index);
    if (!s) return true;
    int64_t sid = IdOf(RecordKind::kSite, k);
    json::object ref =
        Ref(sid, s->name, "site_href",
            base_ + "/company/companies/" + std::to_string(id) + "/sites/" + std::to_string(sid));
    (s->primary ? refs_.sites : others).push_back(std::move(ref));
    return refs_.sites.size() + others.size() < kMaxSiteRefs;
  });
  for (auto& o : others) refs_.sites.push_back(std::move(o));
  return refs_;
}

std::optional<json::object> RecordMaker::Make(RecordKind kind, RecordKey key) {
  switch (kind) {
    case RecordKind::kCompany:
      return Company(key.company);
    case RecordKind::kContact:
      return Contact(key);
    case RecordKind::kSite:
      return Site(key);
    case RecordKind::kDevice:
      return Configuration(key);
    case RecordKind::kAgreement:
      return Agreement(key);
  }
  return std::nullopt;
}

std::optional<json::object> RecordMaker::Company(int64_t company) {
  auto c = view_.Company(company);
  if (!c) return std::nullopt;
  const CompanyRefs& refs = Refs(company);
  int64_t id = IdOf(RecordKind::kCompany, {company, 0});
  std::string href = base_ + "/company/companies/" + std::to_string(id);
  RecordStamps st = view_.Stamps(RecordKind::kCompany, {company, 0});
  json::object o;
  o["id"] = id;
  o["identifier"] = c->identifier;
  o["name"] = c->name;
  // Inactive companies keep their record with the "Inactive" status [reference A5: deletedFlag is
  // for deletions only].
  o["status"] = Ref(c->active ? 1 : 2, c->active ? "Active" : "Inactive", "status_href",
                    base_ + "/company/companies/statuses/" + std::to_string(c->active ? 1 : 2));
  int64_t type_id = CompanyTypeId(c->type);
  o["types"] = json::array{
      Ref(type_id, c->type, "type_href", base_ + "/company/companies/types/" + std::to_string(type_id))};
  PutIfNotEmpty(o, "addressLine1", c->address_line_1);
  PutIfNotEmpty(o, "city", c->city);
  PutIfNotEmpty(o, "state", c->state);
  PutIfNotEmpty(o, "zip", c->zip);
  if (!c->country.empty()) {
    int64_t cid = CountryId(c->country);
    o["country"] = Ref(cid, c->country, "country_href", base_ + "/company/countries/" + std::to_string(cid));
  }
  PutIfNotEmpty(o, "phoneNumber", c->phone);
  PutIfNotEmpty(o, "website", c->website);
  if (!refs.sites.empty()) o["site"] = refs.sites.front();
  auto first_contact = view_.Page(RecordKind::kContact, company, 0, 1);
  if (!first_contact.empty()) {
    if (auto p = view_.Contact(first_contact[0].company, first_contact[0].index)) {
      int64_t pid = IdOf(RecordKind::kContact, first_contact[0]);
      o["defaultContact"] = Ref(pid, p->first_name + " " + p->last_name, "contact_href",
                                base_ + "/company/contacts/" + std::to_string(pid));
    }
  }
  o["dateAcquired"] = IsoSeconds(st.created_ms);
  o["deletedFlag"] = false;
  o["leadFlag"] = c->type == "Prospect";
  o["isVendorFlag"] = false;
  o["customFields"] = json::array{json::object{{"id", 1},
                                               {"caption", "Customer Code"},
                                               {"type", "Text"},
                                               {"entryMethod", "EntryField"},
                                               {"numberOfDecimals", 0},
                                               {"value", c->identifier}}};
  json::object info = Info(RecordKind::kCompany, {company, 0});
  info["sites_href"] = href + "/sites";
  info["contacts_href"] = base_ + "/company/contacts?conditions=company/id=" + std::to_string(id);
  info["configurations_href"] = base_ + "/company/configurations?conditions=company/id=" + std::to_string(id);
  info["agreements_href"] = base_ + "/finance/agreements?conditions=company/id=" + std::to_string(id);
  o["_info"] = std::move(info);
  return o;
}

std::optional<json::object> RecordMaker::Contact(RecordKey key) {
  auto p = view_.Contact(key.company, key.index);
  if (!p) return std::nullopt;
  const CompanyRefs& refs = Refs(key.company);
  if (!refs.live) return std::nullopt;
  int64_t id = IdOf(RecordKind::kContact, key);
  json::object o;
  o["id"] = id;
  o["firstName"] = p->first_name;
  o["lastName"] = p->last_name;
  o["company"] = refs.ref;
  if (!refs.sites.empty()) o["site"] = refs.sites[static_cast<size_t>(key.index) % refs.sites.size()];
  PutIfNotEmpty(o, "title", p->title);
  o["inactiveFlag"] = !p->active;
  o["defaultFlag"] = key.index == 0;
  if (!refs.country.empty()) {
    int64_t cid = CountryId(refs.country);
    o["country"] =
        Ref(cid, refs.country, "country_href", base_ + "/company/countries/" + std::to_string(cid));
  }
  o["types"] = json::array{};
  json::array items;
  if (!p->email.empty()) {
    std::string domain = p->email.substr(p->email.find('@'));
    items.push_back(
        json::object{{"id", id * 4 + 1},
                     {"type", Ref(1, "Email", "type_href", base_ + "/company/communicationTypes/1")},
                     {"value", p->email},
                     {"defaultFlag", true},
                     {"domain", domain},
                     {"communicationType", "Email"}});
  }
  if (!p->phone.empty()) {
    items.push_back(
        json::object{{"id", id * 4 + 2},
                     {"type", Ref(4, "Cell", "type_href", base_ + "/company/communicationTypes/4")},
                     {"value", p->phone},
                     {"defaultFlag", true},
                     {"communicationType", "Phone"}});
  }
  o["communicationItems"] = std::move(items);
  json::object info = Info(RecordKind::kContact, key);
  info["communications_href"] = base_ + "/company/contacts/" + std::to_string(id) + "/communications";
  o["_info"] = std::move(info);
  return o;
}

std::optional<json::object> RecordMaker::Site(RecordKey key) {
  auto s = view_.Site(key.company, key.index);
  if (!s) return std::nullopt;
  const CompanyRefs& refs = Refs(key.company);
  if (!refs.live) return std::nullopt;
  json::object o;
  o["id"] = IdOf(RecordKind::kSite, key);
  o["name"] = s->name;
  PutIfNotEmpty(o, "addressLine1", s->address_line_1);
  PutIfNotEmpty(o, "city", s->city);
  PutIfNotEmpty(o, "zip", s->zip);
  if (!refs.country.empty()) {
    int64_t cid = CountryId(refs.country);
    o["country"] =
        Ref(cid, refs.country, "country_href", base_ + "/company/countries/" + std::to_string(cid));
  }
  PutIfNotEmpty(o, "phoneNumber", s->phone);
  o["inactiveFlag"] = false;
  o["primaryAddressFlag"] = s->primary;
  o["defaultShippingFlag"] = s->primary;
  o["defaultBillingFlag"] = s->primary;
  o["defaultMailingFlag"] = s->primary;
  o["company"] = refs.ref;
  o["_info"] = Info(RecordKind::kSite, key);
  return o;
}

std::optional<json::object> RecordMaker::Configuration(RecordKey key) {
  auto d = view_.Device(key.company, key.index);
  if (!d) return std::nullopt;
  const CompanyRefs& refs = Refs(key.company);
  if (!refs.live) return std::nullopt;
  int64_t id = IdOf(RecordKind::kDevice, key);
  TypeName tn = ConfigurationType(d->type);
  RecordStamps st = view_.Stamps(RecordKind::kDevice, key);
  json::object o;
  o["id"] = id;
  o["name"] = d->name;
  o["type"] =
      Ref(tn.id, tn.name, "type_href", base_ + "/company/configurations/types/" + std::to_string(tn.id));
  o["status"] = Ref(d->active ? 1 : 2, d->active ? "Active" : "Inactive", "status_href",
                    base_ + "/company/configurations/statuses/" + std::to_string(d->active ? 1 : 2));
  o["company"] = refs.ref;
  if (!refs.sites.empty()) o["site"] = refs.sites[static_cast<size_t>(key.index) % refs.sites.size()];
  PutIfNotEmpty(o, "serialNumber", d->serial);
  PutIfNotEmpty(o, "modelNumber", d->model);
  if (!d->manufacturer.empty()) {
    int64_t mid = NameId(d->manufacturer, 1);
    o["manufacturer"] = Ref(mid, d->manufacturer, "manufacturer_href",
                            base_ + "/procurement/manufacturers/" + std::to_string(mid));
  }
  PutIfNotEmpty(o, "ipAddress", d->ip);
  PutIfNotEmpty(o, "macAddress", d->mac);
  PutIfNotEmpty(o, "osType", d->os);
  o["installationDate"] = IsoSeconds(st.created_ms);
  o["activeFlag"] = d->active;
  o["_info"] = Info(RecordKind::kDevice, key);
  return o;
}

std::optional<json::object> RecordMaker::Agreement(RecordKey key) {
  auto a = view_.Agreement(key.company, key.index);
  if (!a) return std::nullopt;
  const CompanyRefs& refs = Refs(key.company);
  if (!refs.live) return std::nullopt;
  RecordStamps st = view_.Stamps(RecordKind::kAgreement, key);
  int64_t type_id = AgreementTypeId(a->type);
  json::object o;
  o["id"] = IdOf(RecordKind::kAgreement, key);
  o["name"] = a->name;
  o["type"] =
      Ref(type_id, a->type, "type_href", base_ + "/finance/agreements/types/" + std::to_string(type_id));
  o["company"] = refs.ref;
  if (!refs.sites.empty()) o["site"] = refs.sites.front();
  // Agreements start on the first of the month they were entered in.
  std::string entered = IsoSeconds(st.created_ms);
  o["startDate"] = entered.substr(0, 8) + "01T00:00:00Z";
  o["noEndingDateFlag"] = true;
  // A deactivated agreement is a cancelled one at ConnectWise.
  o["agreementStatus"] = a->active ? "Active" : "Cancelled";
  o["cancelledFlag"] = !a->active;
  if (!a->active) o["dateCancelled"] = IsoSeconds(st.updated_ms);
  o["billAmount"] = static_cast<double>(a->monthly_cents) / 100.0;
  o["billingCycle"] = Ref(2, "Monthly", "billingCycle_href", base_ + "/finance/billingCycles/2");
  o["_info"] = Info(RecordKind::kAgreement, key);
  return o;
}

}  // namespace cairn::sims::connectwise
