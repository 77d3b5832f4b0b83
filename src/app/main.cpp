// The `cairn` binary: start-up wiring and the command line. Nothing else wires modules together.
//
//   cairn serve     --db PATH_OR_URL --listen HOST:PORT --data-dir DIR
//   cairn migrate
//   cairn user create --email E --role ROLE [--password-stdin]
//   cairn apikey create --user E --name N [--password-access] [--no-destructive]
//                       [--company ID]... [--allow-ip CIDR]...
//   cairn apikey list | cairn apikey revoke ID
#include <CLI/CLI.hpp>
#include <spdlog/sinks/stdout_sinks.h>
#include <spdlog/spdlog.h>

#include <csignal>
#include <iostream>

#include "api/api.h"
#include "api/webhooks.h"
#include "app/setup.h"
#include "app/sync_cli.h"
#include "core/cidr.h"
#include "core/clock.h"
#include "core/crypto.h"
#include "core/text.h"
#include "http/server.h"
#include "sync/engine.h"
#include "web/web.h"

namespace cairn::app {
namespace {

int Fail(const Status& st) {
  std::cerr << "cairn: " << st.message();
  if (!st.detail().empty()) std::cerr << " (" << st.detail() << ")";
  for (const auto& d : st.details()) std::cerr << "\n  - " << d;
  std::cerr << "\n";
  return st.code() == Code::kInvalidArgument ? 2 : 1;
}

Result<std::pair<std::string, uint16_t>> ParseListen(const std::string& listen) {
  auto colon = listen.rfind(':');
  if (colon == std::string::npos || colon == 0)
    return Status::Invalid("--listen must be HOST:PORT, e.g. 127.0.0.1:8080");
  std::string host = listen.substr(0, colon);
  if (host.size() > 2 && host.front() == '[' && host.back() == ']') host = host.substr(1, host.size() - 2);
  int port = -1;
  try {
    size_t used = 0;
    port = std::stoi(listen.substr(colon + 1), &used);
    if (used != listen.size() - colon - 1) port = -1;
  } catch (...) {
  }
  if (port < 0 || port > 65535) return Status::Invalid("--listen has an invalid port: " + listen);
  return std::make_pair(host, static_cast<uint16_t>(port));
}

// The sync engine's timing (cairn serve --sync-poll-ms, --sync-minute-ms).
int64_t engine_poll_ms = 1000;
int64_t engine_minute_ms = 60000;

int Serve(const Config& cfg, const std::string& listen, int threads, size_t body_limit,
          const api::ApiOptions& api_options) {
  auto addr = ParseListen(listen);
  if (!addr.ok()) return Fail(addr.status());
  auto env = OpenEnvironment(cfg);
  if (!env.ok()) return Fail(env.status());
  auto first = EnsureFirstAdmin(*env->store, cfg.data_dir);
  if (!first.ok()) return Fail(first.status());

  // The sync engine: its workers run queued runs (resuming any a crash left running) and its
  // scheduler queues each integration on its interval.
  sync::EngineOptions engine_options;
  engine_options.client.ca_file = api_options.vendor_ca_file;
  engine_options.poll = std::chrono::milliseconds(engine_poll_ms);
  engine_options.minute_ms = engine_minute_ms;
  sync::Engine engine(*env->store, *env->cipher, SystemClock(), engine_options);
  if (auto st = engine.Start(); !st.ok()) return Fail(st);
  // The webhook dispatcher: the outbox into deliveries, sent in order per webhook.
  api::WebhookOptions webhook_options;
  webhook_options.api = api_options;
  api::WebhookDispatcher webhooks(*env->store, *env->cipher, SystemClock(), webhook_options);
  if (auto st = webhooks.Start(); !st.ok()) return Fail(st);
  api::ApiOptions with_engine = api_options;
  with_engine.engine = &engine;
  with_engine.webhook_dispatcher = &webhooks;
  api::Api api(*env->store, *env->cipher, SystemClock(), with_engine);
  web::Web web(*env->store, SystemClock(), api);

  // Signals are taken synchronously by this thread; the server threads never see them.
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGINT);
  sigaddset(&signals, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);

  http::ServerOptions options;
  options.host = addr->first;
  options.port = addr->second;
  options.threads = threads;
  options.body_limit = body_limit;
  options.access_log = [](const std::string& line) { spdlog::info("{}", line); };
  auto server = http::Server::Start(options, [&api, &web](http::Request& req) {
    if (auto r = api.Handle(req)) return std::move(*r);
    if (auto r = web.Handle(req)) return std::move(*r);
    return http::Response::Json(404, R"({"error":"Not found"})");
  });
  if (!server.ok()) return Fail(server.status());
  std::string shown_host = addr->first.find(':') != std::string::npos ? "[" + addr->first + "]"
                                                                       : addr->first;
  std::cout << "listening on http://" << shown_host << ":" << (*server)->port() << std::endl;
  if (first->created) {
    std::cout << "first admin created: " << first->email << "\n"
              << "  password: " << first->password << "\n"
              << "  API key:  " << first->api_key << "\n"
              << "  (also saved in " << first->file << "; delete that file once noted)"
              << std::endl;
  }
  int sig = 0;
  sigwait(&signals, &sig);
  spdlog::info("signal {} received; finishing in-flight requests", sig);
  (*server)->Stop();
  engine.Stop();  // running runs stop at their next checkpoint and resume on the next start
  webhooks.Stop();  // deliveries under way finish; the rest wait in the store for the next start
  spdlog::info("stopped");
  return 0;
}

}  // namespace

int Main(int argc, char** argv) {
  CLI::App app{"Cairn: self-hosted IT documentation for MSPs"};
  app.require_subcommand(1);
  Config cfg = ConfigFromEnv();
  auto add_common = [&](CLI::App* cmd) {
    cmd->add_option("--db", cfg.db, "SQLite file path or postgresql:// URL (env CAIRN_DB)");
    cmd->add_option("--data-dir", cfg.data_dir,
                    "directory for the master key and the default database (env CAIRN_DATA_DIR)");
  };

  std::string listen = EnvOr("CAIRN_LISTEN", "127.0.0.1:8080");
  int threads = 4;
  int rate_limit = 300;
  size_t body_limit = 16 * 1024 * 1024;
  std::string base_url = EnvOr("CAIRN_BASE_URL", "");
  bool no_response_cache = false;
  std::string ca_file = EnvOr("CAIRN_CA_FILE", "");
  int64_t sync_poll_ms = 1000, sync_minute_ms = 60000;
  auto* serve = app.add_subcommand("serve", "run the server");
  add_common(serve);
  serve->add_option("--listen", listen, "HOST:PORT to listen on; port 0 picks a free one (env CAIRN_LISTEN)");
  serve->add_option("--threads", threads, "request threads")->check(CLI::Range(1, 256));
  serve->add_option("--rate-limit", rate_limit, "requests per minute per API key; 0 = unlimited")
      ->check(CLI::Range(0, 1000000000));
  serve->add_option("--body-limit", body_limit, "largest request body in bytes");
  serve->add_option("--base-url", base_url, "public URL of this server, for links (env CAIRN_BASE_URL)");
  serve->add_option("--ca-file", ca_file,
                    "extra CA certificate (PEM) to trust for vendor connections, e.g. a simulator's "
                    "ca.pem (env CAIRN_CA_FILE)");
  serve->add_option("--sync-poll-ms", sync_poll_ms, "how often idle sync workers look for queued runs")
      ->check(CLI::Range(int64_t{10}, int64_t{600000}));
  serve->add_option("--sync-minute-ms", sync_minute_ms,
                    "length of a minute of integration intervals (tests shorten it)")
      ->check(CLI::Range(int64_t{10}, int64_t{60000}))
      ->group("");  // hidden: for tests
  std::vector<std::string> webhook_allow;
  std::string webhook_ca_file = EnvOr("CAIRN_WEBHOOK_CA_FILE", "");
  serve->add_option("--webhook-allow", webhook_allow,
                    "a private, loopback or link-local address or CIDR webhooks may be sent to (repeatable; "
                    "they are refused by default)");
  serve->add_option("--webhook-ca-file", webhook_ca_file,
                    "extra CA certificate (PEM) to trust for webhook receivers (env CAIRN_WEBHOOK_CA_FILE)");
  serve->add_flag("--no-response-cache", no_response_cache,
                  "render every company page afresh (the cache only applies to SQLite)");

  auto* migrate = app.add_subcommand("migrate", "apply pending database migrations and exit");
  add_common(migrate);

  auto* user = app.add_subcommand("user", "manage users");
  user->require_subcommand(1);
  auto* user_create = user->add_subcommand("create", "create a user");
  add_common(user_create);
  std::string email, role = "spectator", first_name, last_name;
  bool password_stdin = false;
  user_create->add_option("--email", email, "sign-in email")->required();
  user_create->add_option("--role", role, "super_admin|admin|editor|author|spectator")->required();
  user_create->add_option("--first-name", first_name);
  user_create->add_option("--last-name", last_name);
  user_create->add_flag("--password-stdin", password_stdin, "read the password from standard input");

  auto* key = app.add_subcommand("apikey", "manage API keys");
  key->require_subcommand(1);
  auto* key_create = key->add_subcommand("create", "create an API key; prints it once");
  add_common(key_create);
  std::string key_user, key_name;
  bool password_access = false, no_destructive = false;
  std::vector<int64_t> companies;
  std::vector<std::string> allow_ips;
  key_create->add_option("--user", key_user, "the email of the key's user")->required();
  key_create->add_option("--name", key_name, "a name to recognise the key by")->required();
  key_create->add_flag("--password-access", password_access, "allow reading and writing passwords");
  key_create->add_flag("--no-destructive", no_destructive, "forbid DELETE");
  key_create->add_option("--company", companies, "limit the key to this company id (repeatable)");
  key_create->add_option("--allow-ip", allow_ips, "allow only this address or CIDR (repeatable)");
  auto* key_list = key->add_subcommand("list", "list API keys (never the keys themselves)");
  add_common(key_list);
  auto* key_revoke = key->add_subcommand("revoke", "revoke an API key");
  add_common(key_revoke);
  int64_t revoke_id = 0;
  key_revoke->add_option("id", revoke_id, "the key's id (from apikey list)")->required();

  // The integration workflow (issue 4).
  auto* integration = app.add_subcommand("integration", "manage vendor integrations");
  integration->require_subcommand(1);
  auto* integration_add = integration->add_subcommand("add", "add an integration");
  add_common(integration_add);
  IntegrationFlags iflags;
  integration_add->add_option("--slug", iflags.slug, "cw_manage|halo|syncro|pulseway_rmm")->required();
  integration_add->add_option("--name", iflags.name, "a name (default: the vendor's)");
  integration_add->add_option("--credential", iflags.credentials, "KEY=VALUE, e.g. site=api-na.myconnectwise.net (repeatable)");
  integration_add->add_option("--layout", iflags.layouts, "KIND=LAYOUT_ID, the default layout of a kind (repeatable)");
  integration_add->add_option("--option", iflags.options, "an option, NAME or NAME=true|false (repeatable)");
  integration_add->add_option("--skip-type", iflags.skip_types, "a vendor type to skip (repeatable)");
  integration_add->add_option("--interval", iflags.interval_minutes, "minutes between scheduled runs (default 180)");
  integration_add->add_flag("--disabled", iflags.disabled, "add it disabled (no scheduled runs)");
  auto* integration_list = integration->add_subcommand("list", "list integrations and their last run");
  add_common(integration_list);
  auto* integration_test = integration->add_subcommand("test", "test an integration's connection");
  add_common(integration_test);
  int64_t integration_id = 0;
  std::string cli_ca_file = EnvOr("CAIRN_CA_FILE", "");
  integration_test->add_option("id", integration_id, "the integration's id")->required();
  integration_test->add_option("--ca-file", cli_ca_file, "extra CA certificate (PEM) to trust (env CAIRN_CA_FILE)");
  auto* sync_cmd = app.add_subcommand("sync", "run and inspect syncs");
  sync_cmd->require_subcommand(1);
  auto* sync_run = sync_cmd->add_subcommand("run", "run one sync of an integration here, and print its report");
  add_common(sync_run);
  bool sync_dry = false, sync_full = false;
  sync_run->add_option("--integration", integration_id, "the integration's id")->required();
  sync_run->add_flag("--dry-run", sync_dry, "report what would change, change nothing");
  sync_run->add_flag("--full", sync_full, "enumerate everything (no change cursor)");
  sync_run->add_option("--ca-file", cli_ca_file, "extra CA certificate (PEM) to trust (env CAIRN_CA_FILE)");
  auto* sync_status = sync_cmd->add_subcommand("status", "the last runs");
  add_common(sync_status);
  sync_status->add_option("--integration", integration_id, "only this integration's runs");

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return app.exit(e);
  }
  if (cfg.db.empty()) cfg.db = cfg.data_dir + "/cairn.db";
  if (auto st = InitCrypto(); !st.ok()) return Fail(st);
  // Logs go to standard error; standard output carries only what a script may read (the
  // listening address, the first admin's credentials, command results).
  spdlog::set_default_logger(spdlog::stderr_logger_mt("cairn"));
  spdlog::set_pattern("%Y-%m-%dT%H:%M:%S.%eZ %l %v", spdlog::pattern_time_type::utc);

  if (serve->parsed()) {
    api::ApiOptions api_options;
    api_options.rate_limit_per_minute = rate_limit;
    api_options.base_url = base_url;
    api_options.response_cache = !no_response_cache;
    api_options.vendor_ca_file = ca_file;
    for (const auto& cidr : webhook_allow)
      if (!IsValidCidr(cidr)) return Fail(Status::Invalid("--webhook-allow " + cidr + " is not an IP address or CIDR"));
    api_options.webhook_allow = webhook_allow;
    api_options.webhook_ca_file = webhook_ca_file;
    engine_poll_ms = sync_poll_ms;
    engine_minute_ms = sync_minute_ms;
    return Serve(cfg, listen, threads, body_limit, api_options);
  }

  auto env = OpenEnvironment(cfg);
  if (!env.ok()) return Fail(env.status());
  store::Store& store = *env->store;

  if (migrate->parsed()) {
    auto v = store.SchemaVersion();
    if (!v.ok()) return Fail(v.status());
    std::cout << "schema version " << *v << "\n";
    return 0;
  }
  if (user_create->parsed()) {
    std::string password;
    if (password_stdin) std::getline(std::cin, password);
    auto u = CreateUser(store, email, role, first_name, last_name, password);
    if (!u.ok()) return Fail(u.status());
    std::cout << "user " << u->id << " created: " << u->email << " (" << u->security_level << ")\n";
    return 0;
  }
  if (key_create->parsed()) {
    for (const auto& cidr : allow_ips)
      if (!IsValidCidr(cidr))
        return Fail(Status::Invalid("--allow-ip " + cidr + " is not an IP address or CIDR"));
    auto k = CreateApiKey(store, key_user, key_name, password_access, !no_destructive, companies,
                          allow_ips);
    if (!k.ok()) return Fail(k.status());
    std::cout << *k << std::endl;
    return 0;
  }
  if (key_list->parsed()) {
    auto keys = ListApiKeys(store);
    if (!keys.ok()) return Fail(keys.status());
    std::cout << *keys;
    return 0;
  }
  if (integration_add->parsed()) return IntegrationAdd(store, *env->cipher, iflags);
  if (integration_list->parsed()) return IntegrationList(store);
  if (integration_test->parsed()) return IntegrationTest(store, *env->cipher, integration_id, cli_ca_file);
  if (sync_run->parsed()) return RunSync(store, *env->cipher, integration_id, sync_dry, sync_full, cli_ca_file);
  if (sync_status->parsed()) return ShowSyncStatus(store, integration_id);
  if (key_revoke->parsed()) {
    auto st = RevokeApiKey(store, revoke_id);
    if (!st.ok()) return Fail(st);
    std::cout << "API key " << revoke_id << " revoked\n";
    return 0;
  }
  return 0;
}

}  // namespace cairn::app

int main(int argc, char** argv) { return cairn::app::Main(argc, argv); }
