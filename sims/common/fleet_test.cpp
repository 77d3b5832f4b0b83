#include "sims/common/fleet.h"

#include <gtest/gtest.h>

#include <cctype>
#include <chrono>
#include <map>
#include <set>

namespace cairn::sims {
namespace {

TEST(Fleet, SameSeedSameRecordsOtherSeedOtherRecords) {
  Fleet a({.seed = 7}), b({.seed = 7}), c({.seed = 8});
  for (int64_t i = 0; i < 10; ++i) {
    EXPECT_EQ(a.Company(i).name, b.Company(i).name);
    EXPECT_EQ(a.Device(i, 3).serial, b.Device(i, 3).serial);
    EXPECT_EQ(a.Contact(i, 1).email, b.Contact(i, 1).email);
  }
  int differing = 0;
  for (int64_t i = 0; i < 20; ++i) differing += a.Device(i, 0).serial != c.Device(i, 0).serial;
  EXPECT_GT(differing, 15);
}

// The same company index is the same client under every seed, spelt the vendor's way.
TEST(Fleet, NearDuplicateNamesAcrossSeeds) {
  std::set<std::string> spellings;
  for (uint64_t seed = 1; seed <= 12; ++seed) spellings.insert(Fleet({.seed = seed}).Company(0).name);
  EXPECT_GE(spellings.size(), 3u);
  for (auto s : spellings) {
    for (char& ch : s) ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
    EXPECT_EQ(s.rfind("acme", 0), 0u) << s;
  }
  EXPECT_TRUE(spellings.count("ACME Limited") || spellings.count("Acme Ltd") ||
              spellings.count("Acme, Inc."));
}

TEST(Fleet, NonAsciiNamesAndInactiveRecords) {
  Fleet f({.seed = 3, .companies = 200, .inactive_share = 0.1});
  bool non_ascii = false;
  int inactive = 0;
  for (int64_t i = 0; i < 200; ++i) {
    auto c = f.Company(i);
    for (unsigned char ch : c.name) non_ascii = non_ascii || ch >= 0x80;
    inactive += !c.active;
  }
  EXPECT_TRUE(non_ascii);
  EXPECT_GT(inactive, 5);
  EXPECT_LT(inactive, 45);
}

TEST(Fleet, DeviceTypesSerialsAndPlaceholdersInRealisticProportions) {
  Fleet f({.seed = 11, .companies = 100, .devices_per_company = 200});
  std::map<DeviceType, int> types;
  int empty = 0, placeholder = 0, total = 0;
  for (int64_t c = 0; c < 100; ++c)
    for (int64_t d = 0; d < 200; ++d) {
      auto dev = f.Device(c, d);
      ++types[dev.type];
      empty += dev.serial.empty();
      placeholder += IsPlaceholderSerial(dev.serial);
      ++total;
    }
  auto share = [&](DeviceType t) { return 100.0 * types[t] / total; };
  EXPECT_NEAR(share(DeviceType::kWorkstation), 45, 3);
  EXPECT_NEAR(share(DeviceType::kLaptop), 30, 3);
  EXPECT_NEAR(share(DeviceType::kServer), 6, 1.5);
  EXPECT_NEAR(share(DeviceType::kFirewall), 3, 1);
  EXPECT_NEAR(share(DeviceType::kSwitch), 5, 1.5);
  EXPECT_NEAR(share(DeviceType::kPrinter), 6, 1.5);
  EXPECT_NEAR(share(DeviceType::kPhone), 5, 1.5);
  EXPECT_NEAR(100.0 * empty / total, 3, 1);
  EXPECT_NEAR(100.0 * placeholder / total, 3, 1);
  EXPECT_TRUE(IsPlaceholderSerial("To be filled by O.E.M."));
  EXPECT_FALSE(IsPlaceholderSerial("7XK2Q9L"));
}

// Two vendors given the same shared seed see the same machines for part of each company's fleet.
TEST(Fleet, SharedFleetGivesTwoVendorsTheSameSerials) {
  FleetOptions rmm{.seed = 100, .devices_per_company = 50, .shared_fleet_seed = 42, .shared_share = 0.4};
  FleetOptions psa = rmm;
  psa.seed = 200;
  Fleet a(rmm), b(psa);
  int same = 0, different = 0;
  for (int64_t c = 0; c < 10; ++c)
    for (int64_t d = 0; d < 50; ++d) {
      auto x = a.Device(c, d), y = b.Device(c, d);
      EXPECT_EQ(x.shared, d < 20);
      if (x.shared) {
        EXPECT_EQ(x.serial, y.serial);
        EXPECT_EQ(x.model, y.model);
        ++same;
      } else {
        different += x.serial != y.serial;
      }
    }
  EXPECT_EQ(same, 200);
  EXPECT_GT(different, 250);
}

TEST(Fleet, AnyRecordOfAMillionIsComputedDirectly) {
  Fleet f({.seed = 5, .companies = 1000, .devices_per_company = 1000});
  auto t0 = std::chrono::steady_clock::now();
  std::set<std::string> names;
  for (int i = 0; i < 10000; ++i) names.insert(f.Device(999, 999 - i % 1000).name);
  double ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count();
  EXPECT_EQ(names.size(), 1000u);
  EXPECT_LT(ms, 500.0);
  auto last = f.Device(999, 999);
  EXPECT_EQ(last.name, f.Device(999, 999).name);
  EXPECT_FALSE(last.ip.empty());
}

}  // namespace
}  // namespace cairn::sims
