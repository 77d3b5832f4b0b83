// The static files, built into the binary with the assembler's .incbin (CMake passes each file's
// path and makes this file depend on it): htmx and Pico CSS from node_modules (package.json pins
// their versions), Cairn's own CSS and JS from src/web/static.
#include <array>

#include "core/text.h"
#include "web/internal.h"

#define CAIRN_EMBED(symbol, path)                                                        \
  __asm__(".section .rodata\n.balign 16\n.global " #symbol "_begin\n" #symbol "_begin:\n" \
          ".incbin \"" path "\"\n.global " #symbol "_end\n" #symbol "_end:\n.byte 0\n.previous\n");
CAIRN_EMBED(cairn_web_htmx, CAIRN_WEB_HTMX_JS)
CAIRN_EMBED(cairn_web_pico, CAIRN_WEB_PICO_CSS)
CAIRN_EMBED(cairn_web_app_css, CAIRN_WEB_APP_CSS)
CAIRN_EMBED(cairn_web_app_js, CAIRN_WEB_APP_JS)

extern "C" {
extern const char cairn_web_htmx_begin[], cairn_web_htmx_end[];
extern const char cairn_web_pico_begin[], cairn_web_pico_end[];
extern const char cairn_web_app_css_begin[], cairn_web_app_css_end[];
extern const char cairn_web_app_js_begin[], cairn_web_app_js_end[];
}

namespace cairn::web {
namespace {

struct Entry {
  std::string_view name;
  std::string_view content;
  std::string_view type;
  std::string version;
};

const std::array<Entry, 4>& Files() {
  static std::array<Entry, 4> files = [] {
    auto view = [](const char* b, const char* e) { return std::string_view(b, static_cast<size_t>(e - b)); };
    std::array<Entry, 4> f{{
        {"htmx.min.js", view(cairn_web_htmx_begin, cairn_web_htmx_end), "text/javascript; charset=utf-8", ""},
        {"pico.min.css", view(cairn_web_pico_begin, cairn_web_pico_end), "text/css; charset=utf-8", ""},
        {"app.css", view(cairn_web_app_css_begin, cairn_web_app_css_end), "text/css; charset=utf-8", ""},
        {"app.js", view(cairn_web_app_js_begin, cairn_web_app_js_end), "text/javascript; charset=utf-8", ""},
    }};
    for (auto& e : f) {
      e.version = Fnv1aHex(e.content).substr(0, 12);
    }
    return f;
  }();
  return files;
}

}  // namespace

std::optional<StaticFile> FindStatic(std::string_view name) {
  for (const auto& e : Files())
    if (e.name == name) return StaticFile{e.content, e.type, e.version};
  return std::nullopt;
}

std::string StaticUrl(std::string_view name) {
  auto f = FindStatic(name);
  return "/static/" + std::string(name) + (f ? "?v=" + std::string(f->version) : "");
}

}  // namespace cairn::web
