// The integration record's rules, for the API (integrations.cpp) and the command line
// (`cairn integration add`): one place validates and renders an integration.
#pragma once

#include <boost/json/object.hpp>

#include <string>
#include <vector>

#include "core/crypto.h"
#include "core/model.h"
#include "core/status.h"
#include "store/store.h"

namespace cairn::api {

// Applies an integration body ({"slug", "name", "credentials", "default_layouts", "skip_types",
// "options", "interval_minutes", "enabled"}) to `row`, sealing the credentials; a sentence per
// invalid field goes to `errors`. Omitted fields keep their values (credentials merge).
Status ApplyIntegration(store::Tx& tx, const Cipher& cipher, const boost::json::object& body, Integration& row,
                        bool creating, std::vector<std::string>& errors);
// The integration as the API shows it: identifiers shown, secrets masked.
boost::json::object RenderIntegration(const Cipher& cipher, const Integration& i);
// The stored credentials, opened (for connectors only; never shown).
boost::json::object CredentialsOf(const Cipher& cipher, const Integration& i);

}  // namespace cairn::api
