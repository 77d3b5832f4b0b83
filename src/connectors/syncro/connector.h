// The Syncro connector (reference/syncro-pulseway-revio.md section 1): customers as companies
// (`include_disabled=true`), contacts and customer assets (RMM data from
// `properties.kabuto_information`), each listed globally page by page until `meta.total_pages`.
// Syncro has no change cursor for these, so `since_ms` is ignored. Used by one thread at a time.
#pragma once

#include "connectors/connector.h"
#include "connectors/syncro/client.h"

namespace cairn::connectors::syncro {

class Connector : public connectors::Connector {
 public:
  Connector(Credentials credentials, VendorClientOptions options);

  std::string_view slug() const override { return "syncro"; }
  Status Check() override { return client_.Check(); }
  std::vector<std::string> Kinds() const override { return {"contacts", "assets"}; }
  Status List(std::string_view kind, int64_t since_ms, const std::function<Status(VendorItem&&)>& sink) override;
  Result<VendorItem> Get(std::string_view kind, std::string_view vendor_id) override;
  int64_t requests() const override { return client_.http().requests(); }

  Client& client() { return client_; }

 private:
  Client client_;
};

// The mappings, public for tests.
VendorItem MapCustomer(const boost::json::object& o);
VendorItem MapContact(const boost::json::object& o);
VendorItem MapAsset(const boost::json::object& o);

}  // namespace cairn::connectors::syncro
