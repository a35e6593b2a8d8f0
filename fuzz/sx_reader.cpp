// libFuzzer target: the SX reader and printers.
//
// Properties checked on every input: reading never crashes or reads out of
// bounds; an error's offset lies inside the input; a value that reads has a
// canonical form that reads back equal and is a fixed point; its pretty form
// reads back equal; `read` and `read_all` agree; reading into an
// sx::document gives the same value or the same error at the same offset.
#include <sxtp/sx.hpp>

#include <algorithm>
#include <cstdint>
#include <cstdlib>
#include <string_view>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    namespace sx = sxtp::sx;
    static sx::reader rd;
    const std::string_view text(reinterpret_cast<const char*>(data), size);

    auto one = rd.read(text);
    static sx::document doc;
    const auto in_arena = rd.read(text, doc);
    if (in_arena.has_value() != one.has_value()) std::abort();
    if (one && !(doc.root() == *one)) std::abort();
    if (!one && (in_arena.error().code != one.error().code || in_arena.error().offset != one.error().offset)) std::abort();
    if (!one) {
        if (one.error().offset > size || one.error().line == 0 || one.error().column == 0) std::abort();
    } else {
        const sx::value v = std::move(*one);
        const std::string c = sx::canonical(v);
        auto back = rd.read(c);
        if (!back || !(*back == v) || sx::canonical(*back) != c) std::abort();
        auto from_pretty = rd.read(sx::pretty(v, {.width = 40}));
        if (!from_pretty || !(*from_pretty == v)) std::abort();
    }
    auto all = rd.read_all(text);
    if (all && one && (all->size() != 1)) std::abort();
    const auto all_in_arena = rd.read_all(text, doc);
    if (all_in_arena.has_value() != all.has_value()) std::abort();
    if (all && !std::equal(all->begin(), all->end(), doc.forms().begin(), doc.forms().end())) std::abort();
    if (!all && all.error().offset > size) std::abort();
    return 0;
}
