// Fragments with component definitions (SPEC §11, seed 002's verification
// list): only the definitions the content uses and the caller lacks travel;
// the caller can then resolve every component; a second identical request
// gets :defs ().
#include <sxtp/mesh/fragments.hpp>
#include <sxtp/sx.hpp>

#include <catch2/catch.hpp>

using namespace sxtp;
using sxtp::mesh::component_registry;

namespace {

// Blog's components: the nav wrapper uses the item link and the header row;
// the item link uses the icon; the footer is unrelated.
component_registry blog_components() {
    component_registry r;
    for (const char* d : {
             R"((defcomp ~blog-nav-wrapper (&key items) (nav (~header-row :title "Blog") (ul items))))",
             R"((defcomp ~blog-nav-item-link (&key href label) (li (a :href href (~icon :name "link") label))))",
             R"((defcomp ~header-row (&key title) (div :class "header" (h2 title))))",
             R"((defcomp ~icon (&key name) (i :class name)))",
             R"((defcomp ~footer (&key) (footer "copyright")))",
         })
        r.add(sx::read(d));
    return r;
}

const sx::value nav_tree = sx::read(
    R"((~blog-nav-wrapper :items ((~blog-nav-item-link :href "/a" :label "A") (~blog-nav-item-link :href "/b" :label "B"))))");

std::set<std::string> names_in(const sx::value& defs) {
    std::set<std::string> out;
    for (const auto& d : defs.items()) out.insert(component_registry::name_of(d));
    return out;
}

// Every ~component the value uses (list heads), whether or not defined.
std::set<std::string> used(const sx::value& v, const component_registry& r) {
    std::set<std::string> unknown;
    r.needed(v, {}, &unknown);
    return unknown;
}

} // namespace

TEST_CASE("fragments: only what the content uses, transitively, and the caller lacks") {
    const component_registry blog = blog_components();
    // the caller has the wrapper and the item link already
    const sx::value req = sx::read("(fragment-request :type \"nav-tree\" :components (~blog-nav-wrapper ~blog-nav-item-link))");
    const sx::value res = blog.respond(req, nav_tree);
    sx::form_view f(res);
    REQUIRE(f.head_is("fragment-response"));
    // header-row (through the wrapper) and icon (through the item link); not the footer, not what it has
    CHECK(names_in(*f.find("defs")) == std::set<std::string>{"~header-row", "~icon"});
    CHECK(*f.find("content") == nav_tree);
    // the request without :components gets everything the content needs
    const sx::value all = blog.respond(sx::read("(fragment-request :type \"nav-tree\")"), nav_tree);
    CHECK(names_in(*sx::form_view(all).find("defs")) ==
          std::set<std::string>{"~blog-nav-item-link", "~blog-nav-wrapper", "~header-row", "~icon"});
}

TEST_CASE("fragments: the caller registers the defs, resolves every component, and the second request gets :defs ()") {
    const component_registry blog = blog_components();
    component_registry market;
    market.add(sx::read("(defcomp ~market-page (&key body) (main body))"));

    const sx::value first_req = market.request(sx::read("{:app-name \"market\" :path \"/\"}"));
    const sx::value first = blog.respond(first_req, nav_tree);
    const sx::value content = market.accept(first);
    CHECK(content == nav_tree);
    // no "Unknown component": every component the content uses, directly or
    // through the received bodies, is now in market's registry
    CHECK(used(content, market).empty());
    CHECK(market.has("~blog-nav-wrapper"));
    CHECK(market.has("~icon"));
    CHECK_FALSE(market.has("~footer"));

    // the next request lists them: nothing to send
    const sx::value second = blog.respond(market.request(), nav_tree);
    CHECK(sx::canonical(*sx::form_view(second).find("defs")) == "()");
    CHECK(market.accept(second) == nav_tree);
}

TEST_CASE("fragments: cycles, deep content and malformed definitions") {
    component_registry r;
    r.add(sx::read("(defcomp ~a (&key) (~b))"));
    r.add(sx::read("(defcomp ~b (&key) (~a))"));  // a cycle terminates
    CHECK(names_in(r.respond(sx::value(), sx::read("(~a)")).items()[2]) == std::set<std::string>{"~a", "~b"});

    sx::value deep = sx::read("(~a)");
    for (int i = 0; i < 100000; ++i) deep = sx::value::list(sx::value::make_symbol_unchecked("div"), std::move(deep));
    CHECK(r.needed(deep, {}).size() == 2);  // no recursion

    std::set<std::string> unknown;
    r.needed(sx::read("(~nowhere (~a))"), {}, &unknown);
    CHECK(unknown == std::set<std::string>{"~nowhere"});

    CHECK_THROWS_AS(r.add(sx::read("(defcomp no-tilde (&key) x)")), std::invalid_argument);
    CHECK_THROWS_AS(r.add(sx::read("(define ~x 1)")), std::invalid_argument);
    component_registry empty;
    CHECK_FALSE(empty.add_all(sx::read("((defcomp ~ok (&key) x) (not-a-def))")));
    CHECK(empty.size() == 0);  // all or nothing
    CHECK_THROWS_AS(empty.accept(sx::read("(response :status ok)")), std::invalid_argument);
}
