#include "app/setup.h"

#include <sys/stat.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "core/clock.h"
#include "core/text.h"

namespace cairn::app {
namespace fs = std::filesystem;

std::string EnvOr(const char* name, const std::string& fallback) {
  const char* v = std::getenv(name);
  return v && *v ? std::string(v) : fallback;
}

Config ConfigFromEnv() {
  Config c;
  c.data_dir = EnvOr("CAIRN_DATA_DIR", c.data_dir);
  c.db = EnvOr("CAIRN_DB", "");
  return c;
}

namespace {

Status WritePrivateFile(const fs::path& path, const std::string& content) {
  fs::path tmp = path;
  tmp += ".tmp";
  {
    std::ofstream out(tmp, std::ios::binary | std::ios::trunc);
    if (!out) return Status::Unavailable("cannot write " + tmp.string());
    ::chmod(tmp.c_str(), 0600);
    out << content;
    out.flush();
    if (!out) return Status::Unavailable("cannot write " + tmp.string());
  }
  std::error_code ec;
  fs::rename(tmp, path, ec);
  if (ec) return Status::Unavailable("cannot write " + path.string() + ": " + ec.message());
  return Status::Ok();
}

Result<std::string> LoadOrCreateMasterKey(const fs::path& dir) {
  fs::path path = dir / "master.key";
  std::error_code ec;
  if (fs::exists(path, ec)) {
    std::ifstream in(path, std::ios::binary);
    std::string key((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    if (key.size() != Cipher::kKeySize)
      return Status::Corruption("the master key " + path.string() + " is damaged (" +
                                std::to_string(key.size()) + " bytes, expected 32); restore it "
                                "from a backup: secrets stored under it cannot be read without it");
    struct stat st {};
    if (::stat(path.c_str(), &st) == 0 && (st.st_mode & 077)) ::chmod(path.c_str(), 0600);
    return key;
  }
  std::string key = Cipher::GenerateKey();
  CAIRN_RETURN_IF_ERROR(WritePrivateFile(path, key));
  return key;
}

}  // namespace

Result<Environment> OpenEnvironment(const Config& cfg) {
  fs::path dir(cfg.data_dir);
  std::error_code ec;
  fs::create_directories(dir, ec);
  if (ec) return Status::Unavailable("cannot create the data directory " + dir.string() + ": " + ec.message());
  ::chmod(dir.c_str(), 0700);
  auto key = LoadOrCreateMasterKey(dir);
  if (!key.ok()) return key.status();
  Environment env;
  env.cipher = std::make_unique<Cipher>(std::move(key).value());
  std::string db = cfg.db.empty() ? (dir / "cairn.db").string() : cfg.db;
  auto store = store::Store::Open({.url = db});
  if (!store.ok()) return store.status();
  env.store = std::move(store).value();
  return env;
}

namespace {

// The user and key steps inside a caller's transaction, so that the first admin is made whole or
// not at all.
Result<User> InsertUser(store::Tx& tx, const std::string& email, const std::string& role,
                        const std::string& first_name, const std::string& last_name,
                        const std::string& password) {
  std::string e(Trim(email));
  if (e.empty() || e.find('@') == std::string::npos || e.find(' ') != std::string::npos)
    return Status::Invalid("--email must be an email address, e.g. ann@example.com");
  if (!ParseRole(role))
    return Status::Invalid("--role must be one of super_admin, admin, editor, author, spectator");
  User u;
  u.email = e;
  u.security_level = role;
  u.first_name = first_name;
  u.last_name = last_name;
  if (!password.empty()) {
    if (password.size() < 12) return Status::Invalid("the password must be at least 12 characters");
    auto h = HashPassword(password);
    if (!h.ok()) return h.status();
    u.password_hash = *h;
  }
  auto r = tx.Repo<User>().Insert(u);
  if (!r.ok() && r.status().code() == Code::kConflict)
    return Status::Conflict("a user with the email " + e + " already exists");
  return r;
}

Result<std::string> InsertApiKey(store::Tx& tx, const std::string& user_email,
                                 const std::string& name, bool password_access, bool destructive,
                                 const std::vector<int64_t>& companies,
                                 const std::vector<std::string>& allow_ips) {
  if (Trim(name).empty()) return Status::Invalid("--name can't be blank");
  auto user = tx.Repo<User>().FindFirst(
      store::Query().Where("email", store::Op::kEqNoCase, user_email));
  if (!user.ok()) return user.status();
  if (!*user)
    return Status::NotFound("no user has the email " + user_email +
                            " (create it with: cairn user create)");
  std::string ids;
  for (int64_t c : companies) {
    auto company = tx.Repo<Company>().Get(c);
    if (!company.ok()) return Status::NotFound("--company " + std::to_string(c) + " is not a company");
    ids += (ids.empty() ? "" : ",") + std::to_string(c);
  }
  std::string ips;
  for (const auto& ip : allow_ips) ips += (ips.empty() ? "" : ",") + ip;
  std::string key = GenerateApiKey();
  ApiKey k;
  k.user_id = (*user)->id;
  k.name = std::string(Trim(name));
  k.prefix = key.substr(0, 10);
  k.key_hash = HashApiKey(key);
  k.password_access = password_access;
  k.destructive = destructive;
  k.company_ids = ids;
  k.allow_ips = ips;
  CAIRN_RETURN_IF_ERROR(tx.Repo<ApiKey>().Insert(k).status());
  return key;
}

}  // namespace

Result<User> CreateUser(store::Store& store, const std::string& email, const std::string& role,
                        const std::string& first_name, const std::string& last_name,
                        const std::string& password) {
  return store.Write([&](store::Tx& tx) {
    return InsertUser(tx, email, role, first_name, last_name, password);
  });
}

Result<std::string> CreateApiKey(store::Store& store, const std::string& user_email,
                                 const std::string& name, bool password_access, bool destructive,
                                 const std::vector<int64_t>& companies,
                                 const std::vector<std::string>& allow_ips) {
  return store.Write([&](store::Tx& tx) {
    return InsertApiKey(tx, user_email, name, password_access, destructive, companies, allow_ips);
  });
}

Result<std::string> ListApiKeys(store::Store& store) {
  return store.Read([&](store::Tx& tx) -> Result<std::string> {
    auto keys = tx.Repo<ApiKey>().List(store::Query());
    if (!keys.ok()) return keys.status();
    std::ostringstream out;
    out << "ID\tPREFIX\tNAME\tUSER\tRIGHTS\tSTATE\tLAST USED\n";
    for (const auto& k : *keys) {
      auto u = tx.Repo<User>().Get(k.user_id);
      std::string rights = std::string(k.password_access ? "passwords" : "no-passwords") +
                           (k.destructive ? ",delete" : ",no-delete");
      if (!k.company_ids.empty()) rights += ",companies=" + k.company_ids;
      if (!k.allow_ips.empty()) rights += ",ips=" + k.allow_ips;
      out << k.id << "\t" << k.prefix << "...\t" << k.name << "\t" << (u.ok() ? u->email : "?")
          << "\t" << rights << "\t" << (k.revoked ? "revoked" : "active") << "\t"
          << (k.last_used_at ? FormatIso8601(k.last_used_at) : "never") << "\n";
    }
    return out.str();
  });
}

Status RevokeApiKey(store::Store& store, int64_t id) {
  return store.Write([&](store::Tx& tx) -> Status {
    auto st = tx.Repo<ApiKey>().SetColumn(id, "revoked", Value(int64_t{1}));
    if (st.code() == Code::kNotFound)
      return Status::NotFound("there is no API key with id " + std::to_string(id));
    return st;
  });
}

Result<FirstAdmin> EnsureFirstAdmin(store::Store& store, const std::string& data_dir) {
  FirstAdmin fa;
  // One transaction: two servers starting at once make one admin, and a failure anywhere
  // (including writing the file) leaves no admin whose password nobody saw.
  auto st = store.Write([&](store::Tx& tx) -> Status {
    auto n = tx.Repo<User>().Count(store::Query());
    if (!n.ok()) return n.status();
    if (*n > 0) return Status::Ok();
    fa.created = true;
    fa.email = "admin@cairn.local";
    fa.password = RandomHex(12);
    auto u = InsertUser(tx, fa.email, "super_admin", "Cairn", "Admin", fa.password);
    if (!u.ok()) return u.status();
    auto key = InsertApiKey(tx, fa.email, "first admin", true, true, {}, {});
    if (!key.ok()) return key.status();
    fa.api_key = *key;
    fa.file = (fs::path(data_dir) / "initial-admin.txt").string();
    return WritePrivateFile(fa.file, "email: " + fa.email + "\npassword: " + fa.password +
                                         "\napi key: " + fa.api_key + "\n");
  });
  if (!st.ok()) return st;
  return fa;
}

}  // namespace cairn::app
