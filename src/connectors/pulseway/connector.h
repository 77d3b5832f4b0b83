// The Pulseway RMM connector (reference/syncro-pulseway-revio.md section 2): organizations as
// companies and devices as "systems", each device joined by Identifier with its entry of
// /assets (serial, maker, model, OS, last seen). Lists page with `$top=100&$skip=` (100 is
// Pulseway's maximum); devices and assets are walked side by side, both ordered by Identifier, so
// only the assets read ahead of the devices are held. Pulseway has no change cursor, so `since_ms`
// is ignored; it has no inactive flag either (every record is active). With the integration
// option `skip_systems`, Kinds() is empty. Used by one thread at a time.
#pragma once

#include "connectors/connector.h"
#include "connectors/pulseway/client.h"

namespace cairn::connectors::pulseway {

class Connector : public connectors::Connector {
 public:
  // `page_size`: `$top` (100, Pulseway's maximum, unless a test asks less).
  Connector(Credentials credentials, VendorClientOptions options, bool skip_systems, int page_size = 100);

  std::string_view slug() const override { return "pulseway_rmm"; }
  Status Check() override { return client_.Check(); }
  std::vector<std::string> Kinds() const override;
  Status List(std::string_view kind, int64_t since_ms, const std::function<Status(VendorItem&&)>& sink) override;
  Result<VendorItem> Get(std::string_view kind, std::string_view vendor_id) override;
  int64_t requests() const override { return client_.http().requests(); }

  Client& client() { return client_; }

 private:
  Client client_;
  bool skip_systems_;
  int page_size_;
};

// The mappings, public for tests. `asset` may be null (a device Pulseway has no asset data for).
VendorItem MapOrganization(const boost::json::object& o);
VendorItem MapSystem(const boost::json::object& device, const boost::json::object* asset);

}  // namespace cairn::connectors::pulseway
