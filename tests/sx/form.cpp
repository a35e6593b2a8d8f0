// Tests for include/sxtp/sx/form.hpp.
#include <sxtp/sx/form.hpp>
#include <sxtp/sx/reader.hpp>

#include <catch2/catch.hpp>

#include <string>
#include <vector>

using namespace sxtp::sx;

TEST_CASE("form: keyword arguments and positional items") {
    const value v = read(R"((page :title "Capabilities" (h1 "Geography") :class "wide" (~list :domain "geo") :dangling))");
    const form_view f(v);
    CHECK(f.head_is("page"));
    REQUIRE(f.find("title") != nullptr);
    CHECK(f.find("title")->as_string() == "Capabilities");
    CHECK(f.find("class")->as_string() == "wide");
    CHECK(f.find("domain") == nullptr);  // belongs to a nested form
    CHECK(f.find("dangling") == nullptr);  // a trailing keyword is positional
    std::vector<std::string> names;
    for (const auto& a : f.arguments()) names.emplace_back(a.name);
    CHECK(names == std::vector<std::string>{"title", "class"});
    std::vector<std::string> positional;
    for (const value& p : f.positional()) positional.push_back(std::string(p.is_list() ? p[0].name() : p.name()));
    CHECK(positional == std::vector<std::string>{"h1", "~list", "dangling"});
    CHECK(f.first_repeated_index() == 0);
}

TEST_CASE("form: repeated arguments are found") {
    const value v = read("(request :verb ping :path \"/\" :verb fetch)");
    const form_view f(v);
    CHECK(f.count("verb") == 2);
    CHECK(f.find("verb")->is_symbol("ping"));  // the first wins for lookups
    CHECK(f.first_repeated_index() == 5);
}

TEST_CASE("form: edge cases") {
    const value empty = read("()");
    const form_view e(empty);
    CHECK(e.head() == nullptr);
    CHECK_FALSE(e.head_is("x"));
    CHECK(e.arguments().begin() == e.arguments().end());
    CHECK(e.positional().begin() == e.positional().end());
    const value kw_value = read("(x :a :b)");  // :a's value is the keyword :b
    CHECK(form_view(kw_value).find("a")->is_keyword("b"));
    CHECK_THROWS_AS(form_view(value(1)), boost::system::system_error);
}
