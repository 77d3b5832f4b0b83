// Internal to the store: the ordered list of schema migrations (see migrations.cpp).
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "store/driver.h"

namespace cairn::store {

struct Migration {
  int64_t version;
  const char* name;
  std::function<std::string(Dialect)> sql;
};

// Strictly increasing versions starting at 1.
const std::vector<Migration>& Migrations();

}  // namespace cairn::store
