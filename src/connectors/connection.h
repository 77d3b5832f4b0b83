// The connection test of an integration (issue 4, "Test connection"): one vendor's client checks
// the credentials and the permissions a sync needs, and the answer is a sentence a person can act
// on: "Connection successful", or the cause (DNS, TLS, refused credentials, which permission is
// missing, rate limiting) with the vendor, the call and the status.
#pragma once

#include <boost/json/object.hpp>

#include <string>
#include <string_view>

#include "connectors/vendor_client.h"

namespace cairn::connectors {

struct ConnectionResult {
  bool ok = false;
  std::string message;
};

// `credentials` as stored for the integration (connectors/catalog.h names the fields). A test is
// quick: at most two attempts per call unless `options` says otherwise.
ConnectionResult CheckConnection(std::string_view slug, const boost::json::object& credentials,
                                 VendorClientOptions options);

}  // namespace cairn::connectors
