#include "sims/common/tenant.h"

#include <gtest/gtest.h>

#include <random>
#include <set>

namespace cairn::sims {
namespace {

FleetOptions Small() {
  return {.seed = 5, .companies = 6, .contacts_per_company = 3, .sites_per_company = 2,
          .devices_per_company = 4, .agreements_per_company = 1};
}

std::vector<RecordKey> All(const TenantView& v, RecordKind kind, std::optional<int64_t> company = {}) {
  std::vector<RecordKey> keys;
  v.ForEach(kind, company, [&](RecordKey k) {
    keys.push_back(k);
    return true;
  });
  return keys;
}

TEST(Tenant, SeedLayoutAndStamps) {
  Tenant t(Small());
  auto v = t.View();
  EXPECT_EQ(v->version(), 0u);
  EXPECT_EQ(v->Total(RecordKind::kCompany), 6);
  EXPECT_EQ(v->Total(RecordKind::kDevice), 24);
  EXPECT_EQ(v->Total(RecordKind::kDevice, 2), 4);
  auto page = v->Page(RecordKind::kDevice, std::nullopt, 5, 4);
  ASSERT_EQ(page.size(), 4u);
  EXPECT_EQ(page[0], (RecordKey{1, 1}));
  EXPECT_EQ(page[3], (RecordKey{2, 0}));
  EXPECT_EQ(v->Page(RecordKind::kDevice, std::nullopt, 22, 10).size(), 2u);
  EXPECT_TRUE(v->Page(RecordKind::kDevice, std::nullopt, 24, 10).empty());
  EXPECT_EQ(v->Device(1, 1)->name, Fleet(Small()).Device(1, 1).name);
  EXPECT_FALSE(v->Device(1, 4));
  EXPECT_FALSE(v->Company(6));
  for (int64_t c = 0; c < 6; ++c) {
    auto s = v->Stamps(RecordKind::kCompany, {c, 0});
    EXPECT_LT(s.created_ms, s.updated_ms + 1);
    EXPECT_LT(s.updated_ms, kSeedStampsBeforeMs);
    EXPECT_EQ(s.updated_ms, t.View()->Stamps(RecordKind::kCompany, {c, 0}).updated_ms);  // stable
  }
  EXPECT_TRUE(v->ChangedSince(RecordKind::kCompany, 0).empty());
}

TEST(Tenant, RenameMovesTheStampAndLeavesOldViewsAlone) {
  int64_t now = kSeedStampsBeforeMs + 5000;
  Tenant t(Small(), [&] { return now; });
  auto before = t.View();
  std::string old_name = before->Company(3)->name;
  auto touched = t.Mutate({.kind = RecordKind::kCompany, .action = MutateAction::kRename, .keys = {{3, 0}}});
  ASSERT_TRUE(touched.ok()) << touched.status().ToString();
  ASSERT_EQ(touched->size(), 1u);
  auto after = t.View();
  EXPECT_EQ(after->version(), 1u);
  EXPECT_NE(after->Company(3)->name, old_name);
  EXPECT_EQ(after->Company(3)->name.rfind(old_name, 0), 0u);  // "Acme Ltd" -> "Acme Ltd Holdings"
  EXPECT_EQ(before->Company(3)->name, old_name);
  EXPECT_EQ(after->Stamps(RecordKind::kCompany, {3, 0}).updated_ms, now);
  EXPECT_EQ(after->Stamps(RecordKind::kCompany, {3, 0}).created_ms,
            before->Stamps(RecordKind::kCompany, {3, 0}).created_ms);
  EXPECT_EQ(after->ChangedSince(RecordKind::kCompany, kSeedStampsBeforeMs), (std::vector<RecordKey>{{3, 0}}));
  EXPECT_TRUE(after->ChangedSince(RecordKind::kCompany, now).empty());
  // Renamed twice: still one suffix word, and a new stamp.
  now += 10;
  ASSERT_TRUE(t.Mutate({.kind = RecordKind::kCompany, .action = MutateAction::kRename, .keys = {{3, 0}}}).ok());
  std::string twice = t.View()->Company(3)->name;
  EXPECT_NE(twice, after->Company(3)->name);
  EXPECT_EQ(twice.find(' ', old_name.size() + 1), std::string::npos) << twice;
  EXPECT_EQ(t.View()->Stamps(RecordKind::kCompany, {3, 0}).updated_ms, now);
}

TEST(Tenant, AddPlacesNewRecordsAfterTheirCompanysOwn) {
  Tenant t(Small());
  auto added = t.Mutate({.kind = RecordKind::kDevice, .action = MutateAction::kAdd, .count = 2, .company = 2});
  ASSERT_TRUE(added.ok());
  EXPECT_EQ(*added, (std::vector<RecordKey>{{2, 4}, {2, 5}}));
  auto v = t.View();
  EXPECT_EQ(v->Total(RecordKind::kDevice), 26);
  EXPECT_EQ(v->Total(RecordKind::kDevice, 2), 6);
  auto page = v->Page(RecordKind::kDevice, std::nullopt, 12, 3);
  EXPECT_EQ(page, (std::vector<RecordKey>{{2, 4}, {2, 5}, {3, 0}}));
  EXPECT_TRUE(v->Device(2, 5)->active);
  // A new company has no children of its own until they are added to it.
  auto company = t.Mutate({.kind = RecordKind::kCompany, .action = MutateAction::kAdd, .count = 1});
  ASSERT_TRUE(company.ok());
  EXPECT_EQ(*company, (std::vector<RecordKey>{{6, 0}}));
  v = t.View();
  EXPECT_EQ(v->Total(RecordKind::kCompany), 7);
  EXPECT_TRUE(v->Company(6)->active);
  EXPECT_EQ(v->Total(RecordKind::kContact, 6), 0);
  ASSERT_TRUE(t.Mutate({.kind = RecordKind::kContact, .action = MutateAction::kAdd, .count = 1, .company = 6}).ok());
  EXPECT_EQ(All(*t.View(), RecordKind::kContact).back(), (RecordKey{6, 0}));
}

TEST(Tenant, DeleteHidesRecordsAndTheirChildren) {
  Tenant t(Small());
  ASSERT_TRUE(t.Mutate({.kind = RecordKind::kContact, .action = MutateAction::kDelete, .keys = {{1, 1}}}).ok());
  auto v = t.View();
  EXPECT_FALSE(v->Contact(1, 1));
  EXPECT_FALSE(v->Live(RecordKind::kContact, {1, 1}));
  EXPECT_EQ(v->Total(RecordKind::kContact), 17);
  EXPECT_EQ(v->Page(RecordKind::kContact, std::nullopt, 3, 3), (std::vector<RecordKey>{{1, 0}, {1, 2}, {2, 0}}));
  EXPECT_EQ(v->Page(RecordKind::kContact, 1, 1, 5), (std::vector<RecordKey>{{1, 2}}));
  EXPECT_EQ(v->ChangedSince(RecordKind::kContact, 0), (std::vector<RecordKey>{{1, 1}}));

  ASSERT_TRUE(t.Mutate({.kind = RecordKind::kCompany, .action = MutateAction::kDelete, .keys = {{0, 0}}}).ok());
  v = t.View();
  EXPECT_EQ(v->Total(RecordKind::kCompany), 5);
  EXPECT_EQ(v->Total(RecordKind::kDevice), 20);
  EXPECT_FALSE(v->Device(0, 0));
  EXPECT_EQ(v->Page(RecordKind::kCompany, std::nullopt, 0, 1), (std::vector<RecordKey>{{1, 0}}));
  EXPECT_EQ(v->Page(RecordKind::kDevice, std::nullopt, 0, 1), (std::vector<RecordKey>{{1, 0}}));
  // A deleted record cannot be changed again, and a failed mutation changes nothing.
  auto again = t.Mutate({.kind = RecordKind::kContact, .action = MutateAction::kRename, .keys = {{1, 1}, {2, 0}}});
  EXPECT_EQ(again.status().code(), Code::kNotFound);
  EXPECT_EQ(t.View()->version(), 2u);
  EXPECT_EQ(t.View()->Contact(2, 0)->last_name, Fleet(Small()).Contact(2, 0).last_name);
}

TEST(Tenant, CountPicksDistinctEligibleRecords) {
  FleetOptions o = Small();
  o.inactive_share = 0;
  Tenant t(o);
  auto off = t.Mutate({.kind = RecordKind::kDevice, .action = MutateAction::kDeactivate, .count = 5});
  ASSERT_TRUE(off.ok());
  std::set<RecordKey> distinct(off->begin(), off->end());
  EXPECT_EQ(distinct.size(), 5u);
  for (auto k : *off) EXPECT_FALSE(t.View()->Device(k.company, k.index)->active);
  // Spread over the tenant, not bunched at the start.
  EXPECT_GE(off->back().company, 4);
  // Only the five inactive ones can be activated.
  EXPECT_EQ(t.Mutate({.kind = RecordKind::kDevice, .action = MutateAction::kActivate, .count = 6}).status().code(),
            Code::kInvalidArgument);
  ASSERT_TRUE(t.Mutate({.kind = RecordKind::kDevice, .action = MutateAction::kActivate, .count = 5}).ok());
  int inactive = 0;
  for (auto k : All(*t.View(), RecordKind::kDevice)) inactive += !t.View()->Device(k.company, k.index)->active;
  EXPECT_EQ(inactive, 0);
}

TEST(Tenant, UpdateChangesFieldsButNotIdentity) {
  Tenant t(Small());
  auto before = *t.View()->Device(4, 2);
  ASSERT_TRUE(t.Mutate({.kind = RecordKind::kDevice, .action = MutateAction::kUpdate, .keys = {{4, 2}}}).ok());
  auto after = *t.View()->Device(4, 2);
  EXPECT_NE(after.ip, before.ip);
  EXPECT_EQ(after.serial, before.serial);
  EXPECT_EQ(after.name, before.name);
  auto c0 = *t.View()->Company(1);
  ASSERT_TRUE(t.Mutate({.kind = RecordKind::kCompany, .action = MutateAction::kUpdate, .keys = {{1, 0}}}).ok());
  EXPECT_NE(t.View()->Company(1)->phone, c0.phone);
  EXPECT_EQ(t.View()->Company(1)->name, c0.name);
}

TEST(Tenant, RefusesBadRequestsWithoutChangingAnything) {
  Tenant t(Small());
  EXPECT_EQ(t.Mutate({.kind = RecordKind::kSite, .action = MutateAction::kDeactivate, .count = 1}).status().code(),
            Code::kInvalidArgument);
  EXPECT_EQ(t.Mutate({.kind = RecordKind::kCompany, .action = MutateAction::kRename, .count = 7}).status().code(),
            Code::kInvalidArgument);
  EXPECT_EQ(t.Mutate({.kind = RecordKind::kCompany, .action = MutateAction::kRename}).status().code(),
            Code::kInvalidArgument);
  EXPECT_EQ(t.Mutate({.kind = RecordKind::kDevice, .action = MutateAction::kAdd, .count = 1, .company = 99})
                .status()
                .code(),
            Code::kNotFound);
  EXPECT_EQ(t.View()->version(), 0u);
}

TEST(Tenant, ResetReturnsToTheSeed) {
  Tenant t(Small());
  std::string name = t.View()->Company(0)->name;
  ASSERT_TRUE(t.Mutate({.kind = RecordKind::kCompany, .action = MutateAction::kRename, .count = 6}).ok());
  ASSERT_TRUE(t.Mutate({.kind = RecordKind::kDevice, .action = MutateAction::kAdd, .count = 3}).ok());
  t.Reset();
  EXPECT_EQ(t.View()->version(), 0u);
  EXPECT_EQ(t.View()->Company(0)->name, name);
  EXPECT_EQ(t.View()->Total(RecordKind::kDevice), 24);
}

// Page(i, 1) agrees with the full walk at every position, whatever was added and deleted.
TEST(Tenant, PagingAgreesWithTheWalkAfterRandomChanges) {
  FleetOptions o = Small();
  o.inactive_share = 0.3;
  Tenant t(o);
  std::mt19937 rng(11);
  for (int step = 0; step < 60; ++step) {
    auto v = t.View();
    RecordKind kind = static_cast<RecordKind>(rng() % kRecordKinds);
    MutateAction action = rng() % 3 == 0 ? MutateAction::kAdd : rng() % 2 ? MutateAction::kDelete : MutateAction::kDeactivate;
    if (action == MutateAction::kDeactivate && (kind == RecordKind::kSite || v->TotalWithActivity(kind, std::nullopt, true) == 0))
      continue;
    if (action == MutateAction::kDelete && kind == RecordKind::kCompany && v->Total(kind) < 3) continue;
    if (action == MutateAction::kDelete && v->Total(kind) == 0) continue;
    MutateRequest m{.kind = kind, .action = action, .count = 1};
    ASSERT_TRUE(t.Mutate(m).ok()) << step;
  }
  auto v = t.View();
  for (int k = 0; k < kRecordKinds; ++k) {
    auto kind = static_cast<RecordKind>(k);
    auto all = All(*v, kind);
    ASSERT_EQ(static_cast<int64_t>(all.size()), v->Total(kind));
    for (size_t i = 0; i < all.size(); ++i) {
      auto one = v->Page(kind, std::nullopt, static_cast<int64_t>(i), 1);
      ASSERT_EQ(one.size(), 1u);
      EXPECT_EQ(one[0], all[i]) << RecordKindName(kind) << " at " << i;
      EXPECT_TRUE(v->Live(kind, all[i]));
    }
    for (int64_t c = 0; c < v->CompanySlots(); ++c) {
      auto own = All(*v, kind, c);
      EXPECT_EQ(static_cast<int64_t>(own.size()), v->Total(kind, c));
    }
    // The activity index agrees with filtering the walk, overall and per company.
    for (bool active : {true, false}) {
      std::vector<RecordKey> wanted;
      for (auto k : all)
        if (v->Active(kind, k) == active) wanted.push_back(k);
      ASSERT_EQ(v->TotalWithActivity(kind, std::nullopt, active), static_cast<int64_t>(wanted.size()));
      for (size_t i = 0; i < wanted.size(); ++i)
        EXPECT_EQ(v->PageWithActivity(kind, std::nullopt, active, static_cast<int64_t>(i), 1),
                  (std::vector<RecordKey>{wanted[i]}))
            << RecordKindName(kind) << " active=" << active << " at " << i;
      EXPECT_EQ(v->PageWithActivity(kind, std::nullopt, active, 0, 1000), wanted);
      for (int64_t c = 0; c < v->CompanySlots(); ++c) {
        std::vector<RecordKey> own;
        for (auto k : wanted)
          if (k.company == c) own.push_back(k);
        EXPECT_EQ(v->TotalWithActivity(kind, c, active), static_cast<int64_t>(own.size()));
        EXPECT_EQ(v->PageWithActivity(kind, c, active, 0, 1000), own);
      }
    }
  }
}

}  // namespace
}  // namespace cairn::sims
