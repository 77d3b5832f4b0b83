// The end-to-end test harness: runs the real `cairn` binary as a child process on port 0 with a
// temporary data directory, against SQLite (a file in that directory) or PostgreSQL (a fresh
// schema in the cluster named by CAIRN_TEST_PG_URL), and talks to it over HTTP.
//
//   auto server = CairnServer::Start({.backend = Backend::kSqlite});
//   ASSERT_TRUE(server.ok()) << server.status().ToString();
//   Reply r = (*server)->Call("GET", "/api/v1/companies");
//   EXPECT_EQ(r.status, 200);
//
// The binary is CAIRN_BIN when set, otherwise the build's own (a compile definition). Everything
// a server creates (its temporary directory, its PostgreSQL schema) is removed by its destructor,
// which kills the process first if it still runs. Children get SIGKILL if the thread that started
// them dies, so a crashed test leaves no server behind: start servers from the test's main thread.
//
// Thread-safety: a CairnServer is used from one thread at a time, except Call(), which may be
// called from several threads at once (calls are serialised on one connection); for truly
// concurrent requests give each thread its own http::Client and use Exchange().
#pragma once

#include <sys/types.h>

#include <boost/json/value.hpp>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "core/status.h"
#include "http/client.h"
#include "http/message.h"
#include "store/driver.h"

namespace cairn::tests {

enum class Backend { kSqlite, kPostgres };
std::string BackendName(Backend b);  // "Sqlite" / "Postgres" (test-name safe)

// "" when the backend can be used; otherwise why not (PostgreSQL needs CAIRN_TEST_PG_URL).
std::string BackendUnavailable(Backend b);
// True when a missing backend must fail the test rather than skip it (env CI is set).
bool MissingBackendIsFatal();

// One HTTP exchange's outcome.
struct Reply {
  int status = 0;  // 0 when the exchange failed at the transport level (see `error`)
  http::Headers headers;
  std::string body;
  bool is_json = false;     // the body parsed as JSON
  boost::json::value json;  // the parsed body; null unless is_json
  std::string error;        // transport error, "" otherwise

  std::optional<std::string_view> Header(std::string_view name) const {
    return http::FindHeader(headers, name);
  }
  // The value at a path of object keys, e.g. At("company", "name"); null when absent.
  const boost::json::value& At(std::string_view k1, std::string_view k2 = {},
                               std::string_view k3 = {}) const;
  // For failure messages: "<status> <body>".
  std::string Describe() const;
};

// Sends one request to base_url + path with `client`; `key` becomes the x-api-key header unless
// it is empty. Never fails: a transport failure is a Reply with status 0 and `error` set.
Reply Exchange(http::Client& client, const std::string& base_url, const std::string& method,
               const std::string& path, const std::string& body, const std::string& key,
               const http::Headers& extra_headers = {});

struct CliResult {
  int exit_code = -1;  // 128 + signal when killed by a signal
  std::string out;     // standard output
  std::string err;     // standard error
};

struct ServerOptions {
  Backend backend = Backend::kSqlite;
  int rate_limit = 0;                   // --rate-limit: requests/minute per key; 0 = unlimited
  std::optional<size_t> body_limit;     // --body-limit in bytes; nullopt = the server's default
  std::vector<std::string> extra_args;  // appended to `cairn serve ...`
};

class CairnServer {
 public:
  // Creates the temporary directory (and PostgreSQL schema), starts `cairn serve` and waits up
  // to 20 s for "listening on http://127.0.0.1:PORT" and the first admin's API key. Unavailable
  // with the server's output when it does not start.
  static Result<std::unique_ptr<CairnServer>> Start(const ServerOptions& options);
  ~CairnServer();
  CairnServer(const CairnServer&) = delete;
  CairnServer& operator=(const CairnServer&) = delete;

  // "http://127.0.0.1:PORT" of the current process (the port changes on Restart).
  const std::string& Url() const { return url_; }
  // The API key printed at first start (a super_admin key with every right).
  const std::string& AdminKey() const { return admin_key_; }
  Backend backend() const { return options_.backend; }
  bool running() const { return pid_ > 0; }
  pid_t pid() const { return pid_; }

  // SIGKILL and reap. No-op when not running.
  void Kill9();
  // SIGTERM and wait (up to 30 s, then SIGKILL). Returns the exit code (128 + signal when killed
  // by a signal; -1 when not running).
  int Stop();
  // Starts the server again on the same data directory and database (stopping it first with
  // Stop() when it still runs). Unavailable with the server's output when it does not start.
  Status Restart();

  // Runs `cairn <args> --data-dir <dir> [--db <url>]` to completion (up to 30 s) with `stdin_text`
  // on standard input.
  CliResult RunCli(const std::vector<std::string>& args, const std::string& stdin_text = "");
  // Creates an API key with `cairn apikey create --user <user> --name <name> <flags...>`; "" and
  // a test failure when the command fails.
  std::string CreateKey(const std::string& name, const std::vector<std::string>& flags = {},
                        const std::string& user = "admin@cairn.local");

  // One request with the admin key (key = nullopt), another key, or no key at all (key = "").
  Reply Call(const std::string& method, const std::string& path, const std::string& body = "",
             const std::optional<std::string>& key = std::nullopt,
             const http::Headers& extra_headers = {});
  // The same with a JSON body.
  Reply CallJson(const std::string& method, const std::string& path, const boost::json::value& body,
                 const std::optional<std::string>& key = std::nullopt);

  // A direct connection to the server's database (SQLite file or PostgreSQL schema), for checks
  // the API cannot make (what is stored at rest).
  Result<std::unique_ptr<store::Connection>> OpenDatabase() const;

  // Everything the current process wrote to standard output and error so far.
  std::string Output() const;
  const std::string& data_dir() const { return data_dir_; }

 private:
  explicit CairnServer(ServerOptions options) : options_(std::move(options)) {}
  Status Launch();
  std::vector<std::string> DbArgs() const;

  ServerOptions options_;
  std::string tmp_dir_, data_dir_, db_url_, schema_;
  std::string url_, admin_key_, log_path_;
  pid_t pid_ = -1;
  int launches_ = 0;
  int cli_runs_ = 0;
  std::mutex client_mu_;
  std::unique_ptr<http::Client> client_;
};

}  // namespace cairn::tests
