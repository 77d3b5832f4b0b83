// The one interface the sync engine (src/sync) sees of a vendor: it lists the vendor's records of
// each kind as vendor-neutral VendorItems, and knows nothing of Cairn's store. Each vendor's
// connector (connectors/<vendor>/connector.cpp) pages through its API with its client and maps
// the vendor's JSON here; the engine does matching, sorting, diffing and applying.
//
// A Connector is used by one thread at a time.
#pragma once

#include <boost/json/object.hpp>

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "connectors/vendor_client.h"
#include "core/status.h"

namespace cairn::connectors {

// One record at the vendor, as the engine needs it.
struct VendorItem {
  std::string kind;               // "companies" or one of Connector::Kinds()
  std::string vendor_id;          // the vendor's id, as text ("250", a GUID, ...)
  std::string company_vendor_id;  // the owning company's vendor id; "" for companies
  std::string name;               // what Cairn names the record (company name, person's full name, host name)
  std::string identifier;         // companies: the vendor's short code (ConnectWise identifier); else ""
  std::string type;               // the vendor's type name: configuration/asset type, contact type, company type
  std::string serial;             // primary serial number as the vendor has it ("" when none)
  bool active = true;             // false: inactive/disabled at the vendor (still listed)
  int64_t updated_ms = 0;         // the vendor's last-update stamp (Unix ms); 0 when it has none
  std::string link;               // URL of the record in the vendor's own UI; "" when unknown
  // Companies: Cairn's company fields the vendor fills, by Cairn's names (phone_number, website,
  // address_line_1, address_line_2, city, state, zip, country_name, company_type). Other kinds:
  // Cairn-side field values by label for the default layouts (e.g. "Email", "Phone", "Title",
  // "Serial Number", "Manufacturer", "Model", "Operating System", "IP Address").
  boost::json::object details;
  // The integration card: the vendor's own view of the record, label -> scalar, flattened (as
  // Hudu's integrator cards show it). Also the data points connected fields choose from.
  boost::json::object card;
  // Not set by connectors: the sync engine's digest of all the above (on the listing thread),
  // which tells an unchanged record without comparing it field by field.
  std::string digest;
  // Set by connectors that list with ListKnown: the digest of the record's bytes as the vendor
  // sent them ("s1:" + 16 hex digits, the prefix naming the mapping that read them). Cairn keeps
  // it in front of the engine's digest.
  std::string source_digest;
  // False: passed on by ListKnown without being mapped, because its source digest is the one
  // Cairn holds. Only kind, vendor_id, company_vendor_id, type and source_digest are set.
  bool mapped = true;
};

// What Cairn holds of a record, for ListKnown: the digest stored for `vendor_id` of the kind
// listed, nullptr when it holds none (or holds it as gone). Called on the listing thread.
using KnownDigest = std::function<const std::string*(std::string_view vendor_id)>;

class Connector {
 public:
  virtual ~Connector() = default;

  virtual std::string_view slug() const = 0;
  // The connection test (see connection.h).
  virtual Status Check() = 0;
  // The kinds this vendor brings besides companies, in the order a sync takes them: the vendor's
  // default-layout kinds (catalog.h) and "agreements" or "contracts" where it has them.
  virtual std::vector<std::string> Kinds() const = 0;
  // Every record of `kind` ("companies" or one of Kinds()), inactive ones included, in the
  // vendor's order, passed to `sink` one at a time (the sink may stop the walk by returning an
  // error, which List returns). `since_ms` > 0 asks only for records changed after that time
  // where the vendor can filter (ConnectWise lastUpdated); the others list everything. An error
  // means the enumeration is incomplete: the engine must archive nothing of that kind then.
  // Connectors read the next page ahead while the sink runs, so the sink must not call the
  // connector itself.
  virtual Status List(std::string_view kind, int64_t since_ms,
                      const std::function<Status(VendorItem&&)>& sink) = 0;
  // Called once before a run lists `kinds` in that order, each with `since_ms`: a connector may
  // start reading a kind in the background (on connections of its own, bounded), so that its
  // latency is spent while the kinds before it are read. List then passes on what was read.
  virtual void WillList(const std::vector<std::string>& /*kinds*/, int64_t /*since_ms*/) {}
  // Whether List honours since_ms. Runs against a vendor without a change cursor list everything
  // every time, so each of them is a complete enumeration.
  virtual bool HasChangeCursor() const { return false; }
  // As List, and a record whose source digest begins `known(its vendor id)` may be passed on
  // unmapped (VendorItem::mapped false): what is unchanged is told before it is parsed. Vendors
  // that cannot tell list as List does.
  virtual Status ListKnown(std::string_view kind, int64_t since_ms, const KnownDigest& /*known*/,
                           const std::function<Status(VendorItem&&)>& sink) {
    return List(kind, since_ms, sink);
  }
  // One record again, for "re-sync this card". NotFound when the vendor no longer has it.
  virtual Result<VendorItem> Get(std::string_view kind, std::string_view vendor_id) = 0;
  // Calls made to the vendor so far (retries included), for run reports and tests.
  virtual int64_t requests() const = 0;
};

// The connector for an integration: `slug` as in catalog.h, `credentials` and `options` as the
// integration stores them. InvalidArgument for an unknown slug.
Result<std::unique_ptr<Connector>> MakeConnector(std::string_view slug, const boost::json::object& credentials,
                                                 const boost::json::object& options,
                                                 VendorClientOptions client_options);

}  // namespace cairn::connectors
