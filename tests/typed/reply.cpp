// reply<E> on the calling side reads like std::expected.
#include <sxtp/rpc/handler.hpp>
#include <sxtp/wire/conditions.hpp>

#include <boost/hana/define_struct.hpp>

#include <catch2/catch.hpp>

#include <string>

namespace {
struct post {
    BOOST_HANA_DEFINE_STRUCT(post, (std::string, title), (std::int64_t, likes));
};
struct post_not_found {
    static constexpr std::string_view sxtp_condition = "post-not-found";
    static constexpr sxtp::status_code sxtp_status = sxtp::status_code::not_found;
    BOOST_HANA_DEFINE_STRUCT(post_not_found, (std::string, slug));
};
struct get_post : sxtp::endpoint<"fetch", "/posts/{slug}"> {
    using result = post;
    using raises = sxtp::raises<post_not_found>;
};
} // namespace

TEST_CASE("reply: a success reads like std::expected") {
    sxtp::reply<get_post> r = post{"Hello", 3};
    REQUIRE(r);
    CHECK(r.has_value());
    CHECK((*r).title == "Hello");
    CHECK(r->likes == 3);
    r->likes = 4;
    CHECK(r.value().likes == 4);
    CHECK(r.value_or(post{"none", 0}).title == "Hello");
    const auto c = r.condition_as<post_not_found>();
    CHECK_FALSE(c.has_value());  // there is no condition
    post moved = std::move(r).value();
    CHECK(moved.title == "Hello");
}

TEST_CASE("reply: value() of a failure throws call_error carrying the condition") {
    sxtp::reply<get_post> r{post_not_found{"nope"}, "No such post"};
    CHECK_FALSE(r);
    CHECK(r.status() == sxtp::status_code::not_found);
    CHECK(r.value_or(post{"fallback", 0}).title == "fallback");
    try {
        (void)r.value();
        FAIL("value() did not throw");
    } catch (const sxtp::call_error& e) {
        CHECK(e.condition().type.name() == "post-not-found");
        CHECK(e.status() == sxtp::status_code::not_found);
        CHECK(std::string(e.what()) == "sxtp: post-not-found: No such post");
    }
    const auto nf = r.condition_as<post_not_found>();
    REQUIRE(nf.has_value());
    CHECK(nf->slug == "nope");
    // a framework condition from the wire is a condition() too (not condition_as: undeclared)
    auto over = sxtp::reply<get_post>::from_wire(sxtp::status_code::unavailable, sxtp::make_condition(sxtp::conditions::overloaded{}, "busy"));
    CHECK_FALSE(over);
    CHECK(over.condition().type.name() == "overloaded");
    CHECK_FALSE(over.condition_as<post_not_found>().has_value());  // another condition
    CHECK_THROWS_AS(over.value(), sxtp::call_error);
}
