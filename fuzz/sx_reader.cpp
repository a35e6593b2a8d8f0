// libFuzzer target: the SX reader and printers.
//
// Properties checked on every input: reading never crashes or reads out of
// bounds; an error's offset lies inside the input; a value that reads has a
// canonical form that reads back equal and is a fixed point; its pretty form
// reads back equal; `read` and `read_all` agree.
#include <sxtp/sx.hpp>

#include <cstdint>
#include <cstdlib>
#include <string_view>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    namespace sx = sxtp::sx;
    static sx::reader rd;
    const std::string_view text(reinterpret_cast<const char*>(data), size);

    auto one = rd.read(text);
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
    if (!all && all.error().offset > size) std::abort();
    return 0;
}
