// The ConnectWise PSA connector (reference/connectwise-halo.md part A): companies, contacts,
// company sites as locations, configurations and agreements, each listed globally (sites: per
// company, the only list Manage has) with pageSize 1000 and forward-only paging where the server
// offers it (navigable page/pageSize with orderBy=id otherwise), incremental by
// `conditions=lastUpdated > [T]`. Used by one thread at a time.
#pragma once

#include <map>
#include <memory>
#include <vector>
#include <string>

#include "connectors/connectwise/client.h"
#include "connectors/connector.h"

namespace cairn::connectors::connectwise {

class Connector : public connectors::Connector {
 public:
  // `page_size`: records asked per page (ConnectWise's maximum, 1000, unless a test asks less).
  // `site_fetchers`: company site lists read at once (one call per company; see ListLocations).
  Connector(Credentials credentials, VendorClientOptions options, int page_size = 1000, int site_fetchers = 4);
  ~Connector() override;

  std::string_view slug() const override { return "cw_manage"; }
  Status Check() override { return client_.Check(); }
  std::vector<std::string> Kinds() const override;
  Status List(std::string_view kind, int64_t since_ms, const std::function<Status(VendorItem&&)>& sink) override;
  bool HasChangeCursor() const override { return true; }  // lastUpdated
  // Starts reading the company sites in the background when locations come after other kinds.
  void WillList(const std::vector<std::string>& kinds, int64_t since_ms) override;
  Result<VendorItem> Get(std::string_view kind, std::string_view vendor_id) override;
  int64_t requests() const override;

  Client& client() { return client_; }

 private:
  // Pages through `path` (a list endpoint) with `query` (extra parameters, "" or "a=b&c=d"),
  // calling `each` on every record in order.
  // The next page is read ahead while `each` runs, unless `each` itself calls the vendor through
  // the same client (read_ahead false).
  Status Walk(const std::string& path, const std::string& query, std::string_view forbidden_hint,
              const std::function<Status(const boost::json::object&)>& each, bool read_ahead = true) {
    return Walk(client_, path, query, forbidden_hint, each, read_ahead);
  }
  Status Walk(Client& client, const std::string& path, const std::string& query, std::string_view forbidden_hint,
              const std::function<Status(const boost::json::object&)>& each, bool read_ahead = true);
  Status WalkNavigable(Client& client, const std::string& path, const std::string& query,
                       std::string_view forbidden_hint, const std::function<Status(const boost::json::object&)>& each);
  Status ListLocations(const std::string& conditions, const std::function<Status(VendorItem&&)>& sink);
  void StartSites(const std::string& conditions);
  class SiteReader;

  Credentials credentials_;
  VendorClientOptions options_;
  Client client_;
  int page_size_;
  // Clients (connections) of their own for the per-company site calls, made on first use, and
  // the reader using them (started by WillList or ListLocations, taken by ListLocations).
  int site_fetchers_;
  std::vector<std::unique_ptr<Client>> site_clients_;
  // Site id -> company id, remembered from listings: a site is only reachable under its company.
  std::map<std::string, std::string> site_company_;
  std::unique_ptr<SiteReader> sites_;  // (last: stopped before the clients it uses go)
};

// The mappings, public for tests.
VendorItem MapCompany(const boost::json::object& o);
VendorItem MapContact(const boost::json::object& o);
VendorItem MapSite(const boost::json::object& o, const std::string& company_id);
VendorItem MapConfiguration(const boost::json::object& o);
VendorItem MapAgreement(const boost::json::object& o);

}  // namespace cairn::connectors::connectwise
