// The HaloPSA connector (reference/connectwise-halo.md part B): clients as companies, users,
// sites, assets (serials from the asset-type fields, `includeassetfields=true`) and client
// contracts, each listed globally with `pageinate=true&page_size=..&page_no=..` and
// `includeactive=true&includeinactive=true`. Halo has no change cursor for these, so `since_ms` is
// ignored. Used by one thread at a time.
#pragma once

#include <string>

#include "connectors/connector.h"
#include "connectors/halo/client.h"

namespace cairn::connectors::halo {

class Connector : public connectors::Connector {
 public:
  // `page_size`: records asked per page (1000, as HaloAPI does, unless a test asks less).
  Connector(Credentials credentials, VendorClientOptions options, int page_size = 1000);

  std::string_view slug() const override { return "halo"; }
  Status Check() override { return client_.Check(); }
  std::vector<std::string> Kinds() const override { return {"users", "sites", "assets", "contracts"}; }
  Status List(std::string_view kind, int64_t since_ms, const std::function<Status(VendorItem&&)>& sink) override;
  Result<VendorItem> Get(std::string_view kind, std::string_view vendor_id) override;
  int64_t requests() const override { return client_.http().requests(); }

  Client& client() { return client_; }

 private:
  Client client_;
  int page_size_;
};

// The mappings, public for tests.
VendorItem MapClient(const boost::json::object& o);
VendorItem MapUser(const boost::json::object& o);
VendorItem MapSite(const boost::json::object& o);
VendorItem MapAsset(const boost::json::object& o);
VendorItem MapContract(const boost::json::object& o);

}  // namespace cairn::connectors::halo
