// Property tests over generated values: read(canonical(v)) == v, the
// canonical form is a fixed point, and the pretty form reads back equal.
#include <sxtp/sx.hpp>
#include <sxtp/sx/hash.hpp>

#include <catch2/catch.hpp>

#include <bit>
#include <cmath>
#include <random>
#include <string>

using namespace sxtp::sx;

namespace {

class generator {
public:
    explicit generator(std::uint64_t seed) : rng_(seed) {}

    value any(int depth) {
        const int k = pick(depth > 0 ? 9 : 7);
        switch (k) {
        case 0: return value();
        case 1: return value(pick(2) == 1);
        case 2: return integer();
        case 3: return floating();
        case 4: return value(text());
        case 5: return value::make_symbol(symbol_name());
        case 6: return value::make_keyword(keyword_name());
        case 7: {
            value l = value::make_list();
            for (int i = 0, n = pick(6); i < n; ++i) l.push_back(any(depth - 1));
            return l;
        }
        default: {
            value d = value::make_dict();
            for (int i = 0, n = pick(6); i < n; ++i) d.insert_or_assign(atom(), any(depth - 1));
            return d;
        }
        }
    }

private:
    int pick(int n) { return std::uniform_int_distribution<int>(0, n - 1)(rng_); }

    value atom() {
        value v = any(0);
        return v;
    }
    value integer() {
        switch (pick(3)) {
        case 0: return value(static_cast<std::int64_t>(rng_()));
        case 1: return value(pick(2001) - 1000);
        default: return value(pick(2) ? std::numeric_limits<std::int64_t>::min() : std::numeric_limits<std::int64_t>::max());
        }
    }
    value floating() {
        for (;;) {
            double d;
            switch (pick(3)) {
            case 0: d = std::bit_cast<double>(rng_()); break;  // any bit pattern, subnormals included
            case 1: d = (pick(2000) - 1000) / 8.0; break;
            default: d = std::ldexp(1.0, pick(2000) - 1000) * (pick(2) ? 1 : -1); break;
            }
            if (std::isfinite(d)) return value(d);
        }
    }
    std::string text() {
        static const char* const pieces[] = {"a", "Z", " ", "\"", "\\", "\n", "\t", "\r", "\x01", "\x7f", "\xC2\x85",
                                             "\xC3\xA9", "\xE2\x80\x94", "\xF0\x9F\x8E\xB7", "(", ")", "{", ";", "'", ":"};
        std::string s;
        for (int i = 0, n = pick(20); i < n; ++i) s += pieces[pick(std::size(pieces))];
        return s;
    }
    std::string keyword_name() {
        static constexpr std::string_view chars = "abcxyzABC0123456789~!$%&*+-./<=>?@^_|:#";
        std::string s;
        for (int i = 0, n = 1 + pick(20); i < n; ++i) s += chars[pick(static_cast<int>(chars.size()))];
        return s;
    }
    std::string symbol_name() {
        for (;;) {
            std::string s = keyword_name();
            if (is_valid_symbol_name(s)) return s;
        }
    }

    std::mt19937_64 rng_;
};

} // namespace

TEST_CASE("roundtrip: generated values survive canonical and pretty printing") {
    generator gen(20261121);
    reader rd;
    for (int i = 0; i < 3000; ++i) {
        const value v = gen.any(5);
        const std::string c = canonical(v);
        INFO("canonical: " << c);
        const auto back = rd.read(c);
        REQUIRE(back.has_value());
        CHECK(*back == v);
        CHECK(canonical(*back) == c);
        const auto from_pretty = rd.read(pretty(v, {.width = 30}));
        REQUIRE(from_pretty.has_value());
        CHECK(*from_pretty == v);
        CHECK(content_hash(*back) == content_hash_of_canonical(c));
    }
}

TEST_CASE("roundtrip: copies equal their originals and compare equal after moves") {
    generator gen(7);
    for (int i = 0; i < 500; ++i) {
        const value v = gen.any(6);
        value copy = v;
        CHECK(copy == v);
        value moved = std::move(copy);
        CHECK(moved == v);
        CHECK(copy.is_nil());
    }
}
