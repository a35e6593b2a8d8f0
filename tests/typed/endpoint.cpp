// Tests for include/sxtp/rpc/endpoint.hpp and request_builder.hpp.
#include <sxtp/sx.hpp>
#include <sxtp/typed.hpp>
#include <sxtp/wire.hpp>

#include <boost/hana/define_struct.hpp>

#include <catch2/catch.hpp>

#include <string>
#include <vector>

using namespace sxtp;

namespace blog {

struct post_ref {
    BOOST_HANA_DEFINE_STRUCT(post_ref, (std::string, id), (std::optional<std::vector<std::string>>, fields));
};
struct post {
    BOOST_HANA_DEFINE_STRUCT(post, (std::string, id), (std::string, title));
};
struct post_not_found {
    static constexpr std::string_view sxtp_condition = "post-not-found";
    static constexpr status_code sxtp_status = status_code::not_found;
    BOOST_HANA_DEFINE_STRUCT(post_not_found, (std::string, id));
};

struct get_post : endpoint<"fetch", "/blog/posts/{id}"> {
    using params = post_ref;
    using result = post;
    using raises = sxtp::raises<post_not_found>;
    using capabilities = sxtp::capabilities<"fetch", "blog:read">;
    static constexpr auto cache = cache_policy::revalidate;
};

struct page_ref {
    BOOST_HANA_DEFINE_STRUCT(page_ref, (std::int64_t, year), (std::int64_t, page));
};
struct archive : endpoint<"fetch", "/blog/archive/{year}"> {
    using params = page_ref;
    using result = std::vector<post>;
};

struct create_post : endpoint<"create", "/blog/posts"> {
    using body = post;
    using result = post;
    static constexpr auto success = status_code::created;
};

struct ping : endpoint<"ping", "/"> {};

struct live : endpoint<"subscribe", "/events/live"> {
    using chunk = post;
    static constexpr bool streaming = true;
};

} // namespace blog

static_assert(endpoint_type<blog::get_post>);
static_assert(endpoint_type<blog::archive>);
static_assert(endpoint_type<blog::create_post>);
static_assert(endpoint_type<blog::ping>);
static_assert(endpoint_type<blog::live>);

TEST_CASE("endpoint: declarations carry verb, path and options") {
    CHECK(blog::get_post::verb == "fetch");
    CHECK(blog::get_post::path == "/blog/posts/{id}");
    CHECK(blog::get_post::cache == cache_policy::revalidate);
    CHECK(blog::create_post::success == status_code::created);
    CHECK(blog::ping::cache == cache_policy::none);
    CHECK(blog::live::streaming);
    CHECK(blog::get_post::capabilities::names[1] == "blog:read");
    CHECK(blog::get_post::raises::names[0] == "post-not-found");
}

TEST_CASE("endpoint: requests put path parameters in the path and the rest in :params") {
    CHECK(sx::canonical(typed::to_sx(make_request<blog::get_post>(blog::post_ref{"sxtp", std::vector<std::string>{"title"}}))) ==
          R"((request :verb fetch :path "/blog/posts/sxtp" :params {:fields ("title")}))");
    CHECK(make_request<blog::get_post>(blog::post_ref{"a b/c?", {}}).path == "/blog/posts/a%20b%2Fc%3F");
    CHECK(sx::canonical(typed::to_sx(make_request<blog::archive>(blog::page_ref{2026, 3}))) ==
          R"((request :verb fetch :path "/blog/archive/2026" :params {:page 3}))");
    CHECK(sx::canonical(typed::to_sx(make_request<blog::create_post>(no_params{}, blog::post{"p1", "Hello"}))) ==
          R"((request :verb create :path "/blog/posts" :body {:id "p1" :title "Hello"}))");
    CHECK(sx::canonical(typed::to_sx(make_request<blog::ping>(no_params{}))) == R"((request :verb ping :path "/"))");
}

TEST_CASE("endpoint: inspect descriptions come from the types") {
    CHECK(sx::canonical(describe_endpoint<blog::get_post>()) ==
          R"({:cache :revalidate :params-schema {:fields (optional (list-of "string")) :id "string"} )"
          R"(:required-capabilities (fetch blog:read) :result-schema {:id "string" :title "string"} :streaming false :verb fetch})");
    CHECK(describe_endpoint<blog::create_post>().find("body-schema") != nullptr);
    CHECK(describe_endpoint<blog::ping>().find("result-schema") == nullptr);
}

#include <boost/asio/awaitable.hpp>

namespace {
struct fake_context {};
} // namespace

TEST_CASE("endpoint: replies carry a result or a declared condition with its status") {
    reply<blog::get_post> ok = blog::post{"p1", "Hello"};
    CHECK(ok.ok());
    CHECK(ok.status() == status_code::ok);
    CHECK(ok.value().title == "Hello");
    reply<blog::get_post> missing{blog::post_not_found{"p9"}, "No such post"};
    CHECK_FALSE(missing.ok());
    CHECK(missing.status() == status_code::not_found);
    CHECK(sx::canonical(typed::to_sx(missing.condition())) ==
          R"((condition :type post-not-found :message "No such post" :retry false :detail {:id "p9"}))");
    reply<blog::create_post> created = blog::post{"p2", "New"};
    CHECK(created.status() == status_code::created);
}

TEST_CASE("endpoint: the handler trait accepts plain and awaitable handlers") {
    auto plain = [](const blog::post_ref& r, const no_body&, fake_context&) { return blog::post{r.id, "t"}; };
    auto with_reply = [](const blog::post_ref&, const no_body&, fake_context&) -> reply<blog::get_post> {
        return blog::post_not_found{"x"};
    };
    auto coroutine = [](const blog::post_ref&, const no_body&, fake_context&) -> boost::asio::awaitable<reply<blog::get_post>> {
        co_return blog::post{"p", "t"};
    };
    STATIC_REQUIRE(handler_for<decltype(plain), blog::get_post, fake_context>);
    STATIC_REQUIRE(handler_for<decltype(with_reply), blog::get_post, fake_context>);
    STATIC_REQUIRE(handler_for<decltype(coroutine), blog::get_post, fake_context>);
    fake_context ctx;
    CHECK(with_reply(blog::post_ref{"x", {}}, no_body{}, ctx).status() == status_code::not_found);
}

namespace {
struct implied_stream : sxtp::endpoint<"subscribe", "/implied"> {
    using chunk = std::string;
};
struct implied_events : sxtp::endpoint<"subscribe", "/implied-events"> {
    struct ping_event {
        static constexpr std::string_view sxtp_event = "tick";
        BOOST_HANA_DEFINE_STRUCT(ping_event, (std::int64_t, n));
    };
    using events = sxtp::events<ping_event>;
};
struct said_stream : sxtp::endpoint<"subscribe", "/said"> {
    using chunk = std::string;
    static constexpr bool streaming = true;  // still accepted
};
struct plain_call : sxtp::endpoint<"fetch", "/plain"> {
    using result = std::string;
};
} // namespace

TEST_CASE("endpoint: a chunk type or events make a server stream; saying streaming = true is still accepted") {
    STATIC_REQUIRE(sxtp::endpoint_check<implied_stream>::ok);
    STATIC_REQUIRE(sxtp::server_streams<implied_stream>);
    STATIC_REQUIRE(sxtp::server_streams<implied_events>);
    STATIC_REQUIRE(sxtp::server_streams<said_stream>);
    STATIC_REQUIRE_FALSE(sxtp::server_streams<plain_call>);
    STATIC_REQUIRE(sxtp::is_stream_endpoint<implied_stream>);
    CHECK(sxtp::describe_endpoint<implied_stream>().find("streaming")->as_bool());
}
