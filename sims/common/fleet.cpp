#include "sims/common/fleet.h"
#include "sims/common/util.h"

#include <cstdio>
#include <iterator>

namespace cairn::sims {
namespace {

// A stream of numbers for one record, from (seed, kind, company, index).
class Rng {
 public:
  Rng(uint64_t seed, uint64_t kind, int64_t company, int64_t index)
      : state_(Mix(Mix(Mix(seed ^ (kind << 56)) ^ static_cast<uint64_t>(company)) ^
                   static_cast<uint64_t>(index))) {}
  uint64_t Next() { return state_ = Mix(state_); }
  // Uniform in [0, n).
  uint64_t Below(uint64_t n) { return n ? Next() % n : 0; }
  double Unit() { return static_cast<double>(Next() >> 11) / 9007199254740992.0; }
  template <class T, size_t N>
  const T& Pick(const T (&items)[N]) {
    return items[Below(N)];
  }

 private:
  uint64_t state_;
};

enum Kind : uint64_t { kCompany = 1, kContact, kSite, kDevice, kAgreement, kShared, kActiveFlag = 16 };

// Company brands. The same company index is the same brand under every seed; the seed chooses
// how a vendor spells it, which is how near-duplicates across vendors arise.
const char* const kBrands[] = {
    "Acme",          "Globex",       "Initech",        "Umbrella",      "Stark Industries",
    "Wayne Enterprises", "Hooli",    "Vandelay",       "Soylent",       "Cyberdyne",
    "Müller & Söhne", "Société Générale Conseil", "Øresund Logistics", "Ærø Marine", "Łódź Tech",
    "Ñandú Viajes",  "Zürich Dental", "Café Crème",    "Björk Design",  "São Paulo Imports",
    "Northwind",     "Contoso",      "Fabrikam",       "Tailspin",      "Wingtip",
    "Blue Yonder",   "Litware",      "Proseware",      "Adventure Works", "Lucerne Publishing",
    "Harbour Dental", "Granite Legal", "Maple Accountancy", "Summit Surveyors", "Riverside Vets",
    "Beacon Estates", "Oak Tree Nursery", "Falcon Freight", "Meridian Care", "Crescent Bakery"};
const char* const kWords[] = {"North", "Harbour", "Granite", "Maple", "Summit", "Riverside",
                              "Beacon", "Oak", "Falcon", "Meridian", "Crescent", "Pioneer",
                              "Atlas", "Cedar", "Willow", "Kestrel"};
const char* const kTrades[] = {"Dental", "Legal", "Accountancy", "Logistics", "Engineering",
                               "Architects", "Veterinary", "Estates", "Clinic", "Foods"};

std::string BrandOf(int64_t company) {
  constexpr int64_t kNamed = static_cast<int64_t>(std::size(kBrands));
  if (company < kNamed) return kBrands[company];
  // Beyond the named brands: deterministic combinations, still the same under every seed.
  Rng r(0, kCompany, company, 0);
  return std::string(r.Pick(kWords)) + " " + r.Pick(kTrades) + " " + std::to_string(company);
}

std::string Upper(std::string s) {
  for (char& c : s)
    if (c >= 'a' && c <= 'z') c = static_cast<char>(c - 'a' + 'A');
  return s;
}

// One vendor's spelling of a brand.
std::string Spell(const std::string& brand, Rng& r) {
  switch (r.Below(8)) {
    case 0: return brand + " Ltd";
    case 1: return Upper(brand) + " Limited";
    case 2: return brand + ", Inc.";
    case 3: return brand + " LLC";
    case 4: return brand + " Ltd.";
    case 5: return brand + " Group";
    case 6: return brand + " & Co";
    default: return brand;
  }
}

std::string Slug(const std::string& s) {
  std::string out;
  for (char c : s) {
    if ((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9')) out += c;
    else if (c >= 'A' && c <= 'Z') out += static_cast<char>(c - 'A' + 'a');
  }
  return out.empty() ? "client" : out;
}

std::string Digits(Rng& r, int n) {
  std::string s;
  for (int i = 0; i < n; ++i) s += static_cast<char>('0' + r.Below(10));
  return s;
}

const char* const kCities[] = {"Leeds", "Manchester", "Bristol", "Glasgow", "Cardiff", "Belfast",
                               "Austin", "Denver", "Toronto", "Dublin", "München", "Kraków"};
const char* const kStreets[] = {"High Street", "Station Road", "Church Lane", "Mill Road",
                                "Park Avenue", "Market Square", "King's Road", "Elm Street"};
const char* const kFirst[] = {"James", "Olivia", "Amelia", "Noah", "Sophie", "Liam", "Chloé",
                              "Zoë", "José", "Siobhán", "Priya", "Wei", "Fatima", "Lars",
                              "Agnieszka", "Mohammed"};
const char* const kLast[] = {"Smith", "Jones", "Taylor", "Brown", "O'Neill", "García",
                             "Müller", "Nowak", "Patel", "Chen", "Nguyen", "Johansson",
                             "Dubois", "Rossi", "Kowalski", "Murphy"};
const char* const kTitles[] = {"Office Manager", "Director", "Accountant", "Receptionist",
                               "Practice Manager", "Engineer", "IT Contact", "Partner"};
const char* const kSiteNames[] = {"Main Office", "Warehouse", "Branch Office", "Clinic",
                                  "Head Office", "Depot", "Showroom", "Remote Site"};

struct Model {
  DeviceType type;
  const char* maker;
  const char* model;
  const char* os;
  const char* host;  // host-name infix
};
const Model kModels[] = {
    {DeviceType::kWorkstation, "Dell", "OptiPlex 7010", "Windows 11 Pro", "WS"},
    {DeviceType::kWorkstation, "HP", "EliteDesk 800 G9", "Windows 11 Pro", "WS"},
    {DeviceType::kWorkstation, "Lenovo", "ThinkCentre M70q", "Windows 10 Pro", "WS"},
    {DeviceType::kLaptop, "Lenovo", "ThinkPad T14 Gen 4", "Windows 11 Pro", "LT"},
    {DeviceType::kLaptop, "Dell", "Latitude 5440", "Windows 11 Pro", "LT"},
    {DeviceType::kLaptop, "Apple", "MacBook Air M2", "macOS 14", "MB"},
    {DeviceType::kServer, "Dell", "PowerEdge R650", "Windows Server 2022", "SRV"},
    {DeviceType::kServer, "HPE", "ProLiant DL360 Gen10", "Windows Server 2019", "SRV"},
    {DeviceType::kFirewall, "Fortinet", "FortiGate 60F", "FortiOS 7.2", "FW"},
    {DeviceType::kFirewall, "SonicWall", "TZ370", "SonicOS 7", "FW"},
    {DeviceType::kSwitch, "Cisco", "Catalyst 9200", "IOS XE 17", "SW"},
    {DeviceType::kSwitch, "Ubiquiti", "UniFi USW-24-PoE", "UniFi 6", "SW"},
    {DeviceType::kPrinter, "Brother", "HL-L2350DW", "", "PRN"},
    {DeviceType::kPrinter, "HP", "LaserJet Pro M404", "", "PRN"},
    {DeviceType::kPhone, "Yealink", "T54W", "", "PH"},
    {DeviceType::kPhone, "Poly", "VVX 450", "", "PH"},
};

// Realistic proportions: workstations 45%, laptops 30%, servers 6%, firewalls 3%, switches 5%,
// printers 6%, phones 5%.
const Model& PickModel(Rng& r) {
  uint64_t p = r.Below(100);
  int base = p < 45 ? 0 : p < 75 ? 3 : p < 81 ? 6 : p < 84 ? 8 : p < 89 ? 10 : p < 95 ? 12 : 14;
  int span = base == 0 || base == 3 ? 3 : 2;
  return kModels[base + static_cast<int>(r.Below(static_cast<uint64_t>(span)))];
}

const char* const kPlaceholders[] = {"To be filled by O.E.M.", "0", "Default string",
                                     "System Serial Number", "None", "Not Specified"};

std::string Serial(Rng& r, const Model& m) {
  uint64_t p = r.Below(100);
  if (p < 3) return "";
  if (p < 6) return r.Pick(kPlaceholders);
  static const char kAlnum[] = "ABCDEFGHJKLMNPQRSTUVWXYZ0123456789";
  auto chars = [&](int n) {
    std::string s;
    for (int i = 0; i < n; ++i) s += kAlnum[r.Below(sizeof kAlnum - 1)];
    return s;
  };
  std::string maker = m.maker;
  if (maker == "Dell") return chars(7);                       // service tag
  if (maker == "Lenovo") return "PF" + chars(6);
  if (maker == "HP" || maker == "HPE") return "CZ" + chars(8);
  if (maker == "Apple") return "C02" + chars(9);
  if (maker == "Fortinet") return "FGT60F" + chars(10);
  return chars(12);
}

}  // namespace

const char* DeviceTypeName(DeviceType t) {
  switch (t) {
    case DeviceType::kWorkstation: return "Workstation";
    case DeviceType::kLaptop: return "Laptop";
    case DeviceType::kServer: return "Server";
    case DeviceType::kFirewall: return "Firewall";
    case DeviceType::kSwitch: return "Switch";
    case DeviceType::kPrinter: return "Printer";
    case DeviceType::kPhone: return "Phone";
  }
  return "Workstation";
}

bool IsPlaceholderSerial(const std::string& serial) {
  for (const char* p : kPlaceholders)
    if (serial == p) return true;
  return false;
}

Fleet::Fleet(FleetOptions options) : o_(options) {}

bool Fleet::Active(RecordKind kind, int64_t company, int64_t index) const {
  if (kind == RecordKind::kSite) return true;
  // A stream of its own, so that the flag costs one draw and the other fields do not move it.
  Rng r(o_.seed, kActiveFlag + static_cast<uint64_t>(kind), company, index);
  return r.Unit() >= o_.inactive_share;
}

FakeCompany Fleet::Company(int64_t company) const {
  Rng r(o_.seed, kCompany, company, 0);
  FakeCompany c;
  c.index = company;
  std::string brand = BrandOf(company);
  c.name = Spell(brand, r);
  std::string code = Upper(Slug(brand)).substr(0, 6);
  char num[8];
  std::snprintf(num, sizeof num, "%02d", static_cast<int>(company % 100));
  c.identifier = code + num;
  c.phone = "+44 113 " + Digits(r, 3) + " " + Digits(r, 4);
  c.website = "https://www." + Slug(brand) + ".example";
  c.address_line_1 = std::to_string(1 + r.Below(200)) + " " + r.Pick(kStreets);
  c.city = r.Pick(kCities);
  c.state = "";
  c.zip = "LS" + std::to_string(1 + r.Below(28)) + " " + Digits(r, 1) + "AB";
  c.country = "United Kingdom";
  uint64_t t = r.Below(10);
  c.type = t < 8 ? "Client" : t < 9 ? "Prospect" : "Partner";
  c.active = Active(RecordKind::kCompany, company, 0);
  return c;
}

FakeContact Fleet::Contact(int64_t company, int64_t index) const {
  Rng r(o_.seed, kContact, company, index);
  FakeContact p;
  p.company = company;
  p.index = index;
  p.first_name = r.Pick(kFirst);
  p.last_name = r.Pick(kLast);
  std::string local = Slug(p.first_name) + "." + Slug(p.last_name);
  if (index > 0) local += std::to_string(index);
  p.email = local + "@" + Slug(BrandOf(company)) + ".example";
  p.phone = "+44 7" + Digits(r, 3) + " " + Digits(r, 6);
  p.title = r.Pick(kTitles);
  p.active = Active(RecordKind::kContact, company, index);
  return p;
}

FakeSite Fleet::Site(int64_t company, int64_t index) const {
  Rng r(o_.seed, kSite, company, index);
  FakeSite s;
  s.company = company;
  s.index = index;
  s.primary = index == 0;
  s.name = index == 0 ? "Main Office" : std::string(r.Pick(kSiteNames)) + " " + std::to_string(index);
  s.address_line_1 = std::to_string(1 + r.Below(300)) + " " + r.Pick(kStreets);
  s.city = r.Pick(kCities);
  s.zip = "M" + std::to_string(1 + r.Below(40)) + " " + Digits(r, 1) + "XY";
  s.phone = "+44 161 " + Digits(r, 3) + " " + Digits(r, 4);
  return s;
}

FakeDevice Fleet::Device(int64_t company, int64_t index) const {
  FakeDevice d;
  d.company = company;
  d.index = index;
  int64_t shared_count =
      o_.shared_fleet_seed ? static_cast<int64_t>(o_.devices_per_company * o_.shared_share) : 0;
  d.shared = index < shared_count;
  // The machine itself (type, maker, model, serial) comes from the shared seed when shared; how
  // this vendor sees it (name, state) from its own.
  Rng hw(d.shared ? o_.shared_fleet_seed : o_.seed, d.shared ? kShared : kDevice, company, index);
  const Model& m = PickModel(hw);
  d.type = m.type;
  d.manufacturer = m.maker;
  d.model = m.model;
  d.serial = Serial(hw, m);
  d.os = m.os;
  char name[64];
  std::snprintf(name, sizeof name, "%s-%s-%04lld", Upper(Slug(BrandOf(company))).substr(0, 6).c_str(),
                m.host, static_cast<long long>(index));
  d.name = name;
  d.ip = "10." + std::to_string(company % 250) + "." + std::to_string((index >> 8) & 255) + "." +
         std::to_string(index & 255);
  char mac[18];
  uint64_t bits = hw.Next();
  std::snprintf(mac, sizeof mac, "00:1A:%02X:%02X:%02X:%02X", static_cast<unsigned>(bits & 255),
                static_cast<unsigned>((bits >> 8) & 255), static_cast<unsigned>((bits >> 16) & 255),
                static_cast<unsigned>((bits >> 24) & 255));
  d.mac = mac;
  d.active = Active(RecordKind::kDevice, company, index);
  return d;
}

FakeAgreement Fleet::Agreement(int64_t company, int64_t index) const {
  Rng r(o_.seed, kAgreement, company, index);
  static const char* const kTypes[] = {"Managed Services", "Block Hours", "Backup", "Security"};
  static const char* const kTiers[] = {"Bronze", "Silver", "Gold", "Platinum"};
  FakeAgreement a;
  a.company = company;
  a.index = index;
  a.type = r.Pick(kTypes);
  a.name = a.type + " - " + r.Pick(kTiers);
  a.monthly_cents = static_cast<int64_t>(20000 + r.Below(480000));
  a.active = Active(RecordKind::kAgreement, company, index);
  return a;
}

}  // namespace cairn::sims
