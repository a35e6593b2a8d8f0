// Tests for include/sxtp/server/route_table.hpp and call_decoder.hpp.
#include <sxtp/rpc/call_decoder.hpp>
#include <sxtp/server/route_table.hpp>
#include <sxtp/sx.hpp>
#include <sxtp/typed.hpp>

#include <boost/hana/define_struct.hpp>

#include <catch2/catch.hpp>

using namespace sxtp;


TEST_CASE("routes: patterns, literal precedence, wrong verbs") {
    route_table routes;
    const auto by_id = routes.add("fetch", "/blog/posts/{id}");
    const auto latest = routes.add("fetch", "/blog/posts/latest");
    const auto create = routes.add("create", "/blog/posts");
    const auto comments = routes.add("fetch", "/blog/posts/{id}/comments/{n}");
    routes.add("ping", "/");

    auto m = routes.find("fetch", "/blog/posts/hello%20world");
    REQUIRE(m.kind == route_table::match::found);
    CHECK(m.route == by_id);
    CHECK(m.params == std::vector<std::pair<std::string, std::string>>{{"id", "hello world"}});

    CHECK(routes.find("fetch", "/blog/posts/latest").route == latest);  // the literal wins
    CHECK(routes.find("create", "/blog/posts").route == create);
    m = routes.find("fetch", "/blog/posts/a%2Fb/comments/3");
    REQUIRE(m.kind == route_table::match::found);
    CHECK(m.route == comments);
    CHECK(m.params[0].second == "a/b");
    CHECK(m.params[1] == std::pair<std::string, std::string>{"n", "3"});

    m = routes.find("delete", "/blog/posts/x");
    CHECK(m.kind == route_table::match::wrong_verb);
    CHECK(m.available_verbs == std::vector<std::string>{"fetch"});
    m = routes.find("fetch", "/blog/posts");
    CHECK(m.kind == route_table::match::wrong_verb);
    CHECK(m.available_verbs == std::vector<std::string>{"create"});

    for (const char* missing : {"/blog", "/blog/posts/", "/blog/posts//comments/1", "blog/posts", "", "/blog/posts/%zz"})
        CHECK(routes.find("fetch", missing).kind == route_table::match::not_found);
    CHECK(routes.find("ping", "/").kind == route_table::match::found);
    CHECK(routes.verbs_for("/blog/posts/7") == std::vector<std::string>{"fetch"});

    CHECK_THROWS_AS(routes.add("fetch", "/blog/posts/{id}"), std::invalid_argument);
    CHECK_THROWS_AS(routes.add("fetch", "no-slash"), std::invalid_argument);
    CHECK_THROWS_AS(routes.add("12", "/x"), std::invalid_argument);
}

TEST_CASE("routes: percent-decoding") {
    CHECK(percent_decode("a%20b%2f%2F") == "a b//");
    CHECK_FALSE(percent_decode("%").has_value());
    CHECK_FALSE(percent_decode("%4").has_value());
    CHECK_FALSE(percent_decode("%g0").has_value());
}

TEST_CASE("path_pattern: parse match and expand round-trip with percent-coding") {
    const path_pattern p("/users/{id}/posts/{n}");
    CHECK(p.text() == "/users/{id}/posts/{n}");
    CHECK(p.literals() == 2);
    path_pattern::params_type params{{"kept", "x"}};
    CHECK(p.match("/users/a%20b%2Fc/posts/7", params));
    CHECK(params == path_pattern::params_type{{"kept", "x"}, {"id", "a b/c"}, {"n", "7"}});
    // a failed match leaves what was there
    CHECK_FALSE(p.match("/users/ok/posts/%zz", params));
    CHECK_FALSE(p.match("/users//posts/1", params));
    CHECK_FALSE(p.match("/users/ok/comments/1", params));
    CHECK(params.size() == 3);
    // expand percent-encodes what matching decodes
    const std::string path = path_pattern::expand(p.text(), [](std::string_view name) { return name == "id" ? std::string("a b/c?d") : std::string("ü"); });
    CHECK(path == "/users/a%20b%2Fc%3Fd/posts/%C3%BC");
    path_pattern::params_type back;
    CHECK(p.match(path, back));
    CHECK(back == path_pattern::params_type{{"id", "a b/c?d"}, {"n", "\xC3\xBC"}});
    CHECK_THROWS_AS(path_pattern("/a//b"), std::invalid_argument);
    CHECK_THROWS_AS(path_pattern("/a/{1x}"), std::invalid_argument);
    CHECK(percent_encode_segment("-._~!$&'()*+,;=:@") == "-._~!$&'()*+,;=:@");
}

namespace api {
struct archive_params {
    BOOST_HANA_DEFINE_STRUCT(archive_params, (std::int64_t, year), (std::optional<std::int32_t>, per_page), (std::string, tag));
};
struct entry {
    BOOST_HANA_DEFINE_STRUCT(entry, (std::string, title), (std::vector<std::string>, tags));
};
struct archive : endpoint<"fetch", "/archive/{year}/{tag}"> {
    using params = archive_params;
    using result = std::vector<entry>;
};
struct add_entry : endpoint<"create", "/entries"> {
    using body = entry;
    using result = entry;
};
} // namespace api

namespace {
request req(const char* text) { return typed::from_sx<request>(sx::read(text)); }
std::string refusal(const condition& c) { return *c.message; }
} // namespace

TEST_CASE("call decoder: path parameters and :params become the typed params") {
    route_table routes;
    routes.add("fetch", "/archive/{year}/{tag}");
    const auto m = routes.find("fetch", "/archive/2026/s%20x");
    const auto c = decode_call<api::archive>(req(R"((request :verb fetch :path "/archive/2026/s%20x" :params {:per-page 5}))"), m.params);
    REQUIRE(c.has_value());
    CHECK(c->params.year == 2026);
    CHECK(c->params.tag == "s x");
    CHECK(c->params.per_page == 5);
}

TEST_CASE("call decoder: refusals name the field") {
    const std::vector<std::pair<std::string, std::string>> good{{"year", "2026"}, {"tag", "t"}};
    auto c = decode_call<api::archive>(req(R"((request :verb fetch :path "/" :params {:per-page "5"}))"), good);
    REQUIRE_FALSE(c.has_value());
    CHECK(refusal(c.error()) == ":params :per-page: expected integer, got string");
    CHECK(sx::canonical(*c.error().detail) == R"({:field ":params :per-page" :problem "expected integer, got string"})");
    CHECK(status_of<conditions::invalid_params>() == status_code::invalid);

    c = decode_call<api::archive>(req(R"((request :verb fetch :path "/"))"), {{"year", "last"}, {"tag", "t"}});
    CHECK(refusal(c.error()) == R"(:path year: expected integer, got "last")");
    c = decode_call<api::archive>(req(R"((request :verb fetch :path "/" :params {:year 1}))"), good);
    CHECK(refusal(c.error()) == ":params :year: also given in the path");
    c = decode_call<api::archive>(req(R"((request :verb fetch :path "/" :params (1 2)))"), good);
    CHECK(refusal(c.error()) == ":params: expected dict, got list");

    auto b = decode_call<api::add_entry>(req(R"((request :verb create :path "/entries"))"));
    CHECK(refusal(b.error()) == ":body: missing body");
    b = decode_call<api::add_entry>(req(R"((request :verb create :path "/entries" :body {:title "t" :tags ("a" 4)}))"));
    CHECK(refusal(b.error()) == ":body :tags 1: expected string, got integer");
    b = decode_call<api::add_entry>(req(R"((request :verb create :path "/entries" :body {:title "t" :tags ()}))"));
    REQUIRE(b.has_value());
    CHECK(b->body.title == "t");
}
