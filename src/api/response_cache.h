// Internal to src/api: rendered responses kept while the tables they were built from are
// unchanged (store::Store::TableVersion). Used for the most requested read (company pages), which
// scripts such as the HuduAPI PowerShell module page through on every run.
//
// Only for the embedded SQLite store: there every writer is this process, so a table version
// sees every change. With PostgreSQL another node may write, so the Api does not create one.
// Thread-safe.
#pragma once

#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include "core/model.h"

namespace cairn::api {

class ResponseCache {
 public:
  explicit ResponseCache(size_t max_entries = 4096, size_t max_body = 256 * 1024)
      : max_entries_(max_entries), max_body_(max_body) {}

  // The body stored under `key` for exactly this version.
  std::optional<std::string> Get(const std::string& key, uint64_t version) {
    std::lock_guard lock(mu_);
    auto it = map_.find(key);
    if (it == map_.end() || it->second.version != version) return std::nullopt;
    return it->second.body;
  }

  void Put(const std::string& key, uint64_t version, const std::string& body) {
    if (body.size() > max_body_) return;
    std::lock_guard lock(mu_);
    // Entries from an older version are dead weight: start again rather than track ages.
    if (map_.size() >= max_entries_ && !map_.count(key)) map_.clear();
    map_[key] = {version, body};
  }

 private:
  struct Entry {
    uint64_t version;
    std::string body;
  };
  std::mutex mu_;
  std::unordered_map<std::string, Entry> map_;
  size_t max_entries_;
  size_t max_body_;
};

// Asset layouts with their fields, kept while neither table changes (same rules as above).
// Every asset the API renders needs its layout's fields.
class LayoutCache {
 public:
  struct Entry {
    AssetLayout layout;
    std::vector<LayoutField> fields;  // by position
  };

  std::shared_ptr<const Entry> Get(int64_t layout_id, uint64_t version) {
    std::lock_guard lock(mu_);
    if (version != version_) return nullptr;
    auto it = map_.find(layout_id);
    return it == map_.end() ? nullptr : it->second;
  }

  void Put(uint64_t version, std::shared_ptr<const Entry> entry) {
    std::lock_guard lock(mu_);
    if (version != version_) {
      map_.clear();
      version_ = version;
    }
    if (map_.size() < 10000) map_[entry->layout.id] = std::move(entry);
  }

 private:
  std::mutex mu_;
  uint64_t version_ = 0;
  std::unordered_map<int64_t, std::shared_ptr<const Entry>> map_;
};

}  // namespace cairn::api
