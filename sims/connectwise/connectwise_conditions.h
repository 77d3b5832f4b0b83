// The subset of ConnectWise Manage's `conditions` language the simulator understands
// (../shared/reference/connectwise-halo.md A5), parsed once per request and evaluated against
// one record's JSON at a time, so a scan never holds more than one record.
//
//   expr       := term (("and" | "or") term)*          and binds tighter than or
//   term       := "not" term | "(" expr ")" | comparison
//   comparison := path op literal
//               | path ["not"] ("like" | "contains") string
//               | path ["not"] "in" "(" literal ("," literal)* ")"
//   op         := "=" | "!=" | "<" | "<=" | ">" | ">="
//   literal    := "string" | 'string' | number | true | false | null | [2024-01-01T00:00:00Z]
//   path       := name ("/" name)*                      company/id, _info/lastUpdated
//
// Keywords are case-insensitive. String comparisons are case-insensitive, as ConnectWise's SQL
// Server collation makes them. `like` takes `%` and `*` as wildcards. Paths are checked against
// the record type's schema (an unknown field is an error) and each literal against the field's
// type: a number where a boolean is expected gets the server's "Expected a boolean value, not a
// numeric. ..." text, as a malformed literal does. `lastUpdated` and `dateEntered` name
// `_info/lastUpdated` and `_info/dateEntered` when the type has no such top-level field.
//
// Thread-safe: a parsed Conditions is immutable.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/status.h"

namespace boost::json {
class object;
class value;
}  // namespace boost::json

namespace cairn::sims::connectwise {

enum class FieldType { kString, kNumber, kBool, kDateTime };

// The filterable fields of a record type, by path ("company/id").
using Schema = std::map<std::string, FieldType, std::less<>>;

// Parses an ISO-8601 UTC datetime ("2024-01-01T00:00:00Z", optional fraction, optional "Z") into
// Unix milliseconds; nullopt when malformed.
std::optional<int64_t> ParseIsoMs(std::string_view text);

// Resolves a path ("company/id") in a record; null when any step is missing.
const boost::json::value* FindPath(const boost::json::object& record, std::string_view path);

// The schema's name for a path a client used (the lastUpdated/dateEntered aliases applied), or
// nullopt when the schema has no such field.
std::optional<std::string> ResolveField(const Schema& schema, std::string_view path);

struct Node;

class Conditions {
 public:
  // Errors (kInvalidArgument): the message is what the server answers in its 400 body.
  static Result<Conditions> Parse(std::string_view text, const Schema& schema);

  // Whether `record` (the record's full JSON) satisfies the conditions.
  bool Matches(const boost::json::object& record) const;

  // Fast-path hints from the top-level conjunction (terms joined by `and` only):
  // the least `_info/lastUpdated` a match can have (`> [T]` or `>= [T]`), in Unix ms;
  std::optional<int64_t> UpdatedAtLeastMs() const { return updated_at_least_ms_; }
  // the `company/id = N` every match has.
  std::optional<int64_t> CompanyId() const { return company_id_; }

 private:
  friend class ArrayConditions;
  std::shared_ptr<const Node> root_;
  std::optional<int64_t> updated_at_least_ms_;
  std::optional<int64_t> company_id_;
};

// childConditions / customFieldConditions: conditions on the members of one array field. A record
// matches when at least one member of the array satisfies them. For childConditions the paths
// start with the array's name (communicationItems/value); for customFieldConditions they name
// the member's own fields (caption, value) and the array is `customFields`.
class ArrayConditions {
 public:
  static Result<ArrayConditions> ParseChild(std::string_view text, const Schema& schema);
  static Result<ArrayConditions> ParseCustomField(std::string_view text);
  bool Matches(const boost::json::object& record) const;

 private:
  std::string array_;      // the array field's name
  bool prefixed_ = false;  // paths start with array_
  Conditions conditions_;
};

}  // namespace cairn::sims::connectwise
