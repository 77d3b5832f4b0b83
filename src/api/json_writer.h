// Internal to src/api: the JSON writer (core/json_writer.h) and the schema columns written with it.
#pragma once

#include <set>
#include <string_view>

#include "core/json_writer.h"
#include "core/schema.h"

namespace cairn::api {

using ::cairn::JsonWriter;

// Writes the schema columns of `row` as "key": value pairs into the object being written (the
// same fields, order and formats as ToJson in context.h).
template <class T>
void WriteColumns(JsonWriter& w, const T& row, const std::set<std::string_view>& hidden = {});

}  // namespace cairn::api
