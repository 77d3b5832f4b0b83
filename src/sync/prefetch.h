// Prefetch: a vendor listing read on a thread of its own while the caller applies what arrives.
//
// A sync run's time is the vendor's latency, the parsing of its pages, and Cairn's writes. Done
// in turn, one waits for the other; with the listing on its own thread, the next pages arrive and
// are parsed while the previous records are written. The queue between the two is bounded, so a
// vendor that answers faster than Cairn writes waits instead of filling memory.
//
// The listing function is called once, on the prefetch thread, with a sink for its records. It
// must not touch anything the caller uses meanwhile (the connector is the listing's own until
// Finish). Destroying a Prefetch before its end cancels the listing: the sink answers Unavailable ("cancelled"),
// which the connectors pass up, and the thread is joined.
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <deque>
#include <functional>
#include <mutex>
#include <optional>
#include <thread>

#include "connectors/connector.h"
#include "core/status.h"

namespace cairn::sync {

class Prefetch {
 public:
  using Sink = std::function<Status(connectors::VendorItem&&)>;
  using List = std::function<Status(const Sink&)>;

  // Starts `list` at once. `capacity`: records that may wait in the queue (a few pages).
  explicit Prefetch(List list, size_t capacity = 4096);
  ~Prefetch();
  Prefetch(const Prefetch&) = delete;
  Prefetch& operator=(const Prefetch&) = delete;

  // Moves every record waiting (at least one, waiting for it) into `out`; false once the
  // listing has ended and everything it listed was taken.
  bool Take(std::deque<connectors::VendorItem>& out);
  // Waits for the listing to end and answers how it ended (OK: it listed everything). Called
  // before Take answered false, it cancels the rest of the listing.
  Status Finish();

 private:
  void Cancel();

  // The consumer is woken once this many records wait, and looks on its own this often.
  static constexpr size_t kWakeBatch = 256;
  static constexpr std::chrono::milliseconds kPoll{2};

  std::mutex mu_;
  std::condition_variable items_;   // the consumer waits for records
  std::condition_variable space_;   // the listing waits for room
  std::deque<connectors::VendorItem> queue_;
  size_t capacity_;
  bool done_ = false;
  bool cancelled_ = false;
  bool consumer_waiting_ = false;
  bool producer_waiting_ = false;
  Status status_ = Status::Ok();
  std::thread thread_;
};

}  // namespace cairn::sync
