// Property tests: generated values of every supported type survive
// to_sx / from_sx, the direct writer agrees with the value path, and reading
// the canonical text back (typed::read) gives the same value.
#include <sxtp/sx.hpp>
#include <sxtp/typed.hpp>

#include <boost/describe.hpp>
#include <boost/hana/define_struct.hpp>

#include <catch2/catch.hpp>

#include <array>
#include <chrono>
#include <cmath>
#include <deque>
#include <list>
#include <map>
#include <optional>
#include <random>
#include <string>
#include <unordered_map>
#include <variant>
#include <vector>

using namespace sxtp;

namespace prop {
enum class colour { red, dark_green, blue };
BOOST_DESCRIBE_ENUM(colour, red, dark_green, blue)

struct inner {
    BOOST_HANA_DEFINE_STRUCT(inner, (std::string, label), (std::vector<std::int32_t>, values));
};

struct everything {
    BOOST_HANA_DEFINE_STRUCT(everything,
        (bool, flag),
        (std::int8_t, i8),
        (std::uint16_t, u16),
        (std::int32_t, i32),
        (std::uint32_t, u32),
        (std::int64_t, i64),
        (std::uint64_t, u64),
        (float, f32),
        (double, f64),
        (std::string, text),
        (sx::symbol, sym),
        (sx::keyword, kw),
        (sx::value, any),
        (std::optional<std::int32_t>, maybe),
        (std::vector<std::string>, strings),
        (std::list<std::int64_t>, numbers),
        (std::deque<bool>, bits),
        (std::array<std::int16_t, 3>, triple),
        (std::map<std::string, std::int32_t>, by_name),
        (std::unordered_map<std::string, double>, weights),
        (std::map<sx::keyword, std::string>, by_keyword),
        (std::map<sx::symbol, std::int32_t>, by_symbol),
        (std::variant<std::int64_t, std::string, std::vector<std::int32_t>>, choice),
        (std::chrono::milliseconds, timeout),
        (std::chrono::sys_seconds, at),
        (colour, shade),
        (inner, nested),
        (std::optional<inner>, maybe_nested));
};

} // namespace prop

namespace {

class gen {
public:
    explicit gen(std::uint64_t seed) : rng_(seed) {}
    std::uint64_t next() { return rng_(); }
    int pick(int n) { return static_cast<int>(rng_() % static_cast<std::uint64_t>(n)); }
    template <class I>
    I integer() {
        return static_cast<I>(rng_() >> pick(64));
    }
    double finite() {
        for (;;) {
            const double d = pick(2) ? std::bit_cast<double>(rng_()) : (pick(2001) - 1000) / 16.0;
            if (std::isfinite(d)) return d;
        }
    }
    std::string text() {
        static const char* const pieces[] = {"a", " ", "\"", "\\", "\n", "\x01", "\xC3\xA9", "\xE2\x80\x94", "\xC2\x85", "(", ":"};
        std::string s;
        for (int i = 0, n = pick(12); i < n; ++i) s += pieces[pick(static_cast<int>(std::size(pieces)))];
        return s;
    }
    std::string name() {
        static constexpr std::string_view chars = "abcxyz-_/:~*<>?!";
        std::string s(1, "abcxyz"[pick(6)]);
        for (int i = 0, n = pick(18); i < n; ++i) s += chars[static_cast<std::size_t>(pick(static_cast<int>(chars.size())))];
        return s;
    }

    prop::inner inner_value() {
        prop::inner v{text(), {}};
        for (int i = 0, n = pick(4); i < n; ++i) v.values.push_back(integer<std::int32_t>());
        return v;
    }

    prop::everything everything() {
        prop::everything e;
        e.flag = pick(2);
        e.i8 = integer<std::int8_t>();
        e.u16 = integer<std::uint16_t>();
        e.i32 = integer<std::int32_t>();
        e.u32 = integer<std::uint32_t>();
        e.i64 = integer<std::int64_t>();
        e.u64 = integer<std::uint64_t>() >> 1;  // SX integers are signed 64-bit
        e.f32 = static_cast<float>(pick(2) ? finite() : (pick(200) - 100) / 4.0);
        if (!std::isfinite(e.f32)) e.f32 = 0.5f;
        e.f64 = finite();
        e.text = text();
        e.sym = sx::symbol(name());
        e.kw = sx::keyword(name());
        e.any = pick(2) ? sx::value::list(1, text(), sx::value::dict(sx::keyword(name()), finite())) : sx::value(text());
        if (pick(2)) e.maybe = integer<std::int32_t>();
        for (int i = 0, n = pick(4); i < n; ++i) e.strings.push_back(text());
        for (int i = 0, n = pick(4); i < n; ++i) e.numbers.push_back(integer<std::int64_t>());
        for (int i = 0, n = pick(4); i < n; ++i) e.bits.push_back(pick(2));
        for (auto& x : e.triple) x = integer<std::int16_t>();
        for (int i = 0, n = pick(4); i < n; ++i) e.by_name[text()] = integer<std::int32_t>();
        for (int i = 0, n = pick(4); i < n; ++i) e.weights[text()] = finite();
        for (int i = 0, n = pick(4); i < n; ++i) e.by_keyword[sx::keyword(name())] = text();
        for (int i = 0, n = pick(4); i < n; ++i) e.by_symbol[sx::symbol(name())] = integer<std::int32_t>();
        switch (pick(3)) {
        case 0: e.choice = integer<std::int64_t>(); break;
        case 1: e.choice = text(); break;
        default: e.choice = std::vector<std::int32_t>{integer<std::int32_t>(), 7}; break;
        }
        e.timeout = std::chrono::milliseconds(integer<std::int64_t>());
        e.at = std::chrono::sys_seconds(std::chrono::seconds(integer<std::int32_t>()));
        e.shade = static_cast<prop::colour>(pick(3));
        e.nested = inner_value();
        if (pick(2)) e.maybe_nested = inner_value();
        return e;
    }

private:
    std::mt19937_64 rng_;
};

} // namespace

TEST_CASE("typed properties: every supported type round-trips through SX and text") {
    gen g(20261121);
    for (int i = 0; i < 1000; ++i) {
        const prop::everything e = g.everything();
        const sx::value v = typed::to_sx(e);
        const std::string text = sx::canonical(v);
        INFO("canonical: " << text);
        CHECK(typed::canonical(e) == text);
        const auto back = typed::try_from_sx<prop::everything>(v);
        REQUIRE(back.has_value());
        CHECK(typed::to_sx(*back) == v);
        const auto from_text = typed::try_read<prop::everything>(text);
        REQUIRE(from_text.has_value());
        CHECK(typed::to_sx(*from_text) == v);
        CHECK(sx::read(text) == v);
    }
}
