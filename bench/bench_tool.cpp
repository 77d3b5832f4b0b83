// cairn-bench: the data side of the benchmarks (bench/run.sh drives it).
//
//   cairn-bench seed-api   --url U --key K --companies N --assets N [--threads T]
//       creates a layout, N companies and N assets through the API and prints the write rates
//       (this is the bulk-write benchmark).
//   cairn-bench seed-store --db PATH --companies N --assets N
//       fills a database directly through the store, for the search benchmark.
//   cairn-bench queries    --out FILE
//       writes the search query mix, one query per line.
#include <CLI/CLI.hpp>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <fstream>
#include <iostream>
#include <random>
#include <thread>

#include "core/crypto.h"
#include "http/client.h"
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
  CLI11_PARSE(app, argc, argv);
  if (api->parsed()) return SeedApi(url, key, companies, assets, threads);
  if (st->parsed()) return SeedStore(db, companies, assets);
  return Queries(out, assets);
}
