// Tests for include/sxtp/typed/codec.hpp.
#include <sxtp/sx.hpp>
#include <sxtp/typed/codec.hpp>

#include <boost/describe.hpp>
#include <boost/hana/adapt_struct.hpp>
#include <boost/hana/define_struct.hpp>

#include <catch2/catch.hpp>

#include <array>
#include <chrono>
#include <cstdint>
#include <deque>
#include <limits>
#include <list>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <unordered_map>
#include <variant>
#include <vector>

using namespace sxtp;
using namespace sxtp::sx::literals;

namespace shop {

enum class stock { in_stock, sold_out, back_order };
BOOST_DESCRIBE_ENUM(stock, in_stock, sold_out, back_order)

struct price {
    BOOST_HANA_DEFINE_STRUCT(price, (std::int64_t, cents), (std::string, currency));
};

struct item {
    BOOST_HANA_DEFINE_STRUCT(item,
        (std::string, title),
        (std::uint16_t, per_page),
        (std::vector<std::string>, tags),
        (std::optional<std::string>, note),
        (price, cost),
        (stock, availability),
        (sx::value, extra));
};

// Describe-reflected struct with a renamed field.
struct link {
    std::string klass;
    std::string href;
    static constexpr typed::rename sxtp_renames[] = {{"klass", "class"}};
};
BOOST_DESCRIBE_STRUCT(link, (), (klass, href))

// A struct adapted from outside.
struct point {
    double x;
    double y;
};

// A user type with its own conversion: "#rrggbb" colours as strings.
struct colour {
    std::uint32_t rgb = 0;
};
inline sx::value tag_invoke(typed::to_sx_tag, const colour& c) {
    char buf[8];
    std::snprintf(buf, sizeof buf, "#%06x", static_cast<unsigned>(c.rgb));
    return sx::value(buf);
}
inline colour tag_invoke(typed::from_sx_tag<colour>, const sx::value& v) {
    const auto s = v.as_string();
    if (s.size() != 7 || s[0] != '#') throw std::invalid_argument("expected a colour \"#rrggbb\"");
    return colour{static_cast<std::uint32_t>(std::stoul(std::string(s.substr(1)), nullptr, 16))};
}

} // namespace shop
BOOST_HANA_ADAPT_STRUCT(shop::point, x, y);

namespace {

template <class T>
void round_trip(const T& t) {
    const sx::value v = typed::to_sx(t);
    CHECK(typed::canonical(t) == sx::canonical(v));  // the direct writer agrees with the value path
    const T back = typed::from_sx<T>(v);
    CHECK(typed::to_sx(back) == v);
    CHECK(sx::read(sx::canonical(v)) == v);
}

typed::decode_error failure(auto tag, const char* text) {
    using T = typename decltype(tag)::type;
    auto r = typed::try_from_sx<T>(sx::read(text));
    REQUIRE_FALSE(r.has_value());
    return r.error();
}

} // namespace

TEST_CASE("typed: a Hana struct maps to a keyword dict with hyphenated keys") {
    shop::item it{"Jazz Night", 20, {"music", "live"}, std::nullopt, {1500, "EUR"}, shop::stock::in_stock, sx::read("(any (thing))")};
    const sx::value v = typed::to_sx(it);
    CHECK(sx::canonical(v) ==
          R"({:availability in-stock :cost {:cents 1500 :currency "EUR"} :extra (any (thing)) :per-page 20 :tags ("music" "live") :title "Jazz Night"})");
    const auto back = typed::from_sx<shop::item>(v);
    CHECK(back.title == "Jazz Night");
    CHECK(back.per_page == 20);
    CHECK(back.tags == std::vector<std::string>{"music", "live"});
    CHECK_FALSE(back.note.has_value());
    CHECK(back.cost.cents == 1500);
    CHECK(back.availability == shop::stock::in_stock);
    CHECK(back.extra == sx::read("(any (thing))"));
    it.note = "bring ID";
    round_trip(it);
    it.title = "bad \xFF utf-8";
    CHECK(typed::write_canonical(*std::make_unique<std::string>(), it) == sx::error::invalid_utf8);
    CHECK_THROWS_AS(typed::canonical(it), boost::system::system_error);
    CHECK_THROWS_AS(sx::canonical(typed::to_sx(it)), boost::system::system_error);
}

TEST_CASE("typed: unknown keys are ignored when decoding") {
    const auto p = typed::from_sx<shop::price>(sx::read(R"({:cents 5 :currency "USD" :added-later (1 2 3)})"));
    CHECK(p.cents == 5);
}

TEST_CASE("typed: Describe structs, renamed fields and adapted structs") {
    const shop::link l{"nav", "/docs"};
    CHECK(sx::canonical(typed::to_sx(l)) == R"({:class "nav" :href "/docs"})");
    round_trip(l);
    const shop::point pt{1.5, -2.0};
    CHECK(sx::canonical(typed::to_sx(pt)) == "{:x 1.5 :y -2.0}");
    round_trip(pt);
}

TEST_CASE("typed: user conversions take precedence") {
    const shop::colour c{0x00ff80};
    CHECK(typed::to_sx(c).as_string() == "#00ff80");
    CHECK(typed::from_sx<shop::colour>(sx::value("#102030")).rgb == 0x102030);
    const auto e = failure(std::type_identity<shop::colour>{}, R"("red")");
    CHECK(e.code == typed::error::invalid_value);
    CHECK(e.message() == R"(expected a colour "#rrggbb")");
}

TEST_CASE("typed: every integer width is range-checked") {
    round_trip(std::int8_t{-128});
    round_trip(std::uint8_t{255});
    round_trip(std::int16_t{-32768});
    round_trip(std::uint32_t{4'000'000'000u});
    round_trip(std::numeric_limits<std::int64_t>::min());
    round_trip(std::uint64_t{std::numeric_limits<std::int64_t>::max()});
    CHECK(typed::from_sx<std::uint8_t>(sx::value(200)) == 200);
    auto e = failure(std::type_identity<std::uint8_t>{}, "256");
    CHECK(e.code == typed::error::out_of_range);
    CHECK(e.message() == "integer 256 out of range [0, 255]");
    CHECK(failure(std::type_identity<std::uint64_t>{}, "-1").code == typed::error::out_of_range);
    CHECK(failure(std::type_identity<std::int16_t>{}, "40000").code == typed::error::out_of_range);
    CHECK_THROWS_AS(typed::to_sx(std::numeric_limits<std::uint64_t>::max()), boost::system::system_error);
}

TEST_CASE("typed: atoms") {
    round_trip(true);
    round_trip(2.5);
    round_trip(2.5f);
    round_trip(std::string("text \xE2\x80\x94 \"quoted\""));
    round_trip(sx::symbol("db:read"));
    round_trip(sx::keyword("per-page"));
    CHECK(typed::from_sx<double>(sx::value(3)) == 3.0);  // integers are accepted as floats
    CHECK(failure(std::type_identity<bool>{}, "nil").message() == "expected boolean, got nil");
    CHECK(failure(std::type_identity<std::string>{}, "sym").message() == "expected string, got symbol");
    CHECK(failure(std::type_identity<sx::symbol>{}, ":kw").message() == "expected symbol, got keyword");
    CHECK(failure(std::type_identity<double>{}, "\"1.5\"").message() == "expected float, got string");
}

TEST_CASE("typed: containers") {
    round_trip(std::vector<int>{1, 2, 3});
    round_trip(std::list<std::string>{"a", "b"});
    round_trip(std::deque<bool>{true, false});
    round_trip(std::array<int, 3>{7, 8, 9});
    round_trip(std::vector<std::vector<int>>{{1}, {}, {2, 3}});
    round_trip(std::map<std::string, int>{{"b", 2}, {"a", 1}});
    round_trip(std::unordered_map<std::string, std::vector<int>>{{"x", {1}}});
    round_trip(std::map<sx::keyword, int>{{sx::keyword("k"), 1}});
    round_trip(std::map<sx::symbol, std::string>{{sx::symbol("s"), "v"}});
    CHECK(sx::canonical(typed::to_sx(std::map<std::string, int>{{"b", 2}, {"a", 1}})) == R"({"a" 1 "b" 2})");
    CHECK(sx::canonical(typed::to_sx(std::map<sx::keyword, int>{{sx::keyword("k"), 1}})) == "{:k 1}");
    CHECK(failure(std::type_identity<std::array<int, 3>>{}, "(1 2)").message() == "expected list of 3, got list of 2");
    CHECK(failure(std::type_identity<std::map<std::string, int>>{}, "{:k 1}").message() == ":k: expected string key, got keyword");
    CHECK(failure(std::type_identity<std::map<std::string, int>>{}, R"({"a" "x"})").message() == R"("a": expected integer, got string)");
}

TEST_CASE("typed: optional") {
    round_trip(std::optional<int>{});
    round_trip(std::optional<int>{4});
    CHECK(typed::to_sx(std::optional<int>{}).is_nil());
    CHECK_FALSE(typed::from_sx<std::optional<int>>(sx::value()).has_value());
}

TEST_CASE("typed: variants take the first alternative that accepts the value") {
    using v = std::variant<std::int64_t, double, std::string, shop::price>;
    CHECK(typed::from_sx<v>(sx::value(3)).index() == 0);
    CHECK(typed::from_sx<v>(sx::value(3.5)).index() == 1);
    CHECK(typed::from_sx<v>(sx::value("s")).index() == 2);
    CHECK(typed::from_sx<v>(sx::read(R"({:cents 1 :currency "EUR"})")).index() == 3);
    round_trip(v{std::string("x")});
    round_trip(v{shop::price{3, "USD"}});
    const auto e = failure(std::type_identity<v>{}, "(a list)");
    CHECK(e.code == typed::error::no_matching_alternative);
    CHECK(e.message().find("expected integer, got list") != std::string::npos);
}

TEST_CASE("typed: chrono durations and time points") {
    using namespace std::chrono;
    CHECK(typed::to_sx(milliseconds{1500}).as_int() == 1500);
    CHECK(typed::from_sx<seconds>(sx::value(30)) == seconds{30});
    CHECK(typed::to_sx(duration<double>{0.25}).as_float() == 0.25);
    const sys_seconds t{seconds{1711612800}};
    CHECK(typed::to_sx(t).as_int() == 1711612800);
    CHECK(typed::from_sx<sys_seconds>(sx::value(1711612800)) == t);
    round_trip(time_point_cast<milliseconds>(t));
}

TEST_CASE("typed: enums are symbols with hyphens") {
    CHECK(typed::to_sx(shop::stock::back_order).is_symbol("back-order"));
    CHECK(typed::from_sx<shop::stock>(sx::read("sold-out")) == shop::stock::sold_out);
    const auto e = failure(std::type_identity<shop::stock>{}, "gone");
    CHECK(e.code == typed::error::unknown_enumerator);
    CHECK(e.message() == "expected one of (in-stock sold-out back-order), got gone");
    CHECK_THROWS_AS(typed::to_sx(static_cast<shop::stock>(42)), boost::system::system_error);
}

TEST_CASE("typed: errors name the whole path") {
    auto e = failure(std::type_identity<shop::item>{},
                     R"({:title "t" :per-page 1 :tags ("a" "b" "c" 4) :cost {:cents 1 :currency "X"} :availability in-stock :extra nil})");
    CHECK(e.code == typed::error::wrong_kind);
    CHECK(e.message() == ":tags 3: expected string, got integer");
    CHECK(e.path_string() == ":tags 3");

    e = failure(std::type_identity<shop::item>{},
                R"({:title "t" :per-page 1 :tags () :cost {:cents 1} :availability in-stock :extra nil})");
    CHECK(e.code == typed::error::missing_field);
    CHECK(e.message() == ":cost :currency: missing required field");

    e = failure(std::type_identity<shop::item>{},
                R"({:title "t" :per-page 70000 :tags () :cost {:cents 1 :currency "X"} :availability in-stock :extra nil})");
    CHECK(e.message() == ":per-page: integer 70000 out of range [0, 65535]");

    e = failure(std::type_identity<std::vector<shop::price>>{}, R"(({:cents 1 :currency "a"} {:cents "2" :currency "b"}))");
    CHECK(e.message() == "1 :cents: expected integer, got string");

    CHECK(failure(std::type_identity<shop::price>{}, "(cents 1)").message() == "expected dict, got list");

    try {
        (void)typed::from_sx<shop::price>(sx::read("{:cents 1}"));
        FAIL("no exception");
    } catch (const typed::decode_exception& x) {
        CHECK(x.error().message() == ":currency: missing required field");
        CHECK(std::string(x.what()).find(":currency: missing required field") != std::string::npos);
    }
}
