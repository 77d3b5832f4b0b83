// The four connectors against the simulators over real HTTPS: every kind listed completely and
// exactly (inactive records included) across many pages, the mapped fields checked against the
// seeded fleet, stable ids, ConnectWise's incremental listing, a failure mid-walk, retries under
// injected 429s and dropped connections, and Get of a deleted record.
#include "connectors/connector.h"

#include <gtest/gtest.h>

#include <atomic>
#include <map>
#include <set>
#include <tuple>
#include <thread>

#include <boost/json.hpp>

#include "connectors/connectwise/connector.h"
#include "connectors/halo/connector.h"
#include "connectors/pulseway/connector.h"
#include "connectors/syncro/connector.h"
#include "core/clock.h"
#include "sims/common/https_sim_test.h"
#include "sims/connectwise/connectwise_sim.h"
#include "sims/halo/halo_sim.h"
#include "sims/pulseway/pulseway_sim.h"
#include "sims/syncro/syncro_sim.h"

namespace cairn::connectors {
namespace {

namespace json = boost::json;
using sims::RecordKind;

class ConnectorTest : public sims::HttpsSimTest {
 protected:
  template <class Sim>
  Sim& Start(Sim* sim) {
    StopServer();
    holder_.reset(new Holder<Sim>(sim));
    Serve([sim](http::Request& r) { return sim->Handle(r); });
    return *sim;
  }
  std::string Host() const { return origin_.substr(std::string("https://").size()); }
  VendorClientOptions Options(int max_attempts = 3) {
    VendorClientOptions o;
    o.ca_file = files_->ca_cert;
    o.max_attempts = max_attempts;
    o.sleep = [](std::chrono::milliseconds) {};
    o.jitter_seed = 7;
    return o;
  }
  // The control API; false (with a test failure) when it refused.
  bool Control(const std::string& path, const std::string& body) {
    auto r = client_->Send({.method = "POST", .url = origin_ + path, .headers = {{"X-Sim-Token", "sim-control-token"}},
                            .body = body});
    EXPECT_TRUE(r.ok());
    if (!r.ok()) return false;
    EXPECT_EQ(r->status, 200) << r->body;
    return r->status == 200;
  }

  static sims::FleetOptions Fleet() {
    sims::FleetOptions f;
    f.seed = 3;
    f.companies = 14;
    f.contacts_per_company = 4;
    f.sites_per_company = 2;
    f.devices_per_company = 12;
    f.agreements_per_company = 1;
    f.inactive_share = 0.2;  // plenty of inactive records to see
    return f;
  }

  // Every item of a kind, in order; the test fails on an error.
  std::vector<VendorItem> All(Connector& c, std::string_view kind, int64_t since_ms = 0) {
    std::vector<VendorItem> out;
    Status st = c.List(kind, since_ms, [&](VendorItem&& item) {
      EXPECT_EQ(item.kind, kind);
      out.push_back(std::move(item));
      return Status::Ok();
    });
    EXPECT_TRUE(st.ok()) << kind << ": " << st.ToString();
    return out;
  }
  static std::vector<std::string> Ids(const std::vector<VendorItem>& items) {
    std::vector<std::string> ids;
    for (const auto& i : items) ids.push_back(i.vendor_id);
    return ids;
  }
  static void ExpectUnique(const std::vector<VendorItem>& items, std::string_view kind) {
    auto ids = Ids(items);
    EXPECT_EQ(std::set<std::string>(ids.begin(), ids.end()).size(), ids.size()) << kind << ": duplicate ids";
  }

  // What the fleet says of the tenant's live records of a kind, keyed by (company vendor id,
  // name), against the listed items: exact count, serials (as they are, empty and placeholder
  // ones included), active flags, names. `company_id` maps a tenant company to its vendor id.
  template <class CompanyId>
  void ExpectDevicesMatchFleet(const sims::TenantView& view, const std::vector<VendorItem>& items,
                               CompanyId company_id, bool vendor_has_active_flag) {
    std::map<std::pair<std::string, std::string>, const VendorItem*> by_name;
    for (const auto& i : items) by_name[{i.company_vendor_id, i.name}] = &i;
    ASSERT_EQ(static_cast<int64_t>(items.size()), view.Total(RecordKind::kDevice));
    int placeholders = 0, empties = 0, inactive = 0;
    view.ForEach(RecordKind::kDevice, std::nullopt, [&](sims::RecordKey k) {
      auto d = view.Device(k.company, k.index);
      auto it = by_name.find({company_id(k.company), d->name});
      EXPECT_NE(it, by_name.end()) << d->name;
      if (it == by_name.end()) return true;
      EXPECT_EQ(it->second->serial, d->serial) << d->name;
      EXPECT_EQ(it->second->details.at("Serial Number").as_string(), d->serial) << d->name;
      if (vendor_has_active_flag) {
      EXPECT_EQ(it->second->active, d->active) << d->name;
    }
      placeholders += sims::IsPlaceholderSerial(d->serial) && !d->serial.empty();
      empties += d->serial.empty();
      inactive += !d->active;
      return true;
    });
    EXPECT_GT(placeholders + empties, 0) << "the fleet should hold empty or placeholder serials";
    if (vendor_has_active_flag) {
      EXPECT_GT(inactive, 0);
    }
  }

  template <class CompanyId>
  void ExpectPeopleMatchFleet(const sims::TenantView& view, const std::vector<VendorItem>& items,
                              CompanyId company_id, bool vendor_has_active_flag) {
    // Names repeat within a company: match by (company, name, email).
    std::map<std::tuple<std::string, std::string, std::string>, const VendorItem*> by_key;
    for (const auto& i : items)
      by_key[{i.company_vendor_id, i.name, std::string(i.details.at("Email").as_string())}] = &i;
    ASSERT_EQ(static_cast<int64_t>(items.size()), view.Total(RecordKind::kContact));
    int inactive = 0;
    view.ForEach(RecordKind::kContact, std::nullopt, [&](sims::RecordKey k) {
      auto p = view.Contact(k.company, k.index);
      auto it = by_key.find({company_id(k.company), p->first_name + " " + p->last_name, p->email});
      EXPECT_NE(it, by_key.end()) << p->first_name << " " << p->last_name << " " << p->email;
      if (it == by_key.end()) return true;
      if (vendor_has_active_flag) {
        EXPECT_EQ(it->second->active, p->active) << p->email;
      }
      inactive += !p->active;
      return true;
    });
    if (vendor_has_active_flag) {
      EXPECT_GT(inactive, 0);
    }
  }

  template <class CompanyId>
  void ExpectCompaniesMatchFleet(const sims::TenantView& view, const std::vector<VendorItem>& items,
                                 CompanyId company_id, bool vendor_has_active_flag) {
    std::map<std::string, const VendorItem*> by_id;
    for (const auto& i : items) by_id[i.vendor_id] = &i;
    ASSERT_EQ(static_cast<int64_t>(items.size()), view.Total(RecordKind::kCompany));
    int inactive = 0;
    view.ForEach(RecordKind::kCompany, std::nullopt, [&](sims::RecordKey k) {
      auto c = view.Company(k.company);
      auto it = by_id.find(company_id(k.company));
      EXPECT_NE(it, by_id.end()) << c->name;
      if (it == by_id.end()) return true;
      EXPECT_EQ(it->second->name, c->name);
      EXPECT_EQ(it->second->card.at("Vendor ID").as_string(), it->second->vendor_id);
      if (vendor_has_active_flag) {
      EXPECT_EQ(it->second->active, c->active) << c->name;
    }
      inactive += !c->active;
      return true;
    });
    if (vendor_has_active_flag) {
      EXPECT_GT(inactive, 0) << "the fleet should hold an inactive company";
    }
  }

  // A failure after the first page: the rest of the walk is answered 503, so List fails.
  void ExpectMidWalkFailure(Connector& c, std::string_view kind) {
    int seen = 0;
    Status st = c.List(kind, 0, [&](VendorItem&&) {
      if (++seen == 1) Control("/_sim/faults", R"({"p5xx": 1})");
      return Status::Ok();
    });
    EXPECT_FALSE(st.ok()) << kind << " listed " << seen << " items through a dead server";
    EXPECT_GT(seen, 0);
    EXPECT_TRUE(Control("/_sim/faults", "{}"));
  }

  struct HolderBase {
    virtual ~HolderBase() = default;
  };
  template <class Sim>
  struct Holder : HolderBase {
    explicit Holder(Sim* s) : sim(s) {}
    std::unique_ptr<Sim> sim;
  };
  void TearDown() override {
    StopServer();
    holder_.reset();
  }
  std::unique_ptr<HolderBase> holder_;
};

// ---------------------------------------------------------------------------------------------
// ConnectWise PSA

class ConnectWiseTest : public ConnectorTest {
 protected:
  sims::connectwise::ConnectWiseSim& StartCw(int max_page_size = 7) {
    sims::connectwise::ConnectWiseSimOptions o;
    o.fleet = Fleet();
    o.max_page_size = max_page_size;
    return Start(new sims::connectwise::ConnectWiseSim(o));
  }
  std::unique_ptr<Connector> Make(int max_attempts = 3) {
    json::object creds{{"site", Host()}, {"company", "cairnsim"}, {"public_key", "sim-cw-public"},
                       {"private_key", "sim-cw-private"}, {"client_id", "sim-cw-client-id"}};
    auto c = MakeConnector("cw_manage", creds, {}, Options(max_attempts));
    EXPECT_TRUE(c.ok());
    return std::move(*c);
  }
  static std::string CompanyId(int64_t c) { return std::to_string(sims::connectwise::ConnectWiseSim::CompanyId(c)); }
};

TEST_F(ConnectWiseTest, ListsEveryKindExactlyAcrossPages) {
  auto& sim = StartCw();
  ASSERT_TRUE(Control("/_sim/mutate", R"({"kind": "companies", "action": "deactivate", "count": 2})"));
  auto cw = Make();
  EXPECT_EQ(cw->slug(), "cw_manage");
  EXPECT_EQ(cw->Kinds(), (std::vector<std::string>{"contacts", "configurations", "agreements", "locations"}));
  ASSERT_TRUE(cw->Check().ok());
  auto view = sim.tenant().View();

  auto companies = All(*cw, "companies");
  ExpectUnique(companies, "companies");
  ExpectCompaniesMatchFleet(*view, companies, &CompanyId, true);
  const VendorItem& first = companies.front();
  EXPECT_EQ(first.identifier, view->Company(0)->identifier);
  EXPECT_EQ(first.details.at("phone_number").as_string(), view->Company(0)->phone);
  EXPECT_EQ(first.details.at("city").as_string(), view->Company(0)->city);
  EXPECT_GT(first.updated_ms, 0);
  EXPECT_FALSE(first.type.empty());

  auto contacts = All(*cw, "contacts");
  ExpectUnique(contacts, "contacts");
  ExpectPeopleMatchFleet(*view, contacts, &CompanyId, true);

  auto locations = All(*cw, "locations");
  ExpectUnique(locations, "locations");
  EXPECT_EQ(static_cast<int64_t>(locations.size()), view->Total(RecordKind::kSite));
  EXPECT_EQ(locations.front().company_vendor_id, CompanyId(0));
  EXPECT_EQ(locations.front().name, view->Site(0, 0)->name);
  EXPECT_EQ(locations.front().details.at("City").as_string(), view->Site(0, 0)->city);

  auto configurations = All(*cw, "configurations");
  ExpectUnique(configurations, "configurations");
  ExpectDevicesMatchFleet(*view, configurations, &CompanyId, true);
  EXPECT_FALSE(configurations.front().type.empty());
  EXPECT_GT(configurations.front().card.size(), 5u);

  auto agreements = All(*cw, "agreements");
  EXPECT_EQ(static_cast<int64_t>(agreements.size()), view->Total(RecordKind::kAgreement));
  EXPECT_EQ(agreements.front().name, view->Agreement(0, 0)->name);
  EXPECT_EQ(agreements.front().type, view->Agreement(0, 0)->type);

  // The same ids, in the same order, a second time.
  EXPECT_EQ(Ids(All(*cw, "configurations")), Ids(configurations));
  EXPECT_EQ(Ids(All(*cw, "companies")), Ids(companies));

  // Get answers the same record as the list.
  auto one = cw->Get("configurations", configurations[5].vendor_id);
  ASSERT_TRUE(one.ok()) << one.status().ToString();
  EXPECT_EQ(one->name, configurations[5].name);
  EXPECT_EQ(one->serial, configurations[5].serial);
  auto site = cw->Get("locations", locations[3].vendor_id);
  ASSERT_TRUE(site.ok()) << site.status().ToString();
  EXPECT_EQ(site->name, locations[3].name);
  EXPECT_EQ(site->company_vendor_id, locations[3].company_vendor_id);
}

// Forward-only paging where the server offers it, navigable paging where it ignores the header.
TEST_F(ConnectWiseTest, PagesForwardOnlyOrFallsBackToNavigable) {
  sims::connectwise::ConnectWiseSimOptions o;
  o.fleet = Fleet();
  o.max_page_size = 7;
  auto* sim = new sims::connectwise::ConnectWiseSim(o);
  holder_.reset(new Holder<sims::connectwise::ConnectWiseSim>(sim));
  std::atomic<bool> ignore_forward_only{false};
  std::atomic<int> forward_only{0}, navigable{0};
  Serve([&, sim](http::Request& r) {
    bool fo = r.Header("pagination-type").has_value();
    if (r.target.find("page=") != std::string::npos) ++navigable;
    if (fo) ++forward_only;
    if (fo && ignore_forward_only) std::erase_if(r.headers, [](const auto& h) { return h.first == "pagination-type"; });
    return sim->Handle(r);
  });
  auto view = sim->tenant().View();
  auto cw = Make();
  auto configurations = All(*cw, "configurations");
  EXPECT_EQ(static_cast<int64_t>(configurations.size()), view->Total(RecordKind::kDevice));
  EXPECT_EQ(navigable, 0);
  EXPECT_GT(forward_only, 2);

  ignore_forward_only = true;
  auto again = All(*cw, "configurations");
  EXPECT_GT(navigable, 2);
  EXPECT_EQ(Ids(again), Ids(configurations));
  StopServer();
}

TEST_F(ConnectWiseTest, GetFindsASiteWithoutAListingAndDeletedRecordsAreNotFound) {
  StartCw();
  auto cw = Make();
  auto locations = All(*cw, "locations");
  ASSERT_GT(locations.size(), 5u);
  auto fresh = Make();
  auto site = fresh->Get("locations", locations[5].vendor_id);
  ASSERT_TRUE(site.ok()) << site.status().ToString();
  EXPECT_EQ(site->name, locations[5].name);

  auto contacts = All(*cw, "contacts");
  ASSERT_TRUE(Control("/_sim/mutate",
                      R"({"kind": "contacts", "action": "delete", "ids": [)" + contacts[2].vendor_id + "]}"));
  auto gone = cw->Get("contacts", contacts[2].vendor_id);
  EXPECT_EQ(gone.status().code(), Code::kNotFound) << gone.status().ToString();
  EXPECT_EQ(All(*cw, "contacts").size(), contacts.size() - 1);
  EXPECT_EQ(cw->Get("companies", "999999").status().code(), Code::kNotFound);
  EXPECT_EQ(fresh->Get("locations", "999999").status().code(), Code::kNotFound);
}

TEST_F(ConnectWiseTest, IncrementalListsOnlyWhatChanged) {
  StartCw(1000);
  auto cw = Make();
  int64_t before = cw->requests();
  auto all = All(*cw, "companies");
  int64_t full_cost = cw->requests() - before;
  ASSERT_GT(all.size(), 3u);

  int64_t t = SystemClock().NowMs() - 1;
  ASSERT_TRUE(Control("/_sim/mutate", R"({"kind": "companies", "action": "rename", "ids": [)" + all[3].vendor_id + "]}"));
  before = cw->requests();
  auto changed = All(*cw, "companies", t);
  int64_t cost = cw->requests() - before;
  ASSERT_EQ(changed.size(), 1u);
  EXPECT_EQ(changed[0].vendor_id, all[3].vendor_id);
  EXPECT_NE(changed[0].name, all[3].name);
  EXPECT_GE(changed[0].updated_ms, t - 1000);
  EXPECT_LE(cost, full_cost);
  // A cursor after the change: nothing.
  EXPECT_TRUE(All(*cw, "companies", SystemClock().NowMs() + 2000).empty());
  // Configurations and sites take the condition too.
  EXPECT_TRUE(All(*cw, "configurations", t).empty());
  EXPECT_TRUE(All(*cw, "locations", t).empty());
}

TEST_F(ConnectWiseTest, IncrementalCostsFewerRequestsThanAFullList) {
  StartCw(7);  // companies take two pages in full
  auto cw = Make();
  int64_t before = cw->requests();
  auto all = All(*cw, "companies");
  int64_t full_cost = cw->requests() - before;
  int64_t t = SystemClock().NowMs() - 1;
  ASSERT_TRUE(Control("/_sim/mutate", R"({"kind": "companies", "action": "rename", "ids": [)" + all[0].vendor_id + "]}"));
  before = cw->requests();
  auto changed = All(*cw, "companies", t);
  EXPECT_EQ(changed.size(), 1u);
  EXPECT_LT(cw->requests() - before, full_cost);
}

// WillList starts the per-company site calls in the background: they are made while the other
// kinds are listed, and the locations listing then passes on what they read, in company order,
// without calling again. A failure of a background call is the locations listing's error.
TEST_F(ConnectWiseTest, SitesAreReadInTheBackgroundWhileTheKindsBeforeThemAreListed) {
  sims::connectwise::ConnectWiseSimOptions o;
  o.fleet = Fleet();
  o.max_page_size = 7;
  auto* sim = new sims::connectwise::ConnectWiseSim(o);
  holder_.reset(new Holder<sims::connectwise::ConnectWiseSim>(sim));
  std::atomic<int> site_calls{0};
  std::atomic<bool> fail_sites{false};
  std::atomic<int> fail_after{-1};  // >= 0: site calls after that many answer 503
  Serve([&, sim](http::Request& r) {
    if (r.target.find("/sites") != std::string::npos) {
      int n = ++site_calls;
      if (fail_after >= 0 && n > fail_after) {
        http::Response down;
        down.status = 503;
        down.body = R"({"code": "Unavailable", "message": "down"})";
        return down;
      }
      if (fail_sites) {
        http::Response bad;
        bad.status = 403;
        bad.body = R"({"code": "Forbidden", "message": "no access"})";
        return bad;
      }
    }
    return sim->Handle(r);
  });
  auto view = sim->tenant().View();
  auto reference = Make();
  auto expected = All(*reference, "locations");
  ASSERT_EQ(static_cast<int64_t>(expected.size()), view->Total(RecordKind::kSite));
  const int companies = site_calls.exchange(0);  // (one call per company)
  ASSERT_GT(companies, 5);

  auto cw = Make();
  cw->WillList(cw->Kinds(), 0);
  EXPECT_FALSE(All(*cw, "contacts").empty());
  // Every company's sites are read without a locations listing.
  for (int i = 0; i < 500 && site_calls < companies; ++i) std::this_thread::sleep_for(std::chrono::milliseconds(10));
  EXPECT_EQ(site_calls, companies);
  auto locations = All(*cw, "locations");
  EXPECT_EQ(site_calls, companies);  // (nothing called again)
  EXPECT_EQ(Ids(locations), Ids(expected));
  // A second listing reads afresh.
  EXPECT_EQ(Ids(All(*cw, "locations")), Ids(expected));
  EXPECT_EQ(site_calls, 2 * companies);

  // A refused site call in the background fails the locations listing, with the vendor's hint.
  auto failing = Make();
  fail_sites = true;
  failing->WillList(failing->Kinds(), 0);
  std::vector<VendorItem> got;
  auto st = failing->List("locations", 0, [&](VendorItem&& item) {
    got.push_back(std::move(item));
    return Status::Ok();
  });
  EXPECT_FALSE(st.ok());
  EXPECT_NE(st.message().find("Company Maintenance"), std::string::npos) << st.ToString();
  EXPECT_TRUE(got.empty());
  // Site calls that fail part-way (5xx past the retries) fail the listing too.
  fail_sites = false;
  site_calls = 0;
  fail_after = 5;
  auto halfway = Make(2);
  halfway->WillList(halfway->Kinds(), 0);
  got.clear();
  st = halfway->List("locations", 0, [&](VendorItem&& item) {
    got.push_back(std::move(item));
    return Status::Ok();
  });
  EXPECT_FALSE(st.ok()) << "listed " << got.size() << " sites through failing calls";
  EXPECT_EQ(st.code(), Code::kUnavailable) << st.ToString();
  EXPECT_LT(got.size(), expected.size());
  // A connector dropped with its reader still running stops it.
  fail_after = -1;
  auto dropped = Make();
  dropped->WillList(dropped->Kinds(), 0);
  dropped.reset();
  StopServer();
}

TEST_F(ConnectWiseTest, AFailureMidWalkIsAnError) {
  StartCw();
  auto cw = Make(2);
  ExpectMidWalkFailure(*cw, "configurations");
  // (locations: SitesAreReadInTheBackground... fails their calls part-way)
}

TEST_F(ConnectWiseTest, RetriesStillGiveCompleteLists) {
  auto& sim = StartCw();
  auto view = sim.tenant().View();
  for (const char* faults : {R"({"p429": 0.3})", R"({"preset": 0.2})"}) {
    ASSERT_TRUE(Control("/_sim/faults", faults));
    auto cw = Make(12);
    auto configurations = All(*cw, "configurations");
    ExpectUnique(configurations, "configurations");
    EXPECT_EQ(static_cast<int64_t>(configurations.size()), view->Total(RecordKind::kDevice)) << faults;
    EXPECT_EQ(static_cast<int64_t>(All(*cw, "contacts").size()), view->Total(RecordKind::kContact)) << faults;
    EXPECT_EQ(static_cast<int64_t>(All(*cw, "locations").size()), view->Total(RecordKind::kSite)) << faults;
  }
}

// ---------------------------------------------------------------------------------------------
// HaloPSA

class HaloTest : public ConnectorTest {
 protected:
  sims::halo::HaloSim& StartHalo() {
    sims::halo::HaloSimOptions o;
    o.fleet = Fleet();
    return Start(new sims::halo::HaloSim(o));
  }
  std::unique_ptr<halo::Connector> Make(int max_attempts = 3, int page_size = 7) {
    return std::make_unique<halo::Connector>(
        halo::Credentials{origin_ + "/api", "cairn-sim", "sim-halo-client-id", "sim-halo-client-secret"},
        Options(max_attempts), page_size);
  }
  static std::string ClientId(int64_t c) { return std::to_string(100 + c); }
};

TEST_F(HaloTest, ListsEveryKindExactlyAcrossPages) {
  auto& sim = StartHalo();
  ASSERT_TRUE(Control("/_sim/mutate", R"({"kind": "clients", "action": "deactivate", "count": 2})"));
  auto halo = Make();
  EXPECT_EQ(halo->Kinds(), (std::vector<std::string>{"users", "sites", "assets", "contracts"}));
  auto view = sim.tenant().View();

  auto clients = All(*halo, "companies");
  ExpectUnique(clients, "companies");
  ExpectCompaniesMatchFleet(*view, clients, &ClientId, true);
  EXPECT_EQ(clients.front().details.at("website").as_string(), view->Company(0)->website);

  auto users = All(*halo, "users");
  ExpectUnique(users, "users");
  ExpectPeopleMatchFleet(*view, users, &ClientId, true);

  auto sites = All(*halo, "sites");
  ExpectUnique(sites, "sites");
  EXPECT_EQ(static_cast<int64_t>(sites.size()), view->Total(RecordKind::kSite));
  EXPECT_EQ(sites.front().company_vendor_id, ClientId(0)) << "Halo's decimal client_id reads as an integer id";

  auto assets = All(*halo, "assets");
  ExpectUnique(assets, "assets");
  ExpectDevicesMatchFleet(*view, assets, &ClientId, true);
  EXPECT_EQ(assets.front().details.at("Model").as_string(), view->Device(0, 0)->model);
  EXPECT_EQ(assets.front().type, sims::DeviceTypeName(view->Device(0, 0)->type));

  auto contracts = All(*halo, "contracts");
  EXPECT_EQ(static_cast<int64_t>(contracts.size()), view->Total(RecordKind::kAgreement));
  EXPECT_EQ(contracts.front().name, view->Agreement(0, 0)->name);

  EXPECT_EQ(Ids(All(*halo, "assets")), Ids(assets));

  auto one = halo->Get("assets", assets[4].vendor_id);
  ASSERT_TRUE(one.ok()) << one.status().ToString();
  EXPECT_EQ(one->serial, assets[4].serial);
  EXPECT_EQ(one->name, assets[4].name);
  ASSERT_TRUE(Control("/_sim/mutate", R"({"kind": "assets", "action": "delete", "ids": [)" + assets[4].vendor_id + "]}"));
  EXPECT_EQ(halo->Get("assets", assets[4].vendor_id).status().code(), Code::kNotFound);
  EXPECT_EQ(All(*halo, "assets").size(), assets.size() - 1);
}

TEST_F(HaloTest, ListKnownPassesOnUnmappedOnlyWhatCairnHoldsAsItIs) {
  StartHalo();
  auto halo = Make();
  auto list = [&](const KnownDigest& known) {
    std::vector<VendorItem> out;
    auto st = halo->ListKnown("assets", 0, known, [&](VendorItem&& i) {
      out.push_back(std::move(i));
      return Status::Ok();
    });
    EXPECT_TRUE(st.ok()) << st.ToString();
    return out;
  };
  auto first = list({});
  ASSERT_GT(first.size(), 10u);
  std::map<std::string, std::string> held;
  std::map<std::string, VendorItem> mapped;
  for (auto& i : first) {
    EXPECT_TRUE(i.mapped);
    EXPECT_TRUE(i.source_digest.starts_with("s1:")) << i.source_digest;
    held[i.vendor_id] = i.source_digest + "h2:0123456789abcdef";
    mapped[i.vendor_id] = i;
  }
  EXPECT_EQ(list({}).front().source_digest, first.front().source_digest) << "the same bytes, the same digest";
  // One asset changes at the vendor, one Cairn does not hold, one it holds under an older digest.
  const std::string renamed = first[3].vendor_id, unknown = first[5].vendor_id, stale = first[6].vendor_id;
  ASSERT_TRUE(Control("/_sim/mutate", R"({"kind": "assets", "action": "rename", "ids": [)" + renamed + "]}"));
  held.erase(unknown);
  held[stale] = "h2:0123456789abcdef";
  auto second = list([&](std::string_view id) -> const std::string* {
    auto it = held.find(std::string(id));
    return it == held.end() ? nullptr : &it->second;
  });
  ASSERT_EQ(second.size(), first.size());
  int unmapped = 0;
  for (const auto& i : second) {
    const VendorItem& before = mapped.at(i.vendor_id);
    if (i.vendor_id == renamed || i.vendor_id == unknown || i.vendor_id == stale) {
      EXPECT_TRUE(i.mapped) << i.vendor_id;
      EXPECT_EQ(i.name != before.name, i.vendor_id == renamed) << i.vendor_id;
      EXPECT_EQ(i.source_digest != before.source_digest, i.vendor_id == renamed) << i.vendor_id;
      continue;
    }
    ++unmapped;
    EXPECT_FALSE(i.mapped) << i.vendor_id;
    EXPECT_EQ(i.kind, "assets");
    EXPECT_EQ(i.source_digest, before.source_digest);
    EXPECT_EQ(i.company_vendor_id, before.company_vendor_id) << "read raw as the mapping reads it";
    EXPECT_EQ(i.type, before.type);
    EXPECT_TRUE(i.name.empty() && i.card.empty()) << "not mapped";
  }
  EXPECT_EQ(unmapped, static_cast<int>(first.size()) - 3);
}

TEST_F(HaloTest, AFailureMidWalkIsAnErrorAndRetriesStillGiveCompleteLists) {
  auto& sim = StartHalo();
  auto view = sim.tenant().View();
  auto failing = Make(2);
  ExpectMidWalkFailure(*failing, "assets");
  for (const char* faults : {R"({"p429": 0.3})", R"({"preset": 0.2})"}) {
    ASSERT_TRUE(Control("/_sim/faults", faults));
    auto halo = Make(12);
    EXPECT_EQ(static_cast<int64_t>(All(*halo, "assets").size()), view->Total(RecordKind::kDevice)) << faults;
    EXPECT_EQ(static_cast<int64_t>(All(*halo, "users").size()), view->Total(RecordKind::kContact)) << faults;
  }
}

TEST_F(HaloTest, MakeConnectorUsesTheLargestPage) {
  auto& sim = StartHalo();
  json::object creds{{"resource_server", origin_ + "/api"}, {"tenant", "cairn-sim"},
                     {"client_id", "sim-halo-client-id"}, {"client_secret", "sim-halo-client-secret"}};
  auto halo = MakeConnector("halo", creds, {}, Options());
  ASSERT_TRUE(halo.ok());
  auto assets = All(**halo, "assets");
  EXPECT_EQ(static_cast<int64_t>(assets.size()), sim.tenant().View()->Total(RecordKind::kDevice));
  EXPECT_LE((*halo)->requests(), 3);  // authinfo, token, one page
}

// ---------------------------------------------------------------------------------------------
// Syncro

class SyncroTest : public ConnectorTest {
 protected:
  sims::syncro::SyncroSim& StartSyncro() {
    sims::syncro::SyncroSimOptions o;
    o.fleet = Fleet();
    o.customers_per_page = 4;
    o.contacts_per_page = 6;
    o.assets_per_page = 7;
    o.rate_limit_per_minute = 0;
    return Start(new sims::syncro::SyncroSim(o));
  }
  std::unique_ptr<Connector> Make(int max_attempts = 3) {
    auto c = MakeConnector("syncro", {{"domain", Host()}, {"api_key", "sim-syncro-api-key"}}, {}, Options(max_attempts));
    EXPECT_TRUE(c.ok());
    return std::move(*c);
  }
  static std::string CustomerId(int64_t c) { return std::to_string(1000 + c); }
};

TEST_F(SyncroTest, ListsEveryKindExactlyAcrossPages) {
  auto& sim = StartSyncro();
  ASSERT_TRUE(Control("/_sim/mutate", R"({"kind": "customers", "action": "deactivate", "count": 2})"));
  auto syncro = Make();
  EXPECT_EQ(syncro->Kinds(), (std::vector<std::string>{"contacts", "assets"}));
  auto view = sim.tenant().View();

  auto customers = All(*syncro, "companies");
  ExpectUnique(customers, "companies");
  ExpectCompaniesMatchFleet(*view, customers, &CustomerId, true);  // disabled ones included

  auto contacts = All(*syncro, "contacts");
  ExpectUnique(contacts, "contacts");
  ExpectPeopleMatchFleet(*view, contacts, &CustomerId, false);

  auto assets = All(*syncro, "assets");
  ExpectUnique(assets, "assets");
  ExpectDevicesMatchFleet(*view, assets, &CustomerId, false);
  bool agent = false, other = false;
  for (const auto& a : assets) {
    if (a.type == "Syncro Device") {
      agent = true;
      EXPECT_FALSE(a.details.at("Operating System").as_string().empty()) << a.name;
      EXPECT_FALSE(a.details.at("MAC Address").as_string().empty()) << a.name;
    } else {
      other = true;
    }
    EXPECT_FALSE(a.details.at("Model").as_string().empty()) << a.name;
  }
  EXPECT_TRUE(agent && other);

  EXPECT_EQ(Ids(All(*syncro, "assets")), Ids(assets));

  auto one = syncro->Get("contacts", contacts[3].vendor_id);  // an unwrapped detail
  ASSERT_TRUE(one.ok()) << one.status().ToString();
  EXPECT_EQ(one->name, contacts[3].name);
  auto asset = syncro->Get("assets", assets[3].vendor_id);
  ASSERT_TRUE(asset.ok()) << asset.status().ToString();
  EXPECT_EQ(asset->serial, assets[3].serial);
  ASSERT_TRUE(Control("/_sim/mutate", R"({"kind": "customers", "action": "delete", "ids": [)" + customers[1].vendor_id + "]}"));
  EXPECT_EQ(syncro->Get("companies", customers[1].vendor_id).status().code(), Code::kNotFound);
}

TEST_F(SyncroTest, AFailureMidWalkIsAnErrorAndRetriesStillGiveCompleteLists) {
  auto& sim = StartSyncro();
  auto view = sim.tenant().View();
  auto failing = Make(2);
  ExpectMidWalkFailure(*failing, "assets");
  for (const char* faults : {R"({"p429": 0.3})", R"({"preset": 0.2})"}) {
    ASSERT_TRUE(Control("/_sim/faults", faults));
    auto syncro = Make(12);
    EXPECT_EQ(static_cast<int64_t>(All(*syncro, "assets").size()), view->Total(RecordKind::kDevice)) << faults;
    EXPECT_EQ(static_cast<int64_t>(All(*syncro, "companies").size()), view->Total(RecordKind::kCompany)) << faults;
  }
}

// ---------------------------------------------------------------------------------------------
// Pulseway RMM

class PulsewayTest : public ConnectorTest {
 protected:
  sims::pulseway::PulsewaySim& StartPulseway() {
    sims::pulseway::PulsewaySimOptions o;
    o.fleet = Fleet();
    return Start(new sims::pulseway::PulsewaySim(o));
  }
  std::unique_ptr<pulseway::Connector> Make(int max_attempts = 3, int page_size = 7) {
    return std::make_unique<pulseway::Connector>(
        pulseway::Credentials{Host(), "sim-pulseway-token-id", "sim-pulseway-token-secret"}, Options(max_attempts),
        false, page_size);
  }
  static std::string OrgId(int64_t c) { return std::to_string(100 + c); }
};

TEST_F(PulsewayTest, ListsOrganizationsAndSystemsJoinedWithAssets) {
  auto& sim = StartPulseway();
  auto pw = Make();
  EXPECT_EQ(pw->Kinds(), (std::vector<std::string>{"systems"}));
  auto view = sim.tenant().View();

  auto orgs = All(*pw, "companies");
  ExpectUnique(orgs, "companies");
  ExpectCompaniesMatchFleet(*view, orgs, &OrgId, false);

  int64_t before = pw->requests();
  auto systems = All(*pw, "systems");
  int64_t cost = pw->requests() - before;
  ExpectUnique(systems, "systems");
  ExpectDevicesMatchFleet(*view, systems, &OrgId, false);
  // Two lists, page by page: never a request per device.
  int64_t pages = (view->Total(RecordKind::kDevice) + 6) / 7;
  EXPECT_LE(cost, 2 * pages + 2);
  const VendorItem& s = systems.front();
  EXPECT_FALSE(s.type.empty());
  EXPECT_GT(s.updated_ms, 0);
  EXPECT_FALSE(s.link.empty());
  EXPECT_EQ(s.details.at("Model").as_string(), view->Device(0, 0)->model);
  EXPECT_EQ(s.details.at("IP Address").as_string(), view->Device(0, 0)->ip);
  EXPECT_TRUE(s.card.contains("Site"));

  EXPECT_EQ(Ids(All(*pw, "systems")), Ids(systems));

  auto one = pw->Get("systems", systems[6].vendor_id);
  ASSERT_TRUE(one.ok()) << one.status().ToString();
  EXPECT_EQ(one->serial, systems[6].serial);
  EXPECT_EQ(one->company_vendor_id, systems[6].company_vendor_id);
  ASSERT_TRUE(Control("/_sim/mutate", R"({"kind": "devices", "action": "delete", "ids": [")" + systems[6].vendor_id + "\"]}"));
  EXPECT_EQ(pw->Get("systems", systems[6].vendor_id).status().code(), Code::kNotFound);
  EXPECT_EQ(All(*pw, "systems").size(), systems.size() - 1);
}

TEST_F(PulsewayTest, SkipSystemsLeavesNoKinds) {
  StartPulseway();
  json::object creds{{"server", Host()}, {"token_id", "sim-pulseway-token-id"},
                     {"token_secret", "sim-pulseway-token-secret"}};
  auto skipping = MakeConnector("pulseway_rmm", creds, {{"skip_systems", true}}, Options());
  ASSERT_TRUE(skipping.ok());
  EXPECT_TRUE((*skipping)->Kinds().empty());
  auto normal = MakeConnector("pulseway_rmm", creds, {{"skip_systems", false}}, Options());
  ASSERT_TRUE(normal.ok());
  EXPECT_EQ((*normal)->Kinds(), (std::vector<std::string>{"systems"}));
  EXPECT_TRUE((*normal)->Check().ok());
  EXPECT_EQ(MakeConnector("nope", creds, {}, Options()).status().code(), Code::kInvalidArgument);
}

TEST_F(PulsewayTest, AFailureMidWalkIsAnErrorAndRetriesStillGiveCompleteLists) {
  auto& sim = StartPulseway();
  auto view = sim.tenant().View();
  auto failing = Make(2);
  ExpectMidWalkFailure(*failing, "systems");
  for (const char* faults : {R"({"p429": 0.3})", R"({"preset": 0.2})"}) {
    ASSERT_TRUE(Control("/_sim/faults", faults));
    auto pw = Make(12);
    auto systems = All(*pw, "systems");
    EXPECT_EQ(static_cast<int64_t>(systems.size()), view->Total(RecordKind::kDevice)) << faults;
    ExpectUnique(systems, "systems");
  }
}

}  // namespace
}  // namespace cairn::connectors
