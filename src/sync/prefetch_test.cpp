#include "sync/prefetch.h"

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>

namespace cairn::sync {
namespace {

using connectors::VendorItem;

Prefetch::List Numbers(int n, std::atomic<int>* listed, Status end = Status::Ok()) {
  return [=](const Prefetch::Sink& sink) -> Status {
    for (int i = 0; i < n; ++i) {
      VendorItem item;
      item.vendor_id = std::to_string(i);
      if (auto st = sink(std::move(item)); !st.ok()) return st;
      ++*listed;
    }
    return end;
  };
}

TEST(Prefetch, DeliversEveryRecordInOrderThenHowTheListingEnded) {
  std::atomic<int> listed = 0;
  Prefetch p(Numbers(10000, &listed), 64);
  std::deque<VendorItem> got;
  int next = 0;
  while (p.Take(got)) {
    for (auto& item : got) ASSERT_EQ(item.vendor_id, std::to_string(next++));
    got.clear();
  }
  EXPECT_EQ(next, 10000);
  EXPECT_TRUE(p.Finish().ok());
}

TEST(Prefetch, AFailedListingIsReportedAfterWhatItListed) {
  std::atomic<int> listed = 0;
  Prefetch p(Numbers(5, &listed, Status::Unavailable("page 2 answered 500")));
  std::deque<VendorItem> got;
  size_t n = 0;
  while (p.Take(got)) {
    n += got.size();
    got.clear();
  }
  EXPECT_EQ(n, 5u);
  auto st = p.Finish();
  EXPECT_EQ(st.code(), Code::kUnavailable);
  EXPECT_EQ(st.message(), "page 2 answered 500");
}

TEST(Prefetch, TheQueueIsBoundedAndAbandoningCancelsTheListing) {
  std::atomic<int> listed = 0;
  {
    Prefetch p(Numbers(1000000, &listed), 100);
    std::deque<VendorItem> got;
    ASSERT_TRUE(p.Take(got));
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
    // The listing waits for room: at most what was taken plus a full queue (and the one waiting).
    EXPECT_LE(listed.load(), static_cast<int>(got.size()) + 101);
  }  // destroyed mid-listing: cancelled and joined, not run to the end
  EXPECT_LT(listed.load(), 1000000);

  std::atomic<int> listed2 = 0;
  Prefetch p(Numbers(1000000, &listed2), 100);
  std::deque<VendorItem> got;
  ASSERT_TRUE(p.Take(got));
  auto st = p.Finish();  // before the end: the rest is cancelled
  EXPECT_EQ(st.code(), Code::kUnavailable);
  EXPECT_LT(listed2.load(), 1000000);
}

}  // namespace
}  // namespace cairn::sync
