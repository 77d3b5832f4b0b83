// The `cairn-sim` binary: serves a fake vendor API (issue 3) until SIGINT or SIGTERM.
//
//   cairn-sim --vendor connectwise|halo|syncro|pulseway|revio --listen HOST:PORT --seed N
//             [--companies N --contacts-per-company N --sites-per-company N --devices-per-company N
//              --agreements-per-company N --inactive-share X --shared-fleet-seed N --shared-share X]
//             [--tls-dir DIR] [--plain-http] [--control-token T]
//             ConnectWise: [--company C] [--public-key K] [--private-key K] [--client-id ID]
//                          [--codebase v4_6_release/] [--max-page-size N]
//             Halo: [--client-id ID] [--client-secret S] [--tenant T] [--token-ttl S] [--page-size N]
//             Syncro: [--api-key K] [--*-per-page N] [--rate-limit N] [--retry-after]
//             Pulseway: [--token-id ID] [--token-secret S] [--refuse-top-above-max]
//             Rev.io: [--cairn-ca-file PEM] (it calls Cairn; see sims/revio/revio_sim.h)
//
// Standard output carries only what a script reads: the credentials, the CA to trust, and
// `listening on https://HOST:PORT` (the real port when 0 was asked for) once it is serving.
#include <CLI/CLI.hpp>

#include <csignal>
#include <iostream>
#include <memory>
#include <optional>
#include <string>

#include "http/server.h"
#include "sims/common/fleet.h"
#include "sims/common/tls_files.h"
#include "sims/connectwise/connectwise_sim.h"
#include "sims/halo/halo_sim.h"
#include "sims/revio/revio_sim.h"
#include "sims/pulseway/pulseway_sim.h"
#include "sims/syncro/syncro_sim.h"

namespace cairn::sims {
namespace {

int Fail(const std::string& message, int code = 1) {
  std::cerr << "cairn-sim: " << message << "\n";
  return code;
}

bool ParseListen(const std::string& listen, std::string* host, uint16_t* port) {
  auto colon = listen.rfind(':');
  if (colon == std::string::npos || colon == 0) return false;
  *host = listen.substr(0, colon);
  if (host->size() > 2 && host->front() == '[' && host->back() == ']')
    *host = host->substr(1, host->size() - 2);
  std::string digits = listen.substr(colon + 1);
  if (digits.empty() || digits.size() > 5 || digits.find_first_not_of("0123456789") != std::string::npos)
    return false;
  int p = std::stoi(digits);
  if (p > 65535) return false;
  *port = static_cast<uint16_t>(p);
  return true;
}

int Main(int argc, char** argv) {
  CLI::App app{"cairn-sim: a fake vendor API (ConnectWise PSA, HaloPSA, Syncro, Pulseway RMM)"};
  std::string vendor, listen = "127.0.0.1:0", tls_dir = "./data/sim-tls";
  bool plain_http = false;
  int threads = 4;
  FleetOptions fleet;
  syncro::SyncroSimOptions syncro_options;
  pulseway::PulsewaySimOptions pulseway_options;
  halo::HaloSimOptions halo_options;
  connectwise::ConnectWiseSimOptions cw_options;
  app.add_option("--vendor", vendor, "connectwise|halo|syncro|pulseway|revio")->required();
  std::string revio_ca_file;
  app.add_option("--cairn-ca-file", revio_ca_file, "Rev.io: an extra CA for Cairn's certificate when Cairn serves HTTPS");
  app.add_option("--listen", listen, "HOST:PORT to listen on; port 0 picks a free one");
  app.add_option("--seed", fleet.seed, "seed of the generated client base");
  app.add_option("--companies", fleet.companies)->check(CLI::Range(int64_t{0}, int64_t{1} << 30));
  app.add_option("--contacts-per-company", fleet.contacts_per_company)
      ->check(CLI::Range(int64_t{0}, int64_t{9'999'999}));
  app.add_option("--sites-per-company", fleet.sites_per_company)
      ->check(CLI::Range(int64_t{0}, int64_t{9'999'999}));
  app.add_option("--devices-per-company", fleet.devices_per_company)
      ->check(CLI::Range(int64_t{0}, int64_t{9'999'999}));
  app.add_option("--agreements-per-company", fleet.agreements_per_company)
      ->check(CLI::Range(int64_t{0}, int64_t{9'999'999}));
  app.add_option("--inactive-share", fleet.inactive_share, "share of inactive/disabled records")
      ->check(CLI::Range(0.0, 1.0));
  app.add_option("--shared-fleet-seed", fleet.shared_fleet_seed,
                 "give two simulators the same value to make them document the same machines "
                 "(same serials, makers, models); 0 = off");
  app.add_option("--shared-share", fleet.shared_share, "share of each company's devices taken from the shared fleet")
      ->check(CLI::Range(0.0, 1.0));
  std::string control_token = "sim-control-token";
  app.add_option("--control-token", control_token,
                 "X-Sim-Token for the /_sim/ control API; empty disables it");
  app.add_option("--tls-dir", tls_dir, "where the throwaway CA (ca.pem) and server certificate live");
  app.add_flag("--plain-http", plain_http, "serve plain HTTP (debugging only)");
  app.add_option("--threads", threads, "server threads")->check(CLI::Range(1, 256));
  app.add_option("--api-key", syncro_options.api_key, "Syncro: the API key to accept");
  app.add_option("--customers-per-page", syncro_options.customers_per_page, "Syncro: customers page size")
      ->check(CLI::Range(1, 10000));
  app.add_option("--contacts-per-page", syncro_options.contacts_per_page, "Syncro: contacts page size")
      ->check(CLI::Range(1, 10000));
  app.add_option("--assets-per-page", syncro_options.assets_per_page, "Syncro: customer_assets page size")
      ->check(CLI::Range(1, 10000));
  std::optional<int> rate_limit;
  app.add_option("--rate-limit", rate_limit,
                 "requests per minute per client address before 429; 0 = unlimited (default: the "
                 "vendor's documented limit, Syncro 180, none elsewhere)")
      ->check(CLI::Range(0, 1000000000));
  app.add_flag("--retry-after", syncro_options.retry_after_header, "Syncro: send Retry-After on 429");
  app.add_option("--token-id", pulseway_options.token_id, "Pulseway: the API token id to accept");
  app.add_option("--token-secret", pulseway_options.token_secret, "Pulseway: the API token secret to accept");
  app.add_flag("--refuse-top-above-max", pulseway_options.refuse_top_above_max,
               "Pulseway: answer 400 to $top above 100 instead of capping it");
  app.add_option("--company", cw_options.company, "ConnectWise: the company id of the login");
  app.add_option("--public-key", cw_options.public_key, "ConnectWise: the API member's public key");
  app.add_option("--private-key", cw_options.private_key, "ConnectWise: the API member's private key");
  app.add_option("--codebase", cw_options.codebase, "ConnectWise: the codebase companyinfo advertises");
  app.add_option("--max-page-size", cw_options.max_page_size, "ConnectWise: the pageSize cap")
      ->check(CLI::Range(1, 100000));
  std::string client_id;
  app.add_option("--client-id", client_id, "Halo: the application's client id; ConnectWise: the clientId header");
  app.add_option("--client-secret", halo_options.client_secret, "Halo: the application's client secret");
  app.add_option("--tenant", halo_options.tenant, "Halo: the ?tenant= the token endpoint wants; empty = self-hosted");
  app.add_option("--token-ttl", halo_options.token_ttl_s, "Halo: token lifetime in seconds (expires_in)")
      ->check(CLI::Range(1, 1000000000));
  app.add_option("--page-size", halo_options.default_page_size, "Halo: page_size when pageinate=true omits it")
      ->check(CLI::Range(1, 100000));
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return app.exit(e);
  }

  if (vendor != "connectwise" && vendor != "halo" && vendor != "syncro" && vendor != "pulseway" && vendor != "revio")
    return Fail("unknown vendor " + vendor + " (connectwise|halo|syncro|pulseway|revio)", 2);
  if (rate_limit) {
    syncro_options.rate_limit_per_minute = *rate_limit;
    pulseway_options.rate_limit_per_minute = *rate_limit;
    halo_options.rate_limit_per_minute = *rate_limit;
  }
  if (!client_id.empty()) {
    halo_options.client_id = client_id;
    cw_options.client_id = client_id;
  }

  http::ServerOptions options;
  if (!ParseListen(listen, &options.host, &options.port))
    return Fail("--listen must be HOST:PORT, e.g. 127.0.0.1:8443", 2);
  options.threads = threads;
  std::string ca_file;
  if (!plain_http) {
    auto files = EnsureTlsFiles(tls_dir);
    if (!files.ok()) return Fail(files.status().message() + " (" + files.status().detail() + ")");
    options.tls_cert_file = files->server_cert;
    options.tls_key_file = files->server_key;
    ca_file = files->ca_cert;
  }
  syncro_options.fleet = fleet;
  syncro_options.control_token = control_token;
  cw_options.fleet = fleet;
  cw_options.control_token = control_token;
  pulseway_options.control_token = control_token;
  halo_options.control_token = control_token;
  pulseway_options.fleet = fleet;
  halo_options.fleet = fleet;
  // Only the asked-for vendor is built (a Syncro sim would otherwise compute its customer list).
  std::unique_ptr<syncro::SyncroSim> syncro_sim;
  std::unique_ptr<pulseway::PulsewaySim> pulseway_sim;
  std::unique_ptr<halo::HaloSim> halo_sim;
  std::unique_ptr<connectwise::ConnectWiseSim> cw_sim;
  std::unique_ptr<revio::RevioSim> revio_sim;
  http::Handler handler;
  if (vendor == "revio") {
    revio::RevioSimOptions revio_options;
    revio_options.fleet = fleet;
    revio_options.control_token = control_token;
    revio_options.ca_file = revio_ca_file;
    revio_sim = std::make_unique<revio::RevioSim>(revio_options);
    handler = [sim = revio_sim.get()](http::Request& req) { return sim->Handle(req); };
  } else if (vendor == "connectwise") {
    cw_sim = std::make_unique<connectwise::ConnectWiseSim>(cw_options);
    handler = [sim = cw_sim.get()](http::Request& req) { return sim->Handle(req); };
  } else if (vendor == "halo") {
    halo_sim = std::make_unique<halo::HaloSim>(halo_options);
    handler = [sim = halo_sim.get()](http::Request& req) { return sim->Handle(req); };
  } else if (vendor == "syncro") {
    syncro_sim = std::make_unique<syncro::SyncroSim>(syncro_options);
    handler = [sim = syncro_sim.get()](http::Request& req) { return sim->Handle(req); };
  } else {
    pulseway_sim = std::make_unique<pulseway::PulsewaySim>(pulseway_options);
    handler = [sim = pulseway_sim.get()](http::Request& req) { return sim->Handle(req); };
  }

  // Signals are taken synchronously by this thread; the server threads never see them.
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGINT);
  sigaddset(&signals, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);

  auto server = http::Server::Start(options, handler);
  if (!server.ok()) return Fail(server.status().message());
  std::string host = options.host.find(':') != std::string::npos ? "[" + options.host + "]" : options.host;
  std::string base = std::string(plain_http ? "http" : "https") + "://" + host + ":" +
                     std::to_string((*server)->port());
  if (vendor == "revio") {
    std::cout << "vendor: revio (seed " << fleet.seed << ", " << fleet.companies << " customers)\n"
              << "webhook receiver: " << base << "/hudu/webhook (any POST outside /_sim/)\n"
              << "connect it to Cairn: POST " << base << "/_sim/connect {\"base_url\", \"api_key\", \"webhook_secret\"}, "
              << "then POST " << base << "/_sim/sync\n";
  } else if (vendor == "connectwise") {
    std::cout << "vendor: connectwise (seed " << fleet.seed << ", " << fleet.companies << " companies)\n"
              << "site: " << base.substr(base.find("://") + 3) << " (companyinfo: " << base
              << "/login/companyinfo/" << cw_options.company << ")\n"
              << "api base: " << base << "/" << cw_options.codebase << "apis/3.0\n"
              << "company: " << cw_options.company << "\n"
              << "public key: " << cw_options.public_key << "\n"
              << "private key: " << cw_options.private_key << "\n"
              << "client id: " << cw_options.client_id
              << " (as Authorization: Basic base64(COMPANY+PUBLIC:PRIVATE) and clientId: ID)\n";
  } else if (vendor == "halo") {
    std::cout << "vendor: halo (seed " << fleet.seed << ", " << fleet.companies << " clients)\n"
              << "auth server: " << base << "/auth (token: POST " << base << "/auth/token"
              << (halo_options.tenant.empty() ? std::string() : "?tenant=" + halo_options.tenant) << ")\n"
              << "api base: " << base << "/api\n"
              << "client id: " << halo_options.client_id << "\n"
              << "client secret: " << halo_options.client_secret << "\n"
              << "tenant: " << (halo_options.tenant.empty() ? "(none, self-hosted)" : halo_options.tenant) << "\n"
              << "token ttl: " << halo_options.token_ttl_s << " s (grant_type=client_credentials, scope=all)\n";
  } else if (vendor == "syncro") {
    std::cout << "vendor: syncro (seed " << fleet.seed << ", " << fleet.companies << " customers)\n"
              << "api base: " << base << "/api/v1\n"
              << "api key: " << syncro_options.api_key
              << " (as Authorization: Bearer KEY, Authorization: KEY or ?api_key=KEY)\n";
  } else {
    std::cout << "vendor: pulseway (seed " << fleet.seed << ", " << fleet.companies << " organizations)\n"
              << "api base: " << base << "/api/v3\n"
              << "token id: " << pulseway_options.token_id << "\n"
              << "token secret: " << pulseway_options.token_secret
              << " (as Authorization: Basic base64(ID:SECRET))\n";
  }
  if (!ca_file.empty()) std::cout << "trust: " << ca_file << "\n";
  if (!control_token.empty())
    std::cout << "control: " << base << "/_sim/ (X-Sim-Token: " << control_token << ")\n";
  std::cout << "listening on " << base << std::endl;

  int sig = 0;
  sigwait(&signals, &sig);
  std::cerr << "cairn-sim: signal " << sig << " received; stopping\n";
  (*server)->Stop();
  return 0;
}

}  // namespace
}  // namespace cairn::sims

int main(int argc, char** argv) { return cairn::sims::Main(argc, argv); }
