// cairn-bench: the data side of the benchmarks (bench/run.sh drives it).
//
//   cairn-bench seed-api   --url U --key K --companies N --assets N [--threads T]
//       creates a layout, N companies and N assets through the API and prints the write rates
//       (this is the bulk-write benchmark).
//   cairn-bench seed-store --db PATH --companies N --assets N
//       fills a database directly through the store, for the search benchmark.
//   cairn-bench queries    --out FILE
//       writes the search query mix, one query per line.
//   cairn-bench webhooks   --url U --key K --tls-dir D [--changes N] [--threads T]
//       company renames without and with an active webhook (its receiver runs here over HTTPS):
//       the write rates and the latency from change to receipt (bench/webhooks.sh).
#include <CLI/CLI.hpp>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <fstream>
#include <iostream>
#include <random>
#include <thread>

#include <boost/json.hpp>

#include <algorithm>
#include <mutex>
#include <set>
#include <vector>

#include "core/clock.h"
#include "core/crypto.h"
#include "http/client.h"
#include "http/server.h"
#include "sims/common/tls_files.h"
#include "store/store.h"

namespace {

using Clock = std::chrono::steady_clock;

const char* kMakers[] = {"Dell", "HP", "Lenovo", "Cisco", "Fortinet", "Ubiquiti", "Synology",
                         "Brother", "Apple", "Microsoft"};
const char* kModels[] = {"OptiPlex 7010", "EliteBook 840", "ThinkPad T14", "Catalyst 9200",
                         "FortiGate 60F", "UniFi 6 Pro", "DS920+", "HL-L2350", "MacBook Air",
                         "Surface Pro 9"};
const char* kOs[] = {"Windows 11 Pro", "Windows 10 Pro", "Windows Server 2022", "macOS 14",
                     "Ubuntu 22.04", "FortiOS 7.2", "IOS XE 17"};
const char* kWords[] = {"North", "Harbour", "Granite", "Maple", "Summit", "Riverside", "Beacon",
                        "Oak", "Falcon", "Meridian", "Crescent", "Pioneer", "Atlas", "Cedar"};
const char* kSuffixes[] = {"Ltd", "Limited", "Inc.", "LLC", "GmbH", "& Co", "Partners", "Group"};

std::string CompanyName(int i) {
  return std::string(kWords[i % 14]) + " " + kWords[(i / 14) % 14] + " " + kSuffixes[i % 8] + " " +
         std::to_string(i);
}
std::string Serial(int i) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "SN%08X", static_cast<unsigned>(i * 2654435761u));
  return buf;
}
std::string Ip(int i) {
  return "10." + std::to_string((i >> 16) & 255) + "." + std::to_string((i >> 8) & 255) + "." +
         std::to_string(i & 255);
}

int SeedApi(const std::string& url, const std::string& key, int companies, int assets, int threads) {
  cairn::http::Client setup;
  cairn::http::Headers h = {{"x-api-key", key}, {"Content-Type", "application/json"}};
  auto layout = setup.Send({"POST", url + "/api/v1/asset_layouts", h,
                            R"({"asset_layout":{"name":"Bench Computers","icon":"fas fa-laptop",)"
                            R"("fields":[{"label":"IP Address","field_type":"Text"},)"
                            R"({"label":"Operating System","field_type":"Text"}]}})"});
  if (!layout.ok() || layout->status != 200) {
    std::cerr << "cannot create the layout: "
              << (layout.ok() ? layout->body : layout.status().ToString()) << "\n";
    return 1;
  }
  auto run = [&](const char* what, int total, auto body_of, auto path_of) {
    std::atomic<int> next{0}, failed{0};
    auto t0 = Clock::now();
    std::vector<std::thread> ts;
    for (int t = 0; t < threads; ++t)
      ts.emplace_back([&] {
        cairn::http::Client c;
        for (int i; (i = next++) < total;) {
          auto r = c.Send({"POST", url + path_of(i), h, body_of(i)});
          if (!r.ok() || r->status != 200) {
            if (failed++ < 3)
              std::cerr << what << " " << i << " failed: "
                        << (r.ok() ? r->body : r.status().ToString()) << "\n";
          }
        }
      });
    for (auto& t : ts) t.join();
    double s = std::chrono::duration<double>(Clock::now() - t0).count();
    std::printf("%s: %d in %.2f s = %.0f records/s (%d threads, %d failed)\n", what, total, s,
                total / s, threads, failed.load());
    return failed.load() == 0;
  };
  bool ok = run(
      "create companies", companies,
      [](int i) {
        return R"({"company":{"name":")" + CompanyName(i) + R"(","city":"Leeds","id_number":"C)" +
               std::to_string(i) + R"("}})";
      },
      [](int) { return std::string("/api/v1/companies"); });
  ok = ok && run(
                 "create assets", assets,
                 [](int i) {
                   return R"({"asset":{"name":"WS-)" + std::to_string(i) +
                          R"(","asset_layout_id":1,"primary_serial":")" + Serial(i) +
                          R"(","primary_manufacturer":")" + kMakers[i % 10] +
                          R"(","primary_model":")" + kModels[i % 10] +
                          R"(","custom_fields":[{"ip_address":")" + Ip(i) +
                          R"("},{"operating_system":")" + kOs[i % 7] + R"("}]}})";
                 },
                 [companies](int i) {
                   return "/api/v1/companies/" + std::to_string(1 + i % companies) + "/assets";
                 });
  return ok ? 0 : 1;
}

int SeedStore(const std::string& db, int companies, int assets) {
  using namespace cairn;
  auto store = store::Store::Open({.url = db, .pool_size = 1});
  if (!store.ok()) {
    std::cerr << store.status().ToString() << "\n";
    return 1;
  }
  auto t0 = Clock::now();
  int64_t layout_id = 0;
  auto st = (*store)->Write([&](store::Tx& tx) -> Status {
    AssetLayout l;
    l.name = "Search Bench";
    auto r = tx.Repo<AssetLayout>().Insert(l);
    if (!r.ok()) return r.status();
    layout_id = r->id;
    for (int i = 0; i < companies; ++i) {
      Company c;
      c.name = CompanyName(i);
      CAIRN_RETURN_IF_ERROR(tx.Repo<Company>().Insert(c).status());
    }
    return Status::Ok();
  });
  if (!st.ok()) {
    std::cerr << st.ToString() << "\n";
    return 1;
  }
  const int kBatch = 5000;
  for (int start = 0; start < assets; start += kBatch) {
    st = (*store)->Write([&](store::Tx& tx) -> Status {
      auto repo = tx.Repo<Asset>();
      for (int i = start; i < std::min(assets, start + kBatch); ++i) {
        Asset a;
        a.company_id = 1 + i % companies;
        a.asset_layout_id = layout_id;
        a.name = "WS-" + std::to_string(i);
        a.primary_serial = Serial(i);
        a.primary_manufacturer = kMakers[i % 10];
        a.primary_model = kModels[i % 10];
        a.field_values = R"({"1":")" + Ip(i) + R"(","2":")" + kOs[i % 7] + R"("})";
        a.slug = "ws-" + std::to_string(i);
        CAIRN_RETURN_IF_ERROR(repo.Insert(a).status());
      }
      return Status::Ok();
    });
    if (!st.ok()) {
      std::cerr << st.ToString() << "\n";
      return 1;
    }
  }
  double s = std::chrono::duration<double>(Clock::now() - t0).count();
  std::printf("seeded %d companies and %d assets through the store in %.1f s (%.0f assets/s)\n",
              companies, assets, s, assets / s);
  return 0;
}

// A mix of what technicians type: a serial (exact and prefix), an IP, a host name, a maker, an
// OS, a company word, and a two-word query.
int Queries(const std::string& out_path, int assets) {
  std::ofstream out(out_path);
  std::mt19937 rng(42);
  for (int i = 0; i < 200; ++i) {
    int a = static_cast<int>(rng() % static_cast<unsigned>(assets));
    switch (i % 8) {
      case 0: out << Serial(a) << "\n"; break;
      case 1: out << Serial(a).substr(0, 7) << "\n"; break;
      case 2: out << Ip(a) << "\n"; break;
      case 3: out << "WS-" << a << "\n"; break;
      case 4: out << kMakers[a % 10] << "\n"; break;
      case 5: out << "windows server" << "\n"; break;
      case 6: out << kWords[a % 14] << "\n"; break;
      default: out << kMakers[a % 10] << " " << kModels[a % 10] << "\n"; break;
    }
  }
  return 0;
}

// Webhook delivery: `changes` company renames through the API, first with no webhook, then with
// one (company.updated) whose receiver runs here over HTTPS (its CA in `tls_dir`, which Cairn must
// trust: --webhook-ca-file, and allow: --webhook-allow 127.0.0.0/8). Prints the write rates
// side by side and the latency from each change (the event's occurred_at) to its receipt.
int Webhooks(const std::string& url, const std::string& key, const std::string& tls_dir, int changes, int threads) {
  auto files = cairn::sims::EnsureTlsFiles(tls_dir);
  if (!files.ok()) {
    std::cerr << files.status().ToString() << "\n";
    return 1;
  }
  std::mutex mu;
  std::vector<double> latencies;
  std::set<std::string> seen;
  cairn::http::ServerOptions so;
  so.port = 0;
  so.threads = 2;
  so.tls_cert_file = files->server_cert;
  so.tls_key_file = files->server_key;
  auto receiver = cairn::http::Server::Start(so, [&](cairn::http::Request& r) {
    double now = static_cast<double>(std::chrono::duration_cast<std::chrono::microseconds>(
                                         std::chrono::system_clock::now().time_since_epoch()).count()) / 1000.0;
    boost::json::error_code ec;
    auto v = boost::json::parse(r.body, ec);
    if (!ec && v.is_object() && v.as_object().contains("occurred_at")) {
      auto at = cairn::ParseIso8601(std::string(v.at("occurred_at").as_string()));
      std::lock_guard lock(mu);
      if (at && seen.insert(std::string(*cairn::http::FindHeader(r.headers, "X-Cairn-Delivery"))).second)
        latencies.push_back(now - static_cast<double>(*at));
    }
    return cairn::http::Response::Json(200, "{}");
  });
  if (!receiver.ok()) {
    std::cerr << receiver.status().ToString() << "\n";
    return 1;
  }
  cairn::http::Headers h = {{"x-api-key", key}, {"Content-Type", "application/json"}};
  cairn::http::Client setup;
  std::vector<int64_t> ids;
  for (int t = 0; t < threads; ++t) {
    auto c = setup.Send({"POST", url + "/api/v1/companies", h,
                         R"({"company":{"name":"Webhook Bench )" + std::to_string(t) + " " + cairn::RandomHex(3) + R"("}})"});
    if (!c.ok() || c->status != 200) {
      std::cerr << "creating a company failed: " << (c.ok() ? c->body : c.status().ToString()) << "\n";
      return 1;
    }
    ids.push_back(boost::json::parse(c->body).at("company").at("id").as_int64());
  }
  // `changes` renames, spread over the threads (one company each); the rate.
  int round = 0;
  auto renames = [&]() {
    ++round;
    std::atomic<int> next{0}, failed{0};
    auto start = Clock::now();
    std::vector<std::thread> workers;
    for (int t = 0; t < threads; ++t)
      workers.emplace_back([&, t] {
        cairn::http::Client c;
        for (int i; (i = next.fetch_add(1)) < changes;) {
          auto r = c.Send({"PUT", url + "/api/v1/companies/" + std::to_string(ids[t]), h,
                           R"({"company":{"nickname":"r)" + std::to_string(round) + "-" + std::to_string(i) + R"("}})"});
          if (!r.ok() || r->status != 200) failed++;
        }
      });
    for (auto& w : workers) w.join();
    double s = std::chrono::duration<double>(Clock::now() - start).count();
    if (failed) std::cerr << failed << " renames failed\n";
    return changes / s;
  };
  double without = renames();
  std::string hook = R"({"webhook":{"url":"https://127.0.0.1:)" + std::to_string((*receiver)->port()) +
                     R"(/bench","events":["company.updated"],"secret":"bench-secret-0123456789"}})";
  auto made = setup.Send({"POST", url + "/api/v1/webhooks", h, hook});
  if (!made.ok() || made->status != 200) {
    std::cerr << "creating the webhook failed (start cairn with --webhook-allow 127.0.0.0/8 --webhook-ca-file "
              << files->ca_cert << "): " << (made.ok() ? made->body : made.status().ToString()) << "\n";
    return 1;
  }
  double with = renames();
  auto deadline = Clock::now() + std::chrono::seconds(120);
  size_t got = 0;
  while (Clock::now() < deadline) {
    {
      std::lock_guard lock(mu);
      got = latencies.size();
    }
    if (got >= static_cast<size_t>(changes)) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  (*receiver)->Stop();
  std::sort(latencies.begin(), latencies.end());
  auto pct = [&](double p) {
    if (latencies.empty()) return 0.0;
    return latencies[std::min(latencies.size() - 1, static_cast<size_t>(p * static_cast<double>(latencies.size())))];
  };
  std::printf("writes without webhooks: %.0f/s\n", without);
  std::printf("writes with an active webhook: %.0f/s (%.2f of without)\n", with, with / without);
  std::printf("delivered: %zu of %d\n", latencies.size(), changes);
  std::printf("latency from change to receipt: p50 %.0f ms, p99 %.0f ms, max %.0f ms\n", pct(0.5), pct(0.99),
              latencies.empty() ? 0.0 : latencies.back());
  return latencies.size() == static_cast<size_t>(changes) ? 0 : 1;
}

}  // namespace

int main(int argc, char** argv) {
  if (!cairn::InitCrypto().ok()) return 1;
  CLI::App app{"cairn-bench: data for the Cairn benchmarks"};
  app.require_subcommand(1);
  std::string url, key, db, out;
  int companies = 10000, assets = 100000, threads = 4;
  auto* api = app.add_subcommand("seed-api");
  api->add_option("--url", url)->required();
  api->add_option("--key", key)->required();
  api->add_option("--companies", companies);
  api->add_option("--assets", assets);
  api->add_option("--threads", threads);
  auto* st = app.add_subcommand("seed-store");
  st->add_option("--db", db)->required();
  st->add_option("--companies", companies);
  st->add_option("--assets", assets);
  auto* q = app.add_subcommand("queries");
  q->add_option("--out", out)->required();
  q->add_option("--assets", assets);
  std::string tls_dir;
  int changes = 1000;
  auto* wh = app.add_subcommand("webhooks");
  wh->add_option("--url", url)->required();
  wh->add_option("--key", key)->required();
  wh->add_option("--tls-dir", tls_dir)->required();
  wh->add_option("--changes", changes);
  wh->add_option("--threads", threads);
  CLI11_PARSE(app, argc, argv);
  if (wh->parsed()) return Webhooks(url, key, tls_dir, changes, threads);
  if (api->parsed()) return SeedApi(url, key, companies, assets, threads);
  if (st->parsed()) return SeedStore(db, companies, assets);
  return Queries(out, assets);
}
