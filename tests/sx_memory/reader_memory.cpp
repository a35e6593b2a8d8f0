// The reader's memory is bounded by its input: peak heap use while reading
// (and holding the result) stays under 48 bytes per input byte for the worst
// shapes of input. This executable replaces the global allocator to count
// bytes, so it is built without sanitizers and kept apart from other tests.
#include <sxtp/sx/reader.hpp>

#include <catch2/catch.hpp>

#include <cstdlib>
#include <new>
#include <string>

namespace {
std::size_t current = 0, peak = 0;
bool counting = false;
} // namespace

void* operator new(std::size_t n) {
    auto* p = static_cast<std::size_t*>(std::malloc(n + sizeof(std::max_align_t)));
    if (!p) throw std::bad_alloc();
    *p = n;
    if (counting) {
        current += n;
        if (current > peak) peak = current;
    }
    return reinterpret_cast<char*>(p) + sizeof(std::max_align_t);
}
void operator delete(void* q) noexcept {
    if (!q) return;
    auto* p = reinterpret_cast<std::size_t*>(static_cast<char*>(q) - sizeof(std::max_align_t));
    if (counting) current -= std::min(current, *p);
    std::free(p);
}
void operator delete(void* q, std::size_t) noexcept { operator delete(q); }

namespace {

// Peak bytes per input byte while reading `text` and holding the value.
double peak_per_byte(const std::string& text) {
    sxtp::sx::reader rd;
    current = peak = 0;
    counting = true;
    {
        auto v = rd.read(text);
        REQUIRE(v.has_value());
    }
    counting = false;
    return static_cast<double>(peak) / static_cast<double>(text.size());
}

std::string repeat(const std::string& open, const std::string& item, const std::string& close, std::size_t n) {
    std::string s = open;
    for (std::size_t i = 0; i < n; ++i) s += item;
    return s + close;
}

} // namespace

TEST_CASE("reader memory: bounded by the input for every shape") {
    constexpr std::size_t n = 100'000;
    const std::pair<const char*, std::string> shapes[] = {
        {"symbols", repeat("(", "a ", ")", n)},
        {"empty lists", repeat("(", "()", ")", n)},
        {"one-item lists", repeat("(", "(a)", ")", n)},
        {"quoted atoms", repeat("(", "'a ", ")", n)},
        {"empty strings", repeat("(", "\"\" ", ")", n)},
        {"long strings", repeat("(", "\"" + std::string(15, 'x') + "\" ", ")", n / 10)},
        {"small dicts", repeat("(", "{:a 1}", ")", n)},
        {"one big dict", [] {
             std::string s = "{";
             for (std::size_t i = 0; i < 50'000; ++i) s += ":k" + std::to_string(i) + " 1 ";
             return s + "}";
         }()},
    };
    for (const auto& [name, text] : shapes) {
        const double ratio = peak_per_byte(text);
        INFO(name << ": " << ratio << " bytes per input byte");
        CHECK(ratio < 48.0);
    }
}
