// Internal to the ConnectWise simulator: the tenant's records in ConnectWise's JSON shapes
// (../shared/reference/connectwise-halo.md A6), the ids, and each record type's filterable
// fields. Only connectwise_sim.cpp and the tests include this.
//
// Shapes follow ConnectWise's habits: fields that would be null are left out (the server omits
// nulls), an empty serial number is absent, reference sub-objects are {id, name, _info: {*_href}}
// (companies add `identifier`), and every record has `_info` with lastUpdated, updatedBy,
// dateEntered and enteredBy, stamps rendered to the second with a `Z`.
#pragma once

#include <boost/json/array.hpp>
#include <boost/json/object.hpp>

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "sims/common/tenant.h"
#include "sims/connectwise/connectwise_conditions.h"

namespace cairn::sims::connectwise {

inline constexpr int64_t kCompanyIdBase = 250;
inline constexpr int64_t kChildStride = 10'000'000;  // child ids: (company + 1) * stride + index

// The vendor's id <-> the tenant's key. KeyOf answers nullopt for ids no record can have.
int64_t IdOf(RecordKind kind, RecordKey key);
std::optional<RecordKey> KeyOf(RecordKind kind, int64_t id);

// "2024-05-01T10:00:00Z" from Unix milliseconds (milliseconds dropped).
std::string IsoSeconds(int64_t ms);

const Schema& SchemaOf(RecordKind kind);
const Schema& ConfigurationTypeSchema();

// The configuration types (a lookup table, the same for every tenant), in id order.
std::vector<boost::json::object> ConfigurationTypes(const std::string& api_base);

// Builds records from one view. `api_base` ("https://host/v4_6_release/apis/3.0") prefixes the
// hrefs. Caches the last company's reference objects, so a scan in key order builds each company
// once. Not thread-safe; one per request.
class RecordMaker {
 public:
  RecordMaker(const TenantView& view, std::string api_base) : view_(view), base_(std::move(api_base)) {}

  // The record's JSON; nullopt when the key is not live.
  std::optional<boost::json::object> Make(RecordKind kind, RecordKey key);

 private:
  struct CompanyRefs {
    int64_t company = -1;
    bool live = false;
    boost::json::object ref;                 // {id, identifier, name, _info}
    std::vector<boost::json::object> sites;  // refs of its live sites, primary first
    std::string country;
  };
  const CompanyRefs& Refs(int64_t company);
  boost::json::object Info(RecordKind kind, RecordKey key) const;

  std::optional<boost::json::object> Company(int64_t company);
  std::optional<boost::json::object> Contact(RecordKey key);
  std::optional<boost::json::object> Site(RecordKey key);
  std::optional<boost::json::object> Configuration(RecordKey key);
  std::optional<boost::json::object> Agreement(RecordKey key);

  const TenantView& view_;
  std::string base_;
  CompanyRefs refs_;
};

}  // namespace cairn::sims::connectwise
