// Handlers take only what they use: each argument list a handler may have,
// plain and awaitable, unary and streaming, served and called for real.
#include "../support/net_harness.hpp"

using namespace sxtp_test;
using namespace std::chrono_literals;
namespace asio = boost::asio;

namespace hf {
struct key {
    BOOST_HANA_DEFINE_STRUCT(key, (std::string, k));
};
struct text {
    BOOST_HANA_DEFINE_STRUCT(text, (std::string, t));
};
template <sxtp::fixed_string Path, class Params, class Body>
struct ep : sxtp::endpoint<"query", Path> {
    using params = Params;
    using body = Body;
    using result = std::string;
};
using with_both = ep<"/both", key, text>;
using params_only = ep<"/params", key, sxtp::no_body>;
using body_only = ep<"/body", sxtp::no_params, text>;
using neither = ep<"/neither", sxtp::no_params, sxtp::no_body>;

template <sxtp::fixed_string Path, class Params>
struct counting : sxtp::endpoint<"fetch", Path> {
    using params = Params;
    using chunk = std::int64_t;
};
using stream_with_params = counting<"/count", key>;
using stream_without = counting<"/tick", sxtp::no_params>;
} // namespace hf

// Which form each handler shape is taken as (detail::handler_form).
namespace {
using ctx = sxtp::call_context;
template <class E, class F>
constexpr int form_of = sxtp::detail::handler_form<E, F, ctx, false>::form;
struct p_b_c { std::string operator()(const hf::key&, const hf::text&, ctx&) const; };
struct p_c { std::string operator()(const hf::key&, ctx&) const; };
struct p_b { std::string operator()(const hf::key&, const hf::text&) const; };
struct p { std::string operator()(const hf::key&) const; };
struct b_c { std::string operator()(const hf::text&, ctx&) const; };
struct b { std::string operator()(const hf::text&) const; };
struct c { std::string operator()(ctx&) const; };
struct none { std::string operator()() const; };
static_assert(form_of<hf::with_both, p_b_c> == 1);
static_assert(form_of<hf::with_both, p_c> == 2);
static_assert(form_of<hf::with_both, p_b> == 3);
static_assert(form_of<hf::with_both, p> == 4);
static_assert(form_of<hf::with_both, b> == 0);      // an endpoint with params: its handler takes them
static_assert(form_of<hf::body_only, b_c> == 5);
static_assert(form_of<hf::body_only, b> == 6);
static_assert(form_of<hf::body_only, c> == 0);      // … and with a body, params or the body
static_assert(form_of<hf::neither, c> == 7);
static_assert(form_of<hf::neither, none> == 8);
static_assert(form_of<hf::params_only, none> == 0);
// a streaming handler always takes its stream
static_assert(sxtp::detail::handler_form<hf::stream_with_params, p, sxtp::stream<hf::stream_with_params>, true>::form == 0);
} // namespace

TEST_CASE("handler forms: every argument list a handler may take is served") {
    harness h(kind::tcp);
    auto& srv = *h.srv;
    srv.handle<hf::with_both>([](const hf::key& k, const hf::text& t) { return k.k + "+" + t.t; });
    srv.handle<hf::params_only>([](const hf::key& k, sxtp::call_context& cx) -> asio::awaitable<std::string> {
        co_return k.k + " from " + std::string(cx.peer.substr(0, 9));
    });
    srv.handle<hf::body_only>([](const hf::text& t) -> sxtp::reply<hf::body_only> { return "body " + t.t; });
    srv.handle<hf::neither>([]() -> asio::awaitable<std::string> { co_return "nothing needed"; });
    srv.handle<hf::stream_with_params>([](const hf::key& k, sxtp::stream<hf::stream_with_params>& out) -> asio::awaitable<void> {
        for (std::int64_t i = 0; i < static_cast<std::int64_t>(k.k.size()); ++i)
            if (!co_await out.write(i)) co_return;
    });
    srv.handle<hf::stream_without>([](sxtp::stream<hf::stream_without>& out) -> asio::awaitable<void> {
        const bool sent = co_await out.write(std::int64_t{7});
        (void)sent;
    });
    sxtp::client cl(h.io.get_executor(), h.where, h.client_options());
    h.run([&]() -> asio::awaitable<void> {
        auto both = co_await cl.call<hf::with_both>({"a"}, {"b"});
        CHECK(both.value() == "a+b");
        auto params = co_await cl.call<hf::params_only>({"k"});
        CHECK(params.value() == "k from 127.0.0.1");
        auto body = co_await cl.call<hf::body_only>({}, {"t"});
        CHECK(body.value() == "body t");
        auto nothing = co_await cl.call<hf::neither>({});
        CHECK(nothing.value() == "nothing needed");
        auto s = co_await cl.open<hf::stream_with_params>({"abc"});
        std::vector<std::int64_t> got;
        while (auto n = co_await s.next()) got.push_back(*n);
        CHECK(got == std::vector<std::int64_t>{0, 1, 2});
        auto t = co_await cl.open<hf::stream_without>({});
        auto first = co_await t.next();
        REQUIRE(first);
        CHECK(*first == 7);
    });
}
