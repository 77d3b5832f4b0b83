// Internal to src/api: layout helpers the asset handlers share.
#pragma once

#include <vector>

#include "api/context.h"

namespace cairn::api {

// The layout's fields ordered by position.
Result<std::vector<LayoutField>> LayoutFields(store::Tx& tx, int64_t layout_id);
// {"id", "name", ..., "fields": [...]} as Hudu returns a layout.
json::object LayoutJson(const AssetLayout& l, const std::vector<LayoutField>& fields);

}  // namespace cairn::api
