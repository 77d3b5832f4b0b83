// The simulators' throwaway certificate authority. Every simulator serves HTTPS with a server
// certificate for 127.0.0.1 and localhost, signed by a CA made on first use; clients (Cairn's
// connectors, the tests, the npm fidelity client) trust that CA's ca.pem and nothing else needs
// to change. Nothing here is for production: the keys sit unencrypted in the directory.
#pragma once

#include <string>

#include "core/status.h"

namespace cairn::sims {

struct TlsFiles {
  std::string ca_cert;      // <dir>/ca.pem: what clients must trust
  std::string server_cert;  // <dir>/server.pem: the server certificate followed by the CA's
  std::string server_key;   // <dir>/server.key (mode 0600)
};

// Returns the files in `dir`, creating the directory, the CA and the server certificate when
// they are missing, unreadable, not a matching set, or within a day of expiring (they last a
// year). Files that are fine are left untouched, so clients configured with ca.pem keep working
// across restarts. Unavailable when the directory cannot be written.
Result<TlsFiles> EnsureTlsFiles(const std::string& dir);

}  // namespace cairn::sims
