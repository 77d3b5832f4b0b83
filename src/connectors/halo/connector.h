// The HaloPSA connector (reference/connectwise-halo.md part B): clients as companies, users,
// sites, assets (serials from the asset-type fields, `includeassetfields=true`) and client
// contracts, each listed globally with `pageinate=true&page_size=..&page_no=..` and
// `includeactive=true&includeinactive=true`. Halo has no change cursor for these, so `since_ms` is
// ignored and every run lists everything; ListKnown tells the records Cairn already holds from
// their bytes (raw_json.h). Used by one thread at a time.
#pragma once

#include <memory>
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
  // Reads each page as text: a record whose bytes Cairn already holds is passed on unmapped.
  Status ListKnown(std::string_view kind, int64_t since_ms, const KnownDigest& known,
                   const std::function<Status(VendorItem&&)>& sink) override;
  Result<VendorItem> Get(std::string_view kind, std::string_view vendor_id) override;
  int64_t requests() const override {
    return client_.http().requests() + (second_ ? second_->http().requests() : 0);
  }

  Client& client() { return client_; }

 private:
  // The client for even pages (a connection of its own, made on first use with the first
  // client's token), so that two pages are read at once.
  Client& Second();

  Credentials credentials_;
  VendorClientOptions options_;
  Client client_;
  std::unique_ptr<Client> second_;
  int page_size_;
};

// The mappings, public for tests.
VendorItem MapClient(const boost::json::object& o);
VendorItem MapUser(const boost::json::object& o);
VendorItem MapSite(const boost::json::object& o);
VendorItem MapAsset(const boost::json::object& o);
VendorItem MapContract(const boost::json::object& o);

}  // namespace cairn::connectors::halo
