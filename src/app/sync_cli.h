// `cairn integration add|list|test` and `cairn sync run|status` (issue 4): the integration
// workflow from the command line, on the same store as the server (which may be running).
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "core/clock.h"
#include "core/crypto.h"
#include "store/store.h"

namespace cairn::app {

struct IntegrationFlags {
  std::string slug, name;
  std::vector<std::string> credentials;  // key=value
  std::vector<std::string> layouts;      // kind=layout id
  std::vector<std::string> options;      // name or name=true|false
  std::vector<std::string> skip_types;
  int64_t interval_minutes = 0;  // 0 = the default
  bool disabled = false;
};

// Each prints its result on standard output and answers the exit code (errors on standard error).
int IntegrationAdd(store::Store& store, const Cipher& cipher, const IntegrationFlags& flags);
int IntegrationList(store::Store& store);
int IntegrationTest(store::Store& store, const Cipher& cipher, int64_t id, const std::string& ca_file);
int RunSync(store::Store& store, const Cipher& cipher, int64_t integration_id, bool dry_run, bool full,
            const std::string& ca_file);
int ShowSyncStatus(store::Store& store, int64_t integration_id);

}  // namespace cairn::app
