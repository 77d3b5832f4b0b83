#include "connectors/mapping.h"

#include <cmath>
#include <cstdio>

#include "core/clock.h"

namespace cairn::connectors::mapping {

const json::value* At(const json::object& o, std::initializer_list<std::string_view> path) {
  const json::object* cur = &o;
  const json::value* v = nullptr;
  for (auto key : path) {
    if (!cur) return nullptr;
    v = cur->if_contains(key);
    if (!v) return nullptr;
    cur = v->if_object();
  }
  return v;
}

const json::value* At(const json::value& v, std::initializer_list<std::string_view> path) {
  const auto* o = v.if_object();
  return o ? At(*o, path) : nullptr;
}

std::string Text(const json::value* v) {
  if (!v) return {};
  switch (v->kind()) {
    case json::kind::string: return std::string(v->get_string());
    case json::kind::int64: return std::to_string(v->get_int64());
    case json::kind::uint64: return std::to_string(v->get_uint64());
    case json::kind::double_: {
      double d = v->get_double();
      if (std::isfinite(d) && d == std::floor(d) && std::fabs(d) < 9e15)
        return std::to_string(static_cast<int64_t>(d));
      char buf[40];
      std::snprintf(buf, sizeof buf, "%.15g", d);
      return buf;
    }
    case json::kind::bool_: return v->get_bool() ? "true" : "false";
    default: return {};
  }
}

bool Bool(const json::object& o, std::initializer_list<std::string_view> path, bool fallback) {
  const auto* v = At(o, path);
  return v && v->is_bool() ? v->get_bool() : fallback;
}

int64_t Stamp(const json::value* v) {
  if (!v || !v->is_string() || v->get_string().empty()) return 0;
  auto ms = ParseIso8601(std::string_view(v->get_string()));
  return ms ? *ms : 0;
}

std::string FullName(std::string_view first, std::string_view last) {
  return Join({first, last}, " ");
}

std::string Join(std::initializer_list<std::string_view> parts, std::string_view sep) {
  std::string out;
  for (auto p : parts) {
    if (p.empty()) continue;
    if (!out.empty()) out += sep;
    out += p;
  }
  return out;
}

void Card(json::object& card, std::string_view label, const json::value* v) {
  if (!v || v->is_null()) return;
  if (const auto* o = v->if_object()) {
    for (const auto& [k, inner] : *o) {
      if (k.ends_with("_href") || k == "_info") continue;  // API plumbing, not data
      Card(card, std::string(label) + " / " + std::string(k), &inner);
    }
    return;
  }
  if (const auto* a = v->if_array()) {
    std::string joined;
    for (const auto& e : *a) {
      if (e.is_object() || e.is_array()) return;
      std::string t = Text(&e);
      if (t.empty()) continue;
      if (!joined.empty()) joined += ", ";
      joined += t;
    }
    if (!joined.empty()) card[label] = joined;
    return;
  }
  if (v->is_string() && v->get_string().empty()) return;
  card[label] = *v;
}

const json::array* ListOf(const json::value& answer, std::string_view key) {
  if (const auto* a = answer.if_array()) return a;
  if (const auto* o = answer.if_object())
    if (const auto* v = o->if_contains(key)) return v->if_array();
  return nullptr;
}

}  // namespace cairn::connectors::mapping
