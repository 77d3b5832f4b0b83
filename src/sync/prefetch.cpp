#include "sync/prefetch.h"

#include <utility>

namespace cairn::sync {

Prefetch::Prefetch(List list, size_t capacity) : capacity_(capacity < 1 ? 1 : capacity) {
  thread_ = std::thread([this, list = std::move(list)] {
    Status st = list([this](connectors::VendorItem&& item) -> Status {
      std::unique_lock lock(mu_);
      while (queue_.size() >= capacity_ && !cancelled_) {
        producer_waiting_ = true;
        space_.wait(lock);
        producer_waiting_ = false;
      }
      if (cancelled_) return Status::Unavailable("cancelled");
      queue_.push_back(std::move(item));
      // Woken only when it sleeps, and only once a batch is waiting (or the queue is full): a
      // wake-up per record costs a context switch per record when the consumer keeps up. A
      // sleeping consumer looks again every kPoll anyway, so a trickle is never held long.
      if (consumer_waiting_ && (queue_.size() >= kWakeBatch || queue_.size() >= capacity_)) items_.notify_one();
      return Status::Ok();
    });
    std::lock_guard lock(mu_);
    status_ = std::move(st);
    done_ = true;
    items_.notify_all();
  });
}

Prefetch::~Prefetch() { Cancel(); }

void Prefetch::Cancel() {
  {
    std::lock_guard lock(mu_);
    cancelled_ = true;
    space_.notify_all();
  }
  if (thread_.joinable()) thread_.join();
}

bool Prefetch::Take(std::deque<connectors::VendorItem>& out) {
  std::unique_lock lock(mu_);
  while (queue_.empty() && !done_) {
    consumer_waiting_ = true;
    items_.wait_for(lock, kPoll);
    consumer_waiting_ = false;
  }
  if (queue_.empty()) return false;
  if (out.empty()) {
    out.swap(queue_);
  } else {
    for (auto& item : queue_) out.push_back(std::move(item));
    queue_.clear();
  }
  if (producer_waiting_) space_.notify_one();
  return true;
}

Status Prefetch::Finish() {
  {
    std::unique_lock lock(mu_);
    // Called before Take said the end: the rest is not wanted.
    if (!done_) {
      cancelled_ = true;
      space_.notify_all();
    }
    items_.wait(lock, [&] { return done_; });
  }
  if (thread_.joinable()) thread_.join();
  std::lock_guard lock(mu_);
  return status_;
}

}  // namespace cairn::sync
