// Start-up: configuration, the data directory (master key), opening the store, and the
// administrative actions the CLI offers (users, API keys).
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "core/crypto.h"
#include "core/model.h"
#include "store/store.h"

namespace cairn::app {

std::string EnvOr(const char* name, const std::string& fallback);

struct Config {
  std::string db;  // "" = <data_dir>/cairn.db
  std::string data_dir = "./data";
};
// CAIRN_DB and CAIRN_DATA_DIR, else the defaults.
Config ConfigFromEnv();

struct Environment {
  std::unique_ptr<Cipher> cipher;
  std::unique_ptr<store::Store> store;
};
// Creates the data directory (0700) and its master key (0600) on first use, then opens and
// migrates the store. Unavailable or Corruption with a message naming the file when it cannot.
Result<Environment> OpenEnvironment(const Config& cfg);

struct FirstAdmin {
  bool created = false;
  std::string email, password, api_key, file;
};
// When there is no user yet, creates a super-admin with a random password and an API key, and
// writes them to <data_dir>/initial-admin.txt (0600). Does nothing otherwise.
Result<FirstAdmin> EnsureFirstAdmin(store::Store& store, const std::string& data_dir);

// An empty password leaves the user without one (API keys only).
Result<User> CreateUser(store::Store& store, const std::string& email, const std::string& role,
                        const std::string& first_name, const std::string& last_name,
                        const std::string& password);
// Returns the new key; only its hash is stored.
Result<std::string> CreateApiKey(store::Store& store, const std::string& user_email,
                                 const std::string& name, bool password_access, bool destructive,
                                 const std::vector<int64_t>& companies,
                                 const std::vector<std::string>& allow_ips);
// A table of keys (id, prefix, name, user, rights, state), one per line.
Result<std::string> ListApiKeys(store::Store& store);
Status RevokeApiKey(store::Store& store, int64_t id);

}  // namespace cairn::app
