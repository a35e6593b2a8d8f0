// Tests for include/sxtp/sx/value.hpp.
#include <sxtp/sx/printer.hpp>
#include <sxtp/sx/value.hpp>

#include <catch2/catch.hpp>

#include <cstdint>
#include <limits>
#include <string>

using namespace sxtp::sx;
using namespace std::string_literals;

namespace {
boost::system::error_code code_of(auto&& f) {
    try {
        f();
    } catch (const boost::system::system_error& e) {
        return e.code();
    }
    return {};
}
} // namespace

TEST_CASE("value: kinds of the constructors") {
    CHECK(value().type() == kind::nil);
    CHECK(value(nullptr).is_nil());
    CHECK(value(true).as_bool());
    CHECK(value(std::int8_t{-5}).as_int() == -5);
    CHECK(value(42u).as_int() == 42);
    CHECK(value(std::numeric_limits<std::int64_t>::min()).as_int() == std::numeric_limits<std::int64_t>::min());
    CHECK(value(1.5).as_float() == 1.5);
    CHECK(value(1.5f).as_float() == 1.5);
    CHECK(value("text").as_string() == "text");
    CHECK(value("x"s).is_string());
    CHECK(value(symbol{"db:read"}).is_symbol("db:read"));
    CHECK(value(keyword{"per-page"}).is_keyword("per-page"));
    CHECK(value("per-page"_kw).name() == "per-page");
    CHECK(sizeof(value) == 16);
}

TEST_CASE("value: unsigned integers above INT64_MAX are refused") {
    CHECK(value(std::uint64_t{std::numeric_limits<std::int64_t>::max()}).as_int() == std::numeric_limits<std::int64_t>::max());
    CHECK(code_of([] { value v(std::numeric_limits<std::uint64_t>::max()); }) == error::integer_out_of_range);
}

TEST_CASE("value: symbol and keyword names must read back") {
    CHECK(code_of([] { symbol s{"12abc"}; }) == error::invalid_name);
    CHECK(code_of([] { symbol s{"true"}; }) == error::invalid_name);
    CHECK(code_of([] { symbol s{":kw"}; }) == error::invalid_name);
    CHECK(code_of([] { symbol s{"has space"}; }) == error::invalid_name);
    CHECK(code_of([] { symbol s{""}; }) == error::invalid_name);
    CHECK(code_of([] { keyword k{""}; }) == error::invalid_name);
    CHECK(code_of([] { value v{symbol{}}; }) == error::invalid_name);  // a default symbol is empty and has no value form
    CHECK(code_of([] { value v{keyword{}}; }) == error::invalid_name);
    CHECK(code_of([] { (void)value::make_symbol("-5"); }) == error::invalid_name);
    CHECK(code_of([] { (void)value::make_keyword("a b"); }) == error::invalid_name);
    CHECK(is_valid_symbol_name("->"));
    CHECK(is_valid_symbol_name("-"));
    CHECK(is_valid_symbol_name("~docs/page"));
    CHECK(is_valid_symbol_name("&key"));
    CHECK_FALSE(is_valid_symbol_name(".5"));
    CHECK(is_valid_keyword_name("1"));
}

TEST_CASE("value: accessors on the wrong kind throw wrong_kind") {
    CHECK(code_of([] { (void)value(1).as_string(); }) == error::wrong_kind);
    CHECK(code_of([] { (void)value("s").as_int(); }) == error::wrong_kind);
    CHECK(code_of([] { (void)value("s").name(); }) == error::wrong_kind);
    CHECK(code_of([] { (void)value(1).items(); }) == error::wrong_kind);
    CHECK(code_of([] { value v = value::make_list(); v.insert("a"_kw, 1); }) == error::wrong_kind);
    CHECK(value(1).text().empty());
    CHECK(value(1).find("a") == nullptr);
}

TEST_CASE("value: short and long text and copies and moves") {
    const std::string long_text(1000, 'x');
    for (const std::string& s : {""s, "fourteen bytes"s, "fifteen bytes.."s, long_text}) {
        value a(s);
        CHECK(a.as_string() == s);
        value b = a;  // deep copy
        CHECK(b == a);
        CHECK(b.as_string().data() != a.as_string().data());
        value c = std::move(a);
        CHECK(c.as_string() == s);
        CHECK(a.is_nil());
        a = c;
        CHECK(a == c);
        value& alias = a;
        a = alias;  // self-assignment keeps the value
        CHECK(a == c);
    }
    CHECK(value::make_symbol("a-symbol-well-past-fourteen") == value::make_symbol("a-symbol-well-past-fourteen"));
    CHECK(value::make_symbol("abc") != value::make_keyword("abc"));
    CHECK(value("abc") != value::make_symbol("abc"));
}

TEST_CASE("value: equality is structural and floats compare by bits") {
    CHECK(value(0.0) != value(-0.0));
    CHECK(value(1) != value(1.0));
    CHECK(value::list(1, "a", value::list()) == value::list(1, "a", value::list()));
    CHECK(value::list(1, 2) != value::list(1, 2, 3));
    CHECK(value::list(1, 2) != value::list(1, 3));
    CHECK(value::make_list() != value::make_dict());
    CHECK(value::make_list(16) == value::make_list());  // capacity is not content
}

TEST_CASE("value: lists grow and copy deeply") {
    value l = value::make_list();
    for (int i = 0; i < 1000; ++i) l.push_back(i);
    REQUIRE(l.size() == 1000);
    CHECK(l[999].as_int() == 999);
    value copy = l;
    copy[0] = "changed";
    CHECK(l[0].as_int() == 0);
    CHECK(copy[0].as_string() == "changed");
    l.reserve(5000);
    CHECK(l.size() == 1000);
    CHECK(l[500].as_int() == 500);
}

TEST_CASE("value: dicts keep canonical key order and find keywords") {
    value d = value::make_dict();
    d.insert_or_assign("z"_kw, 1);
    d.insert_or_assign("a"_kw, 2);
    d.insert_or_assign("m"_kw, 3);
    CHECK(canonical(d) == "{:a 2 :m 3 :z 1}");
    REQUIRE(d.find("m") != nullptr);
    CHECK(d.find("m")->as_int() == 3);
    CHECK(d.find("q") == nullptr);
    const value& cd = d;  // regression: a string literal on a const value was ambiguous (keyword name or string key)
    CHECK(cd.find("m")->as_int() == 3);
    CHECK(d.at("z").as_int() == 1);
    CHECK_THROWS_AS(d.at("q"), std::out_of_range);
    d.insert_or_assign("m"_kw, "replaced");
    CHECK(d.size() == 3);
    CHECK(d.find("m")->as_string() == "replaced");
    CHECK_FALSE(d.insert("a"_kw, 99).second);
    CHECK(d.find("a")->as_int() == 2);
    CHECK(d.erase(value("m"_kw)));
    CHECK_FALSE(d.erase(value("m"_kw)));
    CHECK(canonical(d) == "{:a 2 :z 1}");
}

TEST_CASE("value: mixed dict keys sort by canonical text") {
    // canonical texts: "\"s\"" < "-1" < "10" < "2" < ":k" < "nil" < "sym" < "true"
    value d = value::dict("sym"_sym, 1, true, 2, "k"_kw, 3, nullptr, 4, 2, 5, 10, 6, -1, 7, "s", 8);
    CHECK(canonical(d) == "{\"s\" 8 -1 7 10 6 2 5 :k 3 nil 4 sym 1 true 2}");
    CHECK(d.find("k")->as_int() == 3);
    CHECK(d.find(value(10))->as_int() == 6);
    CHECK(d.find(value("s"))->as_int() == 8);
    CHECK(d.find(value("missing")) == nullptr);
    CHECK(d.find(value::list()) == nullptr);
}

TEST_CASE("value: dict builder refuses duplicates and container keys") {
    CHECK(code_of([] { (void)value::dict("a"_kw, 1, "a"_kw, 2); }) == error::duplicate_key);
    CHECK(code_of([] { (void)value::dict(value::list(), 1); }) == error::invalid_dict_key);
    value d = value::make_dict();
    CHECK(code_of([&] { d.insert_or_assign(value::make_dict(), 1); }) == error::invalid_dict_key);
}

TEST_CASE("value: 100000-deep values are built and copied and compared and printed and destroyed without recursion") {
    constexpr int depth = 100'000;
    value v = value::list(1);
    for (int i = 0; i < depth; ++i) {
        value outer = value::make_list(1);
        outer.push_back(std::move(v));
        v = std::move(outer);
    }
    value copy = v;
    CHECK(copy == v);
    const std::string text = canonical(v);
    CHECK(text.size() == 2 * std::size_t{depth} + 3);
    CHECK(text.substr(depth - 2, 7) == "(((1)))");
    value d = value::make_dict();
    for (int i = 0; i < depth; ++i) {
        value outer = value::make_dict(1);
        outer.insert_or_assign("k"_kw, std::move(d));
        d = std::move(outer);
    }
    value d2 = d;
    CHECK(d2 == d);
}
